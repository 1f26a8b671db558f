"""Square Order (+ its Invoice, when it has one) -> domain Order; and the fulfilment update body.

Identity choice: a Square invoice is always backed by a Square order, and that
order may also come back from SearchOrders. So the sale's identity is ALWAYS
the order id (platform_order_id); the invoice id and number go in
external_refs and notes. Whichever path finds the sale, it is one row.

Order.raw is {"order": <Square order>, "invoice": <Square invoice or None>}.
"""
from __future__ import annotations

import hashlib
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping

from connectors.base import MappingError
from core.models import (Address, Customer, DomainError, LineItem, Money, Order, OrderState,
                         Platform, Shipment, parse_time)

_INVOICE_STATE = {
    "DRAFT": OrderState.PENDING, "UNPAID": OrderState.PENDING, "SCHEDULED": OrderState.PENDING,
    "PAYMENT_PENDING": OrderState.PENDING, "PARTIALLY_PAID": OrderState.PENDING,
    "PAID": OrderState.PAID, "PARTIALLY_REFUNDED": OrderState.PAID,
    "REFUNDED": OrderState.REFUNDED, "CANCELED": OrderState.CANCELLED, "FAILED": OrderState.CANCELLED,
}
_LIVE_FULFILMENT_TYPES = ("SHIPMENT", "DELIVERY", "PICKUP")
# Currencies whose Square minor unit is the whole unit.
_ZERO_DECIMAL = frozenset({"JPY", "KRW", "VND", "CLP", "ISK", "XOF", "XAF"})


def is_sale(order: Mapping[str, Any], invoice: Mapping[str, Any] | None) -> bool:
    """False for drafts (not yet sent to a buyer), which are not orders to track."""
    if order.get("state") == "DRAFT":
        return False
    return not (invoice and invoice.get("status") == "DRAFT")


def to_order(order: Mapping[str, Any], invoice: Mapping[str, Any] | None = None) -> Order:
    """Map one Square order (and the invoice billing it, if any) to a domain Order."""
    oid = str(order.get("id") or "").strip()
    if not oid:
        raise MappingError("Square order has no id")
    try:
        created = parse_time(order.get("created_at") or (invoice or {}).get("created_at") or "")
        updated = max(t for t in (_time(order.get("updated_at")), _time((invoice or {}).get("updated_at")),
                                  created) if t is not None)
        items = tuple(_line_item(li) for li in order.get("line_items") or [])
        total = _money(order.get("total_money")) if order.get("total_money") else _invoice_total(invoice)
        if total is None:
            raise MappingError(f"Square order {oid} has no total")
        customer, ship_to = _people(order, invoice)
        refs: tuple[str, ...] = ()
        notes = ""
        if invoice:
            refs = tuple(x for x in (invoice.get("id"), invoice.get("invoice_number")) if x)
            title = invoice.get("title") or ""
            notes = f"Square invoice {invoice.get('invoice_number') or invoice.get('id')}" + (
                f" — {title}" if title else "")
        return Order(platform=Platform.SQUARE, platform_order_id=oid, created_at=created,
                     updated_at=updated, customer=customer, items=items, total=total,
                     ship_to=ship_to, state=state_of(order, invoice, total),
                     shipments=tuple(_shipments(order)), notes=notes, external_refs=refs,
                     raw={"order": dict(order), "invoice": dict(invoice) if invoice else None})
    except DomainError as exc:
        raise MappingError(f"Square order {oid}: {exc}") from exc


def state_of(order: Mapping[str, Any], invoice: Mapping[str, Any] | None, total: Money) -> OrderState:
    """Square order state + fulfilment states + refunds (+ invoice status) -> OrderState."""
    if order.get("state") == "CANCELED":
        return OrderState.CANCELLED
    refunded = sum((_minor(r.get("amount_money")) for r in order.get("refunds") or []
                    if r.get("status") in ("APPROVED", "COMPLETED")), Decimal(0))
    if refunded and refunded >= total.amount:
        return OrderState.REFUNDED
    live = [f for f in order.get("fulfillments") or []
            if f.get("type") in _LIVE_FULFILMENT_TYPES and f.get("state") not in ("CANCELED", "FAILED")]
    done = [f for f in live if f.get("state") == "COMPLETED"]
    if live and len(done) == len(live):
        return OrderState.FULFILLED
    if done:
        return OrderState.PARTIALLY_FULFILLED
    if invoice and invoice.get("status") in _INVOICE_STATE:
        return _INVOICE_STATE[invoice["status"]]
    if order.get("state") == "COMPLETED" or order.get("tenders"):
        # COMPLETED means fully paid; with no fulfilment it may still need posting (Instagram sales).
        return OrderState.PAID
    return OrderState.PENDING


def shipment_fulfilment(order: Mapping[str, Any]) -> dict[str, Any] | None:
    """The order's SHIPMENT fulfilment (the first one), or None."""
    for f in order.get("fulfillments") or []:
        if f.get("type") == "SHIPMENT":
            return dict(f)
    return None


def fulfilment_uid(idempotency_key: str) -> str:
    """A stable fulfilment uid from the idempotency key, so a retry adds the same one, never a second."""
    return "tc-" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]


def fulfilment_update(order: Mapping[str, Any], shipment: Shipment, idempotency_key: str) -> dict[str, Any]:
    """The UpdateOrder body marking the SHIPMENT fulfilment COMPLETED with carrier and tracking.

    The Square idempotency key is ours plus the order version (a fresh version needs a
    fresh key); a new fulfilment's uid comes from our key alone, so it never changes.
    """
    details: dict[str, Any] = {"carrier": shipment.carrier[:50],
                               "tracking_number": shipment.tracking_number[:100]}
    if shipment.tracking_url:
        details["tracking_url"] = shipment.tracking_url[:2000]
    existing = shipment_fulfilment(order)
    if existing and existing.get("uid"):
        fulfilment: dict[str, Any] = {"uid": existing["uid"], "state": "COMPLETED", "shipment_details": details}
    else:
        fulfilment = {"uid": fulfilment_uid(idempotency_key), "type": "SHIPMENT", "state": "COMPLETED",
                      "shipment_details": details}
    square_key = f"{idempotency_key[:170]}:v{order['version']}"
    return {"idempotency_key": square_key,
            "order": {"location_id": order["location_id"], "version": order["version"],
                      "fulfillments": [fulfilment]}}


def already_shipped(order: Mapping[str, Any], tracking_number: str) -> bool:
    """True when the SHIPMENT fulfilment is already COMPLETED with this tracking number."""
    f = shipment_fulfilment(order)
    if not f or f.get("state") != "COMPLETED":
        return False
    return str((f.get("shipment_details") or {}).get("tracking_number") or "").strip() == tracking_number.strip()


def _line_item(li: Mapping[str, Any]) -> LineItem:
    raw_qty = str(li.get("quantity") or "").strip()
    try:
        qty_dec = Decimal(raw_qty)
    except InvalidOperation:
        raise MappingError(f"line '{li.get('name')}' has quantity '{raw_qty}'") from None
    if qty_dec != qty_dec.to_integral_value() or qty_dec <= 0:
        raise MappingError(f"line '{li.get('name')}' has quantity {raw_qty}, not a whole number of items")
    qty = int(qty_dec)
    if li.get("base_price_money"):
        unit = _money(li["base_price_money"])
    elif li.get("total_money"):
        # Custom-amount lines may carry only a total.
        total = _money(li["total_money"])
        unit = Money(total.amount / qty, total.currency)
    else:
        raise MappingError(f"line '{li.get('name')}' has no price")
    return LineItem(title=li.get("name") or "Custom amount", quantity=qty, unit_price=unit,
                    listing_id=li.get("catalog_object_id") or "", variant=li.get("variation_name") or "")


def _people(order: Mapping[str, Any], invoice: Mapping[str, Any] | None) -> tuple[Customer, Address]:
    """Buyer and ship-to: the fulfilment recipient first, then the invoice's primary recipient."""
    recipient: Mapping[str, Any] = {}
    for kind in ("shipment_details", "delivery_details", "pickup_details"):
        for f in order.get("fulfillments") or []:
            if (f.get(kind) or {}).get("recipient"):
                recipient = f[kind]["recipient"]
                break
        if recipient:
            break
    primary = (invoice or {}).get("primary_recipient") or {}
    invoice_name = " ".join(p for p in (primary.get("given_name"), primary.get("family_name")) if p)
    customer = Customer(
        name=recipient.get("display_name") or invoice_name or primary.get("company_name") or "",
        email=recipient.get("email_address") or primary.get("email_address") or "",
        phone=recipient.get("phone_number") or primary.get("phone_number") or "",
        platform_customer_id=order.get("customer_id") or recipient.get("customer_id")
        or primary.get("customer_id") or "")
    addr = recipient.get("address") or primary.get("address") or {}
    ship_to = Address(name=customer.name, line1=addr.get("address_line_1") or "",
                      line2=addr.get("address_line_2") or "", city=addr.get("locality") or "",
                      region=addr.get("administrative_district_level_1") or "",
                      postal_code=addr.get("postal_code") or "", country=addr.get("country") or "")
    return customer, ship_to


def _shipments(order: Mapping[str, Any]) -> list[Shipment]:
    found = []
    for f in order.get("fulfillments") or []:
        d = f.get("shipment_details") or {}
        if f.get("type") == "SHIPMENT" and f.get("state") == "COMPLETED" and d.get("tracking_number"):
            found.append(Shipment(carrier=d.get("carrier") or "", tracking_number=d["tracking_number"],
                                  shipped_at=_time(d.get("shipped_at")), tracking_url=d.get("tracking_url") or ""))
    return found


def _invoice_total(invoice: Mapping[str, Any] | None) -> Money | None:
    reqs = (invoice or {}).get("payment_requests") or []
    amounts = [_money(r["computed_amount_money"]) for r in reqs if r.get("computed_amount_money")]
    if not amounts:
        return None
    total = amounts[0]
    for m in amounts[1:]:
        total = total + m
    return total


def _money(m: Mapping[str, Any]) -> Money:
    """Square Money is integer minor units (cents) + ISO currency."""
    try:
        currency = m.get("currency") or "USD"
        return Money.from_minor(int(m["amount"]), currency, 1 if currency in _ZERO_DECIMAL else 100)
    except (KeyError, TypeError, ValueError):
        raise MappingError(f"money {m!r} is not an amount in minor units") from None


def _minor(m: Mapping[str, Any] | None) -> Decimal:
    return _money(m).amount if m else Decimal(0)


def _time(text: Any):
    return parse_time(text) if text else None
