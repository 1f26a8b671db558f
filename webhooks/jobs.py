"""The scheduled jobs `serve` runs, on one background thread (in the jobs process, webhooks.worker).

One thread means the sheet is only ever touched by one job at a time. Each job
catches and logs its own errors in plain words, so one failure (a platform
down, the sheet unreachable) never stops the loop. A webhook wakes the loop at
once: platform events -> process + flush, sheet edits -> watch + flush.
"""
from __future__ import annotations

import logging
import threading
from typing import Any, Callable

import schedule


log = logging.getLogger("truecraft.jobs")

# Small pause after the first wake-up of a burst so its first webhooks share one flush. While a
# pass runs, later wake-ups only set a flag: the next pass starts right after, with all of them.
BATCH_PAUSE = 0.1


class Jobs:
    """Polls, event processing, sheet watch, flush and pushes on a `schedule` loop."""

    def __init__(self, runner: Any, settings: Any) -> None:
        self.runner = runner
        poll = int(getattr(settings, "poll_seconds", 10) or 10)
        platform_poll = int(getattr(settings, "platform_poll_seconds", 60) or 60)
        self.scheduler = schedule.Scheduler()
        self.scheduler.every(platform_poll).seconds.do(self._job, "platform poll", runner.poll_platforms)
        self.scheduler.every(poll).seconds.do(self._job, "webhook events", self.process_events)
        # One sheet cycle per tick: read, decide, push what is due, write (pushes ride inside the
        # watch, so their Sync text costs no extra Sheets requests).
        self.scheduler.every(poll).seconds.do(self._job, "sheet watch", self._watch)
        self.scheduler.every(poll).seconds.do(self._job, "sheet write", runner.flush)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._sources: set[str] = set()
        self._thread = threading.Thread(target=self._loop, name="truecraft-jobs", daemon=True)

    def start(self) -> None:
        """Start the background thread."""
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Ask the loop to stop and wait for the job in progress to finish."""
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def wake(self, source: str) -> None:
        """Called by the app for each new event: run the matching jobs now, not at the next tick."""
        with self._lock:
            self._sources.add(source)
        self._wake.set()

    def has_pending(self) -> bool:
        """True if a wake-up arrived that no pass has handled yet."""
        with self._lock:
            return bool(self._sources)

    def process_events(self) -> Any:
        """The runner's event processing (webhook events -> orders)."""
        return self.runner.process_events()

    def run_once(self) -> None:
        """One pass: woken jobs first, then whatever the schedule says is due."""
        with self._lock:
            sources, self._sources = self._sources, set()
        if sources - {"sheet"}:
            report = self._job("webhook events", self.process_events)
            if getattr(report, "more", False):
                self.wake("backlog")  # a full batch was read: go again right after this flush
        if "sheet" in sources:
            # A pushed FULFILLED edit is decided and sent now, not at the next scheduled tick
            # (the watch writes the sheet itself).
            self._job("sheet watch", self._watch)
        if sources - {"sheet"}:
            self._job("sheet write", self.runner.flush)
        self.scheduler.run_pending()

    def _watch(self) -> Any:
        """The sheet cycle, with due platform pushes inside it."""
        return self.runner.watch(push=True)

    def _loop(self) -> None:
        self.scheduler.run_all()  # first pass at start-up: catch up on anything missed while down
        while not self._stop.is_set():
            idle = self.scheduler.idle_seconds
            timeout = 1.0 if idle is None else max(0.0, min(1.0, idle))
            already = self._wake.is_set()  # events arrived while the last pass ran: no pause
            if self._wake.wait(timeout):
                self._wake.clear()
                if not already:
                    self._stop.wait(BATCH_PAUSE)
            if self._stop.is_set():
                break
            self.run_once()

    @staticmethod
    def _job(name: str, func: Callable[[], Any]) -> Any:
        try:
            return func()
        except Exception as exc:  # one failing job must never end the loop
            log.error("%s failed this time (%s: %s); it runs again at the next tick",
                      name, type(exc).__name__, str(exc)[:200])
            return None
