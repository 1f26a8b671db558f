"""The journal's records besides orders: audit trail, webhook events, cursors, quarantine, settings."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

from core.serialize import dumps


def now_utc() -> datetime:
    """Current time, UTC-aware."""
    return datetime.now(timezone.utc)


class RecordsMixin:
    """Methods of Journal that keep everything that is not an order (uses transaction, _db, execute)."""

    # -- audit -------------------------------------------------------------
    def audit(self, order_id: str | None, kind: str, old: str = "", new: str = "",
              source: str = "", editor: str = "", detail: str = "") -> None:
        """Append an audit entry."""
        with self.transaction():
            self._audit(order_id, kind, old, new, source, editor, detail)

    def _audit(self, order_id, kind, old="", new="", source="", editor="", detail="") -> None:
        # Timed by the journal's clock: the moment the change happened (the demo runs a story clock).
        self._db.execute(
            "INSERT INTO audit (at, order_id, kind, old, new, source, editor, detail)"
            " VALUES (?,?,?,?,?,?,?,?)",
            (self.clock().isoformat(), order_id, kind, old, new, source, editor, detail))

    def audit_entries(self, order_id: str | None = None, unwritten_only: bool = False) -> list[dict]:
        """Audit entries, oldest first."""
        sql, args = "SELECT * FROM audit WHERE 1=1", []
        if order_id:
            sql, args = sql + " AND order_id=?", [order_id]
        if unwritten_only:
            sql += " AND in_sheet=0"
        return [dict(r) for r in self.execute(sql + " ORDER BY id", args).fetchall()]

    def audit_entries_by_id(self, ids: Iterable[int]) -> list[dict]:
        """These audit entries, oldest first (a few, by id, instead of the whole trail)."""
        ids, out = sorted(ids), []
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            out += [dict(r) for r in self.execute(
                f"SELECT * FROM audit WHERE id IN ({','.join('?' * len(chunk))}) ORDER BY id", chunk).fetchall()]
        return out

    def mark_audit_written(self, ids: Iterable[int]) -> None:
        """Record that these audit entries are in the Audit Log tab."""
        with self.transaction():
            self._db.executemany("UPDATE audit SET in_sheet=1 WHERE id=?", [(i,) for i in ids])

    def mark_audit_unwritten(self, ids: Iterable[int]) -> None:
        """These audit entries went missing from the Audit Log tab: the next flush adds them again."""
        with self.transaction():
            self._db.executemany("UPDATE audit SET in_sheet=0 WHERE id=?", [(i,) for i in ids])

    def written_audit_ids(self) -> set[int]:
        """Ids of audit entries the Audit Log tab should show."""
        return {r[0] for r in self.execute("SELECT id FROM audit WHERE in_sheet=1").fetchall()}

    # -- events, cursors, quarantine, kv -----------------------------------
    def record_event(self, source: str, event_id: str, topic: str, body: str) -> bool:
        """Store a webhook event durably; False if this event id was seen before."""
        with self.transaction():
            cur = self._db.execute(
                "INSERT OR IGNORE INTO events (source, event_id, received_at, topic, body)"
                " VALUES (?,?,?,?,?)", (source, event_id, now_utc().isoformat(), topic, body))
            return cur.rowcount == 1

    def record_events(self, events: Iterable[tuple[str, str, str, str]]) -> list[bool]:
        """Store many (source, event_id, topic, body) in one durable commit; True for each new one."""
        at = now_utc().isoformat()
        with self.transaction():
            return [self._db.execute(
                "INSERT OR IGNORE INTO events (source, event_id, received_at, topic, body)"
                " VALUES (?,?,?,?,?)", (source, event_id, at, topic, body)).rowcount == 1
                for source, event_id, topic, body in events]

    def finish_events(self, finished: Iterable[tuple[str, str, str, str]]) -> None:
        """Mark many (source, event_id, state, error) processed in one commit."""
        with self.transaction():
            self._db.executemany("UPDATE events SET state=?, error=? WHERE source=? AND event_id=?",
                                 [(state, error, source, event_id) for source, event_id, state, error in finished])

    def prune_events(self, keep_days: int = 30, every_hours: int = 6, batch: int = 5000) -> int:
        """Delete processed webhook events older than `keep_days`, at most once every `every_hours`.

        Their orders are in the orders table; the event rows (each with its raw body) only
        serve to answer a platform's redelivery "duplicate", which platforms stop after days.
        """
        now = now_utc()
        last = self.kv_get("events:pruned_at")
        if last and now - datetime.fromisoformat(last) < timedelta(hours=every_hours):
            return 0
        cutoff = (now - timedelta(days=keep_days)).isoformat()
        with self.transaction():
            gone = self._db.execute(
                "DELETE FROM events WHERE rowid IN (SELECT rowid FROM events WHERE state='done'"
                " AND received_at < ? LIMIT ?)", (cutoff, batch)).rowcount
            self._db.execute("INSERT INTO kv (key, value) VALUES ('events:pruned_at', ?) ON CONFLICT(key)"
                             " DO UPDATE SET value=excluded.value", (now.isoformat(),))
        return gone

    def pending_events(self, limit: int = 500) -> list[dict]:
        """Stored events not yet processed and due now (one that failed waits for its own retry time)."""
        return [dict(r) for r in self.execute(
            "SELECT * FROM events WHERE state='new' AND (next_try IS NULL OR next_try <= ?)"
            " ORDER BY received_at LIMIT ?", (now_utc().isoformat(), limit))]

    def defer_events(self, deferred: Iterable[tuple[str, str, str, float]]) -> None:
        """(source, event_id, reason, base seconds): try again later, backing off per event.

        The wait doubles with each failed attempt (capped at an hour), so events stuck on
        an expired token never crowd out new ones; the reason stays for /healthz.
        """
        now = now_utc()
        with self.transaction():
            for source, event_id, reason, base in deferred:
                row = self._db.execute("SELECT attempts FROM events WHERE source=? AND event_id=?",
                                       (source, event_id)).fetchone()
                attempts = (row[0] if row else 0) + 1
                wait = min(3600.0, base * 2 ** (attempts - 1))
                self._db.execute("UPDATE events SET attempts=?, next_try=?, error=? WHERE source=? AND event_id=?",
                                 (attempts, (now + timedelta(seconds=wait)).isoformat(), reason, source, event_id))

    def waiting_events(self) -> dict[str, int]:
        """Events waiting for a retry, counted by reason (for /healthz)."""
        return {r[0] or "": r[1] for r in self.execute(
            "SELECT error, COUNT(*) FROM events WHERE state='new' AND next_try > ? GROUP BY error LIMIT 5",
            (now_utc().isoformat(),))}

    def finish_event(self, source: str, event_id: str, state: str = "done", error: str = "") -> None:
        """Mark an event processed (or failed with a reason)."""
        self.execute("UPDATE events SET state=?, error=? WHERE source=? AND event_id=?",
                     (state, error, source, event_id))

    def get_cursor(self, name: str) -> str | None:
        """A named poll cursor."""
        row = self.execute("SELECT value FROM cursors WHERE name=?", (name,)).fetchone()
        return row[0] if row else None

    def set_cursor(self, name: str, value: str) -> None:
        """Advance a poll cursor (call only after the orders are stored)."""
        self.execute("INSERT INTO cursors (name, value) VALUES (?,?) ON CONFLICT(name)"
                     " DO UPDATE SET value=excluded.value", (name, value))

    def quarantine(self, platform: str, platform_order_id: str, reason: str, raw: Any) -> None:
        """Keep a payload we could not map, with the reason, for the seller to see."""
        self.execute("INSERT OR REPLACE INTO quarantine VALUES (?,?,?,?,?)",
                     (platform, str(platform_order_id), reason, dumps(raw), now_utc().isoformat()))

    def quarantined(self) -> list[dict]:
        """Payloads we could not map."""
        return [dict(r) for r in self.execute("SELECT * FROM quarantine ORDER BY at")]

    def kv_get(self, key: str, default: str | None = None) -> str | None:
        """Small persistent setting."""
        row = self.execute("SELECT value FROM kv WHERE key=?", (key,)).fetchone()
        return row[0] if row else default

    def kv_set(self, key: str, value: str) -> None:
        """Store a small persistent setting."""
        self.execute("INSERT INTO kv (key, value) VALUES (?,?) ON CONFLICT(key)"
                     " DO UPDATE SET value=excluded.value", (key, value))

    def _owe(self, seq: int, created: bool) -> None:
        self._db.execute("INSERT INTO owed (seq, created) VALUES (?, ?) ON CONFLICT(seq) DO UPDATE"
                         " SET created=MAX(created, excluded.created)", (seq, int(created)))

    def owed(self) -> list[tuple[StoredOrder, bool]]:
        """Stored changes whose reactions have not run yet (a crash came in between): (order, created)."""
        rows = self.execute("SELECT o.*, w.created AS owed_created FROM owed w JOIN orders o ON o.seq = w.seq"
                            " ORDER BY w.seq").fetchall()
        from core.journal import _stored

        return [(_stored(r), bool(r["owed_created"])) for r in rows]

    def paid(self, order_ids: Iterable[str]) -> None:
        """The reactions to these orders' latest changes have run."""
        from core.journal import parse_order_id

        seqs = [parse_order_id(o) for o in order_ids]
        with self.transaction():
            self._db.executemany("DELETE FROM owed WHERE seq=?", [(s,) for s in seqs if s is not None])

    def orders_after(self, seq: int) -> list[StoredOrder]:
        """Orders stored after TC-<seq>, by this process or any other on the same journal."""
        from core.journal import _stored

        return [_stored(r) for r in self.execute("SELECT * FROM orders WHERE seq > ? ORDER BY seq", (seq,))]

    def last_seq(self) -> int:
        """The highest order number stored so far (0 when empty)."""
        return self.execute("SELECT COALESCE(MAX(seq), 0) FROM orders").fetchone()[0]
