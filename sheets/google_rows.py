"""What makes a Google Sheets row a data row (look, number formats, dropdowns), and request sizing.

Google gives rows that `values.append` inserts the format and validation of the
row before them (shared/specs/FACTS.md 1): on a header-only tab the first orders
come out bold and grey with no dropdown. So every appended block is given the
data-row look in the same flush, from the schema, never from whatever was above.
"""
from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any, Iterable, Iterator

from sheet_schema.schema import Column, Tab

# Google refuses bodies over 10,485,760 bytes (FACTS 5). Stay a little under it: the
# values are measured exactly, the envelope (range, options) adds a few hundred bytes.
MAX_BODY_BYTES = 10_485_760
BODY_BUDGET = MAX_BODY_BYTES - 64 * 1024

_RANGE_ROWS = re.compile(r"!?[A-Z]*(\d+)(?::[A-Z]*(\d+))?$")


def number_format(col: Column, pattern: str = "") -> dict:
    """The Sheets numberFormat for a column ('@' is Plain text, so digits stay exactly as typed)."""
    if col.number_format == "@":
        return {"type": "TEXT", "pattern": "@"}
    kind = {"money": "CURRENCY", "datetime": "DATE_TIME"}.get(col.kind, "NUMBER")
    return {"type": kind, "pattern": pattern or col.number_format}


def validation_rule(col: Column) -> dict:
    """The dropdown rule of a choice column (Carrier, Country, Currency are lenient: others may be typed)."""
    return {"condition": {"type": "ONE_OF_LIST", "values": [{"userEnteredValue": v} for v in col.choices]},
            "strict": col.strict, "showCustomUi": True}


_EPOCH = datetime(1899, 12, 30)  # Sheets' serial-number epoch


def api_value(value: Any) -> Any:
    """A cell value as the API takes it with RAW: a date-time becomes its serial number.

    RAW stores a string as text, so a time sent as text would never be a date; the
    serial number (days since 1899-12-30) is one, shown through the column's
    DATE_TIME format. The time is already on the seller's clock.
    """
    if isinstance(value, datetime):
        delta = value - _EPOCH
        return round(delta.days + delta.seconds / 86400, 8)
    return value


def currency_requests(tab: Tab, sheet_id: int, pos: dict[str, int], first_row: int,
                      rows: list[list]) -> list[dict]:
    """Amounts of rows in another currency than the column's get their own currency format."""
    from sheet_schema.schema import money_format

    cur = pos.get("currency")
    money = [c for c in tab.columns if c.kind == "money" and c.key in pos]
    out = []
    for i, row in enumerate(rows if cur is not None else []):
        code = str(row[cur]) if cur < len(row) else ""
        for col in money:
            if code and money_format(code) != col.number_format:
                r = first_row + i
                out.append({"repeatCell": {"range": {
                    "sheetId": sheet_id, "startRowIndex": r, "endRowIndex": r + 1,
                    "startColumnIndex": pos[col.key], "endColumnIndex": pos[col.key] + 1},
                    "cell": {"userEnteredFormat": {"numberFormat": number_format(col, money_format(code))}},
                    "fields": "userEnteredFormat.numberFormat"}})
    return out


def column_format(col: Column) -> dict:
    """The userEnteredFormat a column's data cells get (number format, wrapping); {} when none."""
    fmt: dict = {}
    if col.number_format:
        fmt["numberFormat"] = number_format(col)
    if col.wrap:
        fmt["wrapStrategy"] = "WRAP"
    return fmt


def column_requests(tab: Tab, sheet_id: int, pos: dict[str, int], start: int,
                    end: int | None = None) -> list[dict]:
    """Number formats, wrapping and dropdowns for rows [start, end) (end None = to the bottom of the tab)."""
    out = []
    for col in tab.columns:
        if col.key not in pos:
            continue
        rng = {"sheetId": sheet_id, "startRowIndex": start, "startColumnIndex": pos[col.key],
               "endColumnIndex": pos[col.key] + 1}
        if end is not None:
            rng["endRowIndex"] = end
        fmt = column_format(col)
        if fmt:
            fields = ",".join(f"userEnteredFormat.{k}" for k in fmt)
            out.append({"repeatCell": {"range": rng, "cell": {"userEnteredFormat": fmt}, "fields": fields}})
        if col.choices:
            # setDataValidation replaces whatever is there, so repeating it adds nothing.
            out.append({"setDataValidation": {"range": rng, "rule": validation_rule(col)}})
    return out


def data_row_requests(tab: Tab, sheet_id: int, pos: dict[str, int], start: int, end: int) -> list[dict]:
    """Give rows [start, end) the plain data-row look, then their number formats and dropdowns.

    The reset drops what the rows inherited from the row above (the header's bold
    grey, a person's highlight, a dropdown from another column); colour rules
    still apply on top, as they cover whole columns. Cells sit at the top, so a
    row with wrapped text still reads across.
    """
    block = {"sheetId": sheet_id, "startRowIndex": start, "endRowIndex": end}
    return [{"repeatCell": {"range": block, "cell": {"userEnteredFormat": {"verticalAlignment": "TOP"}},
                            "fields": "userEnteredFormat"}},
            {"setDataValidation": {"range": block}},
            *column_requests(tab, sheet_id, pos, start, end)]


def updated_rows(updated_range: str) -> tuple[int, int] | None:
    """'Orders!A2:AB51' -> (1, 51): the 0-based, half-open rows an append wrote."""
    m = _RANGE_ROWS.search(updated_range or "")
    if not m:
        return None
    first = int(m.group(1))
    last = int(m.group(2) or first)
    return first - 1, last


def runs(rows: Iterable[int]) -> Iterator[tuple[int, int]]:
    """Sorted 0-based row indices -> half-open (start, end) runs of consecutive rows."""
    start = prev = None
    for r in sorted(set(rows)):
        if start is None:
            start = prev = r
        elif r == prev + 1:
            prev = r
        else:
            yield start, prev + 1
            start = prev = r
    if start is not None:
        yield start, prev + 1


def json_size(value: Any) -> int:
    """Bytes this value takes in a JSON request body (as requests encodes it)."""
    return len(json.dumps(value).encode("utf-8"))


def split_by_size(items: list, budget: int = BODY_BUDGET) -> list[list]:
    """Consecutive chunks whose JSON stays under `budget` bytes: the fewest the limit allows, in order."""
    chunks: list[list] = []
    current: list = []
    size = 2
    for item in items:
        item_size = json_size(item) + 2  # json.dumps separates items with ", "
        if item_size + 2 > budget:
            raise ValueError(f"one row is {item_size:,} bytes, over Google's request limit")
        if current and size + item_size > budget:
            chunks.append(current)
            current, size = [], 2
        current.append(item)
        size += item_size
    if current:
        chunks.append(current)
    return chunks
