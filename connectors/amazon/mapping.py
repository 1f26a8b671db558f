"""Amazon Orders API 2026-01-01 order -> domain Order; and the v0 confirmShipment body.

Order.raw is the 2026-01-01 order object as Amazon sent it. The buyer email is
Amazon's anonymised relay address (it forwards to the buyer).
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from typing import Any, Mapping

from connectors.base import MappingError
from core.models import (Address, Customer, DomainError, LineItem, Money, Order, OrderState,
                         Platform, Shipment, parse_time)

_STATE = {
    "PENDING_AVAILABILITY": OrderState.PENDING, "PENDING": OrderState.PENDING,
    "UNSHIPPED": OrderState.PAID, "PARTIALLY_SHIPPED": OrderState.PARTIALLY_FULFILLED,
    "SHIPPED": OrderState.FULFILLED, "CANCELLED": OrderState.CANCELLED,
    "UNFULFILLABLE": OrderState.PENDING,
}
# Amazon's carrierCode values for common carriers; anything else is sent as "Other" + carrierName.
_CARRIER_CODES = {"usps": "USPS", "ups": "UPS", "fedex": "FedEx", "dhl": "DHL", "dhl express": "DHL",
                  "royal mail": "Royal Mail", "canada post": "Canada Post", "ontrac": "OnTrac",
                  "australia post": "Australia Post", "hermes": "Hermes", "evri": "Evri",
                  "dpd": "DPD", "parcelforce": "Parcelforce"}


def to_order(raw: Mapping[str, Any]) -> Order:
    """Map one 2026-01-01 order to a domain Order."""
    oid = str(raw.get("orderId") or "").strip()
    if not oid:
        raise MappingError("Amazon order has no orderId")
    try:
        items = tuple(_item(i) for i in raw.get("orderItems") or [])
        total = _money((raw.get("proceeds") or {}).get("grandTotal"))
        if total is None and items:
            total = items[0].total
            for extra in items[1:]:
                total = total + extra.total
        if total is None:
            raise MappingError(f"Amazon order {oid} has no total")
        buyer = raw.get("buyer") or {}
        addr = (raw.get("recipient") or {}).get("deliveryAddress") or {}
        customer = Customer(name=buyer.get("buyerName") or addr.get("name") or "",
                            email=buyer.get("buyerEmail") or "", phone=addr.get("phone") or "")
        ship_to = Address(name=addr.get("name") or "", line1=addr.get("addressLine1") or "",
                          line2=" ".join(p for p in (addr.get("addressLine2"), addr.get("addressLine3")) if p),
                          city=addr.get("city") or "", region=addr.get("stateOrRegion") or "",
                          postal_code=addr.get("postalCode") or "", country=addr.get("countryCode") or "")
        status = (raw.get("fulfillment") or {}).get("fulfillmentStatus") or ""
        return Order(platform=Platform.AMAZON, platform_order_id=oid,
                     created_at=parse_time(raw.get("createdTime") or ""),
                     updated_at=parse_time(raw.get("lastUpdatedTime") or raw.get("createdTime") or ""),
                     customer=customer, items=items, total=total, ship_to=ship_to,
                     state=_STATE.get(status, OrderState.PAID), shipments=tuple(_shipments(raw)),
                     external_refs=tuple(a["aliasId"] for a in raw.get("orderAliases") or [] if a.get("aliasId")),
                     raw=dict(raw))
    except DomainError as exc:
        raise MappingError(f"Amazon order {oid}: {exc}") from exc


def fulfilled_by_amazon(raw: Mapping[str, Any]) -> bool:
    """True for FBA orders, which Amazon ships itself."""
    return (raw.get("fulfillment") or {}).get("fulfilledBy") == "AMAZON"


def package_reference_id(idempotency_key: str) -> str:
    """A stable positive number from the idempotency key (Amazon accepts only positive numerics)."""
    return str(int(hashlib.sha256(idempotency_key.encode()).hexdigest()[:12], 16) % 999_999_999 + 1)


def find_package(raw: Mapping[str, Any], reference_id: str, tracking_number: str) -> dict | None:
    """The package already confirmed with this reference id or tracking number, if any."""
    for pkg in raw.get("packages") or []:
        if pkg.get("packageReferenceId") == reference_id or (
                tracking_number and pkg.get("trackingNumber") == tracking_number):
            return dict(pkg)
    return None


def unshipped_items(raw: Mapping[str, Any]) -> list[dict[str, Any]]:
    """[{orderItemId, quantity}] still to ship (all ordered items when Amazon gives no counts)."""
    found = []
    for item in raw.get("orderItems") or []:
        ful = item.get("fulfillment") or {}
        qty = ful.get("quantityUnfulfilled", item.get("quantityOrdered", 0))
        if qty and int(qty) > 0:
            found.append({"orderItemId": item["orderItemId"], "quantity": int(qty)})
    return found


def confirm_body(raw: Mapping[str, Any], shipment: Shipment, marketplace_id: str,
                 reference_id: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    """The confirmShipment request body for this shipment."""
    code = _CARRIER_CODES.get(shipment.carrier.strip().lower())
    shipped = shipment.shipped_at or datetime.now(timezone.utc)
    detail: dict[str, Any] = {
        "packageReferenceId": reference_id, "carrierCode": code or "Other",
        "trackingNumber": shipment.tracking_number,
        "shipDate": shipped.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "orderItems": items}
    if not code:
        detail["carrierName"] = shipment.carrier
    return {"marketplaceId": marketplace_id, "packageDetail": detail}


def _item(item: Mapping[str, Any]) -> LineItem:
    product = item.get("product") or {}
    unit = _money((product.get("price") or {}).get("unitPrice"))
    qty = int(item.get("quantityOrdered") or 0)
    if unit is None:
        raise MappingError(f"item '{product.get('title')}' has no price")
    return LineItem(title=product.get("title") or product.get("sellerSku") or "Amazon item", quantity=qty,
                    unit_price=unit, sku=product.get("sellerSku") or "", listing_id=product.get("asin") or "")


def _shipments(raw: Mapping[str, Any]) -> list[Shipment]:
    return [Shipment(carrier=p.get("carrier") or "", tracking_number=p["trackingNumber"],
                     shipped_at=parse_time(p["shipTime"]) if p.get("shipTime") else None)
            for p in raw.get("packages") or [] if p.get("trackingNumber")]


def _money(m: Mapping[str, Any] | None) -> Money | None:
    """Amazon money is a decimal string + currencyCode."""
    if not m:
        return None
    return Money(m["amount"], m["currencyCode"])
