"""Moving rows found by key on a Google spreadsheet: make tabs, read keys, append, delete. Few requests.

Used on the live sheet (deleting archived rows from Orders and the Audit Log, adding
orders brought back) and on the archive spreadsheet, opened through the same gspread
client, so both share one request budget (Google's 60 requests a minute is per user).
Each step reads the key column right before it acts and finds rows by key, never by a
remembered row number. Appends are never resent blindly (FACTS 4: sheets/google_append.py)
and `deleteDimension` is not in the backend's resendable kinds: a lost answer surfaces as
an error and the archive run finishes the move next time, from the keys it finds then.
"""
from __future__ import annotations

import copy
from typing import Any

from sheet_schema.schema import Tab, col_letter, quote_tab
from sheets.base import SheetUnavailable, TabData
from sheets.google_append import AppendReport, Appender, format_requests
from sheets.google_rows import api_value, runs, split_by_size
from sheets.rows import Layout


def sibling_backend(main: Any, sheet_id: str) -> Any:
    """A backend for another spreadsheet sharing the main one's gspread client, session and request budget."""
    other = copy.copy(main)
    other.sheet_id = sheet_id
    other._sh, other._titles, other._headers = None, {}, {}
    other.last_append = AppendReport()
    other.layout_epoch = 0
    return other


class GoogleRows:
    """Keyed row operations on one Google spreadsheet."""

    def __init__(self, backend: Any, threshold: int = 70) -> None:
        self.b, self.threshold = backend, threshold

    def describe(self) -> str:
        """Which spreadsheet, in plain words."""
        return self.b.describe()

    def ensure_tabs(self, tabs: list[Tab]) -> list[str]:
        """Create the tabs that are missing, with their headers, frozen header row, formats and colours."""
        from sheets.google_layout import GoogleLayout

        self.b._call(self.b.refresh_metadata)
        missing = [t for t in tabs if t.name not in self.b._titles]
        if not missing:
            return []
        sh = self.b.spreadsheet
        self.b._call(sh.batch_update, {"requests": [{"addSheet": {"properties": {
            "title": t.name, "gridProperties": {"rowCount": 1000, "columnCount": max(26, len(t.columns) + 2),
                                                "frozenRowCount": 1}}}} for t in missing]})
        self.b._call(sh.values_batch_update, {"valueInputOption": "RAW", "data": [
            {"range": f"{quote_tab(t.name)}!A1", "values": [t.headers]} for t in missing]})
        meta = self.b._call(self.b.refresh_metadata)
        props = {s["properties"]["title"]: s for s in meta.get("sheets", [])}
        layout = GoogleLayout(self.b, self.threshold)
        requests = []
        for t in missing:
            pos = {c.key: i for i, c in enumerate(t.columns)}
            requests += layout._format_tab(t, props[t.name], pos)
            requests += [{"updateDimensionProperties": {"range": {
                "sheetId": props[t.name]["properties"]["sheetId"], "dimension": "COLUMNS", "startIndex": i,
                "endIndex": i + 1}, "properties": {"pixelSize": c.width}, "fields": "pixelSize"}}
                for i, c in enumerate(t.columns)]
        for chunk in split_by_size(requests):
            self.b._call(sh.batch_update, {"requests": chunk})
        return [f"created tab {t.name}" for t in missing]

    def read_editable(self) -> TabData:
        """Orders' Order ID and editable columns, every row (two reads), to spot edits not seen yet."""
        from sheet_schema.tabs import ORDERS
        from sheets.watch_read import _assemble, _spans

        header = [str(v) for v in (self.b.read_ranges([f"{quote_tab(ORDERS)}!1:1"])[0] or [[]])[0]]
        spans = _spans(ORDERS, header)
        if spans is None:  # the layout needs repair: read whole, as a cycle would
            return self.b.read([ORDERS])[ORDERS]
        parts = self.b.read_ranges([f"{quote_tab(ORDERS)}!{col_letter(a)}1:{col_letter(b)}" for a, b in spans])
        return _assemble(ORDERS, header, spans, parts)[0]

    def keys(self, tabs: list[Tab]) -> dict[str, tuple[list[str], dict[str, int]]]:
        """Per present tab: its header and key -> 0-based row, in two values.batchGet (headers, key columns)."""
        titles = self.b.tab_titles()
        present = [t for t in tabs if t.name in titles]
        if not present:
            return {}
        heads = self.b.read_ranges([f"{quote_tab(t.name)}!1:1" for t in present])
        headers = {t.name: [str(v) for v in (h or [[]])[0]] for t, h in zip(present, heads)}
        where = []
        for t in present:
            col = Layout.from_header(t, headers[t.name]).positions.get(t.key_column)
            if col is None:
                raise SheetUnavailable(f"The {t.name} tab has no '{t.column(t.key_column).header}' header, so "
                                       "TrueCraft can't tell its rows apart. Type the header back (or undo).")
            where.append((t, col))
        columns = self.b.read_ranges([f"{quote_tab(t.name)}!{col_letter(c)}1:{col_letter(c)}" for t, c in where])
        out = {}
        for (t, col), values in zip(where, columns):
            rows = [[""] * col + [r[0] if r else ""] for r in values] or [[]]
            rows[0] = headers[t.name]
            out[t.name] = (headers[t.name], Layout.from_header(t, headers[t.name]).index_rows(rows))
        return out

    def append(self, planned: dict[str, tuple[Tab, list[str], list[dict]]]) -> int:
        """Append rows (value dicts laid out by the live header), then give them the data-row look."""
        report = AppendReport()
        sent: dict[str, list[list]] = {}
        tabs: dict[str, Tab] = {}
        headers: dict[str, list[str]] = {}
        for name, (tab, header, values) in planned.items():
            if not values:
                continue
            layout = Layout.from_header(tab, header)
            rows = [[api_value(v) for v in layout.full_row(row)] for row in values]
            self.b._call(Appender(self.b, tab, header).append, name, rows, report)
            sent[name], tabs[name], headers[name] = rows, tab, header
        looks = format_requests(self.b, tabs, headers, report.landed, sent)
        for chunk in split_by_size(looks):
            self.b._call(self.b.spreadsheet.batch_update, {"requests": chunk})
        return sum(len(r) for r in sent.values())

    def delete(self, doomed: dict[str, tuple[Tab, set[str]]]) -> int:
        """Delete the rows holding these keys (read right before), in one batchUpdate per 10 MB."""
        wanted = [tab for tab, keys in doomed.values() if keys]
        if not wanted:
            return 0
        meta = self.b._call(self.b.refresh_metadata)
        grids = {s["properties"]["title"]: s["properties"].get("gridProperties", {}) for s in meta.get("sheets", [])}
        found = self.keys(wanted)
        requests: list[dict] = []
        gone = 0
        for name, (tab, keys) in doomed.items():
            if name not in found:
                continue
            rows = [r for k, r in found[name][1].items() if k in keys and r >= 1]
            gone += len(rows)
            sheet_id = self.b._titles[name]
            grid = grids.get(name, {})
            frozen, height = grid.get("frozenRowCount", 0), grid.get("rowCount", 0)
            if rows and len({r for r in rows if r >= frozen}) >= height - frozen:
                # Google refuses to delete every row below the frozen header ("Sorry, it is not possible
                # to delete all non-frozen rows", HTTP 400): keep one blank row, added in the same request.
                requests.append({"appendDimension": {"sheetId": sheet_id, "dimension": "ROWS", "length": 1}})
            # Highest rows first: each deletion leaves the rows above it where they were.
            for start, end in sorted(runs(rows), reverse=True):
                requests.append({"deleteDimension": {"range": {"sheetId": sheet_id, "dimension": "ROWS",
                                                               "startIndex": start, "endIndex": end}}})
        for chunk in split_by_size(requests):  # chunks keep the highest-first order
            self.b._call(self.b.spreadsheet.batch_update, {"requests": chunk})
        return gone
