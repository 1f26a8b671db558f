"""Signed acknowledgements while anonymous clients poll /healthz, against a long history.

    python bench/healthz_load.py [--events 30000] [--pollers 16] [--orders 300]

Starts the real `serve` (journal pre-filled with processed ~19 KB events) against the
Sheets stand-in on loopback, measures ack latency with no pollers and then with
`--pollers` threads polling /healthz flat out, and prints both.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv=None) -> int:
    """Run the measurement and print the figures."""
    from tests.reliability.harness import ServeProcess, serve_env, start_sheet
    from tests.reliability.healthz_load import fill_history, measure

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=30_000, help="processed events already in the journal")
    parser.add_argument("--pollers", type=int, default=16, help="concurrent anonymous /healthz pollers")
    parser.add_argument("--orders", type=int, default=300, help="signed orders sent per phase")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="healthz-"))
    sheet = start_sheet(tmp)
    serve = ServeProcess(tmp, serve_env(tmp, sheet))
    try:
        began = time.monotonic()
        print(f"Filling the journal with {args.events:,} events of ~19 KB ...", flush=True)
        fill_history(tmp / "journal.db", args.events)
        size = sum(p.stat().st_size for p in tmp.glob("journal.db*"))
        print(f"  {size / 2**20:,.0f} MiB in {time.monotonic() - began:.0f} s", flush=True)
        serve.start()
        quiet = measure(serve, args.orders, 0)
        busy = measure(serve, args.orders, args.pollers, first=100_000)
        remote = measure(serve, args.orders, args.pollers, first=200_000, nice=True)
        print(f"no pollers:          ack p50 {quiet['ack_p50_ms']} ms, p99 {quiet['ack_p99_ms']} ms")
        for label, fig in ((f"{args.pollers} pollers", busy), (f"{args.pollers} pollers, nice 19", remote)):
            print(f"{label:20} ack p50 {fig['ack_p50_ms']} ms, p99 {fig['ack_p99_ms']} ms; "
                  f"/healthz p50 {fig['healthz_p50_ms']} ms over {fig['healthz_calls']:,} calls")
    finally:
        serve.kill_all()
        sheet.standin.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
