"""Which Orders rows a cycle reads the editable cells of: open orders every cycle, the rest in a sweep.

A year of a busy shop is mostly shipped orders that nobody edits any more. Reading
their Status, Carrier, Tracking #, Ship To, Linked Orders and Notes every 10 s was
most of a cycle's bytes (about 100 bytes a row). So a cycle reads:
- the Order ID column, whole (rows are found by Order ID; deleted rows are seen at once);
- the editable cells of the rows holding open orders (not FULFILLED, CANCELLED or MERGED)
  or orders with changes still to write, as a few row windows;
- the editable cells of SWEEP_ROWS further rows, a window that moves down the tab each
  cycle, so an edit on a shipped order is seen within (rows / SWEEP_ROWS) cycles:
  at 50,000 rows, 25 cycles (about 4 minutes);
- the editable cells of any row added since the last cycle.
Windows come from the previous cycle's Order ID column; if people sorted in between,
this cycle's Order IDs still say whose cells were read, and the next cycle aims right.
"""
from __future__ import annotations

from typing import Any

from sheet_schema.schema import col_letter, quote_tab
from sheets.base import TabData
from sheets.rows import DEFAULT_STATUS

SWEEP_ROWS = 2000
MAX_WINDOWS = 20  # a GET's URL stays short: windows x column spans ranges
GAP = 25  # open rows this close together are read as one window
CLOSED = frozenset({"FULFILLED", "CANCELLED", "MERGED"})


def is_hot(s: Any) -> bool:
    """An order whose editable cells a cycle reads every time: open, or with writes pending."""
    return (s.fields.get("status") or DEFAULT_STATUS[s.order.state]) not in CLOSED or s.rev != s.sheet_rev


def windows(ids: list[str], hot: set[str], sweep_at: int, sweep_rows: int = SWEEP_ROWS
            ) -> tuple[list[tuple[int, int]], int]:
    """0-based inclusive row windows (row 0 is the header) and where the next sweep starts."""
    n = len(ids)
    if n <= 1:
        return [], 1
    start = sweep_at if 1 <= sweep_at < n else 1
    end = min(n - 1, start + sweep_rows - 1)
    spans = sorted([(r, r) for r in range(1, n) if ids[r] in hot] + [(start, end)])
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1] + GAP + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    while len(merged) > MAX_WINDOWS:  # join the two windows with the smallest gap between them
        i = min(range(len(merged) - 1), key=lambda k: merged[k + 1][0] - merged[k][1])
        merged[i:i + 2] = [(merged[i][0], merged[i + 1][1])]
    return merged, end + 1


class WindowPlan:
    """The ranges of one windowed Orders read, and how to put the answer back together."""

    def __init__(self, name: str, header: list[str], id_col: int, spans: list[tuple[int, int]],
                 wins: list[tuple[int, int]], height: int) -> None:
        self.name, self.header, self.id_col, self.spans = name, header, id_col, spans
        self.wins = wins + [(height, -1)]  # -1: open-ended, the rows added since the last read

    def ranges(self) -> list[str]:
        """Order ID column whole; per editable span its header cells, then each window."""
        q, letter = quote_tab(self.name), col_letter
        out = [f"{q}!{letter(self.id_col)}1:{letter(self.id_col)}"]
        for a, b in self.spans:
            out.append(f"{q}!{letter(a)}1:{letter(b)}1")
            for r1, r2 in self.wins:
                end = "" if r2 < 0 else str(r2 + 1)
                out.append(f"{q}!{letter(a)}{r1 + 1}:{letter(b)}{end}")
        return out

    def size(self) -> int:
        """How many ranges ranges() returns."""
        return 1 + len(self.spans) * (1 + len(self.wins))

    def assemble(self, parts: list[list[list[str]]]) -> tuple[TabData, bool]:
        """A sparse TabData; False when a header cell no longer matches (people moved columns)."""
        ids = parts[0]
        height = max(len(ids), 1)
        width = max(len(self.header), max(b + 1 for _, b in self.spans), self.id_col + 1)
        read = frozenset(r for r1, r2 in self.wins for r in range(r1, (height - 1 if r2 < 0 else r2) + 1)
                         if 1 <= r < height)
        # Rows outside the windows hold only their Order ID (short rows read as blank further
        # right): a full-width row for each of 50,000 rows cost more than the rest of the cycle.
        narrow = self.id_col + 1
        rows = [[""] * (width if r in read else narrow) for r in range(height)]
        rows[0] = list(self.header) + [""] * (width - len(self.header))
        ok = ((ids[0][0] if ids and ids[0] else "").strip() == rows[0][self.id_col].strip())
        keys = [rows[0][self.id_col].strip()]
        for r, values in enumerate(ids[1:], start=1):
            value = values[0] if values else ""
            rows[r][self.id_col] = value
            keys.append(value.strip())
        k = 1
        for a, b in self.spans:
            got = (parts[k] or [[]])[0]
            k += 1
            ok = ok and all((got[c - a] if c - a < len(got) else "").strip() == rows[0][c].strip()
                            for c in range(a, b + 1))
            for r1, _ in self.wins:
                for i, values in enumerate(parts[k]):
                    if r1 + i < height:
                        for c, value in enumerate(values[:b - a + 1]):
                            rows[r1 + i][a + c] = value
                k += 1
        cols = frozenset(c for a, b in self.spans for c in range(a, b + 1))
        return TabData(self.name, rows, read_cols=frozenset({self.id_col}), row_cols=cols, rows_read=read,
                       keys=keys), ok
