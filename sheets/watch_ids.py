"""The Order ID a watch cycle expects on each Orders row, so it need not read the column whole.

At 50,000 orders the Order ID column read whole every cycle was most of a cycle's
bytes and time. The reader (sheets/watch_read.py) keeps the Order IDs of its last
read here, kept in step with TrueCraft's own writes: rows appended land at the end
(Google's answer to the append says where), and the key column read just before
every write (sheets/prewrite.py) says whether rows moved since the read. A cycle then
reads the Order IDs of its row windows only and checks them against these
(sheets/watch_rows.py). Whenever the list may be wrong it is marked unsure, and the
next read takes the column whole: at start, after a layout change, after a write that
failed or whose answer was lost, after rows moved, and on the slower check
(TRUECRAFT_SHEET_CHECK_MINUTES).
"""
from __future__ import annotations

from typing import Any

from sheet_schema.tabs import ORDERS
from sheets.base import TabData
from sheets.prewrite import SCHEMA
from sheets.rows import Layout


_INDEX: list = [None, {}, ()]  # the last list indexed, its index, its copied IDs


def row_index(keys: list[str]) -> tuple[dict[str, int], tuple[str, ...]]:
    """Order ID -> first row (header excluded, blanks left out), and the IDs found on a second row.

    Worked out again only for a new list: a steady cycle confirms the same list object, so the
    pass over 50,000 rows is not made every 10 s.
    """
    if _INDEX[0] is not keys:
        index: dict[str, int] = {}
        copies: list[str] = []
        for r in range(1, len(keys)):
            oid = keys[r]
            if oid and oid in index:
                copies.append(oid)
            elif oid:
                index[oid] = r
        _INDEX[:] = [keys, index, tuple(copies)]
    return _INDEX[1], _INDEX[2]


class RowIds:
    """Expected Order ID per row (row 0: the header cell), and whether it can be trusted."""

    def __init__(self) -> None:
        self.rows: list[str] | None = None
        self.sure = False
        self.whole_reads = 0  # how often the column was read whole (tests, benchmark)

    def where(self) -> dict[str, int]:
        """Order ID -> its first row."""
        return {} if self.rows is None else row_index(self.rows)[0]

    def expected(self) -> list[str] | None:
        """The list a windowed read checks its Order IDs against; None: read the column whole."""
        return self.rows if self.sure else None

    def forget(self) -> None:
        """Nothing known: the next read takes every row (editable cells too)."""
        self.rows, self.sure = None, False

    def remember(self, data: TabData | None, whole: bool) -> None:
        """Every row's Order ID as this cycle's read found (or confirmed) it."""
        if data is None or not data.exists:
            self.forget()
            return
        self.whole_reads += whole
        col = Layout.from_header(SCHEMA[ORDERS], data.header).positions.get("order_id")
        self.rows = None if col is None else data.key_values(col)
        self.sure = self.rows is not None

    def after_write(self, batch: Any, backend: Any, same_layout: bool) -> None:
        """In step with a write to Orders: the key column read just before it, plus the rows appended."""
        appended = batch.appends.get(ORDERS) or []
        if self.rows is None or not (appended or any(u.tab == ORDERS for u in batch.updates)):
            return
        fresh = (getattr(backend, "last_fresh", None) or {}).get(ORDERS)
        if fresh is None or not fresh.exists or not same_layout:
            self.sure = False  # columns moved: the reader forgets everything next cycle anyway
            return
        col = Layout.from_header(SCHEMA[ORDERS], fresh.header).positions.get("order_id")
        now = fresh.key_values(col)
        if now != self.rows:
            self.sure = False  # someone moved rows between the cycle's read and the write
        if not appended:
            return
        report = getattr(backend, "last_append", None)
        at = len(now)
        for start, end in (report.landed.get(ORDERS, []) if report is not None else []):
            at = end if start == at else -1
        if report is None or report.lost_answers or at != len(now) + len(appended):
            self.sure = False  # not one block right after the last row: don't guess where they went
        self.rows = now + [str(row[col]).strip() if col is not None and col < len(row) else ""
                           for row in appended]
