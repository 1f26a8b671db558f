"""Read the unified CSV: one row per line item, order-level fields repeated on each row."""
from __future__ import annotations

import csv
import io
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from core.models import (Address, Customer, DomainError, LineItem, Money, Order, Platform,
                         parse_time, to_decimal)

COLUMNS = ("platform", "platform_order_id", "created_at", "customer_name", "email", "phone",
           "address1", "address2", "city", "region", "postal_code", "country", "sku", "title",
           "quantity", "unit_price", "total", "currency")
ORDER_LEVEL = ("platform", "created_at", "customer_name", "email", "phone", "address1", "address2",
               "city", "region", "postal_code", "country", "total", "currency")


@dataclass(frozen=True)
class RowError:
    """A CSV line we could not accept, and why (plain words)."""

    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


def read_unified_csv(path: str | Path) -> tuple[list[Order], list[RowError]]:
    """Parse a unified CSV file into orders; bad rows are reported, good orders still load."""
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")  # Excel on Windows saves CSV this way
    return parse_unified(text.splitlines(keepends=True))


def parse_unified(lines: Iterable[str]) -> tuple[list[Order], list[RowError]]:
    """Parse unified CSV text lines."""
    reader = csv.DictReader(io.StringIO("".join(lines)))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        return [], [RowError(1, "the header row is missing column(s): " + ", ".join(missing)
                             + ". The first row must be: " + ",".join(COLUMNS))]
    reader.fieldnames = header
    groups: "OrderedDict[tuple[str, str], list[tuple[int, dict]]]" = OrderedDict()
    errors: list[RowError] = []
    for row in reader:
        line = reader.line_num
        row = {k: (v or "").strip() for k, v in row.items() if k}
        if not any(row.values()):
            continue
        try:
            platform = Platform.parse(row["platform"]).value
        except DomainError as exc:
            errors.append(RowError(line, str(exc)))
            continue
        if not row["platform_order_id"]:
            errors.append(RowError(line, "platform_order_id is empty"))
            continue
        groups.setdefault((platform, row["platform_order_id"]), []).append((line, row))
    orders = []
    for (platform, pid), rows in groups.items():
        try:
            orders.append(_build(platform, pid, rows))
        except _RowProblem as exc:
            errors.append(RowError(exc.line, f"{exc.reason} (order {platform} {pid} was not loaded)"))
    errors.sort(key=lambda e: e.line)
    return orders, errors


class _RowProblem(Exception):
    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line, self.reason = line, reason


def _build(platform: str, pid: str, rows: list[tuple[int, dict]]) -> Order:
    first_line, first = rows[0]
    for line, row in rows[1:]:
        for key in ORDER_LEVEL:
            if row[key] and first[key] and row[key] != first[key]:
                raise _RowProblem(line, f"{key} '{row[key]}' differs from line {first_line} ('{first[key]}')")
    try:
        created = parse_time(first["created_at"])
    except DomainError as exc:
        raise _RowProblem(first_line, f"created_at: {exc}") from None
    currency = first["currency"] or "USD"
    items = []
    for line, row in rows:
        try:
            qty_text = row["quantity"] or "1"
            if not qty_text.isdigit():
                raise DomainError(f"quantity '{qty_text}' must be a whole number like 1 or 2")
            if not row["title"] and not row["sku"]:
                raise DomainError("the item needs a title or a sku")
            items.append(LineItem(title=row["title"] or row["sku"], quantity=int(qty_text),
                                  unit_price=Money(to_decimal(row["unit_price"] or "0", "unit_price"), currency),
                                  sku=row["sku"]))
        except DomainError as exc:
            raise _RowProblem(line, str(exc)) from None
    try:
        total = Money(to_decimal(first["total"], "total"), currency) if first["total"] else sum(
            (i.total for i in items[1:]), items[0].total)
        return Order(
            platform=Platform(platform), platform_order_id=pid, created_at=created,
            customer=Customer(name=first["customer_name"], email=first["email"], phone=first["phone"]),
            ship_to=Address(name=first["customer_name"], line1=first["address1"], line2=first["address2"],
                            city=first["city"], region=first["region"], postal_code=first["postal_code"],
                            country=first["country"]),
            items=tuple(items), total=total,
            raw={"source": "unified_csv", "rows": [r for _, r in rows]})
    except DomainError as exc:
        raise _RowProblem(first_line, str(exc)) from None
