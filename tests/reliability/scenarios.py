"""The reliability scenarios, measured: the CI suite asserts on these figures, bench/chaos.py prints them.

Each scenario drives a real `serve` subprocess (ServeProcess) against the Sheets
stand-in and returns a Figures record: orders sent / acknowledged / in the sheet
/ duplicated, faults injected and the time the service took to recover.
"""
from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field

from tests.reliability.harness import (Delivery, ServeProcess, Sheet, platform_order_id, random_kill_times,
                                       send_orders, wait_for)


@dataclass
class Figures:
    """What one scenario sent, what the sheet ended up showing, and how long recovery took."""

    scenario: str
    sent: int = 0  # distinct orders offered (deliveries including retries are in `deliveries`)
    deliveries: int = 0
    acked: int = 0
    in_sheet: int = 0
    duplicated: int = 0  # orders shown on more than one row
    lost: int = 0  # acknowledged but not in the sheet
    strays: int = 0  # rows for orders we never sent
    faults: str = ""
    recovery_s: float | None = None
    notes: list[str] = field(default_factory=list)
    extra: dict = field(default_factory=dict)


def settle(sheet: Sheet, serve: ServeProcess, acked: set[int], timeout: float) -> bool:
    """Wait (bounded) until every acknowledged order is in the sheet and serve reports nothing owed."""
    wanted = {platform_order_id(n) for n in acked}

    def done() -> bool:
        health = serve.health()
        return (wanted <= set(sheet.order_counts()) and health.get("backlog") == 0
                and health.get("events_pending") == 0 and health.get("sheet_status") == "ok")

    return wait_for(done, timeout, interval=0.3)


def tally(fig: Figures, sheet: Sheet, delivery: Delivery, numbers: list[int]) -> Figures:
    """Fill the counts from the sheet as it is now."""
    counts = sheet.order_counts()
    offered = {platform_order_id(n) for n in numbers}
    fig.sent, fig.deliveries, fig.acked = len(numbers), delivery.sent, len(delivery.acked)
    fig.in_sheet = sum(1 for pid in counts if pid in offered)
    fig.duplicated = sum(1 for pid, c in counts.items() if c > 1)
    fig.lost = sum(1 for n in delivery.acked if platform_order_id(n) not in counts)
    fig.strays = sum(1 for pid in counts if pid not in offered)
    return fig


def crash(sheet: Sheet, serve: ServeProcess, n: int, kills: int, seed: int = 7, clients: int = 8,
          rate: float = 40.0, settle_timeout: float = 90.0) -> Figures:
    """kill -9 serve at `kills` random moments while n signed orders/create arrive (about `rate`/s from
    `clients` concurrent senders); restart it at once each time."""
    rng = random.Random(seed)
    numbers = list(range(n))
    serve.start()
    delivery = Delivery()
    # Senders retry a refused or unanswered delivery like Shopify does (bounded: 60 tries each).
    sender = threading.Thread(target=send_orders, kwargs=dict(
        base=lambda: serve.base, numbers=numbers, clients=clients, delivery=delivery, tries=60, pause=0.1,
        rate=rate, deadline_s=60 + n * 0.2), daemon=True)
    began = time.monotonic()
    sender.start()
    downtime = []
    # Odd kills at random moments (mid-request, mid-commit...); even kills the instant the sheet has taken
    # an append of order rows, before serve can mark them written: the crash a restart must not double.
    for i, at in enumerate(random_kill_times(n / rate, kills, rng)):
        wait_for(lambda: time.monotonic() - began >= at or not sender.is_alive(), n / rate + 30, interval=0.005)
        if i % 2:
            sheet.standin.appended.clear()
            sheet.standin.appended.wait(10)
        down = time.monotonic()
        serve.kill9()
        serve.start()
        downtime.append(time.monotonic() - down)
    sender.join(120 + n * 0.2)
    ended = time.monotonic()
    settled = settle(sheet, serve, delivery.acked, settle_timeout)
    fig = tally(Figures("crash (kill -9)"), sheet, delivery, numbers)
    fig.recovery_s = round(time.monotonic() - ended, 1) if settled else None
    fig.faults = f"{kills} x kill -9"
    fig.extra = {"restart_s": round(max(downtime), 1) if downtime else 0.0,
                 "answered": dict(sorted(delivery.statuses.items())), "no_answer": delivery.errors}
    return fig


def quota_storm(sheet: Sheet, serve: ServeProcess, n: int, storm_s: float, budget: int,
                settle_timeout: float = 150.0) -> Figures:
    """Sheets answers 429/500/503 for storm_s while n orders arrive; count requests per 60 s vs budget."""
    since = time.time()
    serve.start()
    numbers = list(range(n))
    first = numbers[: n // 4]
    delivery = send_orders(lambda: serve.base, first, clients=4)  # some rows before the storm
    settle(sheet, serve, delivery.acked, 60)
    storm_start = time.time()
    storm_end = storm_start + storm_s
    sheet.standin.fail_until(storm_end, statuses=(429, 500, 503))
    statuses: set[str] = set()

    def watch_health() -> None:
        while time.time() < storm_end:
            statuses.add(str(serve.health().get("sheet_status")))
            time.sleep(0.5)

    watcher = threading.Thread(target=watch_health, daemon=True)
    watcher.start()
    # The rest trickle in during the storm: webhooks must still be acknowledged (the journal, not the sheet).
    rest = numbers[n // 4:]
    per = max(1, len(rest) // 10)
    for i in range(0, len(rest), per):
        send_orders(lambda: serve.base, rest[i:i + per], clients=4, delivery=delivery)
        time.sleep(max(0.0, min(storm_s / 10, storm_end - time.time())))
    during = serve.health()
    watcher.join(storm_s + 5)
    wait_for(lambda: time.time() >= storm_end, storm_s + 5)
    settled = settle(sheet, serve, delivery.acked, settle_timeout)
    recovered = time.time()
    fig = tally(Figures("quota storm (429/500/503)"), sheet, delivery, numbers)
    fig.recovery_s = round(recovered - storm_end, 1) if settled else None
    faults = sum(1 for s in list(sheet.standin.stamps) if storm_start <= s < storm_end)
    fig.faults = f"{storm_s:.0f} s of 429/500/503"
    after = serve.health()
    fig.extra = {"budget": budget, "max_requests_60s": sheet.standin.max_per_window(since),
                 "max_requests_59_5s": sheet.standin.max_per_window(since, window=59.5),
                 "min_span_over_budget_s": sheet.standin.min_span(budget + 1, since),
                 "requests_in_storm": faults, "backlog_during": during.get("backlog"),
                 "status_during": sorted(s for s in statuses if s != "ok"),
                 "status_after": after.get("sheet_status"), "backlog_after": after.get("backlog")}
    return fig


def row_of(sheet: Sheet, pid: str) -> dict[str, str]:
    """The Orders row showing platform order `pid`, as {header: value} ({} if absent)."""
    rows = sheet.rows()
    if not rows or "Platform Order #" not in rows[0]:
        return {}
    header, idx = rows[0], rows[0].index("Platform Order #")
    for r in rows[1:]:
        if idx < len(r) and r[idx] == pid:
            return {h: (r[i] if i < len(r) else "") for i, h in enumerate(header) if h}
    return {}
