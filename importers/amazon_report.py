"""Amazon order reports (tab-separated flat files) -> domain Orders.

Reads both the seller-fulfilled "Order Report" / Unshipped Orders report
(order-id, order-item-id, buyer-name, recipient-name, ship-address-1, ...) and
the "All Orders" report (amazon-order-id, order-status, last-updated-date, ...).
Identity is the Amazon order id, as the API's orderId. Money columns are totals
for the row's quantity, not unit prices, so the unit price is price / quantity.
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from core.models import Address, Customer, DomainError, LineItem, Money, Order, OrderState, Platform
from importers.export_common import (Problem, Row, compact, currency_of, export_version, first_value,
                                     group_rows, missing_columns, money, plain_zip, progress,
                                     read_rows, stamp, whole_quantity)
from importers.unified import RowError

HOW = ("In Seller Central open Orders → Order Reports (or Reports → Fulfillment → All Orders), "
       "download the report and import that file.")
# Added to the order total when present; each is the amount for the row's whole quantity.
_CHARGES = ("item-price", "item-tax", "shipping-price", "shipping-tax", "gift-wrap-price", "gift-wrap-tax")
_DISCOUNTS = ("item-promotion-discount", "ship-promotion-discount")
_STATUS = {"pending": OrderState.PENDING, "unshipped": OrderState.PAID, "shipping": OrderState.PAID,
           "partially shipped": OrderState.PARTIALLY_FULFILLED, "shipped": OrderState.FULFILLED,
           "complete": OrderState.FULFILLED, "cancelled": OrderState.CANCELLED,
           "canceled": OrderState.CANCELLED}


def read_amazon(path: str | Path) -> tuple[list[Order], list[RowError]]:
    """Orders from an Amazon order report (tab- or comma-separated)."""
    header, rows = read_rows(path)
    id_column = "order-id" if "order-id" in header else "amazon-order-id"
    qty_column = "quantity-purchased" if "quantity-purchased" in header else "quantity"
    errors = missing_columns(header, (id_column, "purchase-date", "product-name", qty_column, "item-price"),
                             "an Amazon order report", HOW)
    if errors:
        return [], errors
    orders = []
    groups = group_rows(rows, id_column, "order-id", errors)
    for oid, group in progress(groups.items(), len(groups), "Reading orders", " orders"):
        try:
            orders.append(_order(oid, group, qty_column))
        except Problem as exc:
            errors.append(RowError(exc.line, f"{exc.reason} (order {oid} was not loaded)"))
    errors.sort(key=lambda e: e.line)
    return orders, errors


def _order(oid: str, group: list[tuple[int, Row]], qty_column: str) -> Order:
    first_line = group[0][0]
    currency = first_value(group, "currency") or currency_of(first_value(group, "item-price")) or "USD"
    # Amazon continues an order on extra rows (for more promotions) with the item columns blank.
    item_rows = [(line, row) for line, row in group if row.get("sku") or row.get("product-name")]
    if not item_rows:
        raise Problem(first_line, "the order has no item rows (no sku or product-name)")
    items = [_item(line, row, qty_column, currency) for line, row in item_rows]
    total = Decimal(0)
    for line, row in group:
        for col in _CHARGES:
            total += money(row.get(col, ""), col, line, Decimal(0))
        for col in _DISCOUNTS:
            total -= abs(money(row.get(col, ""), col, line, Decimal(0)))
    times = [stamp(first_value(group, col), col, first_line) if first_value(group, col) else None
             for col in ("purchase-date", "payments-date", "last-updated-date")]
    if times[0] is None:
        raise Problem(first_line, "purchase-date is empty")
    buyer = first_value(group, "buyer-name")
    recipient = first_value(group, "recipient-name")
    phone = plain_zip(first_value(group, "ship-phone-number") or first_value(group, "buyer-phone-number"))
    status = (first_value(group, "order-status") or "").strip().lower()
    try:
        return Order(
            platform=Platform.AMAZON, platform_order_id=oid, created_at=times[0],
            updated_at=export_version(*times),
            customer=Customer(name=buyer or recipient, email=first_value(group, "buyer-email"), phone=phone),
            ship_to=Address(name=recipient, line1=first_value(group, "ship-address-1"),
                            line2=" ".join(p for p in (first_value(group, "ship-address-2"),
                                                       first_value(group, "ship-address-3")) if p),
                            city=first_value(group, "ship-city"), region=first_value(group, "ship-state"),
                            postal_code=plain_zip(first_value(group, "ship-postal-code")),
                            country=first_value(group, "ship-country")),
            items=tuple(items), total=Money(total, currency),
            state=_STATUS.get(status.split(" - ")[0], OrderState.PAID),
            external_refs=tuple(x for x in (first_value(group, "merchant-order-id"),) if x),
            raw={"source": "amazon_order_report", "rows": [compact(r) for _, r in group]})
    except DomainError as exc:
        raise Problem(first_line, str(exc)) from None


def _item(line: int, row: Row, qty_column: str, currency: str) -> LineItem:
    qty = whole_quantity(row.get(qty_column, ""), qty_column, line)
    # A Pending order's prices are blank until Amazon confirms payment.
    price = money(row.get("item-price", ""), "item-price", line, Decimal(0))
    try:
        return LineItem(title=row.get("product-name") or row.get("sku") or "Amazon item", quantity=qty,
                        unit_price=Money(price / qty, currency), sku=row.get("sku", ""),
                        listing_id=row.get("asin", ""))
    except DomainError as exc:
        raise Problem(line, str(exc)) from None
