"""Shopify order payloads -> domain Orders.

One mapping, for the REST/webhook order JSON (snake_case, what orders/create
webhooks deliver and what Shopify's official REST examples show). GraphQL order
nodes from polling are first reshaped into that form by rest_from_graphql, so
both paths share every rule below.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from connectors.base import MappingError
from core.models import (Address, Customer, DomainError, LineItem, Money, Order, OrderState,
                         Platform, Shipment, parse_time)

_ETSY_RECEIPT = re.compile(r"etsy\D{0,30}?(\d{6,})", re.IGNORECASE)
_DEAD_FULFILMENT = {"cancelled", "error", "failure"}


def order_from_rest(payload: Mapping[str, Any], raw: Mapping[str, Any] | None = None) -> Order:
    """Map one REST/webhook order dict; raises MappingError with a plain reason."""
    pid = str(payload.get("id") or "").strip()
    try:
        currency = payload.get("currency") or "USD"
        return Order(
            platform=Platform.SHOPIFY, platform_order_id=pid,
            created_at=parse_time(_required(payload, "created_at")),
            updated_at=parse_time(payload.get("updated_at") or payload["created_at"]),
            customer=_customer(payload), ship_to=_address(payload.get("shipping_address")),
            items=tuple(_items(payload.get("line_items") or [], currency)),
            total=Money(_required(payload, "total_price"), currency),
            state=_state(payload), shipments=tuple(_shipments(payload.get("fulfillments") or [])),
            notes=payload.get("note") or "", external_refs=tuple(etsy_refs(payload)),
            raw=dict(raw if raw is not None else payload))
    except (DomainError, KeyError, TypeError, ValueError) as exc:
        raise MappingError(f"Shopify order {pid or '(no id)'} could not be read: {exc}") from None


def _required(payload: Mapping[str, Any], key: str) -> Any:
    value = payload.get(key)
    if value in (None, ""):
        raise DomainError(f"'{key}' is missing")
    return value


def _customer(p: Mapping[str, Any]) -> Customer:
    cust = p.get("customer") or {}
    ship = p.get("shipping_address") or {}
    bill = p.get("billing_address") or {}
    name = (ship.get("name") or " ".join(x for x in (cust.get("first_name"), cust.get("last_name")) if x)
            or bill.get("name") or "")
    return Customer(name=name.strip(),
                    email=p.get("email") or p.get("contact_email") or cust.get("email") or "",
                    phone=p.get("phone") or ship.get("phone") or cust.get("phone") or "",
                    platform_customer_id=str(cust.get("id") or ""))


def _address(a: Mapping[str, Any] | None) -> Address:
    a = a or {}
    return Address(name=a.get("name") or "", line1=a.get("address1") or "",
                   line2=a.get("address2") or "", city=a.get("city") or "",
                   region=a.get("province_code") or a.get("province") or "",
                   postal_code=a.get("zip") or "", country=a.get("country_code") or a.get("country") or "")


def _items(lines: list[Mapping[str, Any]], currency: str) -> list[LineItem]:
    items = []
    for line in lines:
        if int(line.get("quantity") or 0) <= 0:
            continue  # a line removed by an order edit
        ident = line.get("variant_id") or line.get("product_id")
        items.append(LineItem(title=line.get("title") or line.get("name") or "(untitled item)",
                              quantity=int(line["quantity"]), unit_price=Money(line["price"], currency),
                              sku=line.get("sku") or "", listing_id=str(ident or ""),
                              variant=line.get("variant_title") or ""))
    return items


def _state(p: Mapping[str, Any]) -> OrderState:
    financial = (p.get("financial_status") or "").lower()
    fulfilment = (p.get("fulfillment_status") or "").lower()
    if p.get("cancelled_at"):
        return OrderState.CANCELLED
    if financial in ("refunded", "voided"):
        return OrderState.REFUNDED
    if fulfilment == "fulfilled":
        return OrderState.FULFILLED
    if fulfilment in ("partial", "partially_fulfilled"):
        return OrderState.PARTIALLY_FULFILLED
    if financial in ("pending", "authorized", "expired"):
        return OrderState.PENDING
    return OrderState.PAID


def _shipments(fulfilments: list[Mapping[str, Any]]) -> list[Shipment]:
    out = []
    for f in fulfilments:
        if (f.get("status") or "").lower() in _DEAD_FULFILMENT or not f.get("tracking_number"):
            continue
        out.append(Shipment(carrier=f.get("tracking_company") or "", tracking_number=f["tracking_number"],
                            shipped_at=parse_time(f["created_at"]) if f.get("created_at") else None,
                            tracking_url=f.get("tracking_url") or ""))
    return out


def etsy_refs(p: Mapping[str, Any]) -> list[str]:
    """'etsy:<receipt>' when a marketplace app mirrored this order from Etsy."""
    texts = [f"{a.get('name', '')}: {a.get('value', '')}" for a in p.get("note_attributes") or []]
    tags = p.get("tags") or ""
    texts += [t.strip() for t in (tags.split(",") if isinstance(tags, str) else tags)]
    if "etsy" in (p.get("source_name") or "").lower():
        # Marketplace apps put the receipt number in source_identifier or the order reference.
        texts += [f"etsy {p.get('source_identifier') or ''}", f"etsy {p.get('reference') or ''}"]
    refs: list[str] = []
    for text in texts:
        match = _ETSY_RECEIPT.search(text or "")
        if match and f"etsy:{match.group(1)}" not in refs:
            refs.append(f"etsy:{match.group(1)}")
    return refs


def rest_from_graphql(node: Mapping[str, Any]) -> dict[str, Any]:
    """Reshape a GraphQL Admin order node into the REST/webhook order shape."""
    money = ((node.get("totalPriceSet") or {}).get("shopMoney") or {})
    cust = node.get("customer") or {}
    ship = node.get("shippingAddress")
    fulfil = (node.get("displayFulfillmentStatus") or "").upper()
    return {
        "id": node.get("legacyResourceId") or _gid_number(node.get("id")),
        "name": node.get("name"), "created_at": node.get("createdAt"),
        "updated_at": node.get("updatedAt"), "cancelled_at": node.get("cancelledAt"),
        "financial_status": (node.get("displayFinancialStatus") or "").lower() or None,
        "fulfillment_status": {"FULFILLED": "fulfilled", "PARTIALLY_FULFILLED": "partial"}.get(fulfil),
        "email": node.get("email"), "phone": node.get("phone"), "note": node.get("note"),
        "tags": ", ".join(node.get("tags") or []), "source_name": node.get("sourceName"),
        "note_attributes": [{"name": a.get("key"), "value": a.get("value")}
                            for a in node.get("customAttributes") or []],
        "customer": {"id": _gid_number(cust.get("id")), "first_name": cust.get("firstName"),
                     "last_name": cust.get("lastName"), "phone": cust.get("phone")} if cust else None,
        "shipping_address": None if ship is None else {
            "name": ship.get("name"), "address1": ship.get("address1"), "address2": ship.get("address2"),
            "city": ship.get("city"), "province": ship.get("province"),
            "province_code": ship.get("provinceCode"), "zip": ship.get("zip"),
            "country_code": ship.get("countryCodeV2"), "phone": ship.get("phone")},
        "total_price": money.get("amount"), "currency": money.get("currencyCode"),
        "line_items": [_rest_line(line) for line in (node.get("lineItems") or {}).get("nodes") or []],
        "fulfillments": [_rest_fulfilment(f) for f in node.get("fulfillments") or []],
    }


def _rest_line(line: Mapping[str, Any]) -> dict[str, Any]:
    price = ((line.get("originalUnitPriceSet") or {}).get("shopMoney") or {}).get("amount")
    return {"title": line.get("title"), "variant_title": line.get("variantTitle"),
            "sku": line.get("sku"), "quantity": line.get("quantity"), "price": price,
            "product_id": (line.get("product") or {}).get("legacyResourceId"),
            "variant_id": (line.get("variant") or {}).get("legacyResourceId")}


def _rest_fulfilment(f: Mapping[str, Any]) -> dict[str, Any]:
    track = (f.get("trackingInfo") or [{}])[0] if f.get("trackingInfo") else {}
    return {"status": (f.get("status") or "").lower(), "created_at": f.get("createdAt"),
            "tracking_company": track.get("company"), "tracking_number": track.get("number"),
            "tracking_url": track.get("url")}


def order_from_graphql(node: Mapping[str, Any]) -> Order:
    """Map a GraphQL order node (raw keeps the node as Shopify sent it)."""
    return order_from_rest(rest_from_graphql(node), raw=node)


def _gid_number(gid: Any) -> str:
    return str(gid or "").rsplit("/", 1)[-1]


def order_gid(platform_order_id: str) -> str:
    """gid://shopify/Order/<id> for a numeric order id."""
    return platform_order_id if platform_order_id.startswith("gid://") else \
        f"gid://shopify/Order/{platform_order_id}"
