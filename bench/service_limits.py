"""Print the figures behind issue 11: Shopify query costs and the request sizes of a big Google import.

    python bench/service_limits.py [--orders 40000]

Runs the real gspread against the Sheets stand-in on loopback (tests/standin/), which
refuses bodies over 10,485,760 bytes and copies Google's row inheritance.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def shopify_costs() -> None:
    """Requested cost of every Shopify document with the variables the code passes."""
    from tests.connectors.test_shopify_cost import _documents
    from tests.standin.shopify_cost import requested_cost

    print("Shopify requested cost per document (limit 1,000):")
    for name, doc, variables in _documents():
        print(f"  {name:32} {requested_cost(doc, variables):6,}")


def google_import(n: int) -> None:
    """Flush n orders into a fresh Google sheet (stand-in) and print every request's body size."""
    from core.http import RetryPolicy
    from core.journal import Journal
    from sheet_schema.tabs import ORDERS, WORKBOOK
    from sheets.google_backend import GoogleSheetsBackend
    from sheets.sync import SheetSync
    from tests.foundation.factories import make_order
    from tests.standin.sheets_server import SheetsStandin

    tmp = Path(tempfile.mkdtemp())
    standin = SheetsStandin().start()
    try:
        sid = standin.create_spreadsheet("bench")
        cred = standin.write_service_account_file(tmp / "sa.json")
        backend = GoogleSheetsBackend(sid, cred, standin.url, budget_per_minute=1000,
                                      policy=RetryPolicy(attempts=2, base=0, cap=0, timeout=600))
        journal = Journal(tmp / "j.db")
        backend.init_layout(WORKBOOK)
        print(f"Importing {n:,} orders (200-character notes) into the Google stand-in ...", flush=True)
        journal.upsert_many([make_order(str(i), minutes=i, notes="x" * 200) for i in range(n)])
        standin.reset_counts()
        began = time.monotonic()
        SheetSync(journal, backend).flush()
        took = time.monotonic() - began
        rows = len(standin.values(sid, ORDERS)) - 1
        print(f"  rows in the Orders tab: {rows:,} (took {took:.1f} s, mostly the stand-in)")
        for (method, path, _), size in zip(standin.requests, standin.body_sizes):
            print(f"  {method:4} {path.rsplit('/', 1)[-1][:40]:40} {size:12,} bytes")
        appends = [s for (m, p, _), s in zip(standin.requests, standin.body_sizes) if ":append" in p and ORDERS in p]
        print(f"  one-request append would have been ~{sum(appends):,} bytes; largest now {max(standin.body_sizes):,}"
              f" (Google's limit 10,485,760)")
        journal.close()
    finally:
        standin.stop()


def main(argv=None) -> int:
    """Run both measurements."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=40_000, help="orders to import (default 40,000)")
    args = parser.parse_args(argv)
    shopify_costs()
    google_import(args.orders)
    return 0


if __name__ == "__main__":
    sys.exit(main())
