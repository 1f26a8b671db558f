"""A realistic day of orders, built from the platforms' official example payloads.

Each order starts as a copy of an official example (tests/fixtures/<platform>/)
with the buyer, items and times changed, and goes through the real connector
mapping — the same code that maps live API responses and webhooks.
"""
from __future__ import annotations

import copy
import zlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from connectors.amazon.mapping import to_order as amazon_order
from connectors.etsy.mapping import order_from_receipt
from connectors.shopify.mapping import order_from_rest
from connectors.square.mapping import to_order as square_order
from core.models import Order

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures"


def _load(rel: str) -> dict:
    return json.loads((FIXTURES / rel).read_text())


@dataclass(frozen=True)
class Buyer:
    """Who bought, and where it ships."""

    first: str
    last: str
    email: str = ""
    phone: str = ""
    street: str = "12 Oak Street"
    city: str = "Portland"
    region: str = "OR"
    postal: str = "97201"


def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def shopify(oid: int, at: datetime, b: Buyer, items: list[tuple], base=None) -> Order:
    """A Shopify REST/webhook order payload -> Order."""
    p = copy.deepcopy(base or _load("shopify/rest_order_examples.json")["examples"]["test_23"]["order"])
    total = sum(q * float(pr) for _, _, q, pr, _ in items)
    p.update({"id": oid, "name": f"#{oid % 10000}", "order_number": oid % 10000, "created_at": _iso(at),
              "updated_at": _iso(at), "processed_at": _iso(at), "email": b.email, "contact_email": b.email,
              "phone": b.phone, "total_price": f"{total:.2f}", "subtotal_price": f"{total:.2f}",
              "currency": "USD", "financial_status": "paid", "fulfillment_status": None,
              "cancelled_at": None, "fulfillments": [], "refunds": [], "note_attributes": [], "tags": "",
              "source_name": "web"})
    p["customer"] = {**(p.get("customer") or {}), "id": 9000 + oid % 1000, "first_name": b.first,
                     "last_name": b.last, "email": b.email, "phone": b.phone}
    p["shipping_address"] = {"first_name": b.first, "last_name": b.last, "name": f"{b.first} {b.last}",
                             "address1": b.street, "address2": "", "city": b.city, "province_code": b.region,
                             "province": b.region, "zip": b.postal, "country_code": "US",
                             "country": "United States", "phone": b.phone}
    template = (p.get("line_items") or [{}])[0]
    p["line_items"] = [{**template, "id": oid * 10 + n, "title": t, "name": t, "sku": sku, "quantity": q,
                        "price": pr, "variant_title": v, "product_id": 7000000 + zlib.crc32(t.encode()) % 999999,
                        "variant_id": 8000000 + zlib.crc32((t + v).encode()) % 999999,
                        "fulfillable_quantity": q, "fulfillment_status": None}
                       for n, (t, sku, q, pr, v) in enumerate(items)]
    return order_from_rest(p)


def etsy(rid: int, at: datetime, b: Buyer, items: list[tuple]) -> Order:
    """An Etsy receipt (buyer email withheld, as Etsy does for most apps) -> Order."""
    r = copy.deepcopy(_load("etsy/receipts.json")["receipts"]["paid_with_variations_no_email"])
    ts = int(at.timestamp())
    total = sum(int(round(q * float(pr) * 100)) for _, _, q, pr, _ in items)
    r.update({"receipt_id": rid, "name": f"{b.first} {b.last}", "first_line": b.street, "second_line": "",
              "city": b.city, "state": b.region, "zip": b.postal, "buyer_email": b.email or None,
              "create_timestamp": ts, "created_timestamp": ts, "update_timestamp": ts, "updated_timestamp": ts,
              "buyer_user_id": rid % 100000})
    for key in ("grandtotal", "subtotal", "total_price"):
        r[key] = {"amount": total, "divisor": 100, "currency_code": "USD"}
    template = r["transactions"][0]
    r["transactions"] = [{**template, "transaction_id": rid * 10 + n, "receipt_id": rid, "title": t, "sku": sku,
                          "quantity": q, "listing_id": 1500000000 + zlib.crc32(t.encode()) % 999999,
                          "price": {"amount": int(round(float(pr) * 100)), "divisor": 100, "currency_code": "USD"},
                          "variations": [{"property_id": 200, "value_id": 1, "formatted_name": "Size",
                                          "formatted_value": v}] if v else []}
                         for n, (t, sku, q, pr, v) in enumerate(items)]
    return order_from_receipt(r)


def square(oid: str, at: datetime, b: Buyer, items: list[tuple], invoice_no: str | None = None) -> Order:
    """A Square order, optionally billed by an invoice (Instagram DM sales) -> Order."""
    o = copy.deepcopy(_load("square/retrieve_order.json")["order"])
    total = sum(int(round(q * float(pr) * 100)) for _, _, q, pr, _ in items)
    o.update({"id": oid, "created_at": _iso(at), "updated_at": _iso(at), "state": "OPEN", "discounts": [],
              "total_money": {"amount": total, "currency": "USD"}, "customer_id": f"CUST-{oid}",
              "fulfillments": [{"uid": f"F-{oid}", "type": "SHIPMENT", "state": "PROPOSED",
                                "shipment_details": {"recipient": {
                                    "display_name": f"{b.first} {b.last}", "email_address": b.email,
                                    "phone_number": b.phone, "address": {
                                        "address_line_1": b.street, "locality": b.city,
                                        "administrative_district_level_1": b.region, "postal_code": b.postal,
                                        "country": "US"}}}}]})
    o.pop("tenders", None)
    o.pop("returns", None)
    # A catalogue sale names its item variation by Square's object id; the SKU lives in the
    # catalogue, not on the order line (Square Orders API: OrderLineItem.catalog_object_id).
    o["line_items"] = [{"uid": f"L{n}", "name": t, "quantity": str(q), "variation_name": v,
                        "catalog_object_id": _catalog_id(sku) if sku else None,
                        "base_price_money": {"amount": int(round(float(pr) * 100)), "currency": "USD"},
                        "total_money": {"amount": int(round(q * float(pr) * 100)), "currency": "USD"}}
                       for n, (t, sku, q, pr, v) in enumerate(items)]
    invoice = None
    if invoice_no:
        invoice = copy.deepcopy(_load("square/search_invoices.json")["invoices"][0])
        invoice.update({"id": f"inv:{oid}", "invoice_number": invoice_no, "order_id": oid, "status": "PAID",
                        "created_at": _iso(at), "updated_at": _iso(at), "title": "Instagram DM order"})
        invoice["primary_recipient"] = {"given_name": b.first, "family_name": b.last,
                                        "email_address": b.email, "phone_number": b.phone}
    return square_order(o, invoice)


def _catalog_id(sku: str) -> str:
    """A Square-style catalogue object id (24 upper-case letters and digits) for a demo item."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    n, out = zlib.crc32(sku.encode()) * 2654435761, ""
    while len(out) < 24:
        out, n = out + alphabet[n % 32], n // 32 or zlib.crc32(out.encode()) + 7
    return out


def amazon(oid: str, at: datetime, b: Buyer, items: list[tuple]) -> Order:
    """An Amazon SP-API 2026-01-01 order (anonymised relay e-mail) -> Order."""
    a = copy.deepcopy(_load("amazon/search_orders.json")["orders"][0])
    total = sum(q * float(pr) for _, _, q, pr, _ in items)
    a.update({"orderId": oid, "createdTime": _iso(at), "lastUpdatedTime": _iso(at), "orderAliases": [],
              "associatedOrders": [], "packages": [], "fulfillmentOrders": []})
    a["buyer"] = {"buyerName": f"{b.first} {b.last}", "buyerEmail": f"{oid[-7:]}@marketplace.amazon.com"}
    a["recipient"]["deliveryAddress"].update({"name": f"{b.first} {b.last}", "companyName": "",
                                               "addressLine1": b.street, "addressLine2": "", "city": b.city,
                                               "stateOrRegion": b.region, "postalCode": b.postal,
                                               "phone": b.phone, "addressType": "RESIDENTIAL"})
    a["proceeds"] = {"grandTotal": {"amount": f"{total:.2f}", "currencyCode": "USD"}}
    a["fulfillment"] = {**a["fulfillment"], "fulfillmentStatus": "UNSHIPPED"}
    template = a["orderItems"][0]
    a["orderItems"] = [{**template, "orderItemId": f"{oid}-{n}", "quantityOrdered": q, "cancellation": None,
                        "product": {**template["product"], "asin": f"B0DEMO{n:04d}", "title": t,
                                    "sellerSku": sku, "price": {"unitPrice": {"amount": pr, "currencyCode": "USD"}}},
                        "fulfillment": {"quantityFulfilled": 0, "quantityUnfulfilled": q}}
                       for n, (t, sku, q, pr, v) in enumerate(items)]
    return amazon_order(a)


def demo_day(day: datetime | None = None) -> list[Order]:
    """A dozen orders across four channels; two of them are the duplicates TrueCraft exists to catch."""
    d = (day or datetime.now(timezone.utc)).replace(hour=0, minute=0, second=0, microsecond=0)
    t = lambda h, m: d + timedelta(hours=h, minutes=m)  # noqa: E731
    rachel = Buyer("Rachel", "Green", "", "(503) 555-0142", "12 Oak Street")
    rach = Buyer("Rach", "Green", "rachgreen.designs@gmail.com", "+1 503 555 0142", "12 Oak St.")
    tom = Buyer("Tom", "Baker", "tom.baker@example.com", "503-555-0199", "88 Birch Ave", "Salem", "OR", "97301")
    jacket = ("Linen Wrap Jacket - Sage", "LW-001", 1, "200.00", "M")
    return [
        etsy(3050000101, t(9, 5), Buyer("Maya", "Chen", street="4 Elm Court", city="Eugene", postal="97401"),
             [("Stoneware Mug - Speckled", "MUG-SPK", 2, "32.00", "")]),
        shopify(5200001001, t(9, 40), Buyer("Jonas", "Weber", "jonas.w@example.de", "", "17 Pine Rd", "Bend", "OR", "97701"),
                [("Linen Apron", "APR-01", 1, "48.00", "Natural")]),
        amazon("114-2203114-7780001", t(10, 15), Buyer("Priya", "Patel", street="301 Cedar Ln", city="Seattle", region="WA", postal="98101"),
               [("Beeswax Candle Set (3)", "CAN-3", 1, "36.00", "")]),
        etsy(3050000102, t(11, 0), rachel, [jacket]),
        square("SQ-ORD-77A1", t(11, 58), rach, [("Custom sage linen jacket (size M)", "", 1, "210.00", "")], "IG-0042"),
        shopify(5200001002, t(12, 10), tom, [("Hand-dyed Silk Scarf", "SCF-IND", 1, "65.00", "Indigo")]),
        shopify(5200001003, t(12, 13), tom, [("Hand-dyed Silk Scarf", "SCF-IND", 1, "65.00", "Indigo")]),
        etsy(3050000103, t(13, 30), Buyer("Leo", "Chen", street="4 Elm Court", city="Eugene", postal="97401"),
             [("Linen Wrap Jacket - Rust", "LW-002", 1, "200.00", "L")]),
        amazon("114-2203114-7780002", t(14, 5), Buyer("Sam", "Lee", street="9 Fir St", city="Tacoma", region="WA", postal="98402"),
               [("Beeswax Candle Set (3)", "CAN-3", 2, "36.00", "")]),
        square("SQ-ORD-88B2", t(14, 40), Buyer("Ana", "Souza", "ana.souza@example.com", "", "55 Maple Dr", "Portland", "OR", "97205"),
               [("Ceramic Earrings - Terracotta", "EAR-TC", 1, "28.00", "")]),
        shopify(5200001004, t(15, 20), Buyer("Priya", "Patel", "priya.p@example.com", "", "301 Cedar Ln", "Seattle", "WA", "98101"),
                [("Linen Apron", "APR-01", 1, "48.00", "Natural")]),
        etsy(3050000104, t(16, 45), Buyer("Grace", "Kim", street="210 Spruce Way", city="Boise", region="ID", postal="83702"),
             [("Stoneware Mug - Speckled", "MUG-SPK", 1, "32.00", "")]),
    ]
