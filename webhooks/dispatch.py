"""Waitress's request threads: signed webhooks first, everything else on a short leash.

Waitress queues every ready connection first-come, first-served on all its threads.
Sixteen anonymous /healthz pollers kept that queue full, so a platform's delivery
waited behind their polls, and eight threads answering polls fought the delivery's
thread for the GIL (bench/healthz_load.py: ack p50 20 ms with pollers against 3 ms
without, while the handler itself took about 1 ms). Now a webhook POST is taken
before anything else, and other requests (polls, unknown paths) are served by at
most OTHER_THREADS threads at a time and at most OTHER_PER_SECOND a second; the
rest wait in line, unread, costing no CPU. What anonymous callers get is bounded,
and the rest of the pool and of the CPU is free for deliveries. A monitor polls
/healthz every few seconds, far below the limit.
"""
from __future__ import annotations

import logging
import time
from collections import deque

from waitress.task import ThreadedTaskDispatcher

log = logging.getLogger("truecraft.serve")

URGENT_PREFIXES = ("/webhooks/", "/_bench/ceiling")  # deliveries (and the bench's bare twin of one)
OTHER_THREADS = 2  # threads that may serve non-webhook requests at once
OTHER_PER_SECOND = 200.0  # non-webhook requests served per second, all callers together
DEPTH_LOG_SECONDS = 60.0  # waitress logs the queue depth on every queued request; once a minute is enough


class WebhooksFirst(ThreadedTaskDispatcher):
    """A ThreadedTaskDispatcher with two queues: webhook POSTs first, others at most OTHER_THREADS at once."""

    def __init__(self, threads: int, other_threads: int = OTHER_THREADS,
                 other_per_second: float = OTHER_PER_SECOND) -> None:
        super().__init__()
        self.urgent: deque = deque()
        self.other_limit = max(1, min(other_threads, threads))
        self.other_busy = 0
        self.other_gap = 1.0 / other_per_second
        self._next_other = 0.0  # monotonic time the next non-webhook request may start
        self._depth_logged = float("-inf")
        self.set_thread_count(threads)

    def add_task(self, task) -> None:
        """Queue a channel whose next request is complete: deliveries to the urgent queue."""
        with self.lock:
            (self.urgent if _is_webhook(task) else self.queue).append(task)
            # One idle thread is enough: idle threads are alike, and one that may not take "other"
            # work yet waits for its turn with a timeout. Waking all eight on every poll of a flood
            # was GIL contention of its own.
            self.queue_cv.notify()
            waiting = len(self.urgent) + len(self.queue)
        now = time.monotonic()
        if waiting > len(self.threads) and now - self._depth_logged >= DEPTH_LOG_SECONDS:
            # Waitress would log this on every request of a poll flood: a log flood of its own.
            self._depth_logged = now
            log.info("busy: %d requests waiting for a thread (logged at most once a minute)", waiting)

    def handler_thread(self, thread_no: int) -> None:
        """Waitress's worker loop (same stop protocol), taking urgent work first."""
        while True:
            with self.lock:
                while not self._ready() and self.stop_count == 0:
                    self.active_count -= 1
                    self.queue_cv.wait(self._wait_for_turn())
                    self.active_count += 1
                if self.stop_count > 0:
                    self.active_count -= 1
                    self.stop_count -= 1
                    self.threads.discard(thread_no)
                    self.thread_exit_cv.notify()
                    break
                other = not self.urgent
                task = self.queue.popleft() if other else self.urgent.popleft()
                if other:
                    self.other_busy += 1
                    self._next_other = max(self._next_other, time.monotonic()) + self.other_gap
            try:
                task.service()
            except BaseException:
                self.logger.exception("Exception when servicing %r", task)
            finally:
                if other:
                    with self.lock:
                        self.other_busy -= 1
                        self.queue_cv.notify()  # an "other" slot is free: one waiter may take it

    def shutdown(self, cancel_pending: bool = True, timeout: float = 5) -> bool:
        """Waitress's shutdown; pending deliveries are cancelled with the rest when asked."""
        if cancel_pending:
            with self.lock:
                self.queue.extend(self.urgent)
                self.urgent.clear()
        return super().shutdown(cancel_pending, timeout)

    def _ready(self) -> bool:
        return bool(self.urgent) or (bool(self.queue) and self.other_busy < self.other_limit
                                     and time.monotonic() >= self._next_other)

    def _wait_for_turn(self) -> float | None:
        """How long an idle thread waits: until the rate allows the next queued request, else for a signal."""
        if self.queue and self.other_busy < self.other_limit:
            return max(0.0, self._next_other - time.monotonic())
        return None


def _is_webhook(task) -> bool:
    """True when the next request on this channel is a POST to /webhooks/… (a delivery)."""
    requests = getattr(task, "requests", None)
    if not requests:
        return False
    request = requests[0]
    return getattr(request, "command", "") == "POST" and str(getattr(request, "path", "")).startswith(
        URGENT_PREFIXES)
