"""A sort during a cycle never moves a value to another order (issue 17.2 and 17.3)."""
from __future__ import annotations

from openpyxl import load_workbook

from sheet_schema.tabs import ORDERS, WORKBOOK
from sheets.local_backend import LocalWorkbookBackend
from sheets.sync import SheetSync
from tests.foundation.factories import make_order
from tests.foundation.test_google_new_rows import g  # noqa: F401 - fixture

TRACKING = "1Z999AA10123456784"


def _by_order(rows):
    header = rows[0]
    return {r[0]: dict(zip(header, list(r) + [""] * (len(header) - len(r)))) for r in rows[1:] if r}


def _three_orders(journal):
    for pid, name in (("1", "Mia Brown"), ("2", "Zoe Adams"), ("3", "Ann Clark")):
        journal.upsert(make_order(pid, name=name, minutes=int(pid)))


def test_google_sort_between_read_and_write(g):  # noqa: F811
    # given three orders in the sheet, and TC-2 shipped by the service (its Status and Tracking # to write)
    g.backend.init_layout(WORKBOOK)
    _three_orders(g.journal)
    g.sync.flush()
    g.journal.set_fields("TC-2", source="etsy", push=True, status="FULFILLED", carrier="UPS", tracking=TRACKING)
    # when the cycle reads the sheet, then a person sorts it by Customer before the cycle writes
    snapshot = g.sync.read_orders()
    header = g.standin.values(g.sid, ORDERS)[0]
    g.standin.human_sort(g.sid, ORDERS, header.index("Customer"))
    g.sync.flush(snapshot=snapshot)
    # then TC-2's row holds TC-2's tracking number, and no other row does
    rows = _by_order(g.standin.values(g.sid, ORDERS))
    assert rows["TC-2"]["Tracking #"] == TRACKING and rows["TC-2"]["Status"] == "FULFILLED"
    assert rows["TC-1"]["Tracking #"] == rows["TC-3"]["Tracking #"] == ""
    assert rows["TC-3"]["Status"] == rows["TC-1"]["Status"] == "UNFULFILLED"


def test_local_workbook_sorted_and_saved_between_read_and_write(tmp_path):
    from core.journal import Journal

    journal = Journal(tmp_path / "j.db")
    backend = LocalWorkbookBackend(tmp_path / "t.xlsx")
    sync = SheetSync(journal, backend)
    backend.init_layout(WORKBOOK)
    _three_orders(journal)
    sync.flush()
    journal.set_fields("TC-2", source="etsy", push=True, status="FULFILLED", carrier="UPS", tracking=TRACKING)
    snapshot = sync.read_orders()
    # a person moves the last data row to the top in Excel and saves
    wb = load_workbook(tmp_path / "t.xlsx")
    ws = wb[ORDERS]
    data = [[c.value for c in row] for row in ws.iter_rows(min_row=2, max_row=4)]
    for r, values in enumerate(data[-1:] + data[:-1], start=2):
        for c, value in enumerate(values, start=1):
            ws.cell(row=r, column=c, value=value)
    wb.save(tmp_path / "t.xlsx")
    sync.flush(snapshot=snapshot)
    ws = load_workbook(tmp_path / "t.xlsx")[ORDERS]
    rows = _by_order([[("" if c.value is None else str(c.value)) for c in row] for row in ws.iter_rows()])
    assert rows["TC-2"]["Tracking #"] == TRACKING
    assert rows["TC-1"]["Tracking #"] == rows["TC-3"]["Tracking #"] == ""
    journal.close()
