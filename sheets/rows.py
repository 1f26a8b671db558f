"""Build sheet rows from the schema and locate columns and rows by header and key — never by letter."""
from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from core.journal import StoredOrder
from core.models import DEFAULT_STATUS
from sheet_schema.schema import Column, Tab, normalise_header



NOT_COUNTED = ("MERGED", "CANCELLED")  # not real sales: left out of order counts and money spent


def status_of(stored: StoredOrder) -> str:
    """The Status the row shows: what a person or TrueCraft set, else what the platform's state means."""
    return " ".join(str(stored.fields.get("status") or DEFAULT_STATUS[stored.order.state]).upper().split())


def counts_as_sale(stored: StoredOrder) -> bool:
    """False for merged duplicates and cancelled orders, which must not inflate counts or totals."""
    return status_of(stored) not in NOT_COUNTED


def clean_text(value: Any, limit: int = 5000) -> str:
    """Customer text made safe to show: no control characters, bounded length.

    Formula safety itself comes from writing RAW (Google) or as a typed string
    (xlsx) — we never mangle what the customer wrote with a leading quote.
    """
    text = "" if value is None else str(value)
    text = "".join(ch if ch in "\n\t" or unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return text[:limit]


def format_time(value: datetime | None, tz: str = "UTC") -> str:
    """'2026-11-27 14:05' in the seller's timezone (text, so it sorts and never gets re-parsed)."""
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


SHEET_TIME = "%Y-%m-%d %H:%M"  # how a date-time column shows its cells (number format yyyy-mm-dd hh:mm)


def sheet_time(value: Any) -> datetime | None:
    """A wall-clock time in the seller's zone as a naive datetime (what a date-time cell holds), or None."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None, second=0, microsecond=0)
    try:
        return datetime.strptime(str(value).strip(), SHEET_TIME)
    except ValueError:
        return None


def cell_value(column: Column, value: Any) -> Any:
    """What we send for a cell: numbers for money/int columns, date-times for times, clean text otherwise."""
    if value is None or value == "":
        return ""
    if column.kind == "datetime":
        # A real date-time, so filters, sorting and the Dashboard's date formulas work (issue 14.6).
        # Text that isn't one of our times (a person's note) is kept as text.
        return sheet_time(value) or clean_text(value)
    if column.kind == "money":
        number = float(Decimal(str(value)))
        return number if math.isfinite(number) else str(value)
    if column.kind == "int":
        try:
            return int(value)
        except (TypeError, ValueError):
            return clean_text(value)
    return clean_text(value)


def same_value(column: Column, shown: Any, wanted: Any) -> bool:
    """Does the sheet already show `wanted`? (numbers compare as numbers, formatting aside)."""
    shown_s = "" if shown is None else str(shown).strip()
    wanted_s = wanted.strftime(SHEET_TIME) if isinstance(wanted, datetime) else (
        "" if wanted is None else str(wanted).strip())
    if column.kind in ("money", "int") and shown_s and wanted_s:
        try:  # the cell shows its currency format ("$1,234.00", "1 234,00 €"): compare the number
            return Decimal(_digits(shown_s)) == Decimal(wanted_s)
        except InvalidOperation:
            return False
    return shown_s == wanted_s


def _digits(shown: str) -> str:
    """'$1,234.00' -> '1234.00', '-£5.00' -> '-5.00': a shown amount without symbol or grouping."""
    kept = "".join(ch for ch in shown if ch.isdigit() or ch in ".-")
    return kept if kept.strip("-.") else shown


def editable_values(stored: StoredOrder) -> dict[str, Any]:
    """What the journal says the columns people may edit should show (cheap: no times, no items)."""
    o, f = stored.order, stored.fields
    last = o.shipments[-1] if o.shipments else None
    return {
        "ship_to": f.get("ship_to") or o.ship_to.one_line(),
        "status": f.get("status") or DEFAULT_STATUS[o.state],
        "carrier": f.get("carrier") or (last.carrier if last else ""),
        "tracking": f.get("tracking") or (last.tracking_number if last else ""),
        "linked_orders": f.get("linked_orders", ""),
        "notes": f.get("notes") or o.notes,
        "label": f.get("label", ""),
    }


def order_row(stored: StoredOrder, tz: str = "UTC") -> dict[str, Any]:
    """The Orders row for one stored order, keyed by column key."""
    o, f = stored.order, stored.fields
    last = o.shipments[-1] if o.shipments else None
    return {
        "order_id": stored.order_id,
        "received": format_time(o.created_at, tz),
        "platform": o.platform.label,
        "platform_order_id": o.platform_order_id,
        "customer": o.customer.name,
        "email": o.customer.email,
        "phone": o.customer.phone,
        "ship_to": f.get("ship_to") or o.ship_to.one_line(),
        "items": o.items_summary(),
        "total": o.total.amount,
        "currency": o.total.currency,
        "status": f.get("status") or DEFAULT_STATUS[o.state],
        "carrier": f.get("carrier") or (last.carrier if last else ""),
        "tracking": f.get("tracking") or (last.tracking_number if last else ""),
        "dup_score": f.get("dup_score", ""),
        "dup_of": f.get("dup_of", ""),
        "match_reasons": f.get("match_reasons", ""),
        "linked_orders": f.get("linked_orders", ""),
        "notes": f.get("notes") or o.notes,
        "customer_history": f.get("customer_history", ""),
        "label": f.get("label", ""),
        "label_link": f.get("label_link", ""),
        "postage": f.get("postage", ""),
        "sync": " · ".join(x for x in (f.get("sync", ""), f.get("stock_note", "")) if x),
    }


@dataclass
class Layout:
    """Where each schema column sits in the live sheet right now (found by header text)."""

    tab: Tab
    positions: dict[str, int]  # column key -> 0-based index
    width: int
    missing: list[Column]

    @classmethod
    def from_header(cls, tab: Tab, header: list[str]) -> "Layout":
        """Match the live header row against the schema; extra human columns are ignored."""
        wanted = tab.by_header()
        positions: dict[str, int] = {}
        for idx, text in enumerate(header):
            col = wanted.get(normalise_header(text))
            if col and col.key not in positions:
                positions[col.key] = idx
        missing = [c for c in tab.columns if c.key not in positions]
        return cls(tab, positions, len(header), missing)

    def index_rows(self, rows: list[list[str]], key: str | None = None) -> dict[str, int]:
        """Map each row's key value (e.g. Order ID) to its 0-based row index; header excluded."""
        col = self.positions.get(key or self.tab.key_column)
        out: dict[str, int] = {}
        if col is None:
            return out
        for r, row in enumerate(rows[1:], start=1):
            value = row[col].strip() if col < len(row) else ""
            if value and value not in out:
                out[value] = r
        return out

    def full_row(self, values: dict[str, Any]) -> list[Any]:
        """A whole row in the live column order, blanks under columns people added."""
        row: list[Any] = [""] * self.width
        for key, idx in self.positions.items():
            row[idx] = cell_value(self.tab.column(key), values.get(key, ""))
        return row

    def get(self, row: list[str], key: str) -> str:
        """The value under a column key in a read row ('' when absent)."""
        idx = self.positions.get(key)
        return row[idx] if idx is not None and idx < len(row) else ""


def runs_for_row(tab_name: str, row_index: int, cells: dict[int, Any], key: str = "") -> list:
    """Group {col: value} into runs of consecutive columns, so one range covers each run."""
    from sheets.base import CellRun  # local import: base has no deps on rows

    runs: list[CellRun] = []
    for col in sorted(cells):
        if runs and runs[-1].col + len(runs[-1].values) == col:
            runs[-1].values.append(cells[col])
        else:
            runs.append(CellRun(tab_name, row_index, col, [cells[col]], key))
    return runs
