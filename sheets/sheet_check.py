"""The slower check of what watch cycles no longer read: the service-owned tabs.

A cycle does not read the Audit Log or Customers back (sheets/watch_read.py). So
every TRUECRAFT_SHEET_CHECK_MINUTES (15 by default) the next cycle also:
- reads the tab list: a deleted tab (Dashboard, Customers, …) is created again by `init`'s repair;
- reads every header row again, and Customers and Duplicates whole: a cleared header is put back
  and deleted or changed Customers rows are rewritten by that same cycle;
- reads the Audit Log's Entry # column (as one list: majorDimension COLUMNS): lines a person
  deleted are appended again by that cycle.
Orders stays windowed (sheets/watch_rows.py: its sweep already reads every row's editable
cells in turn), and Customers is compared with the rows TrueCraft last worked out, not
worked out again from every order (automations/duplicates_flow.py).
So tampering with a service-owned tab is repaired at most CHECK_MINUTES plus one cycle later.
"""
from __future__ import annotations

import time
from typing import Any, Callable

from sheet_schema.schema import col_letter, quote_tab
from sheet_schema.tabs import AUDIT_LOG, WORKBOOK
from sheets.audit_lines import sheet_line
from sheets.prewrite import SCHEMA
from sheets.rows import Layout

CHECK_MINUTES = 15.0


def check_minutes(env: Any) -> float:
    """TRUECRAFT_SHEET_CHECK_MINUTES from the environment (15 when unset or not a number)."""
    try:
        return max(0.0, float((env or {}).get("TRUECRAFT_SHEET_CHECK_MINUTES") or CHECK_MINUTES))
    except ValueError:
        return CHECK_MINUTES


class SheetCheck:
    """Decides when the slower check is due and runs its parts that are not part of a normal read."""

    def __init__(self, journal: Any, backend: Any, reader: Any, minutes: float = CHECK_MINUTES,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.journal, self.backend, self.reader = journal, backend, reader
        self.seconds, self.clock = minutes * 60, clock
        self.last = clock()  # start-up reads Customers and Duplicates whole anyway

    def due(self) -> bool:
        """Every CHECK_MINUTES."""
        return self.clock() - self.last >= self.seconds

    def run(self) -> bool:
        """Refresh the tab list and forget what the reader believed; put back missing Audit Log lines.

        Returns True when a tab is missing (the caller runs the layout repair).
        """
        self.last = self.clock()
        self.backend.refresh_metadata()
        self.reader.forget(rows=False)
        titles = self.backend.tab_titles()
        missing = [t.name for t in WORKBOOK.tabs if t.name not in titles]
        if AUDIT_LOG not in missing:
            self._audit_lines()
        return bool(missing)

    def _audit_lines(self) -> None:
        """Audit entries the journal says are in the tab but the tab no longer shows: add them again."""
        shown = self.read_column(AUDIT_LOG, "entry")
        if shown is None:
            return
        ids = {int(v) for v in (x.strip().replace(",", "") for x in shown) if v.isdigit()}
        gone = self.journal.written_audit_ids() - ids
        if gone:  # entries the Audit Log never shows (machine bookkeeping) are not missing
            gone = {e["id"] for e in self.journal.audit_entries_by_id(gone) if sheet_line(e, "UTC") is not None}
        if gone:
            self.journal.mark_audit_unwritten(gone)
            self.journal.audit(None, "audit lines restored", "", f"{len(gone)} line(s)", "truecraft",
                               detail=f"{len(gone)} Audit Log line(s) were missing from the tab; "
                                      "TrueCraft added them again at the end from its journal.")

    def read_column(self, tab: str, key: str) -> list[str] | None:
        """One column's values below the header (found by header text); None if the tab has no such header."""
        self.reader.read_headers([tab])
        pos = Layout.from_header(SCHEMA[tab], self.reader.headers.get(tab, [])).positions.get(key)
        if pos is None:
            return None
        letter = col_letter(pos)
        values = self.backend.read_ranges([f"{quote_tab(tab)}!{letter}2:{letter}"], columns=True)[0]
        return list(values[0]) if values else []
