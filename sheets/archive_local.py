"""Moving rows found by key in a local .xlsx workbook: the offline twin of sheets/archive_google.py.

The live workbook and the archive workbook are each changed under the backend's file
lock, never while Excel or LibreOffice has the file open, and saved atomically.
Rows are found by key in the file as it is at that moment.
"""
from __future__ import annotations

from typing import Any

from sheet_schema.schema import Tab
from sheets.base import TabData
from sheets.google_rows import runs
from sheets.local_backend import _last_used_row, set_cell
from sheets.local_layout import _formats, _headers, refresh_feed
from sheets.local_look import set_filter, set_freeze, style_rows
from sheets.rows import Layout


class LocalRows:
    """Keyed row operations on one local workbook."""

    def __init__(self, backend: Any, threshold: int = 70) -> None:
        self.b, self.threshold = backend, threshold

    def describe(self) -> str:
        """Which file, in plain words."""
        return self.b.describe()

    def _open(self):
        self.b._check_not_open()
        return self.b._load()

    def ensure_tabs(self, tabs: list[Tab]) -> list[str]:
        """Create the tabs that are missing, with headers, frozen header row, formats and colours."""
        with self.b._lock:
            wb = self._open()
            missing = [t for t in tabs if t.name not in wb.sheetnames]
            if not missing:
                return []
            for t in missing:
                blank = wb.sheetnames == ["Sheet"] and wb["Sheet"]["A1"].value is None
                ws = wb["Sheet"] if blank else wb.create_sheet(t.name)
                ws.title = t.name
                _headers(ws, t)
                pos = Layout.from_header(t, t.headers).positions
                _formats(ws, t, pos, self.threshold)
                set_freeze(ws, t, pos)
                set_filter(ws, t, pos)
            self.b._save(wb)
        return [f"created tab {t.name}" for t in missing]

    def read_editable(self) -> TabData:
        """The Orders tab (a local workbook is read whole), to spot edits not seen yet."""
        from sheet_schema.tabs import ORDERS

        return self.b.read([ORDERS])[ORDERS]

    def keys(self, tabs: list[Tab]) -> dict[str, tuple[list[str], dict[str, int]]]:
        """Per present tab: its header and key -> 0-based row."""
        with self.b._lock:
            wb = self.b._load()
        out = {}
        for t in tabs:
            if t.name in wb.sheetnames:
                rows = [["" if v is None else str(v) for v in r] for r in wb[t.name].iter_rows(values_only=True)]
                header = rows[0] if rows else []
                out[t.name] = (header, Layout.from_header(t, header).index_rows(rows or [[]]))
        return out

    def append(self, planned: dict[str, tuple[Tab, list[str], list[dict]]]) -> int:
        """Add rows after the last used row of each tab, with the data-row look."""
        count = 0
        with self.b._lock:
            wb = self._open()
            for name, (tab, _, values) in planned.items():
                if not values:
                    continue
                ws = wb[name]
                layout = Layout.from_header(tab, [str(c.value or "") for c in ws[1]])
                start = _last_used_row(ws)
                for i, row in enumerate(values):
                    for c, value in enumerate(layout.full_row(row)):
                        if value != "":
                            set_cell(ws, start + i, c, value)  # text that looks like a formula stays text
                style_rows(ws, tab, list(range(start + 1, start + len(values) + 1)), layout)
                count += len(values)
            refresh_feed(wb)
            self.b._save(wb)
        return count

    def delete(self, doomed: dict[str, tuple[Tab, set[str]]]) -> int:
        """Delete the rows holding these keys, found in the file as it is now."""
        gone = 0
        with self.b._lock:
            wb = self._open()
            for name, (tab, keys) in doomed.items():
                if not keys or name not in wb.sheetnames:
                    continue
                ws = wb[name]
                rows = [["" if v is None else str(v) for v in r] for r in ws.iter_rows(values_only=True)]
                found = Layout.from_header(tab, rows[0] if rows else []).index_rows(rows or [[]])
                doomed_rows = [r for k, r in found.items() if k in keys and r >= 1]
                for start, end in sorted(runs(doomed_rows), reverse=True):  # highest first: rows above stay put
                    ws.delete_rows(start + 1, end - start)
                gone += len(doomed_rows)
            if gone:
                refresh_feed(wb)
                self.b._save(wb)
        return gone
