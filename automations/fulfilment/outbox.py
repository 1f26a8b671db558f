"""A transactional outbox in the journal's SQLite: each push, cancel and e-mail happens exactly once.

States: decided -> sent -> confirmed; or failed (with a reason; retried at retry_at when
that is set), needs_attention (the seller must act, e.g. reconnect; retried at retry_at),
withdrawn (the seller changed their mind before it went out). An entry is written in the
same transaction as the decision that caused it, so a crash loses nothing; an entry left
'sent' by a crash is sent again with the SAME idempotency key, and the platform answers
"already done" instead of creating a second fulfilment.
"""
from __future__ import annotations

import hashlib
import json
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from core.journal import Journal

SCHEMA = """
CREATE TABLE IF NOT EXISTS fulfilment_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    order_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'decided',
    attempts INTEGER NOT NULL DEFAULT 0,
    retry_at TEXT,
    reason TEXT NOT NULL DEFAULT '',
    result TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    lease_owner TEXT,
    lease_until TEXT
);
CREATE INDEX IF NOT EXISTS fulfilment_outbox_state ON fulfilment_outbox (state, retry_at);
"""
OPEN_STATES = ("decided", "failed", "needs_attention", "withdrawn")  # may still be (re)decided
# A claim is a lease: while it runs, no other process (serve, a `sync --once` beside it) gets the
# entry. If the holder dies, the lease ends at once (its pid is gone) or, on another host, when it expires.
LEASE = timedelta(minutes=10)
OWNER = f"{socket.gethostname()}:{os.getpid()}"


def _holder_alive(owner: str | None) -> bool:
    """Is the process holding a lease still running? A holder on another host can't be asked: it
    counts as alive until its lease expires."""
    if not owner or owner == OWNER:
        return False
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def idempotency_key(order_id: str, kind: str, tracking: str = "") -> str:
    """One key per (order, kind, tracking): short, stable, safe for every platform's limits."""
    digest = hashlib.sha256(tracking.encode()).hexdigest()[:12]
    return f"tc-{kind}-{order_id}-{digest}".lower()


@dataclass(frozen=True)
class Entry:
    """One outbox row."""

    id: int
    key: str
    order_id: str
    kind: str
    payload: dict
    state: str
    attempts: int
    retry_at: str | None
    reason: str
    result: dict


class Outbox:
    """Outbox table operations; every method is one atomic step."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        with journal.transaction():
            for statement in SCHEMA.strip().split(";"):
                if statement.strip():
                    journal.execute(statement)
            have = {r[1] for r in journal.execute("PRAGMA table_info(fulfilment_outbox)")}
            for column in ("lease_owner", "lease_until"):  # journals made before leases existed
                if column not in have:
                    journal.execute(f"ALTER TABLE fulfilment_outbox ADD COLUMN {column} TEXT")

    def enqueue(self, order_id: str, kind: str, payload: dict[str, Any], now: datetime,
                tracking: str = "") -> tuple[Entry, bool]:
        """Add an entry (or revive a withdrawn/failed one with the same key); (entry, created)."""
        key = idempotency_key(order_id, kind, tracking)
        stamp = now.isoformat()
        with self.journal.transaction():
            row = self._row_by_key(key)
            if row is None:
                self.journal.execute(
                    "INSERT INTO fulfilment_outbox (key, order_id, kind, payload, created_at, updated_at)"
                    " VALUES (?,?,?,?,?,?)", (key, order_id, kind, json.dumps(payload), stamp, stamp))
                return self.get(key), True
            if row["state"] in OPEN_STATES:
                # Deciding again (e.g. the carrier was corrected) refreshes what will be sent.
                self.journal.execute(
                    "UPDATE fulfilment_outbox SET payload=?, state='decided', retry_at=NULL, reason='',"
                    " updated_at=? WHERE key=?", (json.dumps(payload), stamp, key))
            return self.get(key), False

    def withdraw(self, order_id: str, kind: str, now: datetime, keep_key: str = "") -> list[str]:
        """Withdraw entries not yet sent for this order and kind (except `keep_key`); their keys."""
        with self.journal.transaction():
            rows = self.journal.execute(
                "SELECT key FROM fulfilment_outbox WHERE order_id=? AND kind=? AND key<>?"
                " AND state IN ('decided','failed','needs_attention')", (order_id, kind, keep_key)).fetchall()
            keys = [r["key"] for r in rows]
            for key in keys:
                self._set(key, now, state="withdrawn", retry_at=None)
            return keys

    def claim_due(self, now: datetime, kinds: tuple[str, ...] = ("push", "cancel", "email", "retrack")) -> list[Entry]:
        """Claim the entries to work on now, oldest first: decided, due retries, and 'sent' left by a crash.

        The claim is atomic across processes (one write transaction) and is a lease: an
        entry another live process holds is not handed out, so two pushers never send the
        same thing at once. A 'sent' entry whose holder died is sent again with the same key.
        """
        marks = ",".join("?" for _ in kinds)
        stamp = now.isoformat()
        with self.journal.transaction():
            rows = self.journal.execute(
                f"SELECT * FROM fulfilment_outbox WHERE kind IN ({marks}) AND ("
                " state IN ('decided','sent') OR (state IN ('failed','needs_attention') AND retry_at IS NOT NULL))"
                " ORDER BY id", kinds).fetchall()
            free = [r for r in rows if (r["retry_at"] is None or r["retry_at"] <= stamp) and (
                r["lease_owner"] in (None, OWNER) or (r["lease_until"] or "") <= stamp
                or not _holder_alive(r["lease_owner"]))]
            until = (now + LEASE).isoformat()
            for row in free:
                self.journal.execute("UPDATE fulfilment_outbox SET lease_owner=?, lease_until=? WHERE id=?",
                                     (OWNER, until, row["id"]))
        return [_entry(r) for r in free]

    def mark_sent(self, key: str, now: datetime) -> None:
        """About to call the platform (or SMTP): from here a crash means 'send again, same key'."""
        self.journal.execute("UPDATE fulfilment_outbox SET state='sent', attempts=attempts+1, updated_at=?"
                             " WHERE key=?", (now.isoformat(), key))

    def mark_confirmed(self, key: str, result: dict[str, Any], now: datetime) -> None:
        """The platform (or mail server) has it."""
        self._set(key, now, state="confirmed", retry_at=None, reason="", result=json.dumps(result, default=str),
                  lease_owner=None, lease_until=None)

    def mark_failed(self, key: str, reason: str, retry_at: datetime | None, now: datetime,
                    state: str = "failed", result: dict | None = None) -> None:
        """Failed with a plain reason; retried at `retry_at` when given, else final."""
        self._set(key, now, state=state, retry_at=retry_at.isoformat() if retry_at else None,
                  reason=reason, result=json.dumps(result or {}, default=str), lease_owner=None, lease_until=None)

    def get(self, key: str) -> Entry | None:
        """One entry by idempotency key."""
        row = self._row_by_key(key)
        return _entry(row) if row else None

    def entries(self, order_id: str | None = None, kind: str | None = None) -> list[Entry]:
        """All entries (optionally for one order / kind), oldest first."""
        sql, args = "SELECT * FROM fulfilment_outbox WHERE 1=1", []
        if order_id:
            sql, args = sql + " AND order_id=?", args + [order_id]
        if kind:
            sql, args = sql + " AND kind=?", args + [kind]
        return [_entry(r) for r in self.journal.execute(sql + " ORDER BY id", args).fetchall()]

    def _row_by_key(self, key: str):
        return self.journal.execute("SELECT * FROM fulfilment_outbox WHERE key=?", (key,)).fetchone()

    def _set(self, key: str, now: datetime, **values: Any) -> None:
        cols = ", ".join(f"{k}=?" for k in values)
        self.journal.execute(f"UPDATE fulfilment_outbox SET {cols}, updated_at=? WHERE key=?",
                             (*values.values(), now.isoformat(), key))


def _entry(row) -> Entry:
    return Entry(row["id"], row["key"], row["order_id"], row["kind"], json.loads(row["payload"]),
                 row["state"], row["attempts"], row["retry_at"], row["reason"], json.loads(row["result"]))


LEDGER_SCHEMA = """
CREATE TABLE IF NOT EXISTS fulfilment_movements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    order_id TEXT NOT NULL,
    internal_sku TEXT NOT NULL,
    delta INTEGER NOT NULL,
    reason TEXT NOT NULL,
    at TEXT NOT NULL,
    delivered INTEGER NOT NULL DEFAULT 0
)
"""


class MovementLedger:
    """Stock movements, recorded once per (order, SKU), then handed to whoever keeps the Inventory tab."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        journal.execute(LEDGER_SCHEMA)

    def record(self, order_id: str, internal_sku: str, delta: int, reason: str, now: datetime) -> bool:
        """Store one movement; False when this order already moved this SKU."""
        cur = self.journal.execute(
            "INSERT OR IGNORE INTO fulfilment_movements (key, order_id, internal_sku, delta, reason, at)"
            " VALUES (?,?,?,?,?,?)", (f"{order_id}:{internal_sku}", order_id, internal_sku, delta, reason,
                                      now.isoformat()))
        return cur.rowcount == 1

    def undelivered(self) -> list[dict]:
        """Movements not yet handed to the inventory keeper, oldest first."""
        return [dict(r) for r in self.journal.execute(
            "SELECT * FROM fulfilment_movements WHERE delivered=0 ORDER BY id").fetchall()]

    def mark_delivered(self, ids: list[int]) -> None:
        """The inventory keeper has applied these."""
        with self.journal.transaction():
            for i in ids:
                self.journal.execute("UPDATE fulfilment_movements SET delivered=1 WHERE id=?", (i,))

    def for_order(self, order_id: str) -> list[dict]:
        """Every movement one order caused."""
        return [dict(r) for r in self.journal.execute(
            "SELECT * FROM fulfilment_movements WHERE order_id=? ORDER BY id", (order_id,)).fetchall()]
