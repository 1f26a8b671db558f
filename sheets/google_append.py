"""Adding rows to a Google sheet: under the size limit, never twice, always as real data rows.

`values.append` is not idempotent (shared/specs/FACTS.md 4): if its answer is
lost, Google may already have added the rows. So an append is sent once; when
no answer comes (or a 5xx, which may follow the write), the tab is read again,
rows are found by their key (Order ID, Entry #, Pair …) and only the rows that
are really missing are sent. Every block that lands is then given the data-row
look in one batchUpdate (FACTS 1).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import gspread
import requests

from core.http import OutcomeUnknown
from sheet_schema.schema import Tab, quote_tab
from sheets.google_rows import currency_requests, data_row_requests, runs, split_by_size, updated_rows
from sheets.rows import Layout

log = logging.getLogger("truecraft.google")


@dataclass
class AppendReport:
    """What appending did: blocks to format, and how often an answer was lost."""

    landed: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    lost_answers: int = 0
    already_there: int = 0


def _uncertain(exc: Exception) -> bool:
    """A failure after which the append may have been applied."""
    if isinstance(exc, (OutcomeUnknown, requests.Timeout)):
        return True
    return isinstance(exc, gspread.exceptions.APIError) and exc.code >= 500


class Appender:
    """Sends the appends of one flush for one backend."""

    def __init__(self, backend: Any, schema_tab: Tab | None, header: list[str] | None) -> None:
        self.b, self.tab = backend, schema_tab
        self.layout = Layout.from_header(schema_tab, header) if schema_tab and header else None

    def key_index(self) -> int | None:
        """Where the row key sits in the rows we send (None when the tab has no known key)."""
        if self.layout is None or not self.tab.key_column:
            return None
        return self.layout.positions.get(self.tab.key_column)

    def append(self, title: str, rows: list[list], report: AppendReport) -> None:
        """Append rows in as few requests as the size limit allows; reconcile a lost answer by key."""
        for chunk in split_by_size(rows):
            self._append_chunk(title, chunk, report)

    def _append_chunk(self, title: str, chunk: list[list], report: AppendReport) -> None:
        todo = chunk
        for attempt in range(max(1, self.b.session.policy.attempts)):
            try:
                resp = self.b.spreadsheet.values_append(
                    f"{quote_tab(title)}!A1", {"valueInputOption": "RAW", "insertDataOption": "INSERT_ROWS"},
                    {"values": todo, "majorDimension": "ROWS"})
            except Exception as exc:  # noqa: BLE001 - sorted below: uncertain, or a plain failure
                if not _uncertain(exc) or self.key_index() is None:
                    raise
                report.lost_answers += 1
                log.warning("Google didn't answer an append of %d row(s) to %s; checking what landed",
                            len(todo), title)
                policy = self.b.session.policy
                policy.sleep(policy.delay(attempt, None))  # give Google a moment before looking
                todo = self._still_missing(title, todo, report)
                if not todo:
                    return
                continue
            block = updated_rows(resp.get("updates", {}).get("updatedRange", ""))
            if block:
                report.landed.setdefault(title, []).append(block)
            return
        raise OutcomeUnknown(f"Google kept failing to confirm rows added to {title}; "
                             "TrueCraft will check the tab and add what is missing next time")

    def _still_missing(self, title: str, sent: list[list], report: AppendReport) -> list[list]:
        """Read the tab again: rows whose key is there landed (format them); return the rest."""
        key_at = self.key_index()
        shown = self.b.read([title])[title]
        layout = Layout.from_header(self.tab, shown.header)
        where = layout.index_rows(shown.rows)
        landed = []
        missing = []
        for row in sent:
            key = str(row[key_at]) if key_at < len(row) else ""
            if key in where:
                landed.append(where[key])
            else:
                missing.append(row)
        report.already_there += len(landed)
        report.landed.setdefault(title, []).extend(runs(landed))
        self.layout = layout
        return missing


def format_requests(backend: Any, schema_tabs: dict[str, Tab], headers: dict[str, list[str]],
                    landed: dict[str, list[tuple[int, int]]], sent: dict[str, list[list]] | None = None) -> list[dict]:
    """The data-row look for every block that landed, for one spreadsheets.batchUpdate.

    When the blocks hold exactly the rows sent, in order (no lost answer), each
    amount also gets its own row's currency format.
    """
    out: list[dict] = []
    for title, blocks in landed.items():
        tab, sheet_id = schema_tabs.get(title), backend._titles.get(title)
        if tab is None or sheet_id is None or not headers.get(title):
            continue
        pos = Layout.from_header(tab, headers[title]).positions
        rows = (sent or {}).get(title, [])
        in_order = len(rows) == sum(end - start for start, end in blocks)
        for start, end in blocks:
            if start >= 1:  # never restyle the header row
                out += data_row_requests(tab, sheet_id, pos, start, end)
                if in_order:
                    out += currency_requests(tab, sheet_id, pos, start, rows[:end - start])
            rows = rows[end - start:]
    return out
