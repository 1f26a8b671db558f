"""Randomized: `serve` and `sync --once` on one journal, a person editing and sorting, kill -9 at random.

Counts at the end: every order in the sheet exactly once, every FULFILLED row pushed to
Shopify exactly once with the tracking number typed on that order's row, and every typed
edit either applied (Sync says shipped) or explained in Sync.
"""
from __future__ import annotations

import random
import subprocess
import sys
import threading
import time

from tests.reliability.harness import (ORDERS, REPO, Delivery, platform_order_id, random_kill_times, send_orders,
                                       shopify_order, wait_for)
from tests.reliability.scenarios import settle
from tests.standin.shopify_server import ShopifyStandin

N = 120


def _row_index(rig, pid: str) -> tuple[int, list[str]] | None:
    rows = rig.sheet.rows()
    header = rows[0]
    col = header.index("Platform Order #")
    for i, row in enumerate(rows[1:], start=2):
        if col < len(row) and row[col] == pid:
            return i, header
    return None


def _person(rig, rng: random.Random, stop: threading.Event, typed: dict[str, str]) -> None:
    """Sorts the Orders tab now and then, and marks random rows shipped with their own tracking number."""
    while not stop.is_set():
        time.sleep(rng.uniform(0.15, 0.4))
        rows = rig.sheet.rows()
        if len(rows) < 5:
            continue
        header = rows[0]
        if rng.random() < 0.4:
            rig.sheet.standin.human_sort(rig.sheet.sid, ORDERS, rng.choice(
                [header.index(h) for h in ("Customer", "Total", "Platform Order #", "Received")]),
                ascending=rng.random() < 0.5)
            continue
        n = rng.choice([k for k in range(N) if platform_order_id(k) not in typed])
        found = _row_index(rig, platform_order_id(n))
        if found is None:
            continue
        r, header = found
        tracking = f"1Z999AA1{n:010d}"
        typed[platform_order_id(n)] = tracking
        for name, value in (("Carrier", "UPS"), ("Tracking #", tracking), ("Status", "FULFILLED")):
            rig.sheet.standin.human_set(rig.sheet.sid, ORDERS, f"{chr(65 + header.index(name))}{r}", value)


def test_two_processes_a_person_and_kill_9_keep_everything_exactly_once(make_rig, tmp_path):
    rng = random.Random(17)
    # Shopify Plus refills 1,000 query points a second (standard plans 50-100): keeps the polls quick
    shop = ShopifyStandin(realtime=True, restore_rate=1000.0).start()
    try:
        for n in range(N):
            shop.add_order(shopify_order(n, fulfillments=[], fulfillment_status=None))
        rig = make_rig(SHOPIFY_SHOP="reliability.myshopify.com", SHOPIFY_ACCESS_TOKEN=shop.token,
                       SHOPIFY_API_URL=shop.url)
        rig.serve.start()
        stop = threading.Event()
        typed: dict[str, str] = {}
        syncs = []

        def sync_by_hand() -> None:  # the seller runs `sync --once` again and again beside serve
            while not stop.is_set():
                done = subprocess.run([sys.executable, str(REPO / "main.py"), "sync", "--once"], cwd=tmp_path,
                                      env=rig.serve.env, capture_output=True, text=True, timeout=120)
                syncs.append(done.returncode)
        threads = [threading.Thread(target=sync_by_hand, daemon=True),
                   threading.Thread(target=_person, args=(rig, rng, stop, typed), daemon=True)]
        for t in threads:
            t.start()
        delivery = Delivery()
        sender = threading.Thread(target=send_orders, kwargs=dict(
            base=lambda: rig.serve.base, numbers=list(range(N)), clients=4, delivery=delivery, tries=60,
            pause=0.1, rate=20.0, deadline_s=90), daemon=True)
        began = time.monotonic()
        sender.start()
        for at in random_kill_times(N / 20.0 + 6, 2, rng):
            wait_for(lambda: time.monotonic() - began >= at, 60, interval=0.05)
            rig.serve.kill9()
            rig.serve.start()
        sender.join(120)
        wait_for(lambda: len(typed) >= 12 and len(syncs) >= 2, 120)
        stop.set()
        for t in threads:
            t.join(150)
        settled = settle(rig.sheet, rig.serve, delivery.acked, 90)
        missing = {platform_order_id(n) for n in delivery.acked} - set(rig.sheet.order_counts())
        assert settled, (dict(rig.serve.health()), sorted(missing)[:10])  # whole, to tell a loss from a lag
        wait_for(lambda: all(len(shop.fulfilments(pid)) >= 1 for pid in typed), 60, interval=0.5)
        # then: every order once in the sheet
        counts = rig.sheet.order_counts()
        assert set(counts) == {platform_order_id(n) for n in range(N)}
        assert set(counts.values()) == {1}, {k: v for k, v in counts.items() if v != 1}
        # every typed shipment pushed once, with the number typed on that order's own row
        assert len(typed) >= 12 and len(syncs) >= 2 and set(syncs) == {0}, (len(typed), syncs)
        pushes = {pid: [f.get("tracking_number") for f in shop.fulfilments(pid)] for pid in typed}
        assert {pid: t for pid, t in pushes.items() if t != [typed[pid]]} == {}
        untyped = [n for n in range(N) if platform_order_id(n) not in typed]
        assert all(shop.fulfilments(platform_order_id(n)) == [] for n in untyped)
        # and every typed edit is applied or explained on its row
        rows = rig.sheet.rows()
        header = rows[0]
        by_pid = {r[header.index("Platform Order #")]: r for r in rows[1:]}
        for pid in typed:
            row = by_pid[pid] + [""] * len(header)
            assert row[header.index("Status")] == "FULFILLED" and row[header.index("Sync")], (pid, row)
        assert shop.spec_errors() == []
        print(f"\ntwo processes: {N} orders, {len(delivery.acked)} acknowledged, {rig.serve.starts - 1} x kill -9, "
              f"{len(syncs)} sync --once runs, {len(typed)} rows shipped by a person while sorting; "
              f"in the sheet once: {sum(1 for v in counts.values() if v == 1)}, pushes: "
              f"{sum(len(p) for p in pushes.values())}")
    finally:
        shop.stop()
