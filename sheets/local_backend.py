"""The offline stand-in for the Google Sheet: a local .xlsx workbook (openpyxl).

A person may have the file open in Excel or LibreOffice, or may save it while
we work. We never write while their lock file exists, and we never write over
a version of the file we did not read: if the file changed since our read, the
write is refused (SheetChanged) and the caller re-reads and retries.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from filelock import FileLock
from openpyxl import Workbook, load_workbook

from sheets.verify import apply_deltas, keyed_tabs, reaim
from sheets.base import SheetBackend, SheetBusy, SheetChanged, SheetUnavailable, TabData, WriteBatch
from sheet_schema.tabs import DASHBOARD
from sheets.local_dashboard import stored_results, write_results
from sheets.rows import SHEET_TIME
from sheets.local_layout import apply_layout, refresh_feed, restyle


SERVICE_NAME = "TrueCraft"


def _signature(path: Path) -> str:
    """Content hash: mtime alone misses two saves within one clock tick."""
    if not path.exists():
        return ""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _text(value: Any) -> str:
    """A cell as people see it, as text."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.10g}"
    if isinstance(value, datetime):  # as its cell shows it (yyyy-mm-dd hh:mm), like Google's FORMATTED_VALUE
        return value.strftime(SHEET_TIME)
    return str(value)


def set_cell(ws, row: int, col: int, value: Any) -> None:
    """Write a value; text that looks like a formula is stored as text, never a formula."""
    cell = ws.cell(row=row + 1, column=col + 1)
    cell.value = value if value != "" else None
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"


class LocalWorkbookBackend(SheetBackend):
    """Tabs in an .xlsx file on disk."""

    name = "local workbook"

    last_editor = ""  # who saved the file we last read (not TrueCraft), for the Audit Log's Editor

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).resolve()
        self._lock = FileLock(str(self.path) + ".truecraft-lock")
        self._read_signature: str | None = None

    def describe(self) -> str:
        """Where the workbook is."""
        return f"local workbook {self.path}"

    def human_lock_files(self) -> list[Path]:
        """Lock files Excel (~$name) and LibreOffice (.~lock.name#) leave while the file is open."""
        d, n = self.path.parent, self.path.name
        candidates = [d / f"~${n}", d / f"~${n[2:]}", d / f".~lock.{n}#"]
        return [p for p in candidates if p.exists()]

    def _check_not_open(self) -> None:
        locks = self.human_lock_files()
        if locks:
            raise SheetBusy(f"The workbook {self.path.name} is open in Excel or LibreOffice "
                            f"({locks[0].name}). Save and close it; TrueCraft will catch up by itself.")

    def _load(self):
        if not self.path.exists():
            return Workbook()
        try:
            return load_workbook(self.path)
        except Exception as exc:  # openpyxl raises many types for a damaged file
            raise SheetUnavailable(f"Could not open {self.path.name}: {exc}. If a program is "
                                   f"still saving it, wait a moment; otherwise restore a backup.") from exc

    def read(self, tabs: list[str]) -> dict[str, TabData]:
        """Read whole tabs (one file read)."""
        with self._lock:
            self._read_signature = _signature(self.path)
            wb = self._load()
        # Excel and LibreOffice record who saved the file last; edits found in this read are theirs.
        who = str(wb.properties.lastModifiedBy or "").strip()
        self.last_editor = "" if who == SERVICE_NAME else who[:200]
        out = {}
        for name in tabs:
            if name not in wb.sheetnames:
                out[name] = TabData(name, [], exists=False)
                continue
            rows = [[_text(v) for v in row] for row in wb[name].iter_rows(values_only=True)]
            while rows and not any(rows[-1]):
                rows.pop()
            out[name] = TabData(name, rows)
        return out

    def write(self, batch: WriteBatch) -> None:
        """Apply a batch to the file we last read, atomically; refuse if someone saved since."""
        if batch.is_empty():
            return
        self._check_not_open()
        with self._lock:
            if self._read_signature is not None and _signature(self.path) != self._read_signature:
                raise SheetChanged(f"{self.path.name} was saved by someone else just now; "
                                   f"re-reading it so their changes are kept.")
            wb = self._load()
            updates = batch.updates
            if keyed_tabs(updates):  # aim each keyed run at the row holding its key in the file as it is now
                fresh = {name: TabData(name, [["" if v is None else str(v) for v in row]
                                              for row in wb[name].iter_rows(values_only=True)])
                         for name in keyed_tabs(updates) if name in wb.sheetnames}
                updates = apply_deltas(reaim(updates, fresh)[0], fresh)
            touched: dict[str, set[int]] = {}
            for run in updates:
                ws = wb[run.tab]
                for offset, value in enumerate(run.values):
                    set_cell(ws, run.row, run.col + offset, value)
                if run.tab != DASHBOARD:  # the Dashboard keeps its own look (no data-row formats)
                    touched.setdefault(run.tab, set()).add(run.row + 1)
            for tab, rows in batch.appends.items():
                ws = wb[tab]
                start = _last_used_row(ws)
                for i, row in enumerate(rows):
                    for c, value in enumerate(row):
                        if value != "":
                            set_cell(ws, start + i, c, value)
                touched.setdefault(tab, set()).update(range(start + 1, start + len(rows) + 1))
            restyle(wb, touched)
            refresh_feed(wb)
            self._save(wb)

    def init_layout(self, schema: Any, threshold: int = 70) -> list[str]:
        """Create or upgrade tabs, headers, dropdowns, colours and the frozen header."""
        self._check_not_open()
        with self._lock:
            wb = self._load()
            done = apply_layout(wb, schema, threshold)
            if done:
                self._save(wb)
        return done

    def _save(self, wb) -> None:
        # The workbook holds buyers' names and addresses: a folder we create is 0700, and
        # mkstemp makes the file 0600, which os.replace keeps.
        self.path.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".truecraft-", suffix=".xlsx", dir=self.path.parent)
        os.close(fd)
        wb.properties.lastModifiedBy = SERVICE_NAME  # so a person's next save is told apart from ours
        try:
            wb.save(tmp)
            if DASHBOARD in wb.sheetnames:  # each Dashboard formula saved with its result, for previews
                write_results(Path(tmp), wb.sheetnames.index(DASHBOARD), stored_results(wb))
            os.replace(tmp, self.path)  # atomic: a reader never sees half a file
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        self._read_signature = _signature(self.path)


def _last_used_row(ws) -> int:
    """0-based index of the first empty row after the data (ignores formatted-but-empty rows)."""
    last = 0
    for r, row in enumerate(ws.iter_rows(values_only=True), start=1):
        if any(v not in (None, "") for v in row):
            last = r
    return last
