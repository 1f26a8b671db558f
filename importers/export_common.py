"""Shared reading rules for the platforms' own order exports: text, headers, money, dates, versions."""
from __future__ import annotations

import csv
import io
import re
import sys
from collections import OrderedDict
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Iterable, Iterator

from core.models import DomainError, parse_time
from importers.unified import RowError

Row = dict[str, str]
# The earliest instant a calendar day exists anywhere on Earth (UTC+14, Kiribati).
_EARLIEST_ZONE = timezone(timedelta(hours=14))
_SPACED_OFFSET = re.compile(r"^(.*\d) ?([+-]\d\d):?(\d\d)$")
_SYMBOLS = (("CA$", "CAD"), ("C$", "CAD"), ("A$", "AUD"), ("AU$", "AUD"), ("NZ$", "NZD"),
            ("US$", "USD"), ("£", "GBP"), ("€", "EUR"), ("¥", "JPY"), ("₹", "INR"), ("$", "USD"))


class Problem(Exception):
    """A row we cannot use; becomes a RowError."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line, self.reason = line, reason


def read_text(path: str | Path) -> str:
    """File text: UTF-8 (with or without BOM), else Windows-1252 as Excel on Windows saves it."""
    raw = Path(path).read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def header_key(name: str) -> str:
    """'  Lineitem SKU ' -> 'lineitem sku' (case and spacing differ between exports and Excel)."""
    return " ".join((name or "").replace("\ufeff", "").strip().strip('"').lower().split())


def read_rows(path: str | Path) -> tuple[list[str], list[tuple[int, Row]]]:
    """(normalised header, [(line number, row)]) for a comma- or tab-separated export; blank rows dropped."""
    text = read_text(path)
    first = text.split("\n", 1)[0]
    # Amazon reports are tab-separated; a re-saved one may be comma-separated, so look.
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = [header_key(h) for h in next(reader)]
    except StopIteration:
        return [], []
    rows: list[tuple[int, Row]] = []
    width = len(header)
    for values in progress(reader, text.count("\n"), "Reading rows"):
        if not any(v.strip() for v in values):
            continue
        if len(values) < width:
            values += [""] * (width - len(values))
        row = {key: value.strip() for key, value in zip(header, values)}
        rows.append((reader.line_num, row))
    return header, rows


def progress(items: Iterable, total: int, label: str, unit: str = " rows") -> Iterator:
    """Wrap a long loop in a progress bar on stderr (only for big files, only in a terminal)."""
    from tqdm import tqdm

    return iter(tqdm(items, total=total, desc=label, unit=unit, file=sys.stderr,
                     disable=total < 5000 or not sys.stderr.isatty(), leave=False))


def missing_columns(header: list[str], required: Iterable[str], what: str, how: str) -> list[RowError]:
    """[] when every required column is there, else one RowError naming what to do."""
    missing = [c for c in required if c not in header]
    if not missing:
        return []
    return [RowError(1, f"this doesn't look like {what}: the header row has no column(s) "
                        + ", ".join(f"'{c}'" for c in missing) + f". {how}")]


def group_rows(rows: list[tuple[int, Row]], key: str, label: str,
               errors: list[RowError]) -> "OrderedDict[str, list[tuple[int, Row]]]":
    """Rows grouped by their order number column, in file order; rows without one are reported."""
    groups: "OrderedDict[str, list[tuple[int, Row]]]" = OrderedDict()
    for line, row in rows:
        ident = row.get(key, "")
        if not ident:
            errors.append(RowError(line, f"the {label} column is empty, so this row belongs to no order"))
            continue
        groups.setdefault(ident, []).append((line, row))
    return groups


def compact(row: Row) -> Row:
    """The row's non-empty cells, for Order.raw (exports have dozens of mostly empty columns)."""
    return {k: v for k, v in row.items() if v}


def first_value(rows: list[tuple[int, Row]], key: str) -> str:
    """The first non-empty value of a column across an order's rows (order-level fields sit on row one)."""
    for _, row in rows:
        if row.get(key):
            return row[key]
    return ""


def platform_number(text: str, what: str, line: int) -> str:
    """An all-digit platform id; Excel's '3.001E+09' or '3001001001.0' damage is caught or undone."""
    value = text.strip()
    if re.fullmatch(r"\d+\.0+", value):
        value = value.split(".")[0]
    if not value.isdigit():
        raise Problem(line, f"{what} '{text}' is not an order number. If the file was opened and saved "
                            "in Excel, download it again from the platform and import that file instead")
    return value


def currency_of(text: str) -> str:
    """Currency from a symbol in a money cell ('£12.00' -> GBP); '' when there is none."""
    value = (text or "").strip().upper()
    code = re.search(r"\b([A-Z]{3})\b", value)
    if code:
        return code.group(1)
    for symbol, cur in _SYMBOLS:
        if symbol in value:
            return cur
    return ""


def money(text: str, what: str, line: int, default: Decimal | None = None) -> Decimal:
    """'$1,234.50', '1.234,50 €', '(5.00)', '-£3' -> Decimal; empty gives `default` or a Problem."""
    raw = (text or "").strip()
    if not raw:
        if default is None:
            raise Problem(line, f"{what} is empty")
        return default
    negative = raw.startswith("-") or raw.endswith("-") or (raw.startswith("(") and raw.endswith(")"))
    digits = re.sub(r"[^\d.,]", "", raw)  # drops symbols, codes, spaces, NBSP, Swiss apostrophes
    if "," in digits and "." in digits:
        thousands = "," if digits.rfind(".") > digits.rfind(",") else "."
        digits = digits.replace(thousands, "").replace(",", ".")
    elif "," in digits:
        # '1,234' is thousands; '12,50' is a decimal comma (European exports).
        thousands = re.fullmatch(r"\d{1,3}(,\d{3})+", digits)
        digits = digits.replace(",", "") if thousands else digits.replace(",", ".")
    elif re.fullmatch(r"\d{1,3}(\.\d{3}){2,}", digits):
        digits = digits.replace(".", "")
    try:
        value = Decimal(digits)
    except InvalidOperation:
        raise Problem(line, f"{what} '{text}' is not an amount of money") from None
    return -value if negative else value


def whole_quantity(text: str, what: str, line: int) -> int:
    """'2' or '2.0' -> 2; anything else (fractions, words, zero) is a Problem."""
    try:
        value = Decimal((text or "").strip())
    except InvalidOperation:
        raise Problem(line, f"{what} '{text}' must be a whole number like 1 or 2") from None
    if value != value.to_integral_value() or value <= 0:
        raise Problem(line, f"{what} '{text}' must be a whole number of items, at least 1")
    return int(value)


def calendar_date(text: str, what: str, line: int) -> date:
    """'11/27/26', '11/27/2026' (US, as Etsy writes) or '2026-11-27' -> date."""
    value = (text or "").strip()
    for fmt in ("%m/%d/%y", "%m/%d/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise Problem(line, f"{what} '{text}' is not a date like 11/27/26")


def noon_utc(day: date) -> datetime:
    """A date-only sale as 12:00 UTC, so it shows as the same day in any seller's time zone."""
    return datetime.combine(day, time(12), tzinfo=timezone.utc)


def earliest_instant(day: date) -> datetime:
    """The first moment `day` exists anywhere; a date-only event can't have happened before it."""
    return datetime.combine(day, time(0), tzinfo=_EARLIEST_ZONE).astimezone(timezone.utc)


def stamp(text: str, what: str, line: int) -> datetime:
    """Shopify '2026-11-27 11:00:00 -0500' or any ISO time (Amazon) -> UTC datetime."""
    # '... -0500' -> '...-05:00' so the fast ISO parser reads it (strptime is slow on 100k rows).
    value = _SPACED_OFFSET.sub(r"\1\2:\3", (text or "").strip())
    try:
        return parse_time(value)
    except DomainError:
        raise Problem(line, f"{what} '{text}' is not a date and time like 2026-11-27 11:00:00 -0500 "
                            "or 2026-11-27T16:00:00+00:00") from None


def export_version(*events: datetime | None) -> datetime:
    """Order.updated_at for an export: just before its latest known event.

    The API's updated_at is at or after every event the export can show, so an
    export never replaces a version fetched from the API after the same events.
    """
    return max(e for e in events if e is not None) - timedelta(seconds=1)


def plain_zip(text: str) -> str:
    """Drop the apostrophe exports put before zips/phones to keep leading zeros in Excel."""
    return text[1:] if text.startswith("'") else text
