"""Manual Entry tab: a craft-fair row becomes an order; a bad row gets a plain message; typing is kept."""
import pytest
from openpyxl import load_workbook

from automations.runner import Runner
from core.config import Settings
from core.journal import Journal
from sheet_schema.tabs import MANUAL_ENTRY, ORDERS, WORKBOOK
from sheets.local_backend import LocalWorkbookBackend


@pytest.fixture()
def runner(tmp_path):
    r = Runner(Settings(), Journal(tmp_path / "j.db"), LocalWorkbookBackend(tmp_path / "t.xlsx"), connectors={})
    r.backend.init_layout(WORKBOOK)
    yield r, tmp_path / "t.xlsx"
    r.close()


def type_rows(path, rows):
    wb = load_workbook(path)
    ws = wb[MANUAL_ENTRY]
    header = [c.value for c in ws[1]]
    for i, values in enumerate(rows, start=2):
        for col, value in values.items():
            ws.cell(row=i, column=header.index(col) + 1, value=value)
    wb.save(path)


def table(path, tab):
    ws = load_workbook(path)[tab]
    header = [c.value for c in ws[1]]
    return [dict(zip(header, r)) for r in ws.iter_rows(min_row=2, values_only=True) if any(r)]


GOOD = {"Date": "2026-11-28", "Customer": "Walk-up Wendy", "Email": "wendy@example.com", "Item": "Stoneware Mug",
        "SKU": "MUG-SPK", "Quantity": "2", "Unit Price": "$30.00"}
BAD = {"Customer": "Pat", "Item": "Scarf", "Quantity": "two", "Unit Price": "25"}


def test_good_row_becomes_an_order_and_bad_row_is_explained(runner):
    r, path = runner
    type_rows(path, [GOOD, BAD])
    r.watch()
    r.watch()
    entry = table(path, MANUAL_ENTRY)
    assert entry[0]["Order ID"] == "TC-1" and entry[0]["TrueCraft Message"] == "Added to Orders as TC-1"
    assert entry[1]["Order ID"] is None and "Quantity 'two'" in entry[1]["TrueCraft Message"]
    assert entry[1]["Quantity"] == "two"  # what the person typed is never changed
    [order] = table(path, ORDERS)
    assert order["Platform"] == "Manual" and order["Customer"] == "Walk-up Wendy" and order["Total"] == 60


def test_fixed_row_is_added_and_nothing_is_added_twice(runner):
    r, path = runner
    type_rows(path, [GOOD, BAD])
    r.watch()
    type_rows(path, [GOOD, {**BAD, "Quantity": "1"}])
    r.watch()
    r.watch()
    assert [e["Order ID"] for e in table(path, MANUAL_ENTRY)] == ["TC-1", "TC-2"]
    assert len(table(path, ORDERS)) == 2


def test_crash_before_the_order_id_is_written_does_not_double(runner, monkeypatch):
    r, path = runner
    type_rows(path, [GOOD])
    # the order is stored, but the write of its Order ID beside the row never happens
    monkeypatch.setattr(r.backend, "write", lambda batch: (_ for _ in ()).throw(RuntimeError("crash")))
    with pytest.raises(RuntimeError):
        r.watch()
    monkeypatch.undo()
    r.watch()
    r.watch()
    assert r.journal.count() == 1 and table(path, MANUAL_ENTRY)[0]["Order ID"] == "TC-1"


def test_fixing_a_row_after_its_order_id_write_failed_updates_the_same_order(runner, monkeypatch):
    from sheets.base import SheetBusy

    r, path = runner
    real_write = r.backend.write

    def refuse_order_ids(batch):
        # the write that would put the Order ID on the Manual Entry row is refused (workbook open)
        if any(u.tab == MANUAL_ENTRY and any(str(v).startswith("TC-") for v in u.values) for u in batch.updates):
            raise SheetBusy("the workbook is open in Excel")
        return real_write(batch)
    monkeypatch.setattr(r.backend, "write", refuse_order_ids)
    type_rows(path, [GOOD])
    for _ in range(3):  # until the order is stored (its Order ID can't be written back)
        try:
            r.watch()
        except SheetBusy:
            break
    assert r.journal.count() == 1
    # when she corrects the price before TrueCraft could write the Order ID, and the workbook closes
    type_rows(path, [{**GOOD, "Unit Price": "$32.00"}])
    monkeypatch.setattr(r.backend, "write", real_write)
    r.watch()
    r.watch()
    # then there is still one order, with the corrected price, and the row shows its Order ID
    assert r.journal.count() == 1
    [order] = table(path, ORDERS)
    assert order["Total"] == 64
    assert table(path, MANUAL_ENTRY)[0]["Order ID"] == "TC-1"


def test_rows_sorted_and_saved_between_read_and_write_keep_their_own_order_ids(runner, monkeypatch):
    r, path = runner
    other = {**GOOD, "Customer": "Craft-fair Carl", "Email": "carl@example.com", "Unit Price": "$12.00"}
    type_rows(path, [GOOD, other])
    r.watch()  # both rows get their Entry IDs
    real_write = r.backend.write
    swapped = []

    def swap_then_write(batch):
        # a person sorts the Manual Entry rows in Excel and saves, between the cycle's read and its write
        if not swapped and any(u.tab == MANUAL_ENTRY for u in batch.updates):
            wb = load_workbook(path)
            ws = wb[MANUAL_ENTRY]
            a = [c.value for c in ws[2]]
            b = [c.value for c in ws[3]]
            for col, (x, y) in enumerate(zip(a, b), start=1):
                ws.cell(row=2, column=col, value=y)
                ws.cell(row=3, column=col, value=x)
            wb.save(path)
            swapped.append(True)
        return real_write(batch)
    monkeypatch.setattr(r.backend, "write", swap_then_write)
    r.watch()
    monkeypatch.setattr(r.backend, "write", real_write)
    r.watch()
    # then each row shows the Order ID of its own order
    customers = {o["Order ID"]: o["Customer"] for o in table(path, ORDERS)}
    assert swapped and len(customers) == 2
    for row in table(path, MANUAL_ENTRY):
        assert customers[row["Order ID"]] == row["Customer"], row
