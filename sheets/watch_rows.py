"""Which Orders rows a cycle reads: open orders every cycle, the rest in a sweep, and their Order IDs only.

A year of a busy shop is mostly shipped orders that nobody edits any more. Reading
their Status, Carrier, Tracking #, Ship To, Linked Orders and Notes every 10 s was
most of a cycle's bytes (about 100 bytes a row), and then the Order ID column read
whole (50,000 cells at 50,000 orders) was most of what remained. So a cycle reads,
for a few row windows only, the Order ID and the editable cells:
- of the rows holding open orders (not FULFILLED, CANCELLED or MERGED) or orders with
  changes still to write;
- of SWEEP_ROWS further rows, a window that moves down the tab each cycle, so an edit on
  a shipped order is seen within (rows / SWEEP_ROWS) cycles: at 50,000 rows, 25 cycles;
- of the last TAIL_ROWS rows and any row added since the last cycle.
Windows come from the Order IDs the reader expects at each row (sheets/watch_read.py).
The Order IDs read in the windows are compared with those: a deleted or inserted row
anywhere shifts every row below it, so the tail no longer matches; a sort moves the open
rows. Any difference means the Order ID column is read whole, as a second request of the
same cycle. A change that leaves every window and the tail as they were (a row dragged,
or a range sorted, among shipped rows) is seen when the sweep reaches it.
"""
from __future__ import annotations

from typing import Any

from sheet_schema.schema import col_letter, quote_tab
from sheets.base import TabData
from sheets.rows import DEFAULT_STATUS

SWEEP_ROWS = 2000
TAIL_ROWS = 50  # the last rows' Order IDs, every cycle: a deleted or inserted row anywhere above moves them
MAX_WINDOWS = 20  # a GET's URL stays short: windows x column spans ranges
GAP = 25  # open rows this close together are read as one window
CLOSED = frozenset({"FULFILLED", "CANCELLED", "MERGED"})


def is_hot(s: Any) -> bool:
    """An order whose editable cells a cycle reads every time: open, or with writes pending."""
    return (s.fields.get("status") or DEFAULT_STATUS[s.order.state]) not in CLOSED or s.rev != s.sheet_rev


def windows(ids: list[str], hot: set[str], sweep_at: int, sweep_rows: int = SWEEP_ROWS,
            tail_rows: int = TAIL_ROWS, where: dict[str, int] | None = None) -> tuple[list[tuple[int, int]], int]:
    """0-based inclusive row windows (row 0 is the header; the last one is open-ended, -1) and the next sweep start."""
    n = len(ids)
    if n <= 1:
        return [(1, -1)], 1
    start = sweep_at if 1 <= sweep_at < n else 1
    end = min(n - 1, start + sweep_rows - 1)
    tail = max(1, n - tail_rows)
    if where is None:
        hot_rows = [r for r in range(1, n) if ids[r] in hot]
    else:  # the row of each open order from an index kept while the rows stay as they were, not a pass over all
        hot_rows = [where[k] for k in hot if k in where]
    spans = sorted([(r, r) for r in hot_rows] + [(start, end), (tail, n - 1)])
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1] + GAP + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    while len(merged) > MAX_WINDOWS:  # join the two windows with the smallest gap between them
        i = min(range(len(merged) - 1), key=lambda k: merged[k + 1][0] - merged[k][1])
        merged[i:i + 2] = [(merged[i][0], merged[i + 1][1])]
    merged[-1] = (merged[-1][0], -1)  # the tail runs on: rows added since the last cycle
    return merged, end + 1


class WindowPlan:
    """The ranges of one windowed Orders read, and how to put the answer back together.

    `expected` is the Order ID the reader expects on each row: given, the Order IDs are read
    in the windows only and checked against it; None, the Order ID column is read whole.
    """

    def __init__(self, name: str, header: list[str], id_col: int, spans: list[tuple[int, int]],
                 wins: list[tuple[int, int]], expected: list[str] | None) -> None:
        self.name, self.header, self.id_col, self.spans = name, header, id_col, spans
        self.wins, self.expected = wins, expected

    def ranges(self) -> list[str]:
        """Order ID header cell and windows (or the column whole); per editable span its header cells and windows."""
        q, letter = quote_tab(self.name), col_letter
        out = []
        for a, b in [(self.id_col, self.id_col)] + self.spans:
            if a == self.id_col and self.expected is None:
                out.append(f"{q}!{letter(a)}1:{letter(a)}")
                continue
            out.append(f"{q}!{letter(a)}1:{letter(b)}1")
            for r1, r2 in self.wins:
                end = "" if r2 < 0 else str(r2 + 1)
                out.append(f"{q}!{letter(a)}{r1 + 1}:{letter(b)}{end}")
        return out

    def size(self) -> int:
        """How many ranges ranges() returns."""
        per = 1 + len(self.wins)
        return (1 if self.expected is None else per) + len(self.spans) * per

    def assemble(self, parts: list[list[list[str]]]) -> tuple[TabData | None, bool]:
        """A sparse TabData, or None when the Order IDs read differ from the expected ones; False: a header moved."""
        k, wins = 1, self.wins
        head = (parts[0] or [[]])[0]
        ok = _cell(head, 0) == _cell(self.header, self.id_col)
        if self.expected is None:
            keys = [_cell(self.header, self.id_col)] + [(v[0] if v else "").strip() for v in parts[0][1:]]
        else:
            keys = self._checked(parts[1:1 + len(wins)])
            k += len(wins)
            if keys is None:
                return None, ok
        height = len(keys)
        read = frozenset(r for r1, r2 in wins for r in range(r1, (height - 1 if r2 < 0 else r2) + 1)
                         if 1 <= r < height)
        width = max(len(self.header), max(b + 1 for _, b in self.spans), self.id_col + 1)
        rows = _narrow_rows(keys, self.id_col)
        rows[0] = list(self.header) + [""] * (width - len(self.header))
        for r in read:  # only the rows read get full width: 50,000 wide rows cost more than the read
            rows[r] = rows[r] + [""] * (width - len(rows[r]))
        for a, b in self.spans:
            got = (parts[k] or [[]])[0]
            k += 1
            ok = ok and all(_cell(got, c - a) == _cell(rows[0], c) for c in range(a, b + 1))
            for r1, _ in wins:
                for i, values in enumerate(parts[k]):
                    if r1 + i < height:
                        rows[r1 + i][a:a + len(values[:b - a + 1])] = values[:b - a + 1]
                k += 1
        cols = frozenset(c for a, b in self.spans for c in range(a, b + 1))
        return TabData(self.name, rows, read_cols=frozenset({self.id_col}), row_cols=cols, rows_read=read,
                       keys=keys), ok

    def _checked(self, parts: list[list[list[str]]]) -> list[str] | None:
        """Every row's Order ID (row 0: the header): the expected list itself, if each one read matches; else None."""
        expected = self.expected
        keys = expected  # copied only when rows were added: the same list object lets the reader keep its index
        for (r1, r2), got in zip(self.wins, parts):
            last = len(expected) - 1 if r2 < 0 else r2
            for i in range(max(len(got), last - r1 + 1)):
                r = r1 + i
                value = (got[i][0] if i < len(got) and got[i] else "").strip()
                if r < len(expected):
                    if value != expected[r]:
                        return None  # a row deleted, inserted or sorted: read the column whole
                elif i < len(got):
                    keys = list(expected) if keys is expected else keys
                    keys.append(value)  # a row added at the end since the last cycle
        return keys


def _cell(row: list[str], i: int) -> str:
    """A cell of a read row, stripped ('' past its end)."""
    return row[i].strip() if i < len(row) else ""


_NARROW: list = [None, -1, []]  # the last keys list, its id column, its rows


def _narrow_rows(keys: list[str], id_col: int) -> list[list[str]]:
    """A header placeholder and one row per key holding only its Order ID (cells right of it read as blank).

    A fresh outer list each call; the one-cell rows are shared with the last call for the same keys
    (a steady cycle confirms the same list), and never changed in place: rows read get new wide lists.
    """
    if _NARROW[0] is not keys or _NARROW[1] != id_col:
        pad = [""] * id_col
        _NARROW[:] = [keys, id_col, [[]] + [pad + [k] for k in keys[1:]]]
    return list(_NARROW[2])
