"""Lossless JSON round-trip of domain objects, for the journal."""
from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson

from core.models import (Address, Customer, LineItem, Money, Order, OrderState,
                         Platform, Shipment, parse_time)


def _money(m: Money) -> dict:
    return {"amount": str(m.amount), "currency": m.currency}


def _time(t: datetime | None) -> str | None:
    return t.isoformat() if t else None


def order_to_dict(order: Order) -> dict[str, Any]:
    """Plain-JSON dict for an Order (Decimals as strings, times ISO-8601)."""
    return {
        "platform": order.platform.value,
        "platform_order_id": order.platform_order_id,
        "created_at": _time(order.created_at),
        "updated_at": _time(order.updated_at),
        "customer": vars(order.customer).copy(),
        "ship_to": vars(order.ship_to).copy(),
        "items": [{"title": i.title, "quantity": i.quantity, "unit_price": _money(i.unit_price),
                   "sku": i.sku, "listing_id": i.listing_id, "variant": i.variant}
                  for i in order.items],
        "total": _money(order.total),
        "state": order.state.value,
        "shipments": [{"carrier": s.carrier, "tracking_number": s.tracking_number,
                       "shipped_at": _time(s.shipped_at), "tracking_url": s.tracking_url}
                      for s in order.shipments],
        "notes": order.notes,
        "external_refs": list(order.external_refs),
    }


def order_from_dict(data: dict[str, Any], raw: Any = None) -> Order:
    """Inverse of order_to_dict."""
    return Order(
        platform=Platform(data["platform"]),
        platform_order_id=data["platform_order_id"],
        created_at=parse_time(data["created_at"]),
        updated_at=parse_time(data["updated_at"]) if data.get("updated_at") else None,
        customer=Customer(**data.get("customer", {})),
        ship_to=Address(**data.get("ship_to", {})),
        items=tuple(LineItem(title=i["title"], quantity=i["quantity"],
                             unit_price=Money(Decimal(i["unit_price"]["amount"]), i["unit_price"]["currency"]),
                             sku=i.get("sku", ""), listing_id=i.get("listing_id", ""),
                             variant=i.get("variant", ""))
                    for i in data["items"]),
        total=Money(Decimal(data["total"]["amount"]), data["total"]["currency"]),
        state=OrderState(data.get("state", "paid")),
        shipments=tuple(Shipment(carrier=s["carrier"], tracking_number=s["tracking_number"],
                                 shipped_at=parse_time(s["shipped_at"]) if s.get("shipped_at") else None,
                                 tracking_url=s.get("tracking_url", ""))
                        for s in data.get("shipments", [])),
        notes=data.get("notes", ""),
        external_refs=tuple(data.get("external_refs", [])),
        raw=raw if raw is not None else {},
    )


def _default(obj: Any) -> Any:
    if isinstance(obj, Decimal):
        return str(obj)
    if isinstance(obj, datetime):
        return obj.isoformat()
    raise TypeError(f"cannot store {type(obj).__name__}")


# orjson is several times faster than the standard library on order-sized payloads (the
# journal stores and reads every raw payload). Where it refuses (integers beyond 64 bits,
# non-string keys) the standard library writes instead. On reading, orjson would turn an
# integer beyond 64 bits into a float; platform JSON never holds one (ids stay within
# 2**53 so JavaScript can read them), and our own documents store ids as strings.


def dumps(value: Any) -> str:
    """Compact, stable JSON (sorted keys) that also accepts Decimal and datetime."""
    try:
        return orjson.dumps(value, default=_default, option=orjson.OPT_SORT_KEYS).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), default=_default,
                          ensure_ascii=False)


def loads(text: str | bytes) -> Any:
    """Parse stored JSON (orjson; see above for its one difference)."""
    return orjson.loads(text)
