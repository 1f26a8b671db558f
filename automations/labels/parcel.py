"""What goes in the box and where it goes: parcels from the Inventory tab, addresses from the row."""
from __future__ import annotations

from typing import Mapping

from automations.fulfilment.inventory import depletion
from core.labels import Parcel
from core.models import Address, DomainError, Order


def parcel_for(stored, fulfilment, env: Mapping[str, str]) -> tuple[Parcel | None, str]:
    """The order's parcel: every shipped SKU's Parcel (bundles as their parts) added up.

    (None, what is missing) when a SKU has no Parcel and no default is set.
    """
    default = _parse(env.get("TRUECRAFT_DEFAULT_PARCEL", ""))
    parcels: dict[str, str] = getattr(fulfilment, "parcels", {}) if fulfilment is not None else {}
    lookup = fulfilment.sku_lookup if fulfilment is not None else (lambda platform, item: item.sku or None)
    bundles = fulfilment.bundles() if fulfilment is not None else {}
    moves = depletion(stored.order, lookup, bundles)
    unmapped = [i.title for i in stored.order.items if not lookup(stored.order.platform.value, i)]
    total: Parcel | None = None
    for move in moves:
        one = _parse(parcels.get(move.internal_sku, "")) or default
        if one is None:
            return None, move.internal_sku
        part = one.times(-move.delta)
        total = part if total is None else total.plus(part)
    if unmapped:
        if default is None:
            return None, f"‘{unmapped[0]}’ (not in the SKU Map)"
        for _ in unmapped:
            total = default if total is None else total.plus(default)
    return (total or default), ("" if (total or default) else "this order")


def _parse(text: str) -> Parcel | None:
    try:
        return Parcel.parse(text) if str(text or "").strip() else None
    except DomainError:
        return None


def parse_address(text: str, order: Order) -> Address:
    """The row's Ship To as an Address: the platform's own when unchanged, else read from the text.

    A person types 'line 1, [line 2,] city, REGION POSTCODE, COUNTRY' (the way the column shows it).
    """
    if text.strip() == order.ship_to.one_line():
        return order.ship_to
    parts = [p.strip() for p in text.split(",") if p.strip()]
    name = order.ship_to.name or order.customer.name
    country = parts.pop() if len(parts) >= 4 and len(parts[-1]) <= 3 else order.ship_to.country
    region, postcode = "", ""
    if parts:
        tail = parts[-1].split()
        if len(tail) >= 2 and any(ch.isdigit() for ch in tail[-1]):
            region, postcode = " ".join(tail[:-1]), tail[-1]
            parts.pop()
    city = parts.pop() if len(parts) >= 2 else ""
    line1 = parts[0] if parts else ""
    line2 = ", ".join(parts[1:])
    return Address(name, line1, line2, city, region, postcode, country)


def ship_from(env: Mapping[str, str]) -> Address | None:
    """TRUECRAFT_SHIP_FROM: 'name, street, city, region, postcode, country, phone' (phone optional)."""
    parts = [p.strip() for p in str(env.get("TRUECRAFT_SHIP_FROM", "")).split(",")]
    if len(parts) < 6 or not all(parts[:6]):
        return None
    return Address(parts[0], parts[1], "", parts[2], parts[3], parts[4], parts[5])


def ship_from_phone(env: Mapping[str, str]) -> str:
    """The phone at the end of TRUECRAFT_SHIP_FROM ('' when not given); EasyPost sends it to the carrier."""
    parts = [p.strip() for p in str(env.get("TRUECRAFT_SHIP_FROM", "")).split(",")]
    return ", ".join(p for p in parts[6:] if p)
