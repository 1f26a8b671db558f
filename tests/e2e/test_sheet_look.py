"""A sheet a seller reads at a glance (issue 14.1, 14.2, 14.8): the demo workbook and the Google stand-in.

Working columns first, Order ID frozen with the header, a filter on every tab,
long text wrapped, resolved rows coloured as resolved whatever their duplicate
score, and print setup on Orders, Duplicates and the Dashboard.
"""
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from core.http import RetryPolicy
from core.journal import Journal
from sheet_schema.tabs import DASHBOARD, DUPLICATES, ORDERS, ORDERS_TAB, WORKBOOK
from sheets.google_backend import GoogleSheetsBackend
from sheets.sync import SheetSync
from tests.foundation.factories import make_order
from tests.foundation.rule_eval import winning_colour
from tests.standin import cellvalues
from tests.standin.sheets_server import SheetsStandin

ROOT = Path(__file__).resolve().parents[2]
WORKING = ["Order ID", "Received", "Platform", "Customer", "Items", "Total", "Status", "Carrier", "Tracking #"]
GREY, GREEN, RED = "EFEFEF", "D9EAD3", "F4C7C3"
POLICY = RetryPolicy(attempts=2, base=0.0, cap=0.0, timeout=10, sleep=lambda s: None)


@pytest.fixture(scope="module")
def demo_wb(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    out = subprocess.run([sys.executable, str(ROOT / "main.py"), "demo", "--dir", str(folder)], cwd=folder,
                         capture_output=True, text=True, timeout=300,
                         env={"PATH": "/usr/bin:/bin", "TRUECRAFT_DOTENV": str(folder / "none.env")})
    assert out.returncode == 0, out.stderr
    return load_workbook(folder / "truecraft-demo.xlsx")


@pytest.fixture()
def google(tmp_path):
    standin = SheetsStandin().start()
    sid = standin.create_spreadsheet("TrueCraft")
    backend = GoogleSheetsBackend(sid, standin.write_service_account_file(tmp_path / "sa.json"), standin.url,
                                  budget_per_minute=1000, policy=POLICY)
    journal = Journal(tmp_path / "j.db")
    sync = SheetSync(journal, backend)
    backend.init_layout(WORKBOOK)
    journal.upsert_many([make_order("1"), make_order("2", minutes=3), make_order("3", minutes=9)])
    journal.set_fields("TC-2", status="MERGED", dup_score=100, dup_of="TC-1", push=True,
                       match_reasons="Same customer; same product; 3-min gap; same amount")
    journal.set_fields("TC-3", dup_score=100, dup_of="TC-1")
    sync.flush()
    yield standin, sid, backend
    journal.close()
    standin.stop()


def _local_rules(ws) -> list[tuple[str, str]]:
    rules = sorted((r for cf in ws.conditional_formatting for r in cf.rules), key=lambda r: r.priority)
    return [(r.formula[0], r.dxf.fill.bgColor.rgb[-6:]) for r in rules]


def _google_rules(sheet) -> list[tuple[str, str]]:
    out = []
    for rule in sheet.conditional_formats:
        bg = rule["booleanRule"]["format"]["backgroundColor"]
        hexed = "".join(f"{round(bg.get(k, 0) * 255):02X}" for k in ("red", "green", "blue"))
        out.append((rule["booleanRule"]["condition"]["values"][0]["userEnteredValue"], hexed))
    return out


def test_demo_orders_show_the_working_columns_first_frozen_filtered_and_wrapped(demo_wb):
    ws = demo_wb[ORDERS]
    header = [c.value for c in ws[1]]
    assert header[:9] == WORKING
    assert ws.freeze_panes == "B2"  # header row and the Order ID column stay in view
    reasons = header.index("Match Reasons") + 1
    assert ws.cell(row=1, column=header.index("Duplicate Score") + 1).alignment.wrap_text
    assert all(ws.cell(row=r, column=reasons).alignment.wrap_text for r in range(2, ws.max_row + 1))
    assert ws.column_dimensions["E"].width >= 30  # Items: wide enough to read a product name


def test_every_demo_tab_has_a_filter_over_all_its_rows(demo_wb):
    for tab in WORKBOOK.tabs:
        if tab.name == DASHBOARD:
            continue
        ws = demo_wb[tab.name]
        ref = ws.auto_filter.ref
        assert ref and ref.startswith("A1:"), tab.name
        assert int("".join(ch for ch in ref.split(":")[1] if ch.isdigit())) >= ws.max_row, tab.name


def test_demo_merged_row_with_score_100_is_grey_and_open_duplicates_are_red(demo_wb):
    ws = demo_wb[ORDERS]
    header = [c.value for c in ws[1]]
    status, score = header.index("Status"), header.index("Duplicate Score")
    rules = _local_rules(ws)
    rows = {r[0]: list(r) for r in ws.iter_rows(min_row=2, values_only=True)}
    assert rows["TC-7"][status] == "MERGED" and rows["TC-7"][score] == 100
    assert winning_colour(rules, rows["TC-7"]) == GREY
    assert all(winning_colour(rules, r) == GREEN for r in rows.values() if r[status] == "FULFILLED")
    still_open = list(rows["TC-7"])
    still_open[status] = "UNFULFILLED"
    assert winning_colour(rules, still_open) == RED


def test_demo_prints_landscape_one_page_wide_with_the_header_on_every_page(demo_wb):
    for name in (ORDERS, DUPLICATES, DASHBOARD):
        ws = demo_wb[name]
        assert ws.page_setup.orientation == "landscape", name
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1, name
        assert ws.page_setup.fitToHeight == 0, name
        assert ws.print_title_rows == "$1:$1", name
    # Orders prints its working columns, Order ID to Match Reasons, down to the last order
    header = [c.value for c in demo_wb[ORDERS][1]]
    last = chr(65 + header.index("Match Reasons"))
    assert demo_wb[ORDERS].print_area == f"'Orders'!$A$1:${last}${demo_wb[ORDERS].max_row}"


def test_google_sheet_after_init_and_flush_has_the_same_layout(google):
    standin, sid, _ = google
    sheet = standin.sheet(sid, ORDERS)
    header = standin.values(sid, ORDERS)[0]
    assert header[:9] == WORKING
    assert (sheet.frozen_rows, sheet.frozen_columns) == (1, 1)
    for tab in WORKBOOK.tabs:
        if tab.name != DASHBOARD:
            assert standin.sheet(sid, tab.name).basic_filter is not None, tab.name
    reasons = header.index("Match Reasons")
    assert sheet.lookup(0, header.index("Duplicate Score"))["fmt"]["wrapStrategy"] == "WRAP"
    assert all(sheet.lookup(r, reasons)["fmt"]["wrapStrategy"] == "WRAP" for r in (1, 2, 3))
    widths = {i: p.get("pixelSize") for (d, i), p in sheet.dimension_properties.items() if d == "COLUMNS"}
    assert widths[header.index("Items")] == ORDERS_TAB.column("items").width


def test_google_merged_row_with_score_100_is_grey_and_an_undecided_one_red(google):
    standin, sid, _ = google
    sheet = standin.sheet(sid, ORDERS)
    rules = _google_rules(sheet)
    header = standin.values(sid, ORDERS)[0]
    rows = {}
    for r in range(1, 4):
        row = [cellvalues.effective(sheet.lookup(r, c), sheet.lookup) for c in range(len(header))]
        rows[row[0]] = (r + 1, row)
    status = header.index("Status")
    assert rows["TC-2"][1][status] == "MERGED"
    assert winning_colour(rules, rows["TC-2"][1], rows["TC-2"][0]) == GREY
    assert winning_colour(rules, rows["TC-3"][1], rows["TC-3"][0]) == RED
    assert winning_colour(rules, rows["TC-1"][1], rows["TC-1"][0]) is None


def test_google_init_puts_an_old_duplicate_first_rule_order_right_once(google):
    # given a sheet with a rule from before issue 14 (duplicate colour first, no status guard) and a person's own
    standin, sid, backend = google
    sheet = standin.sheet(sid, ORDERS)
    header = standin.values(sid, ORDERS)[0]
    score = chr(65 + header.index("Duplicate Score"))
    rng = sheet.conditional_formats[0]["ranges"]

    def rule(formula, red):
        return {"ranges": rng, "booleanRule": {"condition": {"type": "CUSTOM_FORMULA", "values": [
            {"userEnteredValue": formula}]}, "format": {"backgroundColor": {"red": red}}}}
    sheet.conditional_formats.insert(0, rule(f"=AND(ROW()>1,AND(ISNUMBER(${score}1),${score}1>=85))", 0.9))
    sheet.conditional_formats.insert(0, rule("=$A1=\"mine\"", 0.5))
    # when init runs (twice)
    first = backend.init_layout(WORKBOOK)
    again = backend.init_layout(WORKBOOK)
    # then TrueCraft's rules come first in order, the old one is gone, hers stays, and nothing churns
    formulas = [f for f, _ in _google_rules(standin.sheet(sid, ORDERS))]
    assert any("colour rules" in d for d in first) and not any("colour rules" in d for d in again)
    assert len(formulas) == len(ORDERS_TAB.colour_rules) + 1 and formulas[-1] == '=$A1="mine"'
    assert 'MERGED' in formulas[0] and "ISNUMBER" not in formulas[0]
