"""Shopify's orders export CSV (Orders → Export) -> domain Orders.

One row per line item; order-level fields are filled on the first row of each
order only, and "Name" (#1001) repeats on every row. Each order is reshaped
into the REST order form and mapped by connectors.shopify.mapping, so the
identity, buyer, address and state rules are exactly the API's.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from connectors.base import MappingError
from connectors.shopify.mapping import order_from_rest
from core.models import Order
from importers.export_common import (Problem, Row, compact, currency_of, export_version, first_value,
                                     group_rows, missing_columns, money, plain_zip, platform_number,
                                     progress, read_rows, stamp, whole_quantity)
from importers.unified import RowError

REQUIRED = ("name", "created at", "lineitem quantity", "lineitem name", "lineitem price")
HOW = "In Shopify admin open Orders → Export, choose 'Plain CSV file' and import that file."


def read_shopify(path: str | Path) -> tuple[list[Order], list[RowError]]:
    """Orders from a Shopify orders export."""
    header, rows = read_rows(path)
    errors = missing_columns(header, REQUIRED, "a Shopify orders export", HOW)
    if errors:
        return [], errors
    orders = []
    groups = group_rows(rows, "name", "Name (order number like #1001)", errors)
    for name, group in progress(groups.items(), len(groups), "Reading orders", " orders"):
        try:
            raw = {"source": "shopify_orders_csv", "rows": [compact(r) for _, r in group]}
            orders.append(order_from_rest(_rest_payload(name, group), raw=raw))
        except Problem as exc:
            errors.append(RowError(exc.line, f"{exc.reason} (order {name} was not loaded)"))
        except MappingError as exc:
            errors.append(RowError(group[0][0], f"{exc} (order {name} was not loaded)"))
    errors.sort(key=lambda e: e.line)
    return orders, errors


def _rest_payload(name: str, group: list[tuple[int, Row]]) -> dict[str, Any]:
    """The REST order dict order_from_rest expects, from one order's export rows."""
    first_line = group[0][0]

    def value(key: str) -> str:
        return first_value(group, key)

    # The export's "Id" is the numeric order id the API uses. Older or trimmed exports lack it;
    # then the order number (#1001) is the only id, and such an order will NOT match the same
    # sale fetched through the API (it would appear twice until the API copy is removed).
    pid = platform_number(value("id"), "Id", first_line) if value("id") else name
    total_text = value("total")
    currency = value("currency") or currency_of(total_text) or "USD"
    if not value("created at"):
        raise Problem(first_line, "'Created at' is empty on the order's first row")
    times = {key: stamp(value(key), key.capitalize(), first_line) if value(key) else None
             for key in ("created at", "paid at", "fulfilled at", "cancelled at")}
    # A quantity of 0 is a line removed by an order edit; the API mapping drops those too.
    items = [_line(line, row) for line, row in group if row.get("lineitem quantity", "").strip() != "0"]
    total = (money(total_text, "Total", first_line) if total_text
             else sum(i["_amount"] * i["quantity"] for i in items))
    for item in items:
        item.pop("_amount")
    ship = {"name": value("shipping name"), "address1": value("shipping address1") or value("shipping street"),
            "address2": value("shipping address2"), "city": value("shipping city"),
            "province_code": value("shipping province"), "zip": plain_zip(value("shipping zip")),
            "country_code": value("shipping country"), "phone": plain_zip(value("shipping phone"))}
    return {
        "id": pid, "name": name, "currency": currency,
        "created_at": times["created at"].isoformat(),
        # The version: just before the latest event in the file (see export_version).
        "updated_at": export_version(*times.values()).isoformat(),
        "cancelled_at": times["cancelled at"].isoformat() if times["cancelled at"] else None,
        "financial_status": value("financial status").lower() or None,
        "fulfillment_status": value("fulfillment status").lower() or None,
        "email": value("email"), "phone": plain_zip(value("phone")), "note": value("notes"),
        "tags": value("tags"), "source_name": value("source"),
        "note_attributes": _note_attributes(value("note attributes")),
        "shipping_address": ship if any(ship.values()) else None,
        "billing_address": {"name": value("billing name")},
        "total_price": str(total), "line_items": items, "fulfillments": [],
    }


def _line(line: int, row: Row) -> dict[str, Any]:
    price = money(row.get("lineitem price", ""), "Lineitem price", line)
    return {"title": row.get("lineitem name") or "(untitled item)", "price": str(price), "_amount": price,
            "quantity": whole_quantity(row.get("lineitem quantity", ""), "Lineitem quantity", line),
            "sku": row.get("lineitem sku", "")}


def _note_attributes(text: str) -> list[dict[str, str]]:
    """'name: value' per line, as the export writes note attributes."""
    found = []
    for part in text.splitlines():
        key, sep, val = part.partition(":")
        if sep:
            found.append({"name": key.strip(), "value": val.strip()})
    return found
