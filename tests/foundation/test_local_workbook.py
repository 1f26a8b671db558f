"""The local .xlsx backend: layout, formula safety, sorted sheets, human saves and lock files."""
import pytest
from openpyxl import load_workbook

from core.journal import Journal
from sheet_schema.tabs import ORDERS, ORDERS_TAB, WORKBOOK
from sheets.base import SheetBusy
from sheets.local_backend import LocalWorkbookBackend
from sheets.sync import SheetSync
from tests.foundation.factories import make_order

EVIL = '=IMPORTXML("http://x","//a")'


@pytest.fixture()
def env(tmp_path):
    j = Journal(tmp_path / "j.db")
    b = LocalWorkbookBackend(tmp_path / "t.xlsx")
    yield j, b, SheetSync(j, b), tmp_path / "t.xlsx"
    j.close()


def _col(ws, header):
    return [c.value for c in ws[1]].index(header) + 1


def test_init_is_idempotent_and_keeps_user_columns_and_tabs(env):
    j, b, sync, path = env
    assert b.init_layout(WORKBOOK)
    wb = load_workbook(path)
    wb[ORDERS].cell(row=1, column=30, value="My Column")
    wb[ORDERS].cell(row=2, column=30, value="keep me")
    wb.create_sheet("My Notes")["A1"] = "hello"
    wb.save(path)
    # when init runs again
    assert b.init_layout(WORKBOOK) == []
    wb = load_workbook(path)
    ws = wb[ORDERS]
    # then nothing was added twice and nothing of the person's was lost
    assert len(ws.conditional_formatting) >= 1
    rules = [r.formula[0] for rng in ws.conditional_formatting for r in rng.rules]
    assert len(rules) == len(set(rules)) == len(ORDERS_TAB.colour_rules)
    assert len(ws.data_validations.dataValidation) == sum(1 for c in ORDERS_TAB.columns if c.choices)
    assert ws.cell(row=2, column=30).value == "keep me" and wb["My Notes"]["A1"].value == "hello"
    assert ws.freeze_panes == "B2"  # header row and Order ID
    assert [c.value for c in ws[1]].count("Order ID") == 1


def test_customer_text_is_never_a_formula(env):
    j, b, sync, path = env
    j.upsert(make_order("1", name=EVIL))
    sync.flush()
    ws = load_workbook(path)[ORDERS]
    cell = ws.cell(row=2, column=_col(ws, "Customer"))
    assert cell.value == EVIL and cell.data_type == "s"


def test_rows_found_by_order_id_after_sort_and_new_columns(env):
    j, b, sync, path = env
    for n in range(3):
        j.upsert(make_order(str(n), name=f"Buyer {n}"))
    sync.flush()
    # given a person reverses the rows and inserts a column before everything
    wb = load_workbook(path)
    ws = wb[ORDERS]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2, max_row=4)]
    for i, row in enumerate(reversed(rows)):
        for c, v in enumerate(row):
            ws.cell(row=2 + i, column=c + 1, value=v)
    ws.insert_cols(1)
    ws.cell(row=1, column=1, value="Priority")
    wb.save(path)
    # when the platform changes order 0's total
    j.upsert(make_order("0", name="Buyer 0", total="250.00", updated_minutes=3))
    sync.flush()
    ws = load_workbook(path)[ORDERS]
    by_id = {r[_col(ws, "Order ID") - 1]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    # then exactly the right row and column changed
    assert by_id["TC-1"][_col(ws, "Total") - 1] == 250.0
    assert by_id["TC-2"][_col(ws, "Total") - 1] == 200.0
    assert by_id["TC-1"][_col(ws, "Customer") - 1] == "Buyer 0"
    assert ws.max_row == 4


def test_status_typed_by_a_person_is_not_overwritten(env):
    j, b, sync, path = env
    j.upsert(make_order("1"))
    sync.flush()
    wb = load_workbook(path)
    ws = wb[ORDERS]
    ws.cell(row=2, column=_col(ws, "Status"), value="ON HOLD")
    wb.save(path)
    j.upsert(make_order("1", total="201.00", updated_minutes=1))
    sync.flush()
    ws = load_workbook(path)[ORDERS]
    assert ws.cell(row=2, column=_col(ws, "Status")).value == "ON HOLD"


def test_concurrent_human_save_is_kept(env, monkeypatch):
    j, b, sync, path = env
    j.upsert(make_order("1"))
    sync.flush()
    j.upsert(make_order("2"))
    # given a person saves a note right after our read and before our write
    real_read = b.read

    def read_then_human_saves(tabs):
        out = real_read(tabs)
        if not getattr(read_then_human_saves, "done", False):
            read_then_human_saves.done = True
            wb = load_workbook(path)
            ws = wb[ORDERS]
            ws.cell(row=2, column=_col(ws, "Notes"), value="gift wrap please")
            wb.save(path)
        return out

    monkeypatch.setattr(b, "read", read_then_human_saves)
    sync.flush()
    ws = load_workbook(path)[ORDERS]
    ids = [r[0] for r in ws.iter_rows(min_row=2, values_only=True)]
    # then their note survived and our new row was written exactly once
    assert ws.cell(row=2, column=_col(ws, "Notes")).value == "gift wrap please"
    assert ids == ["TC-1", "TC-2"]


@pytest.mark.parametrize("lock_name", ["~$t.xlsx", ".~lock.t.xlsx#"])
def test_open_workbook_is_not_written(env, lock_name):
    j, b, sync, path = env
    b.init_layout(WORKBOOK)
    (path.parent / lock_name).write_text("someone")
    j.upsert(make_order("1"))
    with pytest.raises(SheetBusy, match="open in Excel or LibreOffice"):
        sync.flush()
    assert j.backlog() == 1  # still owed to the sheet
    (path.parent / lock_name).unlink()
    sync.flush()
    assert j.backlog() == 0


def test_deleted_row_is_restored_once(env):
    from automations.runner import Runner
    from core.config import Settings

    j, b, sync, path = env
    runner = Runner(Settings(), j, b)
    for n in range(3):
        runner.ingest([make_order(str(n))])
    runner.flush()
    wb = load_workbook(path)
    wb[ORDERS].delete_rows(3)  # TC-2 disappears
    wb.save(path)
    runner.watch()
    runner.watch()
    ids = sorted(r[0] for r in load_workbook(path)[ORDERS].iter_rows(min_row=2, values_only=True))
    assert ids == ["TC-1", "TC-2", "TC-3"]
