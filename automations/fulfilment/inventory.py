"""Pure stock arithmetic: what leaves the shelf when an order ships, bundles included."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Mapping

from core.models import LineItem, Order, OrderState

SkuLookup = Callable[[str, LineItem], "str | None"]
Bundles = Mapping[str, list[tuple[str, int]]]
NO_DEPLETION_STATUSES = ("MERGED", "CANCELLED")
MAX_BUNDLE_DEPTH = 5  # a bundle may contain a bundle; a loop in the Bundles tab must not hang us


@dataclass(frozen=True)
class Movement:
    """A change of stock for one internal SKU (negative: it left the shelf)."""

    internal_sku: str
    delta: int
    reason: str
    ref: int = 0  # the ledger id, shown as #ref in Last Movement so a movement is never applied twice


@dataclass(frozen=True)
class BundleStatus:
    """How far one bundle line has shipped."""

    bundle_sku: str
    complete: bool
    text: str


def depletion(order: Order, sku_map_lookup: SkuLookup, bundles: Bundles, status: str = "",
              order_id: str = "") -> list[Movement]:
    """Movements for shipping `order`; bundles deplete their components; merged/cancelled nothing."""
    if status.strip().upper() in NO_DEPLETION_STATUSES or order.state in (OrderState.CANCELLED,
                                                                          OrderState.REFUNDED):
        return []
    reason = f"{order_id or order.platform.label + ' #' + order.platform_order_id} shipped"
    totals: dict[str, int] = {}
    for item in order.items:
        sku = sku_map_lookup(order.platform.value, item)
        if not sku:
            continue  # unmapped listing: unmapped_items() reports it, we never guess stock
        for component, qty in expand(sku, item.quantity, bundles):
            totals[component] = totals.get(component, 0) + qty
    return [Movement(sku, -qty, reason) for sku, qty in totals.items()]


def expand(sku: str, quantity: int, bundles: Bundles, depth: int = 0) -> list[tuple[str, int]]:
    """(component, qty) pairs that `quantity` × `sku` stands for (itself when it isn't a bundle)."""
    parts = bundles.get(sku)
    if not parts or depth >= MAX_BUNDLE_DEPTH:
        return [(sku, quantity)]
    out: list[tuple[str, int]] = []
    for component, qty in parts:
        out.extend(expand(component, quantity * int(qty), bundles, depth + 1))
    return out


def unmapped_items(order: Order, sku_map_lookup: SkuLookup) -> list[LineItem]:
    """Lines with no internal SKU (stock for them can't be tracked until the SKU Map says)."""
    return [i for i in order.items if not sku_map_lookup(order.platform.value, i)]


def bundles_from_rows(rows: Iterable[Mapping[str, object]]) -> tuple[dict[str, list[tuple[str, int]]], list[str]]:
    """Bundles tab rows -> {bundle: [(component, qty)]}, plus plain problems for rows we skipped."""
    bundles: dict[str, list[tuple[str, int]]] = {}
    problems: list[str] = []
    for n, row in enumerate(rows, start=2):
        bundle = str(row.get("bundle_sku") or "").strip()
        component = str(row.get("component_sku") or "").strip()
        if not bundle and not component:
            continue
        qty = _int(row.get("quantity") if row.get("quantity") not in (None, "") else 1)
        if not bundle or not component or qty is None or qty <= 0:
            problems.append(f"Bundles row {n}: needs a Bundle SKU, a Component SKU and a whole Quantity")
            continue
        bundles.setdefault(bundle, []).append((component, qty))
    return bundles, problems


def apply_movements(inventory_rows: list[Mapping[str, object]], movements: Iterable[Movement],
                    when: str = "") -> tuple[list[dict], list[str]]:
    """New Inventory rows after the movements, and the SKUs now at or below their Low Stock At."""
    rows = [dict(r) for r in inventory_rows]
    index = {str(r.get("internal_sku") or "").strip(): r for r in rows}
    touched: list[str] = []
    for m in movements:
        row = index.get(m.internal_sku)
        if row is None:
            # Not on the Inventory tab yet: add it, so the seller sees stock going negative.
            row = {"internal_sku": m.internal_sku, "name": "", "on_hand": 0, "low_stock": ""}
            rows.append(row)
            index[m.internal_sku] = row
        on_hand = _int(row.get("on_hand") if row.get("on_hand") not in (None, "") else 0)
        stamp = f"{when}: " if when else ""
        sign = "+" if m.delta > 0 else "−"
        if on_hand is None:
            row["last_movement"] = (f"{stamp}{sign}{abs(m.delta)} ({m.reason}) not applied — On Hand "
                                    f"‘{row.get('on_hand')}’ isn't a whole number")
            continue
        row["on_hand"] = on_hand + m.delta
        mark = f" #{m.ref}" if m.ref else ""
        row["last_movement"] = f"{stamp}{sign}{abs(m.delta)} ({m.reason}){mark}"
        touched.append(m.internal_sku)
    low = []
    for sku in dict.fromkeys(touched):
        row = index[sku]
        threshold = _int(row.get("low_stock")) if row.get("low_stock") not in (None, "") else None
        if threshold is not None and int(row["on_hand"]) <= threshold:
            low.append(sku)
    return rows, low


def bundle_status(bundle_sku: str, line_quantity: int, bundles: Bundles,
                  shipped: Mapping[str, int]) -> BundleStatus:
    """A bundle line is complete only when every component has shipped in full."""
    totals: dict[str, int] = {}
    for sku, qty in expand(bundle_sku, line_quantity, bundles):
        totals[sku] = totals.get(sku, 0) + qty
    needed = list(totals.items())
    waiting = [(sku, qty - shipped.get(sku, 0)) for sku, qty in needed if shipped.get(sku, 0) < qty]
    if not waiting:
        return BundleStatus(bundle_sku, True, f"{bundle_sku}: all {len(needed)} part(s) shipped")
    done = len(needed) - len(waiting)
    left = ", ".join(f"{sku} ×{qty}" for sku, qty in waiting)
    return BundleStatus(bundle_sku, False, f"{bundle_sku}: {done} of {len(needed)} part(s) shipped "
                                           f"(waiting for {left})")


def _int(value: object) -> int | None:
    try:
        number = float(str(value).strip().replace(",", ""))
    except ValueError:
        return None
    return int(number) if number.is_integer() else None
