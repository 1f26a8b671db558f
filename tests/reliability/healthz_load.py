"""Anonymous /healthz pollers against a journal with a long history, while signed orders arrive.

Shared by the CI test (small history) and bench/healthz_load.py (30,000 events, ~19 KB each).
"""
from __future__ import annotations

import json
import multiprocessing
import statistics
import threading
import time
from pathlib import Path

import requests

from core.journal import Journal
from tests.reliability.harness import ServeProcess, shopify_order, signed_shopify

BODY = json.dumps({"pad": "x" * 19_000})  # a Shopify order body is about 19 KB


def fill_history(db: Path, events: int) -> None:
    """`events` processed webhook events with ~19 KB bodies, as a year of a busy shop leaves them."""
    journal = Journal(db)
    for start in range(0, events, 2000):
        batch = range(start, min(events, start + 2000))
        journal.record_events([("shopify", f"hist-{i}", "orders/create", BODY) for i in batch])
        journal.finish_events([("shopify", f"hist-{i}", "done", "") for i in batch])
    journal.close()


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else 0.0


def _pollers(base: str, clients: int, stop, out, nice: bool = False) -> None:
    """`clients` anonymous pollers in one process of their own (so their work is not the sender's
    GIL wait, and they take one core, as remote pollers would take none of ours)."""
    import os

    if nice:
        os.nice(19)  # remote pollers would use none of serve's CPU: here they get only what it leaves
    times: list[float] = []

    def poll() -> None:
        with requests.Session() as s:
            while not stop.is_set():
                began = time.perf_counter()
                s.get(base + "/healthz", timeout=10)
                times.append((time.perf_counter() - began) * 1000)
    threads = [threading.Thread(target=poll, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put(times)


def _sender(base: str, first: int, orders: int, out) -> None:
    """Signed deliveries one after another, in a process of their own; puts the ack times (ms) on `out`.

    Its own process because the Sheets stand-in runs on threads of the measuring process: a
    sender sharing their GIL timed the stand-in's work (Google's, in real life) as our latency.
    """
    bodies = [(n, json.dumps(shopify_order(n)).encode()) for n in range(first, first + orders)]
    acks: list[float] = []
    with requests.Session() as s:
        for n, body in bodies:
            headers = signed_shopify(body, f"load-{n}")
            began = time.perf_counter()
            r = s.post(base + "/webhooks/shopify", data=body, headers=headers, timeout=10)
            acks.append((time.perf_counter() - began) * 1000)
            if r.status_code != 200:
                out.put(RuntimeError(f"delivery {n}: {r.status_code} {r.text[:200]}"))
                return
    out.put(acks)


def measure(serve: ServeProcess, orders: int, pollers: int, first: int = 0, nice: bool = False) -> dict:
    """Ack latencies (ms) of `orders` signed deliveries while `pollers` processes poll /healthz flat out."""
    ctx = multiprocessing.get_context("spawn")
    stop, out, sent = ctx.Event(), ctx.Queue(), ctx.Queue()
    procs = [ctx.Process(target=_pollers, args=(serve.base, pollers, stop, out, nice), daemon=True)] if pollers else []
    for p in procs:
        p.start()
    time.sleep(1.0 if pollers else 0)  # let the pollers get going before the first order
    sender = ctx.Process(target=_sender, args=(serve.base, first, orders, sent), daemon=True)
    sender.start()
    acks = sent.get(timeout=60 + orders)
    sender.join(10)
    stop.set()
    if isinstance(acks, Exception):
        raise AssertionError(str(acks))
    health_ms: list[float] = []
    for _ in procs:
        health_ms += out.get(timeout=30)
    for p in procs:
        p.join(10)
    return {"ack_p50_ms": round(statistics.median(acks), 1), "ack_p99_ms": round(_p(acks, 0.99), 1),
            "healthz_p50_ms": round(statistics.median(health_ms), 2) if health_ms else None,
            "healthz_calls": len(health_ms)}
