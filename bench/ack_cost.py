"""Where an acknowledgement's CPU goes: the signed Shopify endpoint with parts switched off.

Runs serve() in this process (its inbox on a temp dir, no jobs) and sends signed webhooks from
client processes (bench/load_clients.py). Variants alternate batch by batch, so all of them see
the same machine: the full path, without durable storage, without JSON validation, without
either, and the bare "return 200" endpoint. Prints accepted/s and this process's CPU per request.
The switched-off variants are diagnostics only (monkeypatched here; never in `serve`).

    .venv/bin/python bench/ack_cost.py --clients 8 --rounds 6
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["TRUECRAFT_BENCH_CEILING"] = "1"  # before the app is built: the bare endpoint

from bench.load_clients import Clients  # noqa: E402
from bench.webhook_load import SECRET, pct, signed  # noqa: E402
from core.journal import Journal  # noqa: E402
from webhooks import handlers, inbox as inbox_mod, serve as serve_mod  # noqa: E402

PARSE, STORE = handlers.parse_json, inbox_mod.Inbox.record_events


def _no_parse(body: bytes):
    return {}, body.decode("utf-8")


def _no_store(self, events):
    return [True for _ in events]


VARIANTS = {  # name: (path, parse_json, Inbox.record_events)
    "full signed path": ("webhooks/shopify", PARSE, STORE),
    "without storage": ("webhooks/shopify", PARSE, _no_store),
    "without JSON check": ("webhooks/shopify", _no_parse, STORE),
    "without either": ("webhooks/shopify", _no_parse, _no_store),
    "bare 200 (ceiling)": ("_bench/ceiling", PARSE, STORE),
}


def main(argv: list[str] | None = None) -> int:
    """Run the variants and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=8, help="concurrent client processes (default 8)")
    parser.add_argument("--rounds", type=int, default=6, help="batches per variant (default 6)")
    parser.add_argument("--batch", type=int, default=400, help="requests per batch (default 400)")
    args = parser.parse_args(argv)
    sys.setswitchinterval(serve_mod.SWITCH_INTERVAL)  # as `serve` runs

    tmp = tempfile.mkdtemp(prefix="truecraft-ackcost-")
    journal, inbox = Journal(f"{tmp}/j.db"), inbox_mod.Inbox(f"{tmp}/j.db-inbox")
    stop, ready = threading.Event(), threading.Event()
    server = threading.Thread(target=serve_mod.serve, args=(SimpleNamespace(journal=journal), "127.0.0.1", 0),
                              kwargs=dict(stop_event=stop, settings=SimpleNamespace(env={"SHOPIFY_WEBHOOK_SECRET": SECRET}),
                                          jobs=False, ready=ready, inbox=inbox))
    server.start()
    ready.wait(10)
    base = f"http://127.0.0.1:{ready.port}"  # type: ignore[attr-defined]
    clients = Clients(args.clients, signed)
    clients.blast(f"{base}/webhooks/shopify", 100, 1_000_000)  # warm-up
    totals = {name: [0.0, 0.0, []] for name in VARIANTS}
    next_id = 2_000_000
    try:
        for _ in range(args.rounds):
            for name, (path, parse, store) in VARIANTS.items():
                handlers.parse_json, inbox_mod.Inbox.record_events = parse, store
                cpu = time.process_time()
                took, lat, _ = clients.blast(f"{base}/{path}", args.batch, next_id)
                next_id += args.batch
                totals[name][0] += time.process_time() - cpu
                totals[name][1] += took
                totals[name][2] += lat
    finally:
        handlers.parse_json, inbox_mod.Inbox.record_events = PARSE, STORE
        clients.close()
        stop.set()
        server.join(30)
        inbox.close()
    print(f"{args.clients} client processes, {args.rounds} x {args.batch} requests per variant, "
          f"variants alternating; server CPU = this process's user+system time per accepted request")
    print(f"{'variant':<22}{'accepted/s':>11}{'server CPU ms/req':>19}{'p50 ms':>8}{'p99 ms':>8}")
    for name, (cpu, took, lat) in totals.items():
        print(f"{name:<22}{len(lat) / took:>11.0f}{1000 * cpu / max(1, len(lat)):>19.2f}"
              f"{pct(lat, 50):>8.1f}{pct(lat, 99):>8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
