"""The journal's side of archiving: which orders and Audit Log lines live in the archive spreadsheet.

An order moves in three recorded steps, so a crash at any point is finished on restart
(automations/archive.py): `archiving` (intent; the row may be in Orders, the archive, or
both) -> `archived` (only in the archive). Bringing one back is `restoring` (in the archive,
maybe in Orders too) -> no record (only in Orders). While an order has a record the normal
sync neither writes its row nor restores it when the row is gone from Orders: that is what
tells "archived" apart from "deleted by a person". The order itself never leaves the journal,
so duplicate checks, customer history and "Repeat customer" still count it.

Audit Log lines use the `in_sheet` mark: 0 not in the tab yet, 1 in the Audit Log,
3 moving to the archive, 2 in the archive.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Iterable

from core.journal_records import now_utc

NOT_ARCHIVED = "seq NOT IN (SELECT seq FROM archive)"
IN_LOG, ARCHIVED_LINE, MOVING_LINE = 1, 2, 3
BROUGHT_BACK = "brought back from the archive"


class ArchiveMixin:
    """Methods of Journal that record archive moves (uses transaction, _db, execute)."""

    def archive_records(self, state: str | None = None) -> dict[str, tuple[str, str]]:
        """Order ID -> (state, archive tab) for orders archived or on their way in or out."""
        from core.journal import format_order_id

        sql, args = "SELECT seq, state, tab FROM archive", ()
        if state:
            sql, args = sql + " WHERE state=?", (state,)
        return {format_order_id(r[0]): (r[1], r[2]) for r in self.execute(sql + " ORDER BY seq", args)}

    def begin_archiving(self, moves: Iterable[tuple[str, str]]) -> None:
        """Record the intent to move these (order_id, archive tab) before any sheet is touched."""
        from core.journal import parse_order_id

        at = now_utc().isoformat()
        with self.transaction():
            self._db.executemany("INSERT OR IGNORE INTO archive (seq, state, tab, at) VALUES (?,?,?,?)",
                                 [(parse_order_id(o), "archiving", tab, at) for o, tab in moves])

    def set_archive_state(self, order_ids: Iterable[str], state: str, kind: str = "", detail: str = "") -> None:
        """Move these orders' records to `state` (one transaction), with an audit entry each when `kind` is set."""
        from core.journal import parse_order_id

        with self.transaction():
            for oid in order_ids:
                self._db.execute("UPDATE archive SET state=?, at=? WHERE seq=?",
                                 (state, now_utc().isoformat(), parse_order_id(oid)))
                if kind:  # the journal's own record: one line per order would flood the Audit Log tab
                    self._audit(oid, kind, "", detail, "truecraft")
                    self._db.execute("UPDATE audit SET in_sheet=? WHERE id=last_insert_rowid()", (ARCHIVED_LINE,))

    def archived_saved(self) -> float:
        """What archived orders caught as duplicates (merged or cancelled, with a Duplicate of) are worth."""
        from core.journal import format_order_id
        from sheets.rows import status_of

        total = Decimal(0)
        for (seq,) in self.execute("SELECT seq FROM archive WHERE state='archived'"):
            s = self.get(format_order_id(seq))
            if s is not None and s.fields.get("dup_of") and status_of(s) in ("MERGED", "CANCELLED"):
                total += Decimal(str(s.order.total.amount))
        return float(total)

    def end_restoring(self, written: Iterable[tuple[str, int]]) -> None:
        """These orders are back in Orders (showing `rev`): drop their records, mark them written."""
        from core.journal import parse_order_id

        written = list(written)
        with self.transaction():
            for oid, _ in written:
                self._db.execute("DELETE FROM archive WHERE seq=?", (parse_order_id(oid),))
                self._audit(oid, BROUGHT_BACK, "", "back in Orders", "truecraft")
            self.mark_written(written)

    def audit_lines_to_archive(self, before: str, limit: int = 200_000) -> list[int]:
        """Ids of Audit Log lines written before `before` (ISO time) and shown in the tab: marked moving."""
        ids = [r[0] for r in self.execute("SELECT id FROM audit WHERE in_sheet=? AND at < ? ORDER BY id LIMIT ?",
                                          (IN_LOG, before, limit))]
        self.set_audit_place(ids, MOVING_LINE)
        return ids

    def moving_audit_lines(self) -> list[dict]:
        """Audit entries on their way to the archive (a crash may have left some)."""
        return [dict(r) for r in self.execute("SELECT * FROM audit WHERE in_sheet=? ORDER BY id", (MOVING_LINE,))]

    def set_audit_place(self, ids: Iterable[int], place: int) -> None:
        """Where these audit entries are: IN_LOG, MOVING_LINE or ARCHIVED_LINE."""
        with self.transaction():
            self._db.executemany("UPDATE audit SET in_sheet=? WHERE id=?", [(place, i) for i in ids])
