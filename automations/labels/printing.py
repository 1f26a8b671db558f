"""Labels to print: the Dashboard's link to ONE PDF holding every label bought since the last print.

The PDF is an EasyPost batch's label file. One batch is kept in step with the labels waiting:
new labels are added, printed or voided ones taken out, and the batch's PDF made again. When it is
made: at once when the Dashboard shows no PDF, otherwise at most every TRUECRAFT_LABEL_PDF_MINUTES
(5 by default) while more labels are bought, so twenty rows bought one by one cost a few EasyPost
calls, not twenty PDFs. EasyPost renders a PDF in the background: each cycle looks once, never waits.

"Printed" is the seller's word, because nobody can see a click on a link: she chooses PRINTED in the
Dashboard cell under the link (read each cycle only while labels wait), or runs `labels print`.
Exactly the labels in the PDF she saw count as printed; labels bought after it was made stay
waiting for the next one. The count comes from the journal's labels table, so it is right after a
restart; the batch's state is kept in the journal too (kv 'labels:pdf').
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Callable

from automations.labels.store import LabelRow, LabelStore
from connectors.base import ConnectorError, ConnectorRejected
from core.journal import Journal, now_utc
from sheet_schema.dashboard import LABELS_COUNT, LABELS_HINT, LABELS_LINK, LABELS_MARK, PRINTED
from sheet_schema.tabs import DASHBOARD
from sheets.base import CellRun, TabData, WriteBatch

STATE_KEY, SHOWN_KEY = "labels:pdf", "labels:dashboard"
DEFAULT_MINUTES = 5.0
STUCK = timedelta(minutes=10)  # a PDF still not made after this is asked for again
REWRITE = timedelta(minutes=30)  # the cells are written again this often while labels wait (a person may clear them)


class LabelPrints:
    """The one PDF of labels waiting to print, and the Dashboard cells that show it."""

    def __init__(self, journal: Journal, connector, env, clock: Callable[[], datetime] = now_utc) -> None:
        self.j, self.connector, self.clock = journal, connector, clock
        self.store = LabelStore(journal)
        try:
            minutes = float(env.get("TRUECRAFT_LABEL_PDF_MINUTES") or DEFAULT_MINUTES)
        except ValueError:
            minutes = DEFAULT_MINUTES
        self.every = timedelta(minutes=max(0.0, minutes))
        self.problem = ""

    # -- journal-backed state -----------------------------------------------------
    def state(self) -> dict:
        """{batch, members {row id: shipment id}, asked [row ids], asked_at, url, pdf_rows, made_at}."""
        return json.loads(self.j.kv_get(STATE_KEY, "") or "{}")

    def _save(self, st: dict) -> None:
        self.j.kv_set(STATE_KEY, json.dumps(st, sort_keys=True))

    def waiting(self) -> list[LabelRow]:
        """Bought labels not printed yet (the Dashboard's count)."""
        return self.store.unprinted()

    def wants_dashboard(self) -> bool:
        """Read the Dashboard this cycle? Only while labels wait (for the PRINTED cell)."""
        return bool(self.waiting())

    # -- each cycle ----------------------------------------------------------------
    def on_cycle(self, dashboard: TabData | None) -> WriteBatch:
        """Take a PRINTED mark, keep the batch and its PDF in step, and plan the Dashboard cells."""
        marked = _cell(dashboard, LABELS_MARK).strip().upper() == PRINTED
        if marked:
            self.mark_printed()
        if self.connector is not None and not getattr(self.connector, "dry_run", False):
            self.problem = ""
            try:
                self.refresh()
            except ConnectorError as exc:  # plain words already; the next cycle tries again
                self.problem = str(exc)
        return self._cells(clear_mark=marked)

    def mark_printed(self) -> int:
        """The labels in the PDF last shown are printed; returns how many."""
        st = self.state()
        rows = [int(r) for r in st.get("pdf_rows") or []]
        with self.j.transaction():
            self.store.mark_printed(rows)
            st.update(url="", pdf_rows=[])
            self._save(st)
        return len(rows)

    def refresh(self, force: bool = False) -> None:
        """One step towards a PDF holding exactly the waiting labels (EasyPost calls only when needed)."""
        st, now = self.state(), self.clock()
        if st.get("asked"):
            url = self.connector.batch_pdf(st["batch"])
            if url:
                waiting = {r.id for r in self.waiting()}
                st.update(url=url, pdf_rows=[r for r in st["asked"] if r in waiting], made_at=now.isoformat(),
                          asked=[])
                self._save(st)
                return
            if now - datetime.fromisoformat(st["asked_at"]) < STUCK:
                return
            st["asked"] = []  # EasyPost never finished that PDF: ask for it again below
        waiting = {r.id: r.shipment_id for r in self.waiting()}
        if st.get("url") and set(waiting) == set(st.get("pdf_rows") or []):
            return  # the PDF shown is current
        if not waiting:
            if st:
                self._save({})  # nothing to print: the next label starts a new batch
            return
        asked_at = datetime.fromisoformat(st["asked_at"]) if st.get("asked_at") else None
        if st.get("url") and asked_at and now - asked_at < self.every and not force:
            return  # a PDF is on the Dashboard: the newer labels join it at most every few minutes
        self._rebuild(st, waiting, now)

    def _rebuild(self, st: dict, waiting: dict[int, str], now: datetime) -> None:
        members = {int(k): v for k, v in (st.get("members") or {}).items()}
        try:
            if not st.get("batch"):
                st.update(batch=self.connector.new_batch(), members={})
                members = {}
                self._save(st)  # an empty batch costs nothing; recorded before anything goes in
            gone = [sid for rid, sid in members.items() if rid not in waiting]
            if gone:
                self.connector.remove_from_batch(st["batch"], gone)
            new = [sid for rid, sid in waiting.items() if rid not in members]
            if new:
                self.connector.add_to_batch(st["batch"], new)
            st["members"] = {str(k): v for k, v in waiting.items()}
            self._save(st)
            url = self.connector.request_batch_pdf(st["batch"])
        except ConnectorRejected:
            self._save({k: v for k, v in st.items() if k in ("url", "pdf_rows", "made_at")})
            raise  # EasyPost refused this batch: the next cycle starts a new one
        st.update(asked=sorted(waiting), asked_at=now.isoformat())
        if url:
            st.update(url=url, pdf_rows=sorted(waiting), made_at=now.isoformat(), asked=[])
        self._save(st)

    # -- the Dashboard ---------------------------------------------------------------
    def shown(self) -> dict[str, str]:
        """What the Dashboard's label cells should say now."""
        waiting, st = self.waiting(), self.state()
        n = len(waiting)
        if not n:
            return {LABELS_COUNT: "None waiting: every label bought is printed", LABELS_LINK: "", LABELS_HINT: ""}
        count = f"{n} label{'s' if n != 1 else ''} bought since the last print"
        in_pdf = len(st.get("pdf_rows") or [])
        if getattr(self.connector, "dry_run", False) or self.connector is None:
            return {LABELS_COUNT: count, LABELS_LINK: "No PDF without EASYPOST_API_KEY (README, Shipping labels)",
                    LABELS_HINT: ""}
        if st.get("url"):
            if in_pdf < n:
                count += f" — the PDF below holds {in_pdf}; the rest join it within {self._minutes()} min"
            return {LABELS_COUNT: count, LABELS_LINK: st["url"],
                    LABELS_HINT: f"Printed them? Choose {PRINTED} in the cell below"}
        if self.problem:
            return {LABELS_COUNT: count, LABELS_LINK: f"Couldn't make the PDF yet: {self.problem}", LABELS_HINT: ""}
        return {LABELS_COUNT: count, LABELS_LINK: "Making the PDF at EasyPost…", LABELS_HINT: ""}

    def _minutes(self) -> str:
        return f"{self.every.total_seconds() / 60:g}"

    def _cells(self, clear_mark: bool) -> WriteBatch:
        want, now = self.shown(), self.clock()
        before = json.loads(self.j.kv_get(SHOWN_KEY, "") or "{}")
        stale = bool(self.waiting()) and (not before.get("at") or now - datetime.fromisoformat(before["at"]) >= REWRITE)
        writes = {a1: v for a1, v in want.items() if stale or (before.get("cells") or {}).get(a1) != v}
        if clear_mark:
            writes[LABELS_MARK] = ""
        batch = WriteBatch()
        for a1, value in sorted(writes.items()):
            batch.updates.append(CellRun(DASHBOARD, int(a1[1:]) - 1, ord(a1[0]) - 65, [value]))
        if writes:
            record = json.dumps({"cells": want, "at": now.isoformat()}, sort_keys=True)
            batch.on_written.append(lambda: self.j.kv_set(SHOWN_KEY, record))
        return batch


def _cell(tab: TabData | None, a1: str) -> str:
    if tab is None or not tab.exists:
        return ""
    row, col = int(a1[1:]) - 1, ord(a1[0]) - 65
    return str(tab.rows[row][col] or "") if row < len(tab.rows) and col < len(tab.rows[row]) else ""
