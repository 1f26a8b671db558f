"""Real numbers and dates (issue 14.6): money as numbers with a currency format on every cell, times as
date-times on the seller's clock, and Manual Entry's text columns, notes and dropdowns.

Checked in the demo workbook (openpyxl) and in the Google stand-in after init and a flush.
"""
import dataclasses
from datetime import datetime

import pytest

from core.http import RetryPolicy
from core.journal import Journal
from core.models import Money
from sheet_schema.tabs import MANUAL_ENTRY, MANUAL_ENTRY_TAB, ORDERS, WORKBOOK
from sheets.google_backend import GoogleSheetsBackend
from sheets.local_backend import LocalWorkbookBackend
from sheets.sync import SheetSync
from tests.e2e.test_sheet_look import demo_wb  # noqa: F401 - the demo workbook fixture
from tests.foundation.factories import make_order

POLICY = RetryPolicy(attempts=2, base=0.0, cap=0.0, timeout=10, sleep=lambda s: None)
TZ = "America/Los_Angeles"


def _orders(journal):
    # 11:00 UTC is 03:00 in Los Angeles; one order is in pounds
    pounds = dataclasses.replace(make_order("2", minutes=5), total=Money("48.50", "GBP"))
    journal.upsert_many([make_order("1"), pounds])


def test_demo_money_and_times_are_numbers_and_date_times_with_formats_on_every_cell(demo_wb):  # noqa: F811
    ws = demo_wb[ORDERS]
    header = [c.value for c in ws[1]]
    total, received = header.index("Total") + 1, header.index("Received") + 1
    for r in range(2, ws.max_row + 1):
        assert isinstance(ws.cell(row=r, column=total).value, (int, float))
        assert ws.cell(row=r, column=total).number_format == '"$"#,##0.00'
        assert isinstance(ws.cell(row=r, column=received).value, datetime)
        assert ws.cell(row=r, column=received).number_format == "yyyy-mm-dd hh:mm"


def test_demo_manual_entry_keeps_postal_code_and_phone_as_text_and_says_who_fills_what(demo_wb):  # noqa: F811
    ws = demo_wb[MANUAL_ENTRY]
    header = [c.value for c in ws[1]]
    for name in ("Postal Code", "Phone"):
        letter = chr(65 + header.index(name))
        assert ws.column_dimensions[letter].number_format == "@", name
    notes = {h: ws.cell(row=1, column=i + 1).comment for i, h in enumerate(header)}
    assert notes["Customer"].text.startswith("You fill this in")
    assert notes["Order ID"].text.startswith("TrueCraft fills this in")
    lists = {str(dv.sqref).split(":")[0].rstrip("0123456789"): dv for dv in ws.data_validations.dataValidation}
    assert "GB" in lists[chr(65 + header.index("Country"))].formula1
    assert "EUR" in lists[chr(65 + header.index("Currency"))].formula1


def test_local_order_in_another_currency_shows_its_own_currency(tmp_path):
    journal = Journal(tmp_path / "j.db")
    backend = LocalWorkbookBackend(tmp_path / "t.xlsx")
    backend.init_layout(WORKBOOK)
    _orders(journal)
    SheetSync(journal, backend, tz=TZ).flush()
    journal.close()
    from openpyxl import load_workbook
    ws = load_workbook(tmp_path / "t.xlsx")[ORDERS]
    header = [c.value for c in ws[1]]
    rows = {r[0].value: r for r in ws.iter_rows(min_row=2)}
    assert rows["TC-2"][header.index("Total")].number_format == '"£"#,##0.00'
    assert rows["TC-1"][header.index("Received")].value == datetime(2026, 11, 27, 3, 0)


@pytest.fixture()
def google(tmp_path):
    from tests.standin.sheets_server import SheetsStandin

    standin = SheetsStandin().start()
    sid = standin.create_spreadsheet("TrueCraft")
    backend = GoogleSheetsBackend(sid, standin.write_service_account_file(tmp_path / "sa.json"), standin.url,
                                  budget_per_minute=1000, policy=POLICY)
    journal = Journal(tmp_path / "j.db")
    backend.init_layout(WORKBOOK)
    _orders(journal)
    sync = SheetSync(journal, backend, tz=TZ)
    sync.flush()
    yield standin, sid, journal, sync, backend
    journal.close()
    standin.stop()


def test_google_money_and_times_are_numbers_shown_through_their_formats(google):
    standin, sid, journal, sync, _ = google
    sheet = standin.sheet(sid, ORDERS)
    header = standin.values(sid, ORDERS)[0]
    total, received = header.index("Total"), header.index("Received")
    shown = {row[0]: row for row in standin.values(sid, ORDERS)[1:]}
    # then the cells hold numbers (a serial number for the time), and people see money and a clock time
    assert sheet.lookup(1, total)["v"] == {"numberValue": 200}
    assert "numberValue" in sheet.lookup(1, received)["v"]
    assert sheet.lookup(1, received)["fmt"]["numberFormat"] == {"type": "DATE_TIME", "pattern": "yyyy-mm-dd hh:mm"}
    assert sheet.lookup(1, total)["fmt"]["numberFormat"]["type"] == "CURRENCY"
    assert shown["TC-1"][total] == "$200.00" and shown["TC-2"][total] == "£48.50"
    assert shown["TC-1"][received] == "2026-11-27 03:00"
    # and what TrueCraft reads back counts as what it wrote (no rewrite every cycle)
    from sheets.rows import cell_value, order_row, same_value
    from sheet_schema.tabs import ORDERS_TAB
    wanted = order_row(journal.get("TC-2"), TZ)
    for key, idx in (("received", received), ("total", total)):
        column = ORDERS_TAB.column(key)
        assert same_value(column, shown["TC-2"][idx], cell_value(column, wanted[key])), key


def test_google_manual_entry_text_columns_notes_and_dropdowns(google):
    standin, sid, *_ = google
    sheet = standin.sheet(sid, MANUAL_ENTRY)
    header = standin.values(sid, MANUAL_ENTRY)[0]
    for name in ("Postal Code", "Phone"):
        assert sheet.lookup(5, header.index(name))["fmt"]["numberFormat"]["type"] == "TEXT", name
    # when a person types a ZIP with a leading zero, it stays as typed
    letter = chr(65 + header.index("Postal Code"))
    standin.human_set(sid, MANUAL_ENTRY, f"{letter}2", "02134")
    assert standin.values(sid, MANUAL_ENTRY)[1][header.index("Postal Code")] == "02134"
    assert sheet.lookup(0, header.index("Customer"))["note"].startswith("You fill this in")
    assert sheet.lookup(0, header.index("Entry ID"))["note"].startswith("TrueCraft fills this in")
    for name, value in (("Country", "GB"), ("Currency", "EUR")):
        rule = sheet.data_validation[(1, header.index(name))]
        assert {"userEnteredValue": value} in rule["condition"]["values"] and rule["strict"] is False
    assert all(c.note for c in MANUAL_ENTRY_TAB.columns)


def test_money_of_an_order_is_exact_in_the_cell():
    # a guard on the row builder: money goes out as a number, never text
    from sheets.rows import cell_value
    from sheet_schema.tabs import ORDERS_TAB
    assert cell_value(ORDERS_TAB.column("total"), Money("48.50", "GBP").amount) == 48.5


def test_init_makes_times_an_older_version_wrote_as_text_real_date_times(tmp_path):
    # given a local workbook whose Received cells are text, as TrueCraft wrote them before issue 14
    from openpyxl import load_workbook
    backend = LocalWorkbookBackend(tmp_path / "t.xlsx")
    backend.init_layout(WORKBOOK)
    wb = load_workbook(tmp_path / "t.xlsx")
    ws = wb[ORDERS]
    col = [c.value for c in ws[1]].index("Received") + 1
    ws.cell(row=2, column=1, value="TC-1")
    ws.cell(row=2, column=col, value="2026-11-27 14:05")
    ws.cell(row=3, column=1, value="TC-2")
    ws.cell(row=3, column=col, value="arrived by post")  # not one of our times: left alone
    wb.save(tmp_path / "t.xlsx")
    # when init runs
    done = backend.init_layout(WORKBOOK)
    # then the time is a date-time, and a person's text stays text
    ws = load_workbook(tmp_path / "t.xlsx")[ORDERS]
    assert ws.cell(row=2, column=col).value == datetime(2026, 11, 27, 14, 5)
    assert ws.cell(row=3, column=col).value == "arrived by post"
    assert any("made real date-times" in d for d in done)


def test_google_init_makes_text_times_real_date_times(google):
    standin, sid, _, _, backend = google
    header = standin.values(sid, ORDERS)[0]
    sheet = standin.sheet(sid, ORDERS)
    sheet.set_cell(1, header.index("Received"), {"v": {"stringValue": "2026-11-27 14:05"}})
    done = backend.init_layout(WORKBOOK)
    assert any("made real date-times" in d for d in done)
    assert "numberValue" in sheet.lookup(1, header.index("Received"))["v"]
    assert standin.values(sid, ORDERS)[1][header.index("Received")] == "2026-11-27 14:05"
    assert not any("date-times" in d for d in backend.init_layout(WORKBOOK))
