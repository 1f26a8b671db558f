"""Benchmark: Sheets API requests and wall time to flush N new orders and to run one watch cycle.

Runs the real gspread against the Sheets stand-in on loopback. Usage:
    python bench/sheet_requests.py [--sizes 10,1000,10000] [--watch-rows 10000]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from automations.runner import Runner  # noqa: E402
from core.config import Settings  # noqa: E402
from core.http import RetryPolicy  # noqa: E402
from core.journal import Journal  # noqa: E402
from core.models import Address, Customer, LineItem, Money, Order  # noqa: E402
from sheet_schema.tabs import WORKBOOK  # noqa: E402
from sheets.google_backend import GoogleSheetsBackend  # noqa: E402
from tests.standin.sheets_server import SheetsStandin  # noqa: E402

T0 = datetime(2026, 11, 27, 9, tzinfo=timezone.utc)


def orders(n: int, offset: int = 0) -> list[Order]:
    """n plausible orders."""
    out = []
    for i in range(offset, offset + n):
        out.append(Order(
            platform=("etsy", "shopify", "square", "amazon")[i % 4], platform_order_id=str(100000 + i),
            created_at=T0 + timedelta(seconds=i), customer=Customer(f"Buyer {i}", f"b{i}@example.com"),
            ship_to=Address(line1=f"{i} Main St", city="Portland", region="OR", postal_code="97201", country="US"),
            items=(LineItem("Linen Wrap Jacket", 1, Money("200.00", "USD"), sku="LW-001"),),
            total=Money("200.00", "USD")))
    return out


def setup(tmp: Path):
    """A fresh stand-in spreadsheet, journal and runner (budget off: we count, not throttle)."""
    standin = SheetsStandin().start()
    sid = standin.create_spreadsheet("Bench")
    cred = standin.write_service_account_file(tmp / "sa.json")
    backend = GoogleSheetsBackend(sid, str(cred), standin.url, budget_per_minute=10**6,
                                  policy=RetryPolicy(attempts=3, base=0.01, timeout=120))
    runner = Runner(Settings(), Journal(tmp / "j.db"), backend)
    backend.init_layout(WORKBOOK)
    runner.flush()
    return standin, runner


def main(argv: list[str] | None = None) -> int:
    """Print a table of requests and seconds per scenario."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="10,1000,10000", help="comma-separated batch sizes to flush")
    p.add_argument("--watch-rows", type=int, default=10000, help="rows in the Orders tab for the watch cycle")
    args = p.parse_args(argv)
    print(f"{'scenario':<42}{'API requests':>13}{'seconds':>10}")
    for n in [int(x) for x in args.sizes.split(",") if x]:
        with tempfile.TemporaryDirectory() as d:
            standin, runner = setup(Path(d))
            runner.ingest(orders(n))
            standin.reset_counts()
            t = time.perf_counter()
            runner.flush()
            took = time.perf_counter() - t
            print(f"{f'flush {n:,} new orders':<42}{len(standin.requests):>13}{took:>10.2f}", flush=True)
            standin.stop()
    with tempfile.TemporaryDirectory() as d:
        standin, runner = setup(Path(d))
        print(f"  (building a {args.watch_rows:,}-row Orders tab ...)", file=sys.stderr, flush=True)
        runner.ingest(orders(args.watch_rows))
        runner.flush()
        standin.reset_counts()
        t = time.perf_counter()
        runner.watch()  # the first cycle fills the Customers and SKU Map tabs
        took = time.perf_counter() - t
        print(f"{'first watch cycle (fills Customers, SKU Map)':<42}{len(standin.requests):>13}{took:>10.2f}")
        standin.reset_counts()
        t = time.perf_counter()
        report = runner.watch()
        took = time.perf_counter() - t
        label = f"watch cycle on {args.watch_rows:,} rows (no edits)"
        print(f"{label:<42}{len(standin.requests):>13}{took:>10.2f}")
        standin.stop()
        assert report.edits == 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
