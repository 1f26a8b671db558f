"""The thin runner: wires journal, sheet and connectors, and performs what the pure automations decide."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Iterable

from filelock import FileLock

from automations.pipeline import Pipeline
from automations.sheet_edits import diff_sheet
from core.config import Settings
from core.journal import Journal, UpsertResult, now_utc
from core.models import Order
from sheets.base import SheetBackend, SheetUnavailable
from sheets.factory import make_backend
from sheets.sheet_check import check_minutes
from sheets.sync import FlushReport, SheetSync

log = logging.getLogger("truecraft.runner")


@dataclass
class WatchReport:
    """What one watch cycle saw and did."""

    edits: int = 0
    restored: int = 0
    pushed: list = field(default_factory=list)
    flush: FlushReport | None = None
    archive: object = None  # an ArchiveReport when the archive ran this cycle
    messages: list[str] = field(default_factory=list)


class Runner:
    """Composition root: one instance per process."""

    def __init__(self, settings: Settings, journal: Journal, backend: SheetBackend,
                 connectors: dict | None = None) -> None:
        self.settings, self.journal, self.backend = settings, journal, backend
        self.sync = SheetSync(journal, backend, settings.timezone, settings.duplicate_threshold,
                              check_minutes(settings.env))
        self.connectors = connectors if connectors is not None else {}
        # One sheet writer at a time across processes (serve's jobs, an orphan still finishing
        # after a crash, `import`, `sync`): each cycle reads and writes under this lock, so two
        # writers can never both append the same missing order.
        self.sheet_lock = (FileLock(journal.path + ".sheet-lock") if journal.path != ":memory:"
                           else _NullLock())
        self.pipeline = Pipeline(self)
        from automations.alert_sender import AlertSender

        sheet_url = (f"https://docs.google.com/spreadsheets/d/{settings.google_sheet_id}/edit"
                     if settings.backend == "google" and settings.google_sheet_id else "")
        self.alerts = AlertSender(journal, settings.env, settings.timezone, sheet_url)
        from automations.archive_cell import CELL, make_archiver

        self.archiver = make_archiver(settings, journal, backend)  # None: no archive set, nothing archived
        if self.archiver is not None and self.sync.reader is not None:
            self.sync.reader.cells.append(CELL)  # the Bring back cell rides in the cycle's one read

    @classmethod
    def from_settings(cls, settings: Settings, with_connectors: bool = True) -> "Runner":
        """Build everything from settings (env)."""
        journal = Journal(settings.db)
        connectors = {}
        if with_connectors:
            from connectors.registry import configured_connectors

            connectors = {c.platform.value: c for c in configured_connectors(settings.env, token_store=journal)}
        return cls(settings, journal, make_backend(settings), connectors)

    def close(self) -> None:
        """Release the journal."""
        self.journal.close()

    # -- intake -------------------------------------------------------------
    SHEET_DOWN_ALERT_AFTER = 300  # seconds the sheet may be unreachable before the seller is told

    def _sheet_down(self, why: str) -> None:
        """Alert once when the sheet has been unreachable for more than a few minutes."""
        from datetime import datetime

        from automations.alert_store import raise_alert

        since = self.journal.kv_get("alerts:sheet_down_since") or ""
        if not since:
            self.journal.kv_set("alerts:sheet_down_since", now_utc().isoformat())
            return
        if (now_utc() - datetime.fromisoformat(since)).total_seconds() >= self.SHEET_DOWN_ALERT_AFTER:
            raise_alert(self.journal, "sheet_down", since,
                        f"TrueCraft hasn't been able to reach the sheet since {since[:16].replace('T', ' ')} UTC: "
                        f"{why} New orders are safe in the journal and will appear once it is back.")

    def send_alerts(self) -> int:
        """Send due alerts (never raises: a failing destination is retried later)."""
        from automations.duplicates_flow import decided_alert_keys

        try:
            return self.alerts.run(decided_alert_keys(self.pipeline.duplicates.store))
        except Exception:
            log.exception("sending alerts failed; they stay queued")
            return 0

    def _pay_owed(self) -> None:
        """Reactions a crash left owed run once, before anything else this cycle."""
        try:
            paid = self.pipeline.pay_owed()
        except Exception:  # they stay owed; the next cycle tries again
            log.exception("running owed reactions failed; will try again next cycle")
            return
        if paid:
            log.info("ran the reactions to %d stored change(s) a restart had left owed", paid)

    def ingest(self, orders: Iterable[Order], source: str = "") -> list[UpsertResult]:
        """Store orders durably (one transaction), then let the automations react."""
        orders = list(orders)
        results = self.journal.upsert_many(orders, source)
        self.pipeline.after_ingest(orders, results)
        return results

    # -- sheet --------------------------------------------------------------
    def flush(self, full: bool = False) -> FlushReport:
        """Journal -> sheet."""
        try:
            with self.sheet_lock:
                return self.sync.flush(full=full)
        except SheetUnavailable as exc:
            self.journal.kv_set("health:sheet_status", str(exc))
            raise

    def watch(self, push: bool = False) -> WatchReport:
        """One read of the sheet feeds every automation; then one batched write.

        push=True also sends due fulfilments before that write, so a FULFILLED edit reaches the
        platform and its Sync result reaches the sheet in the same cycle (half the Sheets requests).
        """
        with self.sheet_lock:
            return self._watch(push)

    def _watch(self, push: bool = False) -> WatchReport:
        report = WatchReport()
        self._pay_owed()
        try:
            snapshot = self.sync.read_orders(extra=self.pipeline.extra_tabs + self._archive_tabs())
        except SheetUnavailable as exc:
            self.journal.kv_set("health:sheet_status", str(exc))
            self._sheet_down(str(exc))
            raise
        if self.journal.kv_get("alerts:sheet_down_since"):
            self.journal.kv_set("alerts:sheet_down_since", "")
        stored = self.journal.orders_by_id()
        diff = diff_sheet(snapshot.layout, snapshot.orders.rows, stored, self.journal.written_order_ids(),
                          self.settings.timezone, was_read=snapshot.orders.known,
                          only_rows=snapshot.orders.partly_read_rows(), ids=snapshot.orders.keys)
        if diff.missing_rows:
            self.journal.mark_unwritten(diff.missing_rows)
            for oid in diff.missing_rows:
                self.journal.audit(oid, "row missing from sheet", "", "will be restored", "truecraft")
            report.restored = len(diff.missing_rows)
        report.edits = len(diff.edits)
        extra = self.pipeline.after_edits(diff, stored, snapshot)
        if push:
            try:
                report.pushed = self.pipeline.push_pending()
            except Exception:  # a push problem must not stop this cycle's sheet write
                log.exception("fulfilment pushes failed this cycle; they are retried next cycle")
        report.flush = self.sync.flush(snapshot=snapshot, extra=extra)
        if self.archiver is not None:  # after the flush: rows to move show what the journal has
            from automations.archive_cell import on_cycle

            report.archive = on_cycle(self, snapshot)
        self.send_alerts()
        for oid in diff.missing_rows:
            if oid not in report.flush.restored:
                self.journal.audit(oid, "row restored", "", "row was missing from the sheet", "truecraft")
        return report

    def _archive_tabs(self) -> tuple[str, ...]:
        """A local workbook's Dashboard holds the Bring back cell (Google reads just that cell)."""
        from sheet_schema.tabs import DASHBOARD

        return (DASHBOARD,) if self.archiver is not None and self.sync.reader is None else ()

    # -- platforms ----------------------------------------------------------
    def poll_platforms(self) -> list:
        """Poll every configured platform once; cursors advance only after orders are stored."""
        from connectors.poll import poll_once

        reports = []
        for name, connector in self.connectors.items():
            report = poll_once(connector, self.journal, on_stored=self.pipeline.after_ingest)
            if not report.error_message:
                self.journal.kv_set(f"health:last_poll:{name}", now_utc().isoformat())
            reports.append(report)
        return reports

    def process_events(self):
        """Turn stored webhook events into orders (after they were acknowledged)."""
        from webhooks.processor import process_pending_events

        return process_pending_events(self.journal, self.connectors, on_stored=self.pipeline.after_ingest)

    def push_pending(self) -> list:
        """Send decided fulfilments/cancellations to the platforms (outbox)."""
        return self.pipeline.push_pending()


class _NullLock:
    """No cross-process lock for an in-memory journal."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None
