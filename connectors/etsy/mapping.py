"""Etsy ShopReceipt payloads -> domain Orders.

Etsy withholds the buyer's email from most apps (buyer_email is often null), money
is {amount, divisor, currency_code}, and times are Unix seconds.
"""
from __future__ import annotations

from typing import Any, Mapping

from connectors.base import MappingError
from core.models import (Address, Customer, DomainError, LineItem, Money, Order, OrderState,
                         Platform, Shipment, from_epoch)


def order_from_receipt(receipt: Mapping[str, Any]) -> Order:
    """Map one ShopReceipt; raises MappingError with a plain reason."""
    rid = str(receipt.get("receipt_id") or "").strip()
    try:
        created = receipt.get("created_timestamp") or receipt.get("create_timestamp")
        updated = receipt.get("updated_timestamp") or receipt.get("update_timestamp") or created
        if not created:
            raise DomainError("'created_timestamp' is missing")
        return Order(
            platform=Platform.ETSY, platform_order_id=rid,
            created_at=from_epoch(created), updated_at=from_epoch(updated),
            customer=Customer(name=(receipt.get("name") or "").strip(),
                              email=receipt.get("buyer_email") or "",
                              platform_customer_id=str(receipt.get("buyer_user_id") or "")),
            ship_to=Address(name=receipt.get("name") or "", line1=receipt.get("first_line") or "",
                            line2=receipt.get("second_line") or "", city=receipt.get("city") or "",
                            region=receipt.get("state") or "", postal_code=receipt.get("zip") or "",
                            country=receipt.get("country_iso") or ""),
            items=tuple(_item(t) for t in receipt.get("transactions") or []),
            total=money(receipt.get("grandtotal") or receipt.get("total_price"), "grandtotal"),
            state=_state(receipt),
            shipments=tuple(_shipment(s) for s in receipt.get("shipments") or [] if s.get("tracking_code")),
            notes=receipt.get("message_from_buyer") or "",
            raw=dict(receipt))
    except (DomainError, KeyError, TypeError, ValueError) as exc:
        raise MappingError(f"Etsy receipt {rid or '(no id)'} could not be read: {exc}") from None


def money(value: Mapping[str, Any] | None, what: str = "amount") -> Money:
    """Etsy Money {amount, divisor, currency_code} -> Money."""
    if not value or value.get("amount") is None or not value.get("currency_code"):
        raise DomainError(f"'{what}' is missing")
    return Money.from_minor(int(value["amount"]), value["currency_code"], int(value.get("divisor") or 100))


def _item(t: Mapping[str, Any]) -> LineItem:
    variant = ", ".join(f"{v.get('formatted_name')}: {v.get('formatted_value')}"
                        for v in t.get("variations") or [] if v.get("formatted_value"))
    return LineItem(title=(t.get("title") or "").strip() or "(untitled listing)",
                    quantity=int(t["quantity"]), unit_price=money(t.get("price"), "price"),
                    sku=t.get("sku") or "", listing_id=str(t.get("listing_id") or ""), variant=variant)


def _state(r: Mapping[str, Any]) -> OrderState:
    status = (r.get("status") or "").lower()
    if status == "canceled":
        return OrderState.CANCELLED
    if status == "fully refunded":
        return OrderState.REFUNDED
    if r.get("is_shipped") or status == "completed":
        return OrderState.FULFILLED
    if not r.get("is_paid") or status in ("open", "payment processing"):
        return OrderState.PENDING
    return OrderState.PAID


def _shipment(s: Mapping[str, Any]) -> Shipment:
    stamp = s.get("shipment_notification_timestamp")
    return Shipment(carrier=s.get("carrier_name") or "", tracking_number=s["tracking_code"],
                    shipped_at=from_epoch(stamp) if stamp else None)
