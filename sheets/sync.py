"""Journal -> sheet: one read, one batched write, rows found by Order ID, exactly once.

A flush reads the sheet in one request, finds each order's row by its Order ID,
writes the cells that differ (service-owned columns, plus editable ones the service
deliberately changed), appends orders the sheet does not show, and only then marks
them written in the journal. On Google a cycle reads only the Order ID and editable
columns (sheets/watch_read.py), so a changed order's service cells are all written. A crash after
the write but before the mark is harmless: the next flush finds the rows by
Order ID and has nothing left to change.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field

from core.journal import Journal, StoredOrder, now_utc
from sheet_schema.tabs import AUDIT_LOG, AUDIT_LOG_TAB, CUSTOMERS, CUSTOMERS_TAB, ORDERS, ORDERS_TAB, WORKBOOK
from sheets.base import CellRun, SheetBackend, SheetChanged, SheetUnavailable, TabData, WriteBatch
from sheets.audit_lines import sheet_line
from sheets.rows import Layout, cell_value, order_row, runs_for_row, same_value
from sheets.sheet_check import CHECK_MINUTES, SheetCheck
from sheets.watch_read import WatchReader
from sheets.watch_rows import is_hot

log = logging.getLogger("truecraft.sheet")


@dataclass
class Snapshot:
    """One read of the sheet: every automation in a cycle works from this."""

    layout: Layout
    tabs: dict[str, TabData]
    checked: bool = False  # this cycle ran the slower check of the service-owned tabs

    @property
    def orders(self) -> TabData:
        """The Orders tab."""
        return self.tabs[ORDERS]


@dataclass
class FlushReport:
    """What one flush did."""

    appended: int = 0
    updated_rows: int = 0
    cells: int = 0
    restored: list[str] = field(default_factory=list)
    audit_rows: int = 0
    layout_repaired: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One plain line."""
        parts = [f"{self.appended} new row(s)", f"{self.updated_rows} row(s) updated"]
        if self.restored:
            parts.append(f"{len(self.restored)} deleted row(s) restored")
        if self.audit_rows:
            parts.append(f"{self.audit_rows} audit line(s)")
        return ", ".join(parts)


class SheetSync:
    """Keeps the sheet showing exactly what the journal holds."""

    def __init__(self, journal: Journal, backend: SheetBackend, tz: str = "UTC",
                 threshold: int = 70, check_minutes: float = CHECK_MINUTES) -> None:
        self.journal, self.backend, self.tz, self.threshold = journal, backend, tz, threshold
        # Google: a cycle reads only what people edit; a local workbook is read whole (it's local).
        self.reader = WatchReader(backend) if backend.selective else None
        self.check = SheetCheck(journal, backend, self.reader, check_minutes) if self.reader else None
        if self.reader is not None:
            # kept up to date as orders change, not recomputed over every order each cycle
            journal.cache.track("hot", is_hot)
            self.reader.hot = lambda: (journal.cache.refresh(), journal.cache.members("hot"))[1]

    def _read(self, names: list[str], fresh: bool = False) -> dict[str, TabData]:
        if self.reader is None:
            return self.backend.read(names)
        if fresh:
            self.reader.forget()
        return self.reader.read(names)

    def read_orders(self, extra: tuple[str, ...] = ()) -> "Snapshot":
        """One read of Orders + Audit Log (+ extra tabs); repairs the layout first if tabs or headers went missing."""
        names = [ORDERS, AUDIT_LOG, *extra]
        checked = self.check is not None and self.check.due()
        repair = checked and self.check.run()
        data = self._read(names)
        orders, audit = data[ORDERS], data[AUDIT_LOG]
        layout = Layout.from_header(ORDERS_TAB, orders.header)
        audit_layout = Layout.from_header(AUDIT_LOG_TAB, audit.header)
        cleared = [t for t in (orders, data.get(CUSTOMERS)) if t is not None and t.exists and t.read_cols is None
                   and not any(h.strip() for h in t.header) and len(t.rows) > 1]
        for tab in cleared:
            self._restore_header(tab)
        if cleared:
            data = self._read(names, fresh=True)
            orders, audit = data[ORDERS], data[AUDIT_LOG]
            layout = Layout.from_header(ORDERS_TAB, orders.header)
        elif not layout.missing and orders.header:
            self._remember_header(ORDERS, orders.header)
        customers = data.get(CUSTOMERS)
        if customers is not None and customers.header and not Layout.from_header(CUSTOMERS_TAB, customers.header).missing:
            self._remember_header(CUSTOMERS, customers.header)
        broken = [t for t in data.values() if not t.exists] or layout.missing or audit_layout.missing
        if broken or repair:
            what = self.backend.init_layout(WORKBOOK, self.threshold)
            if what:
                self.journal.audit(None, "sheet layout set up or repaired", "", f"{len(what)} change(s)",
                                   "truecraft", detail="; ".join(what)[:4000])
            data = self._read(names, fresh=True)
            layout = Layout.from_header(ORDERS_TAB, data[ORDERS].header)
        return Snapshot(layout, data, checked)

    def _remember_header(self, tab: str, header: list[str]) -> None:
        """Keep the last good header row, so a cleared header row can be put back where it was."""
        text = json.dumps(header)
        if self.journal.kv_get(f"layout:{tab}") != text:
            self.journal.kv_set(f"layout:{tab}", text)

    def _restore_header(self, data: TabData) -> None:
        """Someone cleared the header row above existing data: put back the header the data belongs to."""
        saved = self.journal.kv_get(f"layout:{data.name}")
        if not saved:
            raise SheetUnavailable(
                f"The {data.name} header row is empty but the tab has data. Undo the change (Ctrl+Z) or type the "
                "headers back; TrueCraft won't write to the tab until then, so nothing lands in the wrong column.")
        header = json.loads(saved)
        offset = 0
        if data.name == ORDERS:
            # The data may have moved since (a column inserted just before the header was cleared):
            # line the header up with where the Order IDs actually are.
            id_col = _column_of_order_ids(data.rows[1:])
            saved_col = next((i for i, h in enumerate(header) if h.strip().casefold() == "order id"), 0)
            offset = (id_col - saved_col) if id_col is not None else 0
        if offset < 0:
            raise SheetUnavailable("The Orders header row is empty and the columns moved; type the headers back "
                                   "(or undo) and TrueCraft will carry on.")
        self.backend.write(WriteBatch(updates=[CellRun(data.name, 0, offset, header)]))
        self.journal.audit(None, "header row restored", "", f"{data.name} header row was empty", "truecraft",
                           detail=", ".join(header)[:4000])

    def flush(self, full: bool = False, snapshot: "Snapshot | None" = None,
              extra: WriteBatch | None = None) -> FlushReport:
        """Write pending orders (or, with full=True, re-check every order) and new audit lines.

        `snapshot` is a read_orders() result from this same cycle, so a watch cycle
        costs one read in all; if someone saved the file since, we read again.
        """
        for attempt in range(3):
            try:
                return self._flush(full, snapshot if attempt == 0 else None, extra)
            except SheetChanged:
                if self.reader is not None:
                    self.reader.forget()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _flush(self, full: bool, snapshot: "Snapshot | None", extra: WriteBatch | None) -> FlushReport:
        report = FlushReport()
        if full:  # archived orders live in the archive spreadsheet, not in Orders
            archived = self.journal.archive_records()
            pending = [s for s in self.journal.all_orders() if s.order_id not in archived]
        else:
            pending = self.journal.pending_sheet_rows()
        audit_pending = self.journal.audit_entries(unwritten_only=True)
        if not pending and not audit_pending and (extra is None or extra.is_empty()):
            return report
        snap = snapshot or self.read_orders()
        layout, orders_tab, audit_tab = snap.layout, snap.tabs[ORDERS], snap.tabs[AUDIT_LOG]
        audit_pending = self.journal.audit_entries(unwritten_only=True)  # init may have added one
        index = layout.index_rows(orders_tab.rows)
        batch = WriteBatch()
        if extra is not None:
            batch.updates.extend(extra.updates)
            batch.appends.update(extra.appends)
            batch.on_written.extend(extra.on_written)
        appends: list[list] = []
        written: list[tuple[str, int]] = []
        for stored in pending:
            values = order_row(stored, self.tz)
            row_idx = index.get(stored.order_id)
            if row_idx is None:
                if stored.sheet_rev > 0:
                    report.restored.append(stored.order_id)
                appends.append(layout.full_row(values))
            else:
                known = (lambda col, r=row_idx: orders_tab.known(r, col))
                cells = self._changed_cells(layout, orders_tab.rows[row_idx], values, stored, known)
                if cells:
                    batch.updates.extend(runs_for_row(ORDERS, row_idx, cells, key=stored.order_id))
                    report.updated_rows += 1
            written.append((stored.order_id, stored.rev))
        if appends:
            batch.appends[ORDERS] = appends
        audit_ids = self._audit_rows(batch, audit_tab, audit_pending)
        report.appended = len(appends)
        report.audit_rows = len(audit_ids)
        report.cells = batch.cell_count()
        unconfirmed = bool(audit_ids) and audit_tab.read_cols is not None
        if unconfirmed:  # until marked: a crash now means "these lines may be in the tab already"
            self.journal.kv_set("sheet:audit_unconfirmed", "1")
        if not batch.is_empty():
            try:
                self.backend.write(batch)
            except Exception:
                if self.reader is not None:  # rows may have landed anyway: read the Order IDs whole next time
                    self.reader.ids.sure = False
                raise
            if self.reader is not None:
                self.reader.after_write(batch)
            self._audit_lost_answers()
        for done in batch.on_written:  # e.g. stock movements count as applied only now
            done()
        self.journal.mark_written(written)
        self.journal.mark_audit_written(audit_ids)
        if unconfirmed:
            self.journal.kv_set("sheet:audit_unconfirmed", "")
        for oid in report.restored:
            self.journal.audit(oid, "row restored", "", "row was missing from the sheet", "truecraft")
        self.journal.kv_set("health:last_sheet_write", now_utc().isoformat())
        self.journal.kv_set("health:sheet_status", "ok")
        if pending or audit_ids:
            log.info("Sheet updated: %s", report.summary())
        return report

    def _audit_lost_answers(self) -> None:
        """Say in the Audit Log when Google's answer to an append was lost and what TrueCraft did."""
        report = getattr(self.backend, "last_append", None)
        if report is None or not report.lost_answers:
            return
        self.journal.audit(None, "sheet answer lost", "", f"{report.already_there} row(s) were already there",
                           "truecraft", detail=(
                               f"Google didn't answer {report.lost_answers} time(s) while rows were being added. "
                               "TrueCraft read the tab again, found the rows that had landed by their ID, "
                               "and sent only the missing ones, so nothing is doubled."))

    def _changed_cells(self, layout: Layout, shown: list[str], values: dict, stored: StoredOrder,
                       known=lambda col: True) -> dict[int, object]:
        """Cells whose sheet value differs from what the journal says it should be (unread cells: all)."""
        dirty = stored.fields.get("_dirty", {})
        cells: dict[int, object] = {}
        for key, idx in layout.positions.items():
            column = ORDERS_TAB.column(key)
            if key == "order_id" or (column.editable and key not in dirty):
                continue  # a person's typing is never overwritten unless we changed it on purpose
            wanted = cell_value(column, values.get(key, ""))
            if not known(idx):
                cells[idx] = wanted  # not read this cycle: the journal says the row changed, so write it
                continue
            current = shown[idx] if idx < len(shown) else ""
            if not same_value(column, current, wanted):
                cells[idx] = wanted
        return cells

    def _audit_rows(self, batch: WriteBatch, audit_tab: TabData, entries: list[dict]) -> list[int]:
        """Append audit entries the Audit Log does not show yet (found by Entry #)."""
        if not entries:
            return []
        layout = Layout.from_header(AUDIT_LOG_TAB, audit_tab.header)
        if audit_tab.read_cols is None:
            shown = set(layout.index_rows(audit_tab.rows))
        elif self.journal.kv_get("sheet:audit_unconfirmed") and self.check is not None:
            # the last append of audit lines was never confirmed (a crash): look before adding again
            shown = {v.strip() for v in self.check.read_column(AUDIT_LOG, "entry") or []}
        else:
            shown = set()  # the journal knows which lines the tab has; the tab is not read back
        rows = []
        for e in entries:
            line = sheet_line(e, self.tz)  # words for people; the journal keeps the machine detail
            if line is not None and str(e["id"]) not in shown:
                rows.append(layout.full_row(line))
        if rows:
            batch.appends[AUDIT_LOG] = rows
        return [e["id"] for e in entries]


def _column_of_order_ids(rows: list[list[str]]) -> int | None:
    """The column where most cells look like TC-<n>."""
    counts: dict[int, int] = {}
    for row in rows[:200]:
        for i, value in enumerate(row):
            if value.startswith("TC-") and value[3:].isdigit():
                counts[i] = counts.get(i, 0) + 1
    return max(counts, key=counts.get) if counts else None
