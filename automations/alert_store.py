"""Alerts in the journal: each event alerted once, and a crash never loses or floods one.

An alert is recorded in the transaction of the change that raised it (key unique:
the same event twice is one alert). Sending marks it 'sending' first, so a crash
after the message left but before it was recorded is sent again at most once,
marked as a repeat.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from core.journal import Journal, now_utc

SCHEMA = """
CREATE TABLE IF NOT EXISTS alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_try TEXT,
    sent_at TEXT,
    error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS alerts_by_state ON alerts (state, next_try);
"""
KINDS = {"duplicate": "possible duplicate", "push_failed": "refused fulfilment",
         "label_failed": "failed label", "low_stock": "low-stock item", "sheet_down": "sheet problem"}


@dataclass(frozen=True)
class Alert:
    """One thing that needs the seller."""

    id: int
    key: str
    kind: str
    text: str
    created_at: str
    state: str
    attempts: int

    @property
    def repeat(self) -> bool:
        """Sent before, but the sending was never recorded (a crash): say so when sending again."""
        return self.state == "sending"


def ensure_schema(journal: Journal) -> None:
    """Create the alerts table if needed (once per journal connection)."""
    if getattr(journal, "_alerts_ready", False):
        return
    with journal.transaction():
        for statement in SCHEMA.strip().split(";"):
            if statement.strip():
                journal.execute(statement)
    journal._alerts_ready = True


def raise_alert(journal: Journal, kind: str, key: str, text: str) -> bool:
    """Record an alert (once per key); True when it is new. Call inside the change's transaction."""
    ensure_schema(journal)
    cur = journal.execute("INSERT OR IGNORE INTO alerts (key, kind, text, created_at) VALUES (?,?,?,?)",
                          (f"{kind}:{key}", kind, text, now_utc().isoformat()))
    return cur.rowcount == 1


def due(journal: Journal, now: datetime | None = None) -> list[Alert]:
    """Alerts to send now: pending and due, plus 'sending' ones a crash interrupted."""
    ensure_schema(journal)
    stamp = (now or now_utc()).isoformat()
    rows = journal.execute("SELECT * FROM alerts WHERE state IN ('pending','sending')"
                           " AND (next_try IS NULL OR next_try <= ?) ORDER BY id", (stamp,)).fetchall()
    return [Alert(r["id"], r["key"], r["kind"], r["text"], r["created_at"], r["state"], r["attempts"])
            for r in rows]


def _each(journal: Journal, sql: str, ids: list[int], *args) -> None:
    """Run one UPDATE per alert id, all in one transaction."""
    with journal.transaction():
        for i in ids:
            journal.execute(sql, (*args, i))


def mark_sending(journal: Journal, ids: list[int]) -> None:
    """About to hand these to the destinations: a crash from here on means 'send again as a repeat'."""
    _each(journal, "UPDATE alerts SET state='sending', attempts=attempts+1 WHERE id=?", ids)


def mark_sent(journal: Journal, ids: list[int], now: datetime | None = None) -> None:
    """Delivered."""
    _each(journal, "UPDATE alerts SET state='sent', sent_at=?, error='' WHERE id=?", ids,
          (now or now_utc()).isoformat())


def mark_dropped(journal: Journal, ids: list[int], why: str) -> None:
    """No longer needed (the duplicate pair was decided before the alert went out)."""
    _each(journal, "UPDATE alerts SET state='dropped', error=? WHERE id=?", ids, why)


def mark_retry(journal: Journal, ids: list[int], error: str, now: datetime | None = None) -> None:
    """Not delivered: try again later, backing off (30 s doubling, at most 30 minutes)."""
    now = now or now_utc()
    with journal.transaction():
        for i in ids:
            row = journal.execute("SELECT attempts FROM alerts WHERE id=?", (i,)).fetchone()
            wait = min(1800, 30 * 2 ** max(0, (row[0] if row else 1) - 1))
            journal.execute("UPDATE alerts SET state='pending', next_try=?, error=? WHERE id=?",
                            ((now + timedelta(seconds=wait)).isoformat(), error[:300], i))


def pending_count(journal: Journal) -> int:
    """Alerts not delivered yet (for /healthz)."""
    ensure_schema(journal)
    return journal.execute("SELECT COUNT(*) FROM alerts WHERE state IN ('pending','sending')").fetchone()[0]
