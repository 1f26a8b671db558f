"""Archive what's done (issue 16): closed orders and old Audit Log lines move to the archive spreadsheet.

Once a day (and with `python main.py archive run`) orders that are FULFILLED, CANCELLED
or MERGED and were received more than TRUECRAFT_ARCHIVE_DAYS (90) ago move from
Orders to the archive spreadsheet, one tab per year ("Orders 2026"); Audit Log lines
older than that move to "Audit Log 2026". The journal keeps everything, so duplicate
checks, customer history and "Repeat customer" still count archived orders.

Nothing lost, nothing doubled, even if the process dies half way:
1. the journal records the intent (`archiving`; Audit Log lines marked moving);
2. the archive's key column is read and only rows it lacks are appended;
3. the rows are deleted from the live sheet, found by Order ID / Entry # read just before;
4. the journal records `archived`.
A crash anywhere leaves the record at step 1, and the next run (or the next cycle after a
restart) repeats 2-4, which skip what is already done. While an order has a record the
normal sync neither writes its row nor puts it back when it is gone from Orders.
Bringing an order back is the same in the other direction (`restoring`).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from automations.sheet_edits import diff_sheet
from core.journal import Journal, now_utc, parse_order_id
from core.journal_archive import ARCHIVED_LINE, BROUGHT_BACK
from sheet_schema.tabs import AUDIT_LOG, AUDIT_LOG_TAB, ORDERS, ORDERS_TAB
from sheets.archive_tabs import archive_tab, tab_for_name
from sheets.audit_lines import sheet_line
from sheets.rows import Layout, order_row, status_of

log = logging.getLogger("truecraft.archive")

CLOSED = frozenset({"FULFILLED", "CANCELLED", "MERGED"})
RUN_EVERY = timedelta(hours=24)


@dataclass
class ArchiveReport:
    """What one archive run or bring-back did."""

    archived: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    audit_lines: int = 0
    waiting: list[str] = field(default_factory=list)  # edits TrueCraft has not seen yet: next run
    created: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One plain line."""
        parts = [f"{len(self.archived)} order(s) archived", f"{self.audit_lines} Audit Log line(s) archived"]
        if self.restored:
            parts.append(f"{len(self.restored)} order(s) brought back to Orders")
        if self.waiting:
            parts.append(f"{len(self.waiting)} order(s) wait for the next run (an edit not seen yet)")
        if self.created:
            parts.append("created " + ", ".join(c.replace("created tab ", "") for c in self.created))
        return ", ".join(parts)


class Archiver:
    """Plans and performs archive moves between the live sheet (`main`) and the archive (`archive`)."""

    def __init__(self, journal: Journal, main, archive, days: int = 90, tz: str = "UTC", clock=now_utc) -> None:
        self.j, self.main, self.archive, self.days, self.tz, self.clock = journal, main, archive, days, tz, clock

    # -- when ------------------------------------------------------------------
    def due(self) -> bool:
        """Once a day (the first cycle after start-up runs it when a day has passed)."""
        last = self.j.kv_get("archive:last_run")
        return not last or self.clock() - datetime.fromisoformat(last) >= RUN_EVERY

    def unfinished(self) -> bool:
        """A move a crash interrupted (or a bring-back asked for) is still to be finished."""
        # Asked every cycle: an indexed lookup of the few moves in flight, not a count of the archive.
        busy = self.j.execute("SELECT 1 FROM archive WHERE state IN ('archiving', 'restoring') LIMIT 1").fetchone()
        return bool(busy or self.j.execute("SELECT 1 FROM audit WHERE in_sheet=3 LIMIT 1").fetchone())

    # -- archive ---------------------------------------------------------------
    def run(self) -> ArchiveReport:
        """Finish what a crash left, then move everything that is due."""
        report = ArchiveReport()
        self.finish(report)
        cutoff = self.clock() - timedelta(days=self.days)
        picks = self._due_orders(cutoff)
        if picks:
            shown = self.main.read_editable()
            layout = Layout.from_header(ORDERS_TAB, shown.header)
            edits = diff_sheet(layout, shown.rows, picks, set(), self.tz, was_read=shown.known).edits
            report.waiting = sorted({e.order_id for e in edits}, key=parse_order_id)
            moves = [(oid, self._year_tab(ORDERS, s.order.created_at)) for oid, s in picks.items()
                     if oid not in report.waiting]
            self.j.begin_archiving(moves)
        self.j.audit_lines_to_archive(cutoff.isoformat())
        self.finish(report)
        self.j.kv_set("archive:last_run", self.clock().isoformat())
        if report.archived or report.audit_lines:
            self.j.audit(None, "archive run", "", report.summary(), "truecraft",
                         detail=f"Moved to {self.archive.describe()}: " + ", ".join(report.archived)[:3000])
        return report

    def _due_orders(self, cutoff: datetime) -> dict:
        """Closed orders received before `cutoff` whose row shows what the journal has (nothing left to write)."""
        busy = set(self.j.archive_records())
        # An order a person brought back stays in Orders for another window.
        busy |= {r[0] for r in self.j.execute("SELECT order_id FROM audit WHERE kind=? AND at >= ?",
                                              (BROUGHT_BACK, cutoff.isoformat()))}
        return {oid: s for oid, s in self.j.orders_by_id().items()
                if oid not in busy and s.sheet_rev > 0 and s.rev == s.sheet_rev and status_of(s) in CLOSED
                and s.order.created_at < cutoff}

    def _year_tab(self, base: str, when: datetime) -> str:
        return archive_tab(base, when.astimezone(ZoneInfo(self.tz)).year).name

    # -- bring back ------------------------------------------------------------
    def ask_restore(self, order_ids: list[str]) -> list[str]:
        """Record bring-back requests; returns a plain message for each id that can't come back."""
        records = self.j.archive_records()
        problems, ok = [], []
        for raw in order_ids:
            oid = raw.strip().upper()
            if self.j.get(oid) is None:
                problems.append(f"There is no order {raw.strip()} (Order IDs look like TC-123).")
            elif oid not in records:
                problems.append(f"{oid} is not in the archive; it is in the Orders tab.")
            elif records[oid][0] == "archived":
                ok.append(oid)
            elif records[oid][0] == "archiving":
                problems.append(f"{oid} is being moved to the archive right now; ask again in a minute.")
        if ok:
            self.j.set_archive_state(ok, "restoring")
        return problems

    def changed_while_archived(self) -> list[str]:
        """Archived orders TrueCraft changed on purpose since (a platform cancel or refund, a new address, a
        link typed on another order): they come back to Orders so a person sees the change on a row."""
        from core.journal import format_order_id

        # Asked every cycle: driven by the small backlog index (orders owed to the sheet), not by a
        # scan of every archived order (IN (SELECT ... FROM archive) scanned the whole table).
        rows = self.j.execute("SELECT o.seq FROM orders o WHERE o.rev > o.sheet_rev"
                              " AND json_extract(o.fields, '$._dirty') IS NOT NULL AND EXISTS"
                              " (SELECT 1 FROM archive a WHERE a.seq = o.seq AND a.state = 'archived')")
        return [format_order_id(r[0]) for r in rows]

    def restore(self, order_ids: list[str]) -> tuple[ArchiveReport, list[str]]:
        """Bring these orders back to Orders now."""
        problems = self.ask_restore(order_ids)
        return self.finish(ArchiveReport()), problems

    # -- the crash-safe part -----------------------------------------------------
    def finish(self, report: ArchiveReport) -> ArchiveReport:
        """Complete every recorded move: each step first looks at what is already done."""
        moving = self.j.archive_records("archiving")
        lines = self.j.moving_audit_lines()
        if moving or lines:
            self._move_out(moving, lines, report)
        restoring = self.j.archive_records("restoring")
        if restoring:
            self._move_back(restoring, report)
        return report

    def _move_out(self, moving: dict, lines: list[dict], report: ArchiveReport) -> None:
        visible = [(e, sheet_line(e, self.tz)) for e in lines]
        hidden = [e["id"] for e, line in visible if line is None]  # never shown in the Audit Log
        by_tab: dict[str, list] = {}
        for oid, (_, tab) in moving.items():
            by_tab.setdefault(tab, []).append(oid)
        for e, line in visible:
            if line is not None:
                by_tab.setdefault(self._year_tab(AUDIT_LOG, datetime.fromisoformat(e["at"])), []).append(line)
        tabs = [tab_for_name(t) for t in sorted(by_tab)]
        report.created += self.archive.ensure_tabs(tabs)
        there = self.archive.keys(tabs)
        planned = {}
        for tab in tabs:
            header, where = there[tab.name]
            if tab.key_column == "order_id":
                rows = [order_row(self.j.get(oid), self.tz) for oid in by_tab[tab.name] if oid not in where]
            else:
                rows = [line for line in by_tab[tab.name] if str(line["entry"]) not in where]
            planned[tab.name] = (tab, header, rows)
        self.archive.append(planned)
        # Only now leave the live sheet: up to here a crash leaves the rows in Orders (and maybe
        # in the archive too, which the next attempt sees by key and does not add again).
        self.main.delete({ORDERS: (ORDERS_TAB, set(moving)),
                          AUDIT_LOG: (AUDIT_LOG_TAB, {str(e["id"]) for e, line in visible if line is not None})})
        self.j.set_archive_state(moving, "archived", kind="archived", detail="moved to the archive")
        self.j.set_audit_place([e["id"] for e in lines], ARCHIVED_LINE)
        report.archived += list(moving)
        report.audit_lines += len(lines) - len(hidden)

    def _move_back(self, restoring: dict, report: ArchiveReport) -> None:
        header, where = self.main.keys([ORDERS_TAB])[ORDERS]
        stored = {oid: self.j.get(oid) for oid in restoring}
        rows = [order_row(s, self.tz) for oid, s in stored.items() if oid not in where]
        self.main.append({ORDERS: (ORDERS_TAB, header, rows)})
        by_tab: dict[str, set[str]] = {}
        for oid, (_, tab) in restoring.items():
            by_tab.setdefault(tab, set()).add(oid)
        self.archive.delete({tab: (tab_for_name(tab), ids) for tab, ids in by_tab.items()})
        self.j.end_restoring((oid, s.rev) for oid, s in stored.items())
        report.restored += list(restoring)
