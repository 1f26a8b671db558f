"""`sync`: poll platforms, process events, watch the sheet, push fulfilments — once or on a schedule."""
from __future__ import annotations

import logging
import threading

import schedule

from core.config import Settings
from sheets.base import SheetUnavailable

log = logging.getLogger("truecraft.sync")


def one_round(runner) -> list[str]:
    """One full round; each step's failure is reported in plain words and the rest still run."""
    lines = []
    steps = [("platforms", runner.poll_platforms), ("events", runner.process_events),
             ("sheet", runner.watch), ("fulfilments", runner.push_pending)]
    for name, step in steps:
        try:
            result = step()
        except SheetUnavailable as exc:
            lines.append(f"sheet: {exc}")
            continue
        except Exception as exc:  # one failing step never stops the others
            log.exception("%s step failed", name)
            lines.append(f"{name}: failed ({type(exc).__name__}); will try again next round")
            continue
        lines += _describe(name, result)
    return lines


def _describe(name: str, result) -> list[str]:
    if name == "platforms":
        out = []
        for r in result or []:
            if r.error_message:
                out.append(f"{r.platform}: {r.error_message}")
            else:
                out.append(f"{r.platform}: {r.fetched} fetched, {r.created} new, {r.updated} updated"
                           + (f", {r.quarantined} could not be read" if r.quarantined else ""))
        return out or ["platforms: none connected (see `python main.py doctor`)"]
    if name == "sheet" and result is not None:
        lines = [f"sheet: {result.edits} edit(s) seen; {result.flush.summary() if result.flush else 'no writes'}"]
        archive = getattr(result, "archive", None)
        return lines + ([f"archive: {archive.summary()}"] if archive is not None else [])
    if name == "fulfilments" and result:
        return [f"fulfilments: {len(result)} pushed"]
    return []


def sync(settings: Settings, once: bool = False, every: int | None = None,
         stop: threading.Event | None = None) -> int:
    """Run rounds until stopped (Ctrl+C)."""
    from automations.runner import Runner

    runner = Runner.from_settings(settings)
    try:
        for line in one_round(runner):
            print(line)
        if once:
            return 0
        stop = stop or threading.Event()
        interval = every or settings.platform_poll_seconds
        schedule.every(interval).seconds.do(lambda: [print(x) for x in one_round(runner)])
        print(f"Syncing every {interval}s. Press Ctrl+C to stop.")
        while not stop.wait(1):
            schedule.run_pending()
        return 0
    finally:
        schedule.clear()
        runner.close()
