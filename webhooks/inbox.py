"""The web process's own inbox: accepted webhook events, durable, in a SQLite file of their own.

Why a second file: the web process and the jobs process used to write the same journal,
so an acknowledgement could wait behind the jobs' write lock (SQLite's busy handler
sleeps in coarse steps, which was most of the p99). Now the web process writes only
`<journal>-inbox` (WAL, synchronous=FULL, so the 2xx still follows a durable commit;
UNIQUE(source, event_id) still answers a redelivery "duplicate"), and the jobs process,
at the start of every event pass, copies the rows after its cursor into the journal's
`events` table AND advances the cursor in the same journal transaction: a crash
between the two can neither lose nor double an event (the journal keeps its own
dedupe too). The jobs process only reads the inbox (a WAL reader never blocks the
writer), except a rare short prune of rows it copied long ago.
"""
from __future__ import annotations

import logging
import sqlite3
import threading
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Iterable

from core.journal import private_file
from core.journal_records import now_utc

log = logging.getLogger("truecraft.webhooks")

SCHEMA = """
CREATE TABLE IF NOT EXISTS inbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL, event_id TEXT NOT NULL, received_at TEXT NOT NULL,
    topic TEXT, body TEXT,
    UNIQUE (source, event_id)
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
SUFFIX = "-inbox"
COPY_BATCH = 500  # rows per journal transaction: keeps each one short
KEEP = timedelta(days=7)  # copied rows younger than this still answer a redelivery "duplicate"
PRUNE_EVERY = timedelta(hours=6)
PRUNE_BATCH = 500
CHECKPOINT_EVERY = 0.5  # seconds between background WAL checkpoints while events arrive


def inbox_path(db_path: str | Path | None) -> str | None:
    """Where the inbox of the journal at db_path lives (None for an in-memory journal)."""
    if not db_path or str(db_path) == ":memory:":
        return None
    return str(db_path) + SUFFIX


class Inbox:
    """Writer side (the web process): record_events has Journal.record_events' contract."""

    checkpoint_every = CHECKPOINT_EVERY

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        private_file(self.path)  # it holds buyers' names, addresses and e-mails: owner only
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        # FULL: the commit an acknowledgement waits for survives power loss.
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)
        # A new inbox file gets a new identity, so a stale cursor can never skip its rows.
        self._db.execute("INSERT OR IGNORE INTO meta VALUES ('id', ?)", (uuid.uuid4().hex,))
        self.identity = _identity(self._db)
        # Checkpoints (copying the WAL into the file, with an fsync) run on a thread of their own,
        # not inside the commit an acknowledgement waits for: that was a ~10 ms step every few
        # hundred events. PASSIVE never blocks the writer.
        self._db.execute("PRAGMA wal_autocheckpoint=0")
        self._read_lock = threading.Lock()
        self._reader = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=5)
        self._written = threading.Event()
        self._closing = threading.Event()
        self._checkpointer = threading.Thread(target=self._checkpoint_loop, daemon=True,
                                              name="truecraft-inbox-checkpoint")
        self._checkpointer.start()

    def record_event(self, source: str, event_id: str, topic: str, body: str) -> bool:
        """Store one event durably; False if this (source, event_id) is already in the inbox."""
        return self.record_events([(source, event_id, topic, body)])[0]

    def record_events(self, events: Iterable[tuple[str, str, str, str]]) -> list[bool]:
        """Store many (source, event_id, topic, body) in one durable commit; True for each new one."""
        events = list(events)
        at = now_utc().isoformat()
        # One multi-row INSERT ... RETURNING is its own transaction (autocommit): one call into
        # SQLite per group instead of BEGIN + one per event + COMMIT. Each call hands the GIL to
        # the other request threads and back, which cost more CPU than the inserts themselves.
        sql = ("INSERT OR IGNORE INTO inbox (source, event_id, received_at, topic, body) VALUES "
               + ",".join(["(?,?,?,?,?)"] * len(events)) + " RETURNING source, event_id")
        args = [v for source, event_id, topic, body in events for v in (source, event_id, at, topic, body)]
        with self._lock:
            inserted = set(self._db.execute(sql, args).fetchall())  # fetchall: runs it to the commit
        new = []
        for source, event_id, _, _ in events:
            # The same event twice in one group: the first copy is new, the second a duplicate.
            new.append((source, event_id) in inserted)
            inserted.discard((source, event_id))
        self._written.set()
        return new

    def pending(self, journal: Any) -> int:
        """Events not processed yet: the journal's 'new' ones plus inbox rows not copied (read-only)."""
        # One statement = one snapshot: the cursor and the events it copied move together.
        cursor, waiting = journal.execute(
            "SELECT (SELECT value FROM kv WHERE key=?), (SELECT COUNT(*) FROM events WHERE state='new')",
            (_cursor_key(self.identity),)).fetchone()
        with self._read_lock:  # its own connection: /healthz never holds up a commit
            # Rows only ever get added, so counting after the snapshot can only over-count, briefly.
            return waiting + self._reader.execute("SELECT COUNT(*) FROM inbox WHERE id > ?",
                                                  (int(cursor or 0),)).fetchone()[0]

    def close(self) -> None:
        """Stop the checkpoints and close the inbox (the last close checkpoints everything)."""
        self._closing.set()
        self._written.set()
        self._checkpointer.join(10)
        with self._read_lock:
            self._reader.close()
        with self._lock:
            self._db.close()

    def _checkpoint_loop(self) -> None:
        db = sqlite3.connect(self.path, isolation_level=None, timeout=1)
        try:
            while not self._closing.is_set():
                self._written.wait()
                if self._closing.wait(self.checkpoint_every):  # let a burst's commits pile up first
                    break
                self._written.clear()
                try:
                    db.execute("PRAGMA wal_checkpoint(PASSIVE)")
                except sqlite3.Error as exc:  # the next round tries again; the WAL only grows meanwhile
                    log.info("inbox checkpoint postponed (%s)", exc)
        finally:
            db.close()


# -- reader side (the jobs process) ------------------------------------------------
def drain(journal: Any, path: str | None = None, now: datetime | None = None) -> int:
    """Copy inbox rows after the journal's cursor into its events table; returns how many were new there."""
    reader = _open_reader(path or inbox_path(getattr(journal, "path", None)))
    if reader is None:
        return 0
    try:
        key, copied = _cursor_key(_identity(reader)), 0
        while True:
            cursor = int(journal.kv_get(key) or 0)
            rows = reader.execute(
                "SELECT id, source, event_id, received_at, topic, body FROM inbox WHERE id > ?"
                " ORDER BY id LIMIT ?", (cursor, COPY_BATCH)).fetchall()
            if not rows:
                break
            copied += _copy(journal, key, rows)
            if len(rows) < COPY_BATCH:
                break
        _maybe_prune(reader, journal, key, now or now_utc())
        return copied
    finally:
        reader.close()


def uncopied(journal: Any, path: str | None = None) -> int:
    """Inbox rows the journal has not copied yet (0 when there is no inbox)."""
    reader = _open_reader(path or inbox_path(getattr(journal, "path", None)))
    if reader is None:
        return 0
    try:
        cursor = int(journal.kv_get(_cursor_key(_identity(reader))) or 0)
        return reader.execute("SELECT COUNT(*) FROM inbox WHERE id > ?", (cursor,)).fetchone()[0]
    finally:
        reader.close()


def _copy(journal: Any, key: str, rows: list[tuple]) -> int:
    """One journal transaction: the rows (INSERT OR IGNORE) and the cursor after them."""
    with journal.transaction():
        # Read again under the write lock: an orphaned jobs process may be draining too.
        cursor = int(journal.kv_get(key) or 0)
        fresh = [r for r in rows if r[0] > cursor]
        if not fresh:
            return 0
        new = sum(journal.execute(
            "INSERT OR IGNORE INTO events (source, event_id, received_at, topic, body) VALUES (?,?,?,?,?)",
            r[1:]).rowcount for r in fresh)
        journal.kv_set(key, str(fresh[-1][0]))
        return new


def _maybe_prune(reader: sqlite3.Connection, journal: Any, key: str, now: datetime) -> None:
    """Rarely, delete rows copied more than KEEP ago (the journal keeps its own copy and dedupe)."""
    last = journal.kv_get(key + ":pruned_at")
    if last and now - datetime.fromisoformat(last) < PRUNE_EVERY:
        return
    cursor, cutoff = int(journal.kv_get(key) or 0), (now - KEEP).isoformat()
    try:
        while reader.execute(
                "DELETE FROM inbox WHERE id IN (SELECT id FROM inbox WHERE id <= ? AND received_at < ?"
                " ORDER BY id LIMIT ?)", (cursor, cutoff, PRUNE_BATCH)).rowcount == PRUNE_BATCH:
            pass  # one short transaction per batch, so the web process never waits long
    except sqlite3.OperationalError as exc:  # busy: the web process wins; try again next time
        log.info("inbox prune postponed (%s)", exc)
        return
    journal.kv_set(key + ":pruned_at", now.isoformat())


def _open_reader(path: str | None) -> sqlite3.Connection | None:
    """A connection to an existing inbox (never creates one); None if there is none."""
    if not path or not Path(path).exists():
        return None
    # mode=rw: never create a file; the web process made it with its schema.
    db = sqlite3.connect(Path(path).absolute().as_uri() + "?mode=rw", uri=True, isolation_level=None,
                         timeout=2)
    try:
        db.execute("SELECT 1 FROM meta LIMIT 1")
    except sqlite3.Error:
        db.close()
        return None
    return db


def _identity(db: sqlite3.Connection) -> str:
    row = db.execute("SELECT value FROM meta WHERE key='id'").fetchone()
    return row[0] if row else "unknown"


def _cursor_key(identity: str) -> str:
    return f"inbox:cursor:{identity}"
