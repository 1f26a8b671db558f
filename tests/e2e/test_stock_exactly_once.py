"""A restock typed while a cycle runs is kept, and each shipment moves stock once (issue 17.3)."""
from __future__ import annotations

import time

from openpyxl import load_workbook

from sheet_schema.tabs import INVENTORY
from tests.e2e.test_fulfil_e2e import _order_in_and_marked_shipped, _table, world  # noqa: F401 - fixture


def _stock(path):
    return {r["Internal SKU"]: r["On Hand"] for r in _table(path, INVENTORY)}


def test_restock_saved_between_read_and_write_is_kept(world):  # noqa: F811
    # given a shipped order whose stock movement the next cycle will apply (On Hand 5)
    oid, sku = _order_in_and_marked_shipped(world)
    world.runner.push_pending()
    qty = sum(i.quantity for i in world.runner.journal.get("TC-1").order.items if i.sku == sku)
    # when the seller restocks to 30 in Excel and saves while that cycle is between its read and its write
    backend = world.runner.backend
    real_write = backend.write
    restocked = []

    def restock_then_write(batch):
        if not restocked and any(u.tab == INVENTORY for u in batch.updates):
            wb = load_workbook(world.path)
            ws = wb[INVENTORY]
            header = [c.value for c in ws[1]]
            for row in ws.iter_rows(min_row=2):
                if row[header.index("Internal SKU")].value == sku:
                    row[header.index("On Hand")].value = 30
            time.sleep(0.01)
            wb.save(world.path)
            restocked.append(True)
        return real_write(batch)
    backend.write = restock_then_write
    world.runner.watch()
    world.runner.watch()
    backend.write = real_write
    # then the shipment came off the restocked shelf, once
    assert restocked
    assert _stock(world.path)[sku] == 30 - qty
    world.runner.watch()
    assert _stock(world.path)[sku] == 30 - qty
