"""Through the real Runner and local workbook: the seller's one-cell workflow, start to finish."""
import pytest
from openpyxl import load_workbook

from automations.runner import Runner
from core.config import Settings
from core.journal import Journal
from core.models import LineItem, Money
from sheet_schema.tabs import INVENTORY, ORDERS
from sheets.local_backend import LocalWorkbookBackend
from tests.foundation.factories import make_order
from tests.fulfilment.helpers import USPS


def _cols(ws):
    return {c.value: i + 1 for i, c in enumerate(ws[1])}


@pytest.fixture()
def runner(tmp_path):
    journal = Journal(tmp_path / "j.db")
    r = Runner(Settings(workbook=str(tmp_path / "t.xlsx")), journal, LocalWorkbookBackend(tmp_path / "t.xlsx"))
    if r.pipeline.fulfilment is None:
        pytest.skip("the pipeline has no fulfilment service wired in")
    yield r, tmp_path / "t.xlsx"
    journal.close()


def test_fulfilled_plus_tracking_becomes_a_dry_run_and_stock_moves(runner):
    r, path = runner
    items = (LineItem("Linen Wrap", 2, Money("40", "USD"), sku="WRAP"),)
    r.ingest([make_order("E1", items=items)])
    r.watch()
    wb = load_workbook(path)
    inv = wb[INVENTORY]
    ic = _cols(inv)
    inv.cell(row=2, column=ic["Internal SKU"], value="WRAP")
    inv.cell(row=2, column=ic["On Hand"], value=10)
    ws = wb[ORDERS]
    c = _cols(ws)
    # when the seller types the one-cell workflow (sloppy spelling included)
    ws.cell(row=2, column=c["Status"], value="fulfilled ")
    ws.cell(row=2, column=c["Carrier"], value="USPS")
    ws.cell(row=2, column=c["Tracking #"], value=USPS)
    wb.save(path)
    r.watch()
    r.push_pending()
    r.watch()
    # then the row says what happened, the status is tidied, and stock went down once
    wb = load_workbook(path)
    ws, inv = wb[ORDERS], wb[INVENTORY]
    assert ws.cell(row=2, column=c["Sync"]).value == "Marked shipped in TrueCraft (Etsy not connected — dry run)"
    assert ws.cell(row=2, column=c["Status"]).value == "FULFILLED"
    assert inv.cell(row=2, column=ic["On Hand"]).value == 8
    r.watch()
    assert load_workbook(path)[INVENTORY].cell(row=2, column=ic["On Hand"]).value == 8


def test_a_rejected_edit_is_explained_and_left_as_typed(runner):
    r, path = runner
    r.ingest([make_order("E1", total="25.00")])
    r.watch()
    wb = load_workbook(path)
    ws = wb[ORDERS]
    c = _cols(ws)
    ws.cell(row=2, column=c["Status"], value="FULFILLED")  # no tracking on a $25 US Etsy order
    wb.save(path)
    r.watch()
    r.push_pending()
    r.watch()
    ws = load_workbook(path)[ORDERS]
    assert ws.cell(row=2, column=c["Sync"]).value == "Etsy needs a tracking number for US orders over $10"
    assert ws.cell(row=2, column=c["Status"]).value == "FULFILLED"  # what the seller typed stays
    assert r.pipeline.fulfilment.outbox.entries("TC-1") == []
