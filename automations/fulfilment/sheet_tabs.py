"""The fulfilment side of the other tabs: SKU Map and Bundles in, Inventory out (one batch per cycle)."""
from __future__ import annotations

import re

import logging
from typing import Mapping

from automations.alert_store import raise_alert
from automations.fulfilment.inventory import Movement, apply_movements, bundles_from_rows
from sheet_schema.tabs import BUNDLES, BUNDLES_TAB, INVENTORY, INVENTORY_TAB, SKU_MAP, SKU_MAP_TAB
from sheets.base import WriteBatch
from sheets.rows import Layout, format_time
from sheets.tabsync import merge, plan_keyed, read_keyed, read_rows

log = logging.getLogger("truecraft.fulfilment")


def listing_key(platform: str, item) -> str:
    """Same key the SKU Map tab is written with (automations.duplicates_flow.listing_key)."""
    return f"{platform}:{item.listing_id or item.sku or item.title}"


def _last_ref(text: str) -> int:
    """The ledger id named last in a Last Movement cell ('… #12' -> 12), 0 when none."""
    refs = re.findall(r"#(\d+)", str(text or ""))
    return int(refs[-1]) if refs else 0


def inventory_cycle(svc, tabs: Mapping) -> WriteBatch:
    """Refresh the service's SKU lookup and bundles from the sheet; plan On Hand changes for new movements.

    Exactly once: On Hand is written as "the number in the cell when we write, plus the
    movement" (a restock typed meanwhile is kept), Last Movement names the ledger entry
    (#id) so a write that landed unconfirmed is recognised next cycle, and movements
    count as delivered only once the write has landed.
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
    svc.tracks_stock = bool(known)
    svc.parcels = {sku: str(r.get("parcel") or "") for sku, r in known.items()}  # for labels (issue 13)
    _move_newly_mapped(svc)
    names = _names_batch(inventory, known, tabs.get(SKU_MAP))
    rows = svc.ledger.undelivered()
    if not rows or inventory is None or not inventory.exists:
        return names
    applied = {sku: _last_ref(r.get("last_movement", "")) for sku, r in known.items()}
    done_before = [r["id"] for r in rows if r["id"] <= applied.get(r["internal_sku"], 0)]
    if done_before:  # a write that landed but was not confirmed: already in the sheet
        svc.ledger.mark_delivered(done_before)
    rows = [r for r in rows if r["id"] not in set(done_before)]
    if not rows:
        return names
    movements = [Movement(r["internal_sku"], r["delta"], r["reason"], r["id"]) for r in rows]
    new_rows, low = apply_movements(list(known.values()), movements, format_time(svc.now(), svc.tz))
    touched = {m.internal_sku for m in movements}
    desired = {r["internal_sku"]: r for r in new_rows if r["internal_sku"] in touched}
    titles = _titles(tabs.get(SKU_MAP))
    for sku, row in desired.items():  # a row movements add gets its product's name
        row["name"] = row.get("name") or titles.get(sku, "")
    batch = plan_keyed(INVENTORY_TAB, inventory, desired, force=frozenset({"on_hand"}))
    layout = Layout.from_header(INVENTORY_TAB, inventory.header)
    col = layout.positions.get("on_hand")
    totals: dict[str, int] = {}
    for m in movements:
        totals[m.internal_sku] = totals.get(m.internal_sku, 0) + m.delta
    for run in batch.updates:
        if col is not None and run.key in totals and run.col <= col < run.col + len(run.values):
            run.deltas[col] = totals[run.key]
    ids = [r["id"] for r in rows]
    batch.on_written.append(lambda: svc.ledger.mark_delivered(ids))
    for sku in low:
        svc.journal.audit(None, "low stock", "", f"{sku}: {desired[sku]['on_hand']} left", "truecraft")
        name = desired[sku].get("name") or ""
        raise_alert(svc.journal, "low_stock", f"{sku}:{max(ids)}",
                    f"Low stock: {sku}{f' ({name})' if name else ''} has {desired[sku]['on_hand']} left "
                    f"(low-stock level {desired[sku].get('low_stock')}). Restock or pause the listing.")
    return merge(batch, names)


def _titles(sku_map) -> dict[str, str]:
    """Internal SKU -> a product name: the title of a listing mapped to it (or whose own SKU it is)."""
    out: dict[str, str] = {}
    if sku_map is None or not sku_map.exists:
        return out
    for r in read_keyed(SKU_MAP_TAB, sku_map).values():
        sku = r.get("internal_sku") or r.get("platform_sku") or ""
        if sku and r.get("title") and sku not in out:
            out[sku] = r["title"]
    return out


def _names_batch(inventory, known: dict, sku_map) -> WriteBatch:
    """Blank Inventory names filled from the listings; a name a person typed is never replaced."""
    titles = _titles(sku_map)
    wanted = {sku: {"name": titles[sku]} for sku, r in known.items() if not r.get("name") and sku in titles}
    if not wanted:
        return WriteBatch()
    return plan_keyed(INVENTORY_TAB, inventory, wanted, force=frozenset({"name"}))


def _move_newly_mapped(svc) -> None:
    """Shipped orders whose lines had no Internal SKU: once the seller maps them, their stock moves."""
    if not svc.tracks_stock:
        return
    for stored in svc.journal.orders_by_id().values():
        keys = stored.fields.get("stock_unmapped")
        if keys and any(svc.sku_lookup(stored.order.platform.value, i) for i in stored.order.items
                        if listing_key(stored.order.platform.value, i) in keys):
            svc.deplete(stored)
