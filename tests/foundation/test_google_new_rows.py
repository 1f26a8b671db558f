"""Rows TrueCraft adds to a Google sheet are real data rows (issue 11.1; shared/specs/FACTS.md 1-3).

The Sheets stand-in copies what Google does to appended rows: they take the format
and validation of the row before them (the header, on a fresh tab), rule ranges move
like references, and what a person types goes through the cell's number format.
"""
import pytest

from automations.runner import Runner
from core.config import Settings
from core.http import RetryPolicy
from core.journal import Journal
from sheet_schema.tabs import ORDERS, ORDERS_TAB, WORKBOOK
from sheets.google_backend import GoogleSheetsBackend
from sheets.rows import Layout
from sheets.sync import SheetSync
from tests.foundation.factories import make_order
from tests.standin.sheets_server import SheetsStandin
from tests.standin.square_server import TOKEN, SquareStandin
from tests.standin.square_server import make_order as square_order

USPS = "9400111899223100000001"
POLICY = RetryPolicy(attempts=4, base=0.0, cap=0.0, timeout=10, sleep=lambda s: None)


@pytest.fixture()
def g(tmp_path):
    standin = SheetsStandin().start()
    sid = standin.create_spreadsheet("TrueCraft")
    cred = standin.write_service_account_file(tmp_path / "sa.json")
    backend = GoogleSheetsBackend(sid, cred, standin.url, budget_per_minute=1000, policy=POLICY)
    journal = Journal(tmp_path / "j.db")

    class Env:
        pass
    env = Env()
    env.standin, env.sid, env.backend, env.journal, env.tmp = standin, sid, backend, journal, tmp_path
    env.sync = SheetSync(journal, backend)
    yield env
    journal.close()
    standin.stop()


def _problems(standin, sid, tab_name, schema_tab, rows):
    """Every way a data row falls short of a data row, as readable strings."""
    sheet = standin.sheet(sid, tab_name)
    header = standin.values(sid, tab_name)[0]
    pos = Layout.from_header(schema_tab, header).positions
    out = []
    for r in rows:
        first = sheet.lookup(r, 0).get("fmt", {})
        if first.get("textFormat", {}).get("bold") or "backgroundColor" in first:
            out.append(f"row {r + 1} looks like the header")
        for col in schema_tab.columns:
            c = pos[col.key]
            if col.choices and (sheet.data_validation.get((r, c)) or {}).get("condition", {}).get(
                    "type") != "ONE_OF_LIST":
                out.append(f"row {r + 1} has no {col.header} dropdown")
            if col.number_format == "@" and (sheet.lookup(r, c).get("fmt", {}).get("numberFormat") or {}).get(
                    "type") != "TEXT":
                out.append(f"row {r + 1} {col.header} is not plain text")
        for i, rule in enumerate(sheet.conditional_formats):
            if not any(rng.get("startRowIndex", 0) <= r < rng.get("endRowIndex", 10**9)
                       for rng in rule.get("ranges", [])):
                out.append(f"row {r + 1} is outside colour rule {i}")
    return out


@pytest.mark.parametrize("first,second", [(1, 0), (50, 0), (1000, 0), (1, 50)])
def test_every_appended_order_row_is_a_data_row(g, first, second):
    # given a sheet set up by init
    g.backend.init_layout(WORKBOOK)
    rules_before = len(g.standin.sheet(g.sid, ORDERS).conditional_formats)
    # when TrueCraft flushes orders (and later more orders)
    for batch, offset in ((first, 0), (second, first)):
        if batch:
            g.journal.upsert_many([make_order(str(offset + i), minutes=offset + i) for i in range(batch)])
            g.sync.flush()
    # then every order row has the dropdowns, plain-text cells, the normal look, and the colour rules
    total = first + second
    assert len(g.standin.values(g.sid, ORDERS)) == total + 1
    assert rules_before > 0
    assert _problems(g.standin, g.sid, ORDERS, ORDERS_TAB, range(1, total + 1)) == []


def test_the_standin_gives_appended_rows_the_header_look_like_google(g):
    # given the header look and a TEXT column set by init, when rows are appended the way
    # Google does it, then without our fix they would come out bold: the stand-in must copy that
    g.backend.init_layout(WORKBOOK)
    sh = g.backend.spreadsheet
    sh.values_append(f"{ORDERS}!A1", {"valueInputOption": "RAW", "insertDataOption": "INSERT_ROWS"},
                     {"values": [["TC-1", "x"]]})
    sheet = g.standin.sheet(g.sid, ORDERS)
    assert sheet.lookup(1, 0)["fmt"]["textFormat"]["bold"] is True
    assert _problems(g.standin, g.sid, ORDERS, ORDERS_TAB, [1])


def test_typed_usps_number_stays_exact_in_a_text_cell_and_not_in_an_automatic_one(g):
    g.backend.init_layout(WORKBOOK)
    g.journal.upsert_many([make_order("1")])
    g.sync.flush()
    header = g.standin.values(g.sid, ORDERS)[0]
    col = chr(65 + header.index("Tracking #"))
    g.standin.human_set(g.sid, ORDERS, f"{col}2", USPS)
    g.standin.human_set(g.sid, ORDERS, "AZ2", USPS)  # a cell nobody formatted: Automatic
    shown = g.standin.values(g.sid, ORDERS)[1]
    assert shown[header.index("Tracking #")] == USPS
    assert shown[51] == "9.40011E+21"


def test_init_repairs_rows_an_older_version_appended(g):
    # given rows appended the old way (no look fix), straight after init
    g.backend.init_layout(WORKBOOK)
    header = g.standin.values(g.sid, ORDERS)[0]
    sh = g.backend.spreadsheet
    row = [""] * len(header)
    row[0], row[header.index("Notes")] = "TC-1", "gift wrap please"
    sh.values_append(f"{ORDERS}!A1", {"valueInputOption": "RAW", "insertDataOption": "INSERT_ROWS"},
                     {"values": [row, ["TC-2"]]})
    assert _problems(g.standin, g.sid, ORDERS, ORDERS_TAB, [1, 2])
    # when init runs again
    done = g.backend.init_layout(WORKBOOK)
    # then the rows are data rows, and nothing typed changed
    assert _problems(g.standin, g.sid, ORDERS, ORDERS_TAB, [1, 2]) == []
    assert g.standin.values(g.sid, ORDERS)[1][header.index("Notes")] == "gift wrap please"
    assert any("data-row look" in d for d in done)
    # and a third run changes nothing more
    assert not any("look" in d or "widened" in d for d in g.backend.init_layout(WORKBOOK))


def test_person_types_usps_number_into_an_appended_row_and_square_gets_exactly_it(g):
    square = SquareStandin().start()
    try:
        env = {"SQUARE_ACCESS_TOKEN": TOKEN, "SQUARE_API_URL": square.url, "SQUARE_LOCATION_IDS": "LOC1",
               "SQUARE_INVOICES": "off", "TRUECRAFT_BACKEND": "google"}
        from connectors.square.connector import SquareConnector

        settings = Settings(env=env, db=str(g.tmp / "j.db"))
        runner = Runner(settings, g.journal, g.backend, {"square": SquareConnector.from_env(env, policy=POLICY)})
        g.backend.init_layout(WORKBOOK)
        square.add_order(square_order("SQ-USPS", "2026-11-27T10:00:00Z", recipient={
            "display_name": "Ada Lovelace", "email_address": "ada@example.com",
            "address": {"address_line_1": "1 Loom St", "locality": "Portland", "postal_code": "97201",
                        "country": "US"}}))
        runner.poll_platforms()
        runner.watch()
        header = g.standin.values(g.sid, ORDERS)[0]
        for name, value in (("Status", "FULFILLED"), ("Carrier", "USPS"), ("Tracking #", USPS)):
            g.standin.human_set(g.sid, ORDERS, f"{chr(65 + header.index(name))}2", value)
        runner.watch()
        runner.push_pending()
        runner.watch()
        assert [c[2] for c in square.completions if c[0] == "SQ-USPS"] == [USPS]
    finally:
        square.stop()
