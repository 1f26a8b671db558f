"""The Dashboard's "Labels to print": one EasyPost batch PDF holding every label bought since the last print.

Real parts: the official easypost client against the EasyPost stand-in (whose batch PDFs hold one page
per label), the journal, a local workbook and, for Google, gspread against the Sheets stand-in.
"""
import argparse
import re
from datetime import datetime, timedelta, timezone

import pytest
import requests
from openpyxl import load_workbook

from automations.runner import Runner
from cli import labels_cmd
from core.config import Settings
from core.http import RetryPolicy
from core.journal import Journal
from core.models import Platform
from sheet_schema.tabs import DASHBOARD, ORDERS, WORKBOOK
from sheets.google_backend import GoogleSheetsBackend
from sheets.local_backend import LocalWorkbookBackend
from tests.foundation.factories import make_order
from tests.fulfilment.helpers import FakePlatform
from tests.labels.test_label_flow import type_cells
from tests.labels.test_labels_standins import env
from tests.standin.easypost import EasyPostStandin
from tests.standin.sheets_server import SheetsStandin

T0 = datetime(2026, 12, 4, 9, 0, tzinfo=timezone.utc)


class Clock:
    def __init__(self):
        self.now = T0

    def __call__(self):
        return self.now


@pytest.fixture()
def shop(tmp_path):
    easypost = EasyPostStandin().start()
    settings = Settings(env=env(easypost), db=str(tmp_path / "j.db"), workbook=str(tmp_path / "t.xlsx"))
    clock = Clock()

    def start():
        runner = Runner(settings, Journal(settings.db), LocalWorkbookBackend(settings.workbook),
                        connectors={"etsy": FakePlatform(Platform.ETSY)})
        runner.pipeline.prints.clock = clock
        return runner

    runner = start()
    runner.ingest([make_order(f"E-{i}", platform="etsy", minutes=i) for i in range(8)])
    runner.flush()
    runner.watch()

    class S:
        pass
    s = S()
    s.runner, s.easypost, s.clock, s.start, s.path, s.settings = runner, easypost, clock, start, tmp_path / "t.xlsx", settings
    yield s
    s.runner.close()
    easypost.stop()


def dash(path) -> dict:
    ws = load_workbook(path)[DASHBOARD]
    return {a1: ws[a1].value or "" for a1 in ("D8", "D9", "D10", "D11", "D12")}


def pdf(url) -> tuple[int, set[str]]:
    """Pages in the PDF at url, and the tracking numbers printed on them."""
    body = requests.get(url, timeout=5).content
    assert body.startswith(b"%PDF")
    return body.count(b"/Type/Page/"), set(re.findall(rb"\((\S+) shp_", body))


def tracking(path, oids) -> set[bytes]:
    ws = load_workbook(path)[ORDERS]
    header = [c.value for c in ws[1]]
    return {str(r[header.index("Tracking #")]).encode() for r in ws.iter_rows(min_row=2, values_only=True)
            if r[0] in oids}


def buy(s, oids):
    type_cells(s.path, "Label", {o: "BUY" for o in oids})
    s.runner.watch(push=True)  # bought; the batch is made and its PDF asked for
    s.runner.watch(push=True)  # EasyPost has rendered it: the link appears


def test_one_pdf_holds_every_label_bought_since_the_last_print(shop):
    s = shop
    # given three labels bought
    before = len(s.easypost.requests)
    buy(s, {"TC-1", "TC-2", "TC-3"})
    # then the Dashboard counts them and links one PDF holding exactly those three labels
    cells = dash(s.path)
    assert cells["D8"] == "Labels to print" and cells["D9"] == "3 labels bought since the last print"
    assert cells["D10"].startswith(s.easypost.url) and cells["D10"].endswith(".pdf")
    assert cells["D11"] == "Printed them? Choose PRINTED in the cell below"
    assert pdf(cells["D10"]) == (3, tracking(s.path, {"TC-1", "TC-2", "TC-3"}))
    batch_calls = [r for r in s.easypost.requests[before:] if "/batches" in r.path]
    assert [(r.method, r.path.rsplit("/", 1)[-1]) for r in batch_calls][:3] == [
        ("POST", "batches"), ("POST", "add_shipments"), ("POST", "label")]
    assert len(batch_calls) == 4  # create, add, label, one look
    print(f"PDF of 3 labels: {len(batch_calls)} EasyPost batch requests")

    # when a fourth is bought while that PDF is shown, it joins within the set minutes, not at once
    buy(s, {"TC-4"})
    assert dash(s.path)["D9"].startswith("4 labels bought since the last print — the PDF below holds 3")
    s.clock.now += timedelta(minutes=5)
    s.runner.watch()
    s.runner.watch()
    cells = dash(s.path)
    assert cells["D9"] == "4 labels bought since the last print"
    assert pdf(cells["D10"]) == (4, tracking(s.path, {"TC-1", "TC-2", "TC-3", "TC-4"}))
    first, second = (r.body["shipments"] for r in s.easypost.requests_to("POST", "add_shipments"))
    assert len(first) == 3 and len(second) == 1 and second[0] not in first  # only the new label was added

    # when the seller chooses PRINTED under the link
    wb = load_workbook(s.path)
    wb[DASHBOARD]["D12"] = "PRINTED"
    wb.save(s.path)
    s.runner.watch()
    # then those four count as printed, the cell empties and nothing waits
    cells = dash(s.path)
    assert cells["D9"] == "None waiting: every label bought is printed"
    assert cells["D10"] == cells["D11"] == cells["D12"] == ""

    # and after a restart, the next labels start a new PDF holding only them
    s.runner.close()
    s.runner = s.start()
    buy(s, {"TC-5", "TC-6"})
    cells = dash(s.path)
    assert cells["D9"] == "2 labels bought since the last print"
    assert pdf(cells["D10"]) == (2, tracking(s.path, {"TC-5", "TC-6"}))
    assert len(s.easypost.batches) == 2


def test_a_voided_label_leaves_the_pdf(shop):
    s = shop
    buy(s, {"TC-1", "TC-2"})
    type_cells(s.path, "Label", {"TC-2": "VOID"})
    s.runner.watch()
    s.clock.now += timedelta(minutes=5)
    s.runner.watch()
    s.runner.watch()
    cells = dash(s.path)
    assert cells["D9"] == "1 label bought since the last print"
    assert pdf(cells["D10"]) == (1, tracking(s.path, {"TC-1"}))
    assert len(s.easypost.requests_to("POST", "remove_shipments")) == 1


def test_a_pdf_easypost_never_finishes_is_asked_for_again(shop):
    s = shop
    s.easypost.label_polls_needed = 10_000  # EasyPost never finishes this rendering
    buy(s, {"TC-1"})
    assert dash(s.path)["D10"] == "Making the PDF at EasyPost…"
    s.clock.now += timedelta(minutes=10)
    s.runner.watch()  # ten minutes on, still not made: asked for again
    assert len(s.easypost.requests_to("POST", "/label")) == 2
    s.easypost.label_polls_needed = 1  # this time EasyPost finishes
    s.runner.watch()
    assert pdf(dash(s.path)["D10"])[0] == 1
    assert len(s.easypost.requests_to("POST", "/label")) == 2 and len(s.easypost.batches) == 1


def test_labels_print_saves_the_same_pdf_and_counts_it_printed(shop, tmp_path):
    s = shop
    buy(s, {"TC-1", "TC-2"})
    shown = dash(s.path)["D10"]
    out: list[str] = []
    # when the seller prints from the command line
    code = labels_cmd.run(argparse.Namespace(action="print", out=str(tmp_path / "l.pdf")), s.settings, out.append,
                          fetch=lambda url: requests.get(url, timeout=5).content)
    # then the PDF saved is the Dashboard's (no second batch), and the labels count as printed
    assert code == 0, out
    assert out[-1].startswith("Saved 2 label(s)") and shown in out[-1]
    assert (tmp_path / "l.pdf").read_bytes().count(b"/Type/Page/") == 2 and len(s.easypost.batches) == 1
    s.runner.watch()
    assert dash(s.path)["D9"] == "None waiting: every label bought is printed"


def test_google_sheet_shows_the_link_and_takes_printed(tmp_path):
    easypost, sheets = EasyPostStandin().start(), SheetsStandin()
    sheets.start()
    try:
        sid = sheets.create_spreadsheet("TrueCraft")
        cred = sheets.write_service_account_file(tmp_path / "sa.json")
        backend = GoogleSheetsBackend(sid, str(cred), sheets.url, budget_per_minute=1000,
                                      policy=RetryPolicy(attempts=6, base=0.01, cap=0.05, timeout=10))
        runner = Runner(Settings(backend="google", env=env(easypost)), Journal(tmp_path / "j.db"), backend,
                        connectors={"etsy": FakePlatform(Platform.ETSY)})
        runner.backend.init_layout(WORKBOOK, 70)
        runner.ingest([make_order(f"E-{i}", platform="etsy", minutes=i) for i in range(3)])
        runner.flush()
        runner.watch()
        rows = sheets.values(sid, ORDERS)
        col = chr(65 + rows[0].index("Label"))
        for n in (2, 3):
            sheets.human_set(sid, ORDERS, f"{col}{n}", "BUY")
        runner.watch(push=True)
        runner.watch(push=True)
        board = sheets.values(sid, DASHBOARD)
        assert board[8][3] == "2 labels bought since the last print" and board[9][3].endswith(".pdf")
        assert pdf(board[9][3])[0] == 2
        # when the seller chooses PRINTED, one cycle reads it in its one read and clears it
        sheets.human_set(sid, DASHBOARD, "D12", "PRINTED")
        sheets.reset_counts()
        runner.watch()
        board = sheets.values(sid, DASHBOARD)
        assert board[8][3] == "None waiting: every label bought is printed"
        assert len(board) < 12 or len(board[11]) < 4 or board[11][3] == ""
        print(f"PRINTED cycle: {len(sheets.requests)} Sheets requests")
        assert len(sheets.requests) <= 4, sheets.requests
        runner.close()
    finally:
        sheets.stop()
        easypost.stop()
