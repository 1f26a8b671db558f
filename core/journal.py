"""The order journal: SQLite (WAL) is the source of truth; the sheet is a view of it.

Every order a platform hands us is committed here (synchronous=FULL) before
anyone is told OK. Each order row carries `rev` (bumped on every change the
sheet should show) and `sheet_rev` (the rev the sheet is known to show), so a
crash between "stored" and "written to the sheet" leaves `rev > sheet_rev`
and the next flush writes it — once, because the flush finds rows by Order ID.
"""
from __future__ import annotations

import sqlite3
import os
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Iterator

from core.journal_archive import NOT_ARCHIVED, ArchiveMixin
from core.journal_cache import CHANGE_LOG, OrderCache
from core.journal_records import RecordsMixin, now_utc
from core.models import DEFAULT_STATUS, Address, Order, OrderState
from core.serialize import dumps, loads, order_from_dict, order_to_dict

SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    platform TEXT NOT NULL,
    platform_order_id TEXT NOT NULL,
    data TEXT NOT NULL,
    raw TEXT NOT NULL,
    version TEXT NOT NULL,
    received_at TEXT NOT NULL,
    fields TEXT NOT NULL DEFAULT '{}',
    rev INTEGER NOT NULL DEFAULT 1,
    sheet_rev INTEGER NOT NULL DEFAULT 0,
    UNIQUE (platform, platform_order_id)
);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL, order_id TEXT, kind TEXT NOT NULL,
    old TEXT, new TEXT, source TEXT, editor TEXT, detail TEXT,
    in_sheet INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS events (
    source TEXT NOT NULL, event_id TEXT NOT NULL, received_at TEXT NOT NULL,
    topic TEXT, body TEXT, state TEXT NOT NULL DEFAULT 'new', error TEXT,
    PRIMARY KEY (source, event_id)
);
CREATE TABLE IF NOT EXISTS cursors (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- /healthz counts from these, so it costs the same with 30 events or 3 million, and never reads
-- the ~20 KB bodies stored beside them (issue 18).
CREATE INDEX IF NOT EXISTS events_by_state ON events (state, received_at);
-- The slower sheet check asks which lines the Audit Log should show: an index answers without
-- reading 250,000 audit rows and their detail text (issue 16).
CREATE INDEX IF NOT EXISTS audit_in_sheet ON audit (in_sheet, id);
CREATE INDEX IF NOT EXISTS orders_backlog ON orders (seq) WHERE rev > sheet_rev;
-- Reactions a stored change still owes (duplicate check, a platform cancel shown on the row…),
-- written in the same transaction as the change and cleared once the automations ran (issue 17).
CREATE TABLE IF NOT EXISTS owed (seq INTEGER PRIMARY KEY, created INTEGER NOT NULL DEFAULT 0);
-- Orders moved (or moving) to the archive spreadsheet: state archiving -> archived, or
-- restoring on the way back. The normal sync leaves these rows alone (core/journal_archive.py).
CREATE TABLE IF NOT EXISTS archive (
    seq INTEGER PRIMARY KEY, state TEXT NOT NULL, tab TEXT NOT NULL, at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS archive_by_state ON archive (state);
CREATE TABLE IF NOT EXISTS quarantine (
    platform TEXT NOT NULL, platform_order_id TEXT NOT NULL, reason TEXT NOT NULL,
    raw TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (platform, platform_order_id)
);
"""


def format_order_id(seq: int) -> str:
    """Seller-facing id: TC-<n>."""
    return f"TC-{seq}"


def parse_order_id(text: str) -> int | None:
    """TC-12 -> 12; anything else -> None."""
    text = (text or "").strip().upper()
    if text.startswith("TC-") and text[3:].isdigit():
        return int(text[3:])
    return None


@dataclass(frozen=True)
class UpsertResult:
    """What happened to one incoming order."""

    order_id: str
    created: bool
    changed: bool
    stale: bool = False


@dataclass(frozen=True)
class StoredOrder:
    """An order with its journal bookkeeping."""

    order_id: str
    order: Order
    fields: dict
    rev: int
    sheet_rev: int
    received_at: datetime


def private_file(path: str | Path) -> None:
    """Create `path` (and its folder) readable by its owner only: 0600 file, 0700 folder if we make it.

    SQLite gives the -wal and -shm files the mode of the database file, so they are
    0600 too. Files that already exist keep their mode; `doctor` warns about loose ones.
    """
    folder = Path(path).parent
    if not folder.exists():
        folder.mkdir(parents=True, mode=0o700, exist_ok=True)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        pass


class Journal(RecordsMixin, ArchiveMixin):
    """Durable store of orders, audit entries, webhook events and cursors."""

    def __init__(self, path: str | Path = "truecraft.db", clock=now_utc) -> None:
        self.path = str(path)
        self.clock = clock  # when a change happened: audit times and received_at
        if self.path != ":memory:":
            private_file(self.path)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None,
                                   timeout=30)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        # FULL: a commit survives power loss, which is what "durable before OK" means.
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)
        self._db.executescript(CHANGE_LOG)
        self.cache = OrderCache(self, _stored, format_order_id)
        self.cache.track("written", lambda s: s.sheet_rev > 0)
        have = {r[1] for r in self._db.execute("PRAGMA table_info(events)")}
        for column, kind in (("attempts", "INTEGER NOT NULL DEFAULT 0"), ("next_try", "TEXT")):
            if column not in have:  # journals made before per-event backoff
                self._db.execute(f"ALTER TABLE events ADD COLUMN {column} {kind}")

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()

    # -- transactions -------------------------------------------------------
    def transaction(self) -> "_Tx":
        """`with journal.transaction():` — one write transaction (BEGIN IMMEDIATE; re-entrant)."""
        return _Tx(self)

    def execute(self, sql: str, args: Iterable[Any] = ()) -> sqlite3.Cursor:
        """Run one statement (autocommit unless inside a transaction)."""
        with self._lock:
            return self._db.execute(sql, tuple(args))

    # -- orders --------------------------------------------------------------
    def upsert(self, order: Order, source: str = "") -> UpsertResult:
        """Store an order; same order twice is one order; older versions never win."""
        with self.transaction():
            return self._upsert(order, source)

    def upsert_many(self, orders: Iterable[Order], source: str = "") -> list[UpsertResult]:
        """Store many orders in one transaction (all or nothing)."""
        with self.transaction():
            return [self._upsert(o, source) for o in orders]

    def _upsert(self, order: Order, source: str) -> UpsertResult:
        data = order_to_dict(order)
        version = order.updated_at.isoformat()
        row = self._db.execute(
            "SELECT seq, data, version FROM orders WHERE platform=? AND platform_order_id=?",
            order.key).fetchone()
        if row is None:
            cur = self._db.execute(
                "INSERT INTO orders (platform, platform_order_id, data, raw, version, received_at)"
                " VALUES (?,?,?,?,?,?)",
                (*order.key, dumps(data), dumps(dict(order.raw)), version, self.clock().isoformat()))
            oid = format_order_id(cur.lastrowid)
            self._audit(oid, "received", "", f"{order.platform.label} #{order.platform_order_id}",
                        source or order.platform.value)
            self._owe(cur.lastrowid, created=True)
            return UpsertResult(oid, created=True, changed=True)
        oid = format_order_id(row["seq"])
        # Compare as datetimes: different offsets may spell the same instant.
        if datetime.fromisoformat(version) < datetime.fromisoformat(row["version"]):
            return UpsertResult(oid, created=False, changed=False, stale=True)
        old = loads(row["data"])
        if old == loads(dumps(data)):
            return UpsertResult(oid, created=False, changed=False)
        self._db.execute(
            "UPDATE orders SET data=?, raw=?, version=?, rev=rev+1 WHERE seq=?",
            (dumps(data), dumps(dict(order.raw)), version, row["seq"]))
        self._owe(row["seq"], created=False)
        if old.get("ship_to") != data.get("ship_to"):
            self._push_platform_address(row["seq"], order)
        for kind, before, after in _describe_changes(old, data):
            self._audit(oid, kind, before, after, source or order.platform.value)
        return UpsertResult(oid, created=False, changed=True)

    def _push_platform_address(self, seq: int, order: Order) -> None:
        """The platform's new address replaces what the Ship To cell shows (people see it changed).

        This is a sheet concern living in the journal on purpose: done inside the upsert's
        transaction, a crash between storing the new address and updating the row can't leave
        the row showing the old address with nothing left to notice the difference.
        """
        row = self._db.execute("SELECT fields FROM orders WHERE seq=?", (seq,)).fetchone()
        fields = loads(row["fields"])
        fields["ship_to"] = order.ship_to.one_line()
        fields["sync"] = f"Address changed after order (on {order.platform.label}) — it ships to the new address"
        # Marked as ours to write, so the next read doesn't mistake the old cell for a person's edit.
        fields.setdefault("_dirty", {})["ship_to"] = True
        fields["_dirty"]["sync"] = True
        self._db.execute("UPDATE orders SET fields=? WHERE seq=?", (dumps(fields), seq))

    def get(self, order_id: str) -> StoredOrder | None:
        """One stored order by TC id."""
        seq = parse_order_id(order_id)
        if seq is None:
            return None
        row = self.execute("SELECT * FROM orders WHERE seq=?", (seq,)).fetchone()
        return _stored(row) if row else None

    def find(self, platform: str, platform_order_id: str) -> StoredOrder | None:
        """One stored order by its platform identity."""
        row = self.execute("SELECT * FROM orders WHERE platform=? AND platform_order_id=?",
                           (platform, str(platform_order_id))).fetchone()
        return _stored(row) if row else None

    def all_orders(self) -> Iterator[StoredOrder]:
        """Every order, oldest first."""
        for row in self.execute("SELECT * FROM orders ORDER BY seq").fetchall():
            yield _stored(row)

    def orders_by_id(self) -> dict[str, StoredOrder]:
        """Every order keyed by Order ID, oldest first; only orders changed since the last call are read."""
        return dict(self.cache.refresh())

    def count(self) -> int:
        """Number of orders."""
        return self.execute("SELECT COUNT(*) FROM orders").fetchone()[0]

    def set_fields(self, order_id: str, source: str = "", editor: str = "",
                   audit: bool = True, push: bool = False, **values: Any) -> bool:
        """Change sheet-facing fields (status, notes, duplicate score...); bumps rev if anything changed.

        push=True marks editable columns the service itself changed (e.g. CANCELLED from the
        platform) so the next flush overwrites what the sheet shows there; otherwise the
        sheet keeps what a person typed.
        """
        seq = parse_order_id(order_id)
        with self.transaction():
            row = self._db.execute("SELECT fields, data FROM orders WHERE seq=?", (seq,)).fetchone()
            if row is None:
                raise KeyError(order_id)
            fields = loads(row["fields"])
            changed = {k: v for k, v in values.items() if fields.get(k, "") != v}
            shown = dict(fields)
            if "status" in changed and not fields.get("status"):  # the Status the row showed before
                derived = DEFAULT_STATUS.get(OrderState(loads(row["data"]).get("state", "paid")), "")
                # (unknown when the platform's new state already implies the new Status)
                shown["status"] = derived if derived != changed["status"] else ""
            if not changed:
                return False
            dirty = fields.get("_dirty", {})
            for key, value in changed.items():
                if push:
                    dirty[key] = True
                if audit:
                    self._audit(order_id, f"{key} changed", str(shown.get(key, "")), str(value),
                                source, editor)
                fields[key] = value
            if dirty:
                fields["_dirty"] = dirty
            self._db.execute("UPDATE orders SET fields=?, rev=rev+1 WHERE seq=?",
                             (dumps(fields), seq))
            return True

    def mark_dirty(self, order_id: str, *keys: str) -> None:
        """Have the next flush write these editable columns even though nobody changed them here
        (values the service decided on the seller's behalf, such as a label's tracking number)."""
        seq = parse_order_id(order_id)
        with self.transaction():
            row = self._db.execute("SELECT fields FROM orders WHERE seq=?", (seq,)).fetchone()
            fields = loads(row["fields"])
            fields["_dirty"] = {**fields.get("_dirty", {}), **{k: True for k in keys}}
            self._db.execute("UPDATE orders SET fields=?, rev=rev+1 WHERE seq=?", (dumps(fields), seq))

    def pending_sheet_rows(self, limit: int | None = None) -> list[StoredOrder]:
        """Orders whose latest revision the sheet does not show yet."""
        sql = f"SELECT * FROM orders WHERE rev > sheet_rev AND {NOT_ARCHIVED} ORDER BY seq"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [_stored(r) for r in self.execute(sql).fetchall()]

    def backlog(self) -> int:
        """How many orders still have to be written to the sheet."""
        return self.execute(f"SELECT COUNT(*) FROM orders WHERE rev > sheet_rev AND {NOT_ARCHIVED}").fetchone()[0]

    def mark_written(self, written: Iterable[tuple[str, int]]) -> None:
        """Record that the sheet now shows these (order_id, rev) pairs; clears pushed-field marks."""
        with self.transaction():
            for order_id, rev in written:
                seq = parse_order_id(order_id)
                cur = self._db.execute("UPDATE orders SET sheet_rev=? WHERE seq=? AND sheet_rev<?",
                                       (rev, seq, rev))
                if cur.rowcount:
                    # Only clear the marks if nothing changed since the rev we wrote.
                    row = self._db.execute("SELECT fields, rev FROM orders WHERE seq=?", (seq,)).fetchone()
                    fields = loads(row["fields"])
                    if row["rev"] == rev and fields.pop("_dirty", None) is not None:
                        self._db.execute("UPDATE orders SET fields=? WHERE seq=?", (dumps(fields), seq))

    def mark_unwritten(self, order_ids: Iterable[str]) -> None:
        """These orders' rows went missing from the sheet: write them again."""
        with self.transaction():
            self._db.executemany("UPDATE orders SET sheet_rev=0 WHERE seq=?",
                                 [(parse_order_id(o),) for o in order_ids])

    def written_order_ids(self) -> set[str]:
        """Orders the sheet is believed to show (not those archived or on their way in or out)."""
        self.cache.refresh()
        archived = {format_order_id(r[0]) for r in self.execute("SELECT seq FROM archive")}
        return self.cache.members("written") - archived


class _Tx:
    """Re-entrant BEGIN IMMEDIATE ... COMMIT under the journal lock."""

    def __init__(self, journal: Journal) -> None:
        self.j = journal

    def __enter__(self) -> None:
        self.j._lock.acquire()
        self.outer = not self.j._db.in_transaction
        if self.outer:
            try:
                self.j._db.execute("BEGIN IMMEDIATE")
            except BaseException:
                self.j._lock.release()  # a failed BEGIN must not leave every other writer waiting
                raise

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if self.outer:
                self.j._db.execute("ROLLBACK" if exc_type else "COMMIT")
        finally:
            self.j._lock.release()


def _stored(row: sqlite3.Row) -> StoredOrder:
    order = order_from_dict(loads(row["data"]), raw=loads(row["raw"]))
    return StoredOrder(format_order_id(row["seq"]), order, loads(row["fields"]),
                       row["rev"], row["sheet_rev"], datetime.fromisoformat(row["received_at"]))


def _describe_changes(old: dict, new: dict) -> list[tuple[str, str, str]]:
    """Plain-words audit entries for what a newer platform version changed."""
    out = []
    if old.get("ship_to") != new.get("ship_to"):
        fmt = lambda a: Address(**(a or {})).one_line()  # noqa: E731
        out.append(("address changed on platform", fmt(old.get("ship_to")), fmt(new.get("ship_to"))))
    if old.get("state") != new.get("state"):
        out.append(("platform state changed", old.get("state", ""), new.get("state", "")))
    if old.get("total") != new.get("total"):
        out.append(("total changed", old["total"]["amount"], new["total"]["amount"]))
    if not out:
        out.append(("order updated on platform", "", ""))
    return out
