"""What a watch cycle reads from a Google sheet: only what a person can change.

Every tab read whole every 10 s grew with the shop's history (9.1 MB a cycle at
10,000 orders, issue 16). A cycle now reads, in one values.batchGet:
- Orders: the Order ID and the editable columns (Status, Carrier, Tracking #, Ship To,
  Linked Orders, Notes); on a long tab only for some row windows (sheets/watch_rows.py),
  the Order IDs checked against the ones expected there (sheets/watch_ids.py);
- Duplicates: the Pair and Decision columns;
- the small tabs people type into (Manual Entry, SKU Map, Inventory, Bundles), whole.
Audit Log and Customers are written only by TrueCraft: a cycle appends to them or
rewrites their rows from what it last wrote ("believed" copies), without reading them.

Columns are found by header text. Each column range starts on row 1, so the header
cell comes back with the column: when one no longer matches, the header rows are read
again and the cycle reads again. Headers are also re-read every HEADER_SECONDS and
whenever a write found a header row changed. Every TRUECRAFT_SHEET_CHECK_MINUTES the
service-owned tabs are checked in full (sheets/sheet_check.py) and the Order ID column is
read whole.

What a cycle sees of Orders, and when (a long tab: more than SWEEP_ROWS rows):
- at once (the same cycle, with a second request): a row deleted or inserted anywhere
  (every row below shifts, the tail with them), a sort that moves an open order's row,
  the last rows or the sweep's rows, an Order ID typed over in any of those rows, and
  any edit in an open order's row;
- within rows / SWEEP_ROWS cycles (25 cycles, about 4 minutes, at 50,000 rows; at the
  latest on the slower check): an edit in a shipped order's row, rows sorted or dragged
  among shipped rows without moving the last rows (a range sorted by hand), and a shipped
  row's Order ID typed over or cleared (its order is then put back at the end).
Until then the reader believes those rows hold what they held; writes are safe anyway,
since each one re-aims every row by its Order ID just before writing (sheets/prewrite.py).
"""
from __future__ import annotations

from datetime import datetime

import time
from typing import Any, Callable

from sheet_schema.schema import col_letter, quote_tab
from sheet_schema.tabs import AUDIT_LOG, CUSTOMERS, DUPLICATES, ORDERS
from sheets.base import TabData
from sheets.prewrite import SCHEMA, TabsChanged
from sheets.rows import SHEET_TIME, Layout
from sheets.watch_ids import RowIds
from sheets.watch_rows import SWEEP_ROWS, TAIL_ROWS, WindowPlan, windows

# Column keys a cycle reads from the big tabs (the key first).
WATCHED = {
    ORDERS: ("order_id", *(c.key for c in SCHEMA[ORDERS].columns if c.editable)),
    DUPLICATES: ("pair_id", *(c.key for c in SCHEMA[DUPLICATES].columns if c.editable)),
}
UNREAD = frozenset({AUDIT_LOG})  # appended to, never read back by a cycle
BELIEVED = frozenset({CUSTOMERS, DUPLICATES})  # service cells known from our own writes
HEADER_SECONDS = 300.0
IDS_DIFFER = "ids"  # a read's Order IDs were not the expected ones: read again with the column whole


class WatchReader:
    """Plans and sends a cycle's one read; keeps the headers and the believed copies between cycles."""

    def __init__(self, backend: Any, clock: Callable[[], float] = time.monotonic,
                 header_seconds: float = HEADER_SECONDS) -> None:
        self.backend, self.clock, self.header_seconds = backend, clock, header_seconds
        self.headers: dict[str, list[str]] = {}
        self.headers_at: float | None = None
        self.believed: dict[str, TabData] = {}
        self.epoch = getattr(backend, "layout_epoch", 0)
        # Orders rows: the Order ID expected on each row (from the last read, kept in step with our own
        # writes), whether it can be trusted (else the next read takes the column whole), the open
        # orders' IDs (set by SheetSync), the sweep
        self.hot: Callable[[], set[str]] | None = None
        self.ids = RowIds()
        self.sweep_at, self.sweep_rows, self.tail_rows = 1, SWEEP_ROWS, TAIL_ROWS
        # Single cells people type into outside the big tabs ((tab, "H11"): the archive's Bring back cell),
        # read in the same request; their values land in cell_values.
        self.cells: list[tuple[str, str]] = []
        self.cell_values: dict[tuple[str, str], str] = {}

    def forget(self, rows: bool = True) -> None:
        """Read headers and the believed tabs afresh next time (the layout may have changed).

        rows=False keeps the Order IDs of the last read, so the next Orders read still reads
        editable cells in windows (the slower check: the sweep already covers every row's
        editable cells, and reading them all again cost 5 MB at 50,000 orders); the Order ID
        column itself is read whole.
        """
        self.headers_at = None
        self.believed.clear()
        self.ids.sure = False
        if rows:
            self.ids.forget()

    def read(self, names: list[str]) -> dict[str, TabData]:
        """The cycle's read: editable ranges of the big tabs, small tabs whole, service tabs not at all."""
        if getattr(self.backend, "layout_epoch", 0) != self.epoch:
            self.epoch = self.backend.layout_epoch
            self.forget()
        stale = self.headers_at is None or self.clock() - self.headers_at >= self.header_seconds
        if stale or any(n not in self.headers for n in names):
            self.read_headers(names)
        for attempt in range(3):
            out, moved = self._read_once(names)
            if moved == IDS_DIFFER:
                continue  # rows deleted, inserted or sorted: the column is read whole this time
            if not moved:
                break
            self.read_headers(names)  # a header cell no longer matches: people moved columns
            self.believed.clear()
        else:
            out, _ = self._read_once(names, whole=True)
        for name, data in out.items():
            if data.exists:
                self.backend.remember_header(name, data.header)
        return out

    def read_headers(self, names: list[str]) -> None:
        """Row 1 of these tabs (and of the service-owned ones), one request."""
        wanted = sorted(set(names) | UNREAD | {CUSTOMERS})
        for _ in range(2):
            titles = self.backend.tab_titles()
            present = [n for n in wanted if n in titles]
            try:
                values = self.backend.read_ranges([f"{quote_tab(n)}!1:1" for n in present])
                break
            except TabsChanged:
                continue
        else:
            raise TabsChanged("The sheet's tabs keep changing; TrueCraft will try again next cycle.")
        self.headers = {n: (v or [[]])[0] for n, v in zip(present, values)}
        self.headers_at = self.clock()

    def _read_once(self, names: list[str], whole: bool = False) -> tuple[dict[str, TabData], bool | str]:
        for _ in range(2):
            try:
                return self._read_plan(names, whole)
            except TabsChanged:
                self.read_headers(names)
        return self._read_plan(names, whole)

    def _read_plan(self, names: list[str], whole: bool) -> tuple[dict[str, TabData], bool | str]:
        titles = self.backend.tab_titles()
        out = {n: TabData(n, [], exists=False) for n in names if n not in titles}
        plans: list[tuple[str, Any]] = []
        ranges: list[str] = []
        sweep_next = self.sweep_at
        for name in (n for n in names if n in titles):
            header = self.headers.get(name, [])
            if name in UNREAD and header and not whole:
                out[name] = TabData(name, [list(header)], read_cols=frozenset())
                continue
            if name == CUSTOMERS and name in self.believed and not whole:
                out[name] = self.believed[name]
                continue
            spans = None if whole or (name in BELIEVED and name not in self.believed) else _spans(name, header)
            plan = self._window_plan(name, header) if spans is not None else None
            if plan is not None:
                plan, sweep_next = plan
                plans.append((name, plan))
                ranges += plan.ranges()
                continue
            plans.append((name, spans))
            if spans is None:
                ranges.append(quote_tab(name))
            else:
                ranges += [f"{quote_tab(name)}!{col_letter(a)}1:{col_letter(b)}" for a, b in spans]
        cells = [c for c in self.cells if c[0] in titles]
        values = self.backend.read_ranges(ranges + [f"{quote_tab(t)}!{a1}" for t, a1 in cells])
        self.cell_values = {c: (v[0][0] if v and v[0] else "") for c, v in zip(cells, values[len(ranges):])}
        i, moved = 0, False
        for name, spans in plans:
            if isinstance(spans, WindowPlan):
                data, ok = spans.assemble(values[i:i + spans.size()])
                i += spans.size()
                if data is None:  # not the Order IDs expected: ask again, the column whole
                    self.ids.sure = False
                    if ok:
                        return out, IDS_DIFFER
                moved = moved or not ok
                out[name] = data or TabData(name, [])
                continue
            if spans is None:
                out[name] = TabData(name, values[i])
                i += 1
                if name in BELIEVED:
                    self.believed[name] = out[name]
                continue
            parts = values[i:i + len(spans)]
            i += len(spans)
            data, ok = _assemble(name, self.headers[name], spans, parts)
            moved = moved or not ok
            out[name] = self._fill(data) if name in BELIEVED else data
        if not moved:
            plan = next((p for n, p in plans if n == ORDERS), None)
            self.ids.remember(out.get(ORDERS), not isinstance(plan, WindowPlan) or plan.expected is None)
            self.sweep_at = sweep_next
        return out, moved

    def _window_plan(self, name: str, header: list[str]) -> tuple[WindowPlan, int] | None:
        """Orders on a long tab: the editable cells of open orders' rows and a sweep, not of every row."""
        ids = self.ids.rows
        if name != ORDERS or self.hot is None or ids is None or len(ids) - 1 <= self.sweep_rows:
            return None
        positions = Layout.from_header(SCHEMA[name], header).positions
        wins, sweep_next = windows(ids, self.hot(), self.sweep_at, self.sweep_rows, self.tail_rows, self.ids.where())
        spans = _runs(sorted(positions[k] for k in WATCHED[name][1:]))
        return WindowPlan(name, header, positions["order_id"], spans, wins, self.ids.expected()), sweep_next

    def _fill(self, data: TabData) -> TabData:
        """Service cells of a partly read tab, from the believed copy, row by row by key."""
        known = self.believed.get(data.name)
        if known is None:
            return data
        tab = SCHEMA[data.name]
        old, new = Layout.from_header(tab, known.header), Layout.from_header(tab, data.header)
        by_key = {old.get(row, tab.key_column).strip(): row for row in known.rows[1:]}
        rows = [data.header]
        for row in data.rows[1:]:
            row = list(row)
            before = by_key.get(new.get(row, tab.key_column).strip())
            if before is not None:
                for key, idx in new.positions.items():
                    if idx not in data.read_cols and key in old.positions:
                        row[idx] = old.get(before, key)
            rows.append(row)
        filled = TabData(data.name, rows, read_cols=None)
        self.believed[data.name] = filled
        return filled

    def after_write(self, batch: Any) -> None:
        """Keep the believed copies, and the Order IDs expected on each row, in step with what was just written."""
        self.ids.after_write(batch, self.backend, getattr(self.backend, "layout_epoch", 0) == self.epoch)
        for run in batch.updates:
            data = self.believed.get(run.tab)
            if data is None:
                continue
            while len(data.rows) <= run.row:
                data.rows.append([])
            row = data.rows[run.row]
            row.extend([""] * (run.col + len(run.values) - len(row)))
            row[run.col:run.col + len(run.values)] = [_text(v) for v in run.values]
        for tab, rows in batch.appends.items():
            if tab in self.believed:
                self.believed[tab].rows.extend([_text(v) for v in r] for r in rows)



def _text(value: Any) -> str:
    """A written value as the sheet shows it (a date-time through its yyyy-mm-dd hh:mm format)."""
    if isinstance(value, datetime):
        return value.strftime(SHEET_TIME)
    return "" if value is None else str(value)


def _spans(name: str, header: list[str]) -> list[tuple[int, int]] | None:
    """Runs of consecutive columns to read; None (read whole) for small tabs or a header missing a column."""
    if name not in WATCHED:
        return None
    positions = Layout.from_header(SCHEMA[name], header).positions
    if any(k not in positions for k in WATCHED[name]):
        return None  # the layout needs repair: read whole, as before
    return _runs(sorted(positions[k] for k in WATCHED[name]))


def _runs(cols: list[int]) -> list[tuple[int, int]]:
    """Sorted column indexes as runs of consecutive columns."""
    spans: list[tuple[int, int]] = []
    for col in cols:
        if spans and spans[-1][1] + 1 == col:
            spans[-1] = (spans[-1][0], col)
        else:
            spans.append((col, col))
    return spans


def _assemble(name: str, header: list[str], spans: list[tuple[int, int]],
              parts: list[list[list[str]]]) -> tuple[TabData, bool]:
    """One sparse TabData from column ranges; False when a header cell no longer matches."""
    height = max((len(p) for p in parts), default=0)
    width = max(len(header), max((b + 1 for _, b in spans), default=0))
    rows = [[""] * width for _ in range(max(height, 1))]
    rows[0] = list(header) + [""] * (width - len(header))
    ok = True
    for (a, b), part in zip(spans, parts):
        got = (part or [[]])[0]
        for c in range(a, b + 1):
            shown = got[c - a] if c - a < len(got) else ""
            if shown.strip() != rows[0][c].strip():
                ok = False
        for r, values in enumerate(part[1:], start=1):
            for c, value in enumerate(values[:b - a + 1]):
                rows[r][a + c] = value
    cols = frozenset(c for a, b in spans for c in range(a, b + 1))
    return TabData(name, rows, read_cols=cols), ok

