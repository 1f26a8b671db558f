"""Etsy's "Sold Orders" and "Sold Order Items" CSV downloads -> domain Orders.

Identity is the receipt id, which Etsy prints as "Order ID" in both files and
the API calls receipt_id. The orders file has one row per order; the items file
one row per listing sold. Given the orders file, any EtsySoldOrderItems*.csv in
the same folder supplies the line items; without one, each order gets a single
summary line "3 items". Given only an items file, orders are built from it.
"""
from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from core.models import (Address, Customer, DomainError, LineItem, Money, Order, OrderState,
                         Platform)
from importers.export_common import (Problem, Row, compact, calendar_date, currency_of, earliest_instant,
                                     export_version, group_rows, missing_columns, money, noon_utc,
                                     platform_number, progress, read_rows, whole_quantity)
from importers.unified import RowError

ORDERS_REQUIRED = ("sale date", "order id", "order total")
ITEMS_REQUIRED = ("sale date", "item name", "quantity", "price", "order id")
HOW = ("On Etsy open Shop Manager → Settings → Options → Download Data, choose 'Orders' "
       "(or 'Order Items') and import that file.")
ITEMS_GLOB = "EtsySoldOrderItems*.csv"


def read_etsy(path: str | Path) -> tuple[list[Order], list[RowError]]:
    """Orders from an Etsy Sold Orders (or Sold Order Items) CSV."""
    path = Path(path)
    header, rows = read_rows(path)
    if "item name" in header:
        errors = missing_columns(header, ITEMS_REQUIRED, "an Etsy Sold Order Items CSV", HOW)
        if errors:
            return [], errors
        return _from_items_only(rows)
    errors = missing_columns(header, ORDERS_REQUIRED, "an Etsy Sold Orders CSV", HOW)
    if errors:
        return [], errors
    items_by_order = _sibling_items(path, errors)
    orders: list[Order] = []
    seen: set[str] = set()
    for line, row in progress(rows, len(rows), "Reading orders", " orders"):
        try:
            pid = platform_number(row.get("order id", ""), "Order ID", line)
            if pid in seen:
                raise Problem(line, f"order {pid} is listed twice in this file; the first row was kept")
            seen.add(pid)
            orders.append(_order(line, row, pid, items_by_order.get(pid)))
        except Problem as exc:
            errors.append(RowError(exc.line, exc.reason))
    errors.sort(key=lambda e: e.line)
    return orders, errors


def _sibling_items(path: Path, errors: list[RowError]) -> dict[str, list[LineItem]]:
    """Line items by order id from every EtsySoldOrderItems*.csv next to the orders file."""
    found: dict[str, list[LineItem]] = {}
    seen_transactions: set[str] = set()
    for other in sorted(path.parent.glob(ITEMS_GLOB)):
        if other.resolve() == path.resolve():
            continue
        header, rows = read_rows(other)
        if missing_columns(header, ITEMS_REQUIRED, "", ""):
            continue
        for line, row in rows:
            # Overlapping downloads repeat a sale; its transaction id shows it is the same one.
            txn = row.get("transaction id", "")
            if txn and txn in seen_transactions:
                continue
            seen_transactions.add(txn)
            try:
                pid = platform_number(row.get("order id", ""), "Order ID", line)
                found.setdefault(pid, []).append(_item(line, row, row.get("currency") or "USD"))
            except Problem as exc:
                errors.append(RowError(exc.line, f"{exc.reason} (in {other.name})"))
    return found


def _order(line: int, row: Row, pid: str, items: list[LineItem] | None) -> Order:
    currency = row.get("currency") or currency_of(row.get("order total", "")) or "USD"
    sold = calendar_date(row["sale date"], "Sale Date", line)
    shipped = calendar_date(row["date shipped"], "Date Shipped", line) if row.get("date shipped") else None
    total = money(row["order total"], "Order Total", line)
    if not items:
        count = whole_quantity(row.get("number of items") or "1", "Number of Items", line)
        value = money(row.get("order value", ""), "Order Value", line, default=total)
        items = [_summary_item(line, count, value, currency)]
    name = row.get("full name") or " ".join(p for p in (row.get("first name"), row.get("last name")) if p)
    try:
        return Order(
            platform=Platform.ETSY, platform_order_id=pid, created_at=noon_utc(sold),
            updated_at=_version(sold, shipped),
            customer=Customer(name=name, platform_customer_id=row.get("buyer user id", "")),
            ship_to=Address(name=name, line1=row.get("street 1", ""), line2=row.get("street 2", ""),
                            city=row.get("ship city", ""), region=row.get("ship state", ""),
                            postal_code=row.get("ship zipcode", ""), country=row.get("ship country", "")),
            items=tuple(items), total=Money(total, currency),
            state=_state(row.get("status", ""), shipped is not None),
            raw={"source": "etsy_sold_orders_csv", "line": line, "row": compact(row)})
    except DomainError as exc:
        raise Problem(line, str(exc)) from None


def _from_items_only(rows: list[tuple[int, Row]]) -> tuple[list[Order], list[RowError]]:
    errors: list[RowError] = []
    orders = []
    groups = group_rows(rows, "order id", "Order ID", errors)
    for oid, group in progress(groups.items(), len(groups), "Reading orders", " orders"):
        first_line, first = group[0]
        try:
            pid = platform_number(oid, "Order ID", first_line)
            currency = first.get("currency") or currency_of(first.get("price", "")) or "USD"
            items = [_item(line, row, currency) for line, row in group]
            subtotal = sum((i.total.amount for i in items), Decimal(0))
            # Order-level amounts are repeated on each item row; count them once.
            extra = (money(first.get("order shipping", ""), "Order Shipping", first_line, Decimal(0))
                     + money(first.get("order sales tax", ""), "Order Sales Tax", first_line, Decimal(0))
                     - abs(money(first.get("discount amount", ""), "Discount Amount", first_line, Decimal(0))))
            sold = calendar_date(first["sale date"], "Sale Date", first_line)
            shipped = (calendar_date(first["date shipped"], "Date Shipped", first_line)
                       if first.get("date shipped") else None)
            name = first.get("ship name") or first.get("buyer", "")
            orders.append(Order(
                platform=Platform.ETSY, platform_order_id=pid, created_at=noon_utc(sold),
                updated_at=_version(sold, shipped), customer=Customer(name=name),
                ship_to=Address(name=name, line1=first.get("ship address1", ""),
                                line2=first.get("ship address2", ""), city=first.get("ship city", ""),
                                region=first.get("ship state", ""), postal_code=first.get("ship zipcode", ""),
                                country=first.get("ship country", "")),
                items=tuple(items), total=Money(subtotal + extra, currency),
                state=_state("", shipped is not None),
                raw={"source": "etsy_sold_order_items_csv", "rows": [compact(r) for _, r in group]}))
        except Problem as exc:
            errors.append(RowError(exc.line, f"{exc.reason} (order {oid} was not loaded)"))
        except DomainError as exc:
            errors.append(RowError(first_line, f"{exc} (order {oid} was not loaded)"))
    errors.sort(key=lambda e: e.line)
    return orders, errors


def _item(line: int, row: Row, currency: str) -> LineItem:
    try:
        return LineItem(title=row.get("item name") or "(untitled listing)",
                        quantity=whole_quantity(row.get("quantity", ""), "Quantity", line),
                        unit_price=Money(money(row.get("price", ""), "Price", line), currency),
                        sku=row.get("sku", ""), listing_id=row.get("listing id", ""),
                        variant=_variant(row.get("variations", "")))
    except DomainError as exc:
        raise Problem(line, str(exc)) from None


def _summary_item(line: int, count: int, value: Decimal, currency: str) -> LineItem:
    """Without the items file all we know is how many items and what they cost together."""
    try:
        return LineItem(title=f"{count} item" + ("s" if count != 1 else ""), quantity=1,
                        unit_price=Money(value, currency))
    except DomainError as exc:
        raise Problem(line, str(exc)) from None


def _variant(text: str) -> str:
    """'Colour:Blue,Size:Large' -> 'Colour: Blue, Size: Large', as the API mapping writes it."""
    text = re.sub(r"\s*:\s*", ": ", text.strip())
    return re.sub(r"\s*,\s*(?=[^,:]+:)", ", ", text)


def _state(status: str, shipped: bool) -> OrderState:
    status = status.lower()
    if "cancel" in status:
        return OrderState.CANCELLED
    if "refund" in status:
        return OrderState.REFUNDED
    return OrderState.FULFILLED if shipped or status == "completed" else OrderState.PAID


def _version(sold, shipped) -> datetime:
    # Etsy gives dates only; each event is placed at the earliest instant its date allows.
    return export_version(earliest_instant(sold), earliest_instant(shipped) if shipped else None)
