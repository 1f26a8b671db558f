"""The archive in a watch cycle: built from settings, run once a day, and the Dashboard's "Bring back" cell.

A person types one or more Order IDs (TC-123, TC-124) into Dashboard!H11. The cycle that
reads it moves those orders back from the archive to Orders, empties the cell and says
what happened in H12. On Google the cell is part of the cycle's one values.batchGet.
"""
from __future__ import annotations

import logging
import re

from automations.archive import ArchiveReport, Archiver
from core.journal import now_utc
from sheet_schema.dashboard import ARCHIVED_SAVED, ARCHIVED_SAVED_LABEL, BRING_BACK_CELL
from sheet_schema.tabs import DASHBOARD
from sheets.base import CellRun, SheetUnavailable, WriteBatch
from sheets.rows import format_time

log = logging.getLogger("truecraft.archive")
CELL = (DASHBOARD, BRING_BACK_CELL)
_ROW, _COL = int(BRING_BACK_CELL[1:]) - 1, ord(BRING_BACK_CELL[0]) - 65
_SAVED_ROW, _SAVED_COL = int(ARCHIVED_SAVED[1:]) - 1, ord(ARCHIVED_SAVED[0]) - 65


def make_archiver(settings, journal, backend) -> Archiver | None:
    """The archiver for these settings, or None when no archive is configured (nothing is archived)."""
    if not settings.archiving:
        return None
    if settings.backend == "google":
        from sheets.archive_google import GoogleRows, sibling_backend

        main, archive = GoogleRows(backend), GoogleRows(sibling_backend(backend, settings.archive_sheet_id))
    else:
        from sheets.archive_local import LocalRows
        from sheets.local_backend import LocalWorkbookBackend

        main, archive = LocalRows(backend), LocalRows(LocalWorkbookBackend(settings.archive_workbook))
    return Archiver(journal, main, archive, settings.archive_days, settings.timezone)


def parse_ids(text: str) -> list[str]:
    """'TC-12, tc-13  TC-14' -> ['TC-12', 'tc-13', 'TC-14'] (as typed; checked later)."""
    return [t for t in re.split(r"[\s,;]+", text or "") if t]


def typed_text(snapshot, reader) -> str:
    """What the Bring back cell holds this cycle (Google: from the cycle's read; local: the Dashboard tab)."""
    if reader is not None:
        return reader.cell_values.get(CELL, "").strip()
    dash = snapshot.tabs.get(DASHBOARD)
    if dash is None or len(dash.rows) <= _ROW or len(dash.rows[_ROW]) <= _COL:
        return ""
    return str(dash.rows[_ROW][_COL]).strip()


def on_cycle(runner, snapshot) -> ArchiveReport | None:
    """Bring back what was asked for, finish interrupted moves, and run the daily archive when due."""
    arch = runner.archiver
    text = typed_text(snapshot, runner.sync.reader)
    problems = arch.ask_restore(parse_ids(text)) if text else []
    changed = arch.changed_while_archived()
    if changed:
        arch.ask_restore(changed)
    report, trouble = None, ""
    try:
        if arch.due():
            report = arch.run()
            log.info("Archive: %s", report.summary())
        elif arch.unfinished():
            report = arch.finish(ArchiveReport())
    except SheetUnavailable as exc:  # the records stay; the next cycle finishes the move
        trouble = str(exc)
        log.warning("The archive run stopped half way (%s); the next cycle finishes it.", exc)
    except Exception as exc:  # a broken optional part must not stop the cycle; the records stay
        trouble = f"something went wrong ({type(exc).__name__})."
        log.exception("The archive run failed; the next cycle tries again")
    if report is not None and runner.sync.reader is not None and (report.archived or report.restored
                                                                  or report.audit_lines):
        runner.sync.reader.forget()  # rows moved: read the Order IDs and headers afresh
    updates = []
    if report is not None:  # a run or a finished move: the Dashboard's "All time" counts archived orders too
        updates += saved_update(arch)
    if text:
        updates += [CellRun(DASHBOARD, _ROW, _COL, [""]),
                    CellRun(DASHBOARD, _ROW + 1, _COL, [answer(report, problems, trouble, arch.tz)])]
    if updates:
        runner.backend.write(WriteBatch(updates=updates))
    return report


def saved_update(arch: Archiver) -> list[CellRun]:
    """The Dashboard cells holding what archived duplicates saved (from the journal) and its label."""
    label_at, label = ARCHIVED_SAVED_LABEL
    return [CellRun(DASHBOARD, int(label_at[1:]) - 1, ord(label_at[0]) - 65, [label]),
            CellRun(DASHBOARD, _SAVED_ROW, _SAVED_COL, [arch.j.archived_saved()])]


def answer(report: ArchiveReport | None, problems: list[str], trouble: str, tz: str = "UTC") -> str:
    """The plain message under the Bring back cell."""
    parts = []
    if report is not None and report.restored:
        parts.append(f"{', '.join(report.restored)} back in Orders ({format_time(now_utc(), tz)}).")
    if trouble:
        parts.append(f"Not done yet: {trouble} TrueCraft keeps trying.")
    return " ".join(parts + problems) or "Nothing to bring back."
