"""`python main.py archive run|restore|status`: move done orders to the archive spreadsheet, or bring one back."""
from __future__ import annotations

import argparse
from typing import Any, Callable

Out = Callable[[str], None]
OFF = ("Archiving is off: set TRUECRAFT_ARCHIVE_SHEET_ID (Google: the id of a second spreadsheet shared with the "
       "service account) or TRUECRAFT_ARCHIVE_WORKBOOK (local: a second .xlsx path). See README, Archive.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """archive run | archive restore TC-123 [TC-124 ...] | archive status."""
    parser.epilog = ("Closed orders (FULFILLED, CANCELLED, MERGED) received more than TRUECRAFT_ARCHIVE_DAYS (90) "
                     "ago, and older Audit Log lines, move to the archive spreadsheet, one tab per year. "
                     "`serve` does this once a day by itself.")
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    sub.add_parser("run", help="move what is due to the archive now",
                   description="Move closed orders older than the window, and older Audit Log lines, to the "
                               "archive now (and finish a move that was interrupted).")
    p = sub.add_parser("restore", help="bring archived orders back to the Orders tab",
                       description="Bring archived orders back to the Orders tab (the same as typing them into "
                                   "the Dashboard's Bring back cell).")
    p.add_argument("order_ids", nargs="+", metavar="ORDER_ID", help="the Order ID(s), like TC-123")
    sub.add_parser("status", help="how many orders are archived, and where",
                   description="How many orders are archived, and whether a move is still to be finished.")


def run(args: argparse.Namespace, settings: Any, out: Out = print, runner=None) -> int:
    """Run one archive action; returns the exit code."""
    action = getattr(args, "action", None)
    if action is None:
        out("Say what to do: `archive run`, `archive restore TC-123` or `archive status` (see --help).")
        return 2
    if not settings.archiving:
        out(OFF)
        return 2
    from automations.runner import Runner
    from sheets.base import SheetUnavailable

    own = runner is None
    runner = runner or Runner.from_settings(settings, with_connectors=False)
    arch = runner.archiver
    try:
        if action == "status":
            records = runner.journal.archive_records()
            done = sum(1 for state, _ in records.values() if state == "archived")
            out(f"{done} order(s) in the archive ({arch.archive.describe()}); "
                f"window {settings.archive_days} days.")
            if arch.unfinished():
                out("A move was interrupted; `archive run` (or the next `serve` cycle) finishes it.")
            return 0
        with runner.sheet_lock:
            if action == "restore":
                report, problems = arch.restore(args.order_ids)
            else:
                report, problems = arch.run(), []
            from automations.archive_cell import saved_update
            from sheets.base import WriteBatch

            runner.backend.write(WriteBatch(updates=saved_update(arch)))  # the Dashboard's All time
        if runner.sync.reader is not None:
            runner.sync.reader.forget()
    except SheetUnavailable as exc:
        out(f"Stopped: {exc} Nothing is lost: run the same command again (or let `serve` finish it).")
        return 1
    finally:
        if own:
            runner.close()
    for problem in problems:
        out(problem)
    if action == "restore":
        if report.restored:
            out(f"Back in Orders: {', '.join(report.restored)}.")
        return 1 if problems else 0
    out(f"Archive: {report.summary()}.")
    return 0
