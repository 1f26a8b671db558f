"""Webhook load benchmark: signed Shopify webhooks from concurrent clients against `serve` on loopback.

Prints accepted/s and p50/p99 acknowledgement latency beside the same figures for a
bare "return 200" endpoint on the same server in the same run (the ceiling), and the
time from acknowledgement until the order's row was written to the sheet backend.

    .venv/bin/python bench/webhook_load.py --n 2000 --concurrency 16
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import signal
import socket
import subprocess
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from core.journal import Journal  # noqa: E402
from webhooks.signatures import shopify_signature  # noqa: E402

SECRET = "bench-shopify-secret"
ORDER = json.loads((ROOT / "tests/fixtures/webhooks/shopify_order.json").read_text())["response"]["order"]


def pct(values: list[float], p: float) -> float:
    """p-th percentile (nearest rank) in milliseconds."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered))) - 1))] * 1000


def blast(url: str, requests_: list[tuple[bytes, dict]], concurrency: int) -> tuple[float, list[float], list[float]]:
    """Send all requests from `concurrency` threads; (elapsed s, latencies, ack wall-times)."""
    latencies, acked_at, lock, cursor = [], [0.0] * len(requests_), threading.Lock(), [0]

    def worker() -> None:
        with requests.Session() as http:
            while True:
                with lock:
                    i = cursor[0]
                    cursor[0] += 1
                if i >= len(requests_):
                    return
                body, headers = requests_[i]
                start = time.perf_counter()
                resp = http.post(url, data=body, headers=headers, timeout=30)
                took = time.perf_counter() - start
                if resp.status_code == 200:
                    with lock:
                        latencies.append(took)
                        acked_at[i] = time.monotonic()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - began, latencies, acked_at


def signed(n: int, first_id: int) -> list[tuple[bytes, dict]]:
    """n distinct orders/create deliveries."""
    out = []
    for i in range(n):
        order = {**ORDER, "id": first_id + i, "name": f"#B{i}", "updated_at": "2026-11-27T10:00:00Z"}
        body = json.dumps(order).encode()
        out.append((body, {"X-Shopify-Hmac-Sha256": shopify_signature(SECRET, body),
                           "X-Shopify-Topic": "orders/create", "X-Shopify-Event-Id": f"bench-{first_id + i}",
                           "Content-Type": "application/json"}))
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1000, help="webhooks to send (default 1000)")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--threads", type=int, default=8, help="server worker threads (default 8)")
    parser.add_argument("--no-jobs", action="store_true", help="do not process/flush (ack figures only)")
    args = parser.parse_args(argv)

    tmp = tempfile.mkdtemp(prefix="truecraft-bench-")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # A separate process, so the clients here do not share the server's GIL.
    env = {**os.environ, "TRUECRAFT_DB": f"{tmp}/bench.db", "TRUECRAFT_WORKBOOK": f"{tmp}/bench.xlsx",
           "TRUECRAFT_BACKEND": "local", "TRUECRAFT_DOTENV": f"{tmp}/none.env", "SHOPIFY_WEBHOOK_SECRET": SECRET,
           "TRUECRAFT_PLATFORM_POLL_SECONDS": "3600", "TRUECRAFT_BENCH_CEILING": "1", "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "webhooks.serve", "--port", str(port), "--threads", str(args.threads)]
    proc = subprocess.Popen(cmd + (["--no-jobs"] if args.no_jobs else []), cwd=tmp, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if requests.get(f"{base}/healthz", timeout=1).ok:
                break
        except requests.ConnectionError:
            time.sleep(0.05)
    sheet_side = importlib.util.find_spec("automations.runner") is not None
    journal = Journal(f"{tmp}/bench.db")

    warm = signed(50, 10_000_000)
    blast(f"{base}/_bench/ceiling", warm, args.concurrency)
    ceiling_s, ceiling_lat, _ = blast(f"{base}/_bench/ceiling", signed(args.n, 20_000_000), args.concurrency)
    load = signed(args.n, 30_000_000)
    real_s, real_lat, acked_at = blast(f"{base}/webhooks/shopify", load, args.concurrency)

    visible: list[float] = []
    label = "row written to sheet backend (local workbook)" if sheet_side \
        else "order stored in journal (no sheet side installed)"
    if not args.no_jobs:
        pending = {str(30_000_000 + i): acked_at[i] for i in range(args.n) if acked_at[i]}
        deadline = time.monotonic() + 120
        while pending and time.monotonic() < deadline:
            rows = journal.execute("SELECT platform_order_id, rev, sheet_rev FROM orders WHERE platform='shopify'")
            now = time.monotonic()
            for pid, rev, sheet_rev in rows.fetchall():
                done = sheet_rev >= rev if label.startswith("row") else True
                if pid in pending and done:
                    visible.append(now - pending.pop(pid))
            time.sleep(0.02)
    journal.close()
    proc.send_signal(signal.SIGTERM)
    proc.wait(60)

    c_rate, r_rate = len(ceiling_lat) / ceiling_s, len(real_lat) / real_s
    print(f"n={args.n} concurrency={args.concurrency} server threads={args.threads} "
          f"python={sys.version.split()[0]} (server in its own process, jobs {'off' if args.no_jobs else 'on'})")
    print(f"{'endpoint':<28}{'accepted':>9}{'accepted/s':>12}{'p50 ms':>9}{'p99 ms':>9}")
    print(f"{'ceiling (bare 200)':<28}{len(ceiling_lat):>9}{c_rate:>12.0f}{pct(ceiling_lat, 50):>9.1f}"
          f"{pct(ceiling_lat, 99):>9.1f}")
    print(f"{'/webhooks/shopify (signed)':<28}{len(real_lat):>9}{r_rate:>12.0f}{pct(real_lat, 50):>9.1f}"
          f"{pct(real_lat, 99):>9.1f}")
    print(f"throughput vs ceiling: {100 * r_rate / c_rate:.0f}% (target >= 50%); "
          f"p99 ack {pct(real_lat, 99):.1f} ms (target < 50 ms)")
    if visible:
        print(f"ack -> {label}: {len(visible)}/{len(real_lat)} seen, p50 {pct(visible, 50):.0f} ms, "
              f"p95 {pct(visible, 95):.0f} ms, max {max(visible) * 1000:.0f} ms (target p95 < 5000 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
