"""Load-generating clients for bench/webhook_load.py: one OS process per client.

Why processes: client threads in one Python process queue for that process's GIL, and
the time a client waits for its own GIL after the server already answered would be
counted as the server's acknowledgement latency. Separate processes are scheduled by
the kernel, like real senders on other machines. time.monotonic() is the system-wide
CLOCK_MONOTONIC on Linux, so acknowledgement times compare across processes.
"""
from __future__ import annotations

import multiprocessing as mp
import time
from typing import Callable

Requests = Callable[[int, int], list]  # (count, first_id) -> [(body, headers)]


def _client(make: Requests, inbox, outbox, cursor, barrier) -> None:
    import requests

    with requests.Session() as http:
        while True:
            job = inbox.get()
            if job is None:
                return
            url, count, first_id = job
            batch = make(count, first_id)  # built before the start line, not timed
            results = []
            barrier.wait()
            while True:
                with cursor.get_lock():
                    i = cursor.value
                    cursor.value += 1
                if i >= count:
                    break
                body, headers = batch[i]
                start = time.perf_counter()
                try:
                    status = http.post(url, data=body, headers=headers, timeout=30).status_code
                except Exception:  # counted as not accepted; the figure shows it
                    status = 0
                took = time.perf_counter() - start
                results.append((i, status, took, time.monotonic()))
            outbox.put((results, time.monotonic()))


class Clients:
    """`concurrency` client processes that send one batch at a time, all starting together."""

    def __init__(self, concurrency: int, make: Requests) -> None:
        ctx = mp.get_context("spawn")  # no fork of this process's threads (the stand-in runs here)
        self.cursor = ctx.Value("i", 0)
        self.barrier = ctx.Barrier(concurrency + 1)
        self.outbox = ctx.Queue()
        self.inboxes = [ctx.Queue() for _ in range(concurrency)]
        self.procs = [ctx.Process(target=_client, args=(make, q, self.outbox, self.cursor, self.barrier),
                                  daemon=True) for q in self.inboxes]
        for p in self.procs:
            p.start()

    def blast(self, url: str, count: int, first_id: int) -> tuple[float, list[float], list[float]]:
        """Send `count` requests; (elapsed s, latencies of 200s, ack monotonic time per index or 0)."""
        with self.cursor.get_lock():
            self.cursor.value = 0
        for q in self.inboxes:
            q.put((url, count, first_id))
        self.barrier.wait(120)
        began = time.monotonic()
        latencies, acked_at, ended = [], [0.0] * count, began
        for _ in self.inboxes:
            results, finished = self.outbox.get(timeout=300)
            ended = max(ended, finished)
            for i, status, took, at in results:
                if status == 200:
                    latencies.append(took)
                    acked_at[i] = at
        return ended - began, latencies, acked_at

    def close(self) -> None:
        """Stop the client processes."""
        for q in self.inboxes:
            q.put(None)
        for p in self.procs:
            p.join(10)
