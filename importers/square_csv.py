"""Square's item sales export (Dashboard → Transactions → Export → "Item Detail CSV") -> Orders.

Identity: the API connector keys a Square sale by its ORDER id. The export has
no order id column, but its "Transaction ID" is the legacy transaction id, which
Square documents as equal to the order id for sales taken in Square (POS,
Online Checkout, invoices). So Transaction ID is the closest stable choice.
Limitation: a refund is a separate order in the API, while the export puts
refund rows under the original Transaction ID; here refund rows only mark the
sale refunded. "Payment ID" is kept in external_refs.

The export has no currency column; the currency is read from the money symbols
('£5.00' -> GBP) and a bare '$' is taken as USD.
"""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.models import Customer, DomainError, LineItem, Money, Order, OrderState, Platform
from importers.export_common import (Problem, Row, compact, calendar_date, currency_of, export_version,
                                     first_value, group_rows, missing_columns, money, progress,
                                     read_rows, whole_quantity)
from importers.unified import RowError

REQUIRED = ("date", "time", "item", "qty", "gross sales", "transaction id")
HOW = ("In Square Dashboard open Reports → Item Sales (or Transactions), choose Export → "
       "'Item Detail CSV' and import that file.")
# Square writes Rails-style zone names in "Time Zone".
_ZONES = {
    "pacific time (us & canada)": "America/Los_Angeles", "mountain time (us & canada)": "America/Denver",
    "central time (us & canada)": "America/Chicago", "eastern time (us & canada)": "America/New_York",
    "arizona": "America/Phoenix", "alaska": "America/Anchorage", "hawaii": "Pacific/Honolulu",
    "atlantic time (canada)": "America/Halifax", "newfoundland": "America/St_Johns",
    "london": "Europe/London", "edinburgh": "Europe/London", "dublin": "Europe/Dublin",
    "paris": "Europe/Paris", "madrid": "Europe/Madrid", "tokyo": "Asia/Tokyo",
    "sydney": "Australia/Sydney", "melbourne": "Australia/Melbourne", "brisbane": "Australia/Brisbane",
    "perth": "Australia/Perth", "adelaide": "Australia/Adelaide", "utc": "UTC",
}


def read_square(path: str | Path) -> tuple[list[Order], list[RowError]]:
    """Orders from a Square item sales (Item Detail) export."""
    header, rows = read_rows(path)
    errors = missing_columns(header, REQUIRED, "a Square item sales export", HOW)
    if errors:
        return [], errors
    orders = []
    groups = group_rows(rows, "transaction id", "Transaction ID", errors)
    for txn, group in progress(groups.items(), len(groups), "Reading orders", " orders"):
        try:
            orders.append(_order(txn, group))
        except Problem as exc:
            errors.append(RowError(exc.line, f"{exc.reason} (sale {txn} was not loaded)"))
    errors.sort(key=lambda e: e.line)
    return orders, errors


def _is_refund(row: Row) -> bool:
    return "refund" in row.get("event type", "").lower()


def _order(txn: str, group: list[tuple[int, Row]]) -> Order:
    sales = [(line, row) for line, row in group if not _is_refund(row)]
    refunds = [(line, row) for line, row in group if _is_refund(row)]
    if not sales:
        raise Problem(group[0][0], "this is a refund of a sale that is not in this file; "
                                   "export a date range that includes the sale")
    first_line, first = sales[0]
    currency = next((c for _, r in sales for c in (currency_of(r.get("gross sales", "")),
                                                    currency_of(r.get("net sales", ""))) if c), "USD")
    created = _when(first_line, first)
    items = [_item(line, row, currency) for line, row in sales]
    net = Decimal(0)
    for line, r in sales:
        gross = money(r["gross sales"], "Gross Sales", line)
        net += money(r.get("net sales", ""), "Net Sales", line, gross)
        net += money(r.get("tax", ""), "Tax", line, Decimal(0))
    refunded = sum((abs(money(r.get("net sales", ""), "Net Sales", line, Decimal(0))) for line, r in refunds),
                   Decimal(0))
    payment = first_value(sales, "payment id")
    notes = " · ".join(x for x in (first_value(sales, "notes"), first_value(sales, "location")) if x)
    try:
        return Order(
            platform=Platform.SQUARE, platform_order_id=txn, created_at=created,
            updated_at=export_version(created),
            customer=Customer(name=first_value(sales, "customer name"),
                              platform_customer_id=first_value(sales, "customer id")),
            items=tuple(items), total=Money(net, currency),
            state=OrderState.REFUNDED if refunds and refunded >= net else OrderState.PAID,
            notes=notes, external_refs=(payment,) if payment and payment != txn else (),
            raw={"source": "square_items_csv", "rows": [compact(r) for _, r in group]})
    except DomainError as exc:
        raise Problem(first_line, str(exc)) from None


def _item(line: int, row: Row, currency: str) -> LineItem:
    qty = whole_quantity(row.get("qty", ""), "Qty", line)
    gross = money(row.get("gross sales", ""), "Gross Sales", line)
    try:
        # Gross Sales is the line's total before discounts; the API's unit price is per item.
        return LineItem(title=row.get("item") or "Custom amount", quantity=qty,
                        unit_price=Money(gross / qty, currency), sku=row.get("sku", ""),
                        variant=row.get("price point name", ""))
    except DomainError as exc:
        raise Problem(line, str(exc)) from None


def _when(line: int, row: Row) -> datetime:
    """Date + Time in the row's Time Zone -> UTC."""
    day: date = calendar_date(row.get("date", ""), "Date", line)
    text = row.get("time", "").strip() or "00:00:00"
    for fmt in ("%H:%M:%S", "%H:%M", "%I:%M:%S %p", "%I:%M %p"):
        try:
            clock: time = datetime.strptime(text, fmt).time()
            break
        except ValueError:
            continue
    else:
        raise Problem(line, f"Time '{text}' is not a time like 14:05:00")
    return datetime.combine(day, clock, tzinfo=_zone(row.get("time zone", ""))).astimezone(timezone.utc)


def _zone(name: str):
    key = name.strip()
    candidate = _ZONES.get(key.lower(), key)
    try:
        return ZoneInfo(candidate) if candidate else timezone.utc
    except (ZoneInfoNotFoundError, ValueError):
        # An unknown zone name (or no tz database, on some Windows installs) shifts the time by
        # hours at most; the sale itself is still right, so UTC is used rather than losing it.
        return timezone.utc
