"""The fulfilment side of the other tabs: SKU Map and Bundles in, Inventory out (one batch per cycle)."""
from __future__ import annotations

import logging
from typing import Mapping

from automations.fulfilment.inventory import Movement, apply_movements, bundles_from_rows
from sheet_schema.tabs import BUNDLES, BUNDLES_TAB, INVENTORY, INVENTORY_TAB, SKU_MAP, SKU_MAP_TAB
from sheets.base import WriteBatch
from sheets.rows import format_time
from sheets.tabsync import plan_keyed, read_keyed, read_rows

log = logging.getLogger("truecraft.fulfilment")


def listing_key(platform: str, item) -> str:
    """Same key the SKU Map tab is written with (automations.duplicates_flow.listing_key)."""
    return f"{platform}:{item.listing_id or item.sku or item.title}"


def inventory_cycle(svc, tabs: Mapping) -> WriteBatch:
    """Refresh the service's SKU lookup and bundles from the sheet; plan On Hand changes for new movements.

    Movements are marked delivered when planned: if that write is lost, stock is
    under-counted once rather than depleted twice (the Audit Log still lists each move).
    """
    inventory = tabs.get(INVENTORY)
    known = read_keyed(INVENTORY_TAB, inventory) if inventory is not None and inventory.exists else {}
    if tabs.get(SKU_MAP) is not None and tabs[SKU_MAP].exists:
        mapped = {k: r.get("internal_sku", "") for k, r in read_keyed(SKU_MAP_TAB, tabs[SKU_MAP]).items()}

        def lookup(platform: str, item) -> str | None:
            # the SKU Map wins; a platform SKU that is already an Inventory SKU needs no mapping
            return mapped.get(listing_key(platform, item)) or (item.sku if item.sku in known else None)
        svc.sku_lookup = lookup
    if tabs.get(BUNDLES) is not None and tabs[BUNDLES].exists:
        bundles, problems = bundles_from_rows(r for _, r in read_rows(BUNDLES_TAB, tabs[BUNDLES]))
        svc._bundles = bundles
        for problem in problems:
            log.warning(problem)
    rows = svc.ledger.undelivered()
    if not rows or inventory is None or not inventory.exists:
        return WriteBatch()
    movements = [Movement(r["internal_sku"], r["delta"], r["reason"]) for r in rows]
    new_rows, low = apply_movements(list(known.values()), movements, format_time(svc.now(), svc.tz))
    touched = {m.internal_sku for m in movements}
    desired = {r["internal_sku"]: r for r in new_rows if r["internal_sku"] in touched}
    batch = plan_keyed(INVENTORY_TAB, inventory, desired, force=frozenset({"on_hand"}))
    svc.ledger.mark_delivered([r["id"] for r in rows])
    for sku in low:
        svc.journal.audit(None, "low stock", "", f"{sku}: {desired[sku]['on_hand']} left", "truecraft")
    return batch
