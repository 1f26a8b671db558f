"""Benchmark: what one steady-state watch cycle costs as the shop's history grows (issue 16).

A year of a busy shop, N orders spread over 365 days (all but the last week FULFILLED
with a tracking number), about 5 Audit Log lines per order, in the journal and in the
sheet. Runs the real gspread against the Sheets stand-in on loopback and prints, side
by side: response bytes downloaded per cycle (JSON as Google sends it, before any
gzip), API requests per cycle and seconds per cycle, averaged over a few cycles in
which nobody edits anything. Then the same for the slower check of the service-owned
tabs (every TRUECRAFT_SHEET_CHECK_MINUTES, 15 by default). Then archiving is turned on at
the default window (TRUECRAFT_ARCHIVE_DAYS=90; a second stand-in spreadsheet): the first
run's cost, and a steady-state cycle afterwards.
Usage:
    python bench/sheet_scale.py [--sizes 1000,10000,50000] [--cycles 3]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from automations.archive_cell import CELL, make_archiver  # noqa: E402
from automations.runner import Runner  # noqa: E402
from core.config import Settings  # noqa: E402
from core.http import RetryPolicy  # noqa: E402
from core.journal import Journal  # noqa: E402
from core.models import Address, Customer, LineItem, Money, Order, OrderState, Shipment  # noqa: E402
from sheet_schema.tabs import WORKBOOK  # noqa: E402
from sheets.google_backend import GoogleSheetsBackend  # noqa: E402
from tests.standin.sheets_server import SheetsStandin  # noqa: E402

NOW = datetime(2026, 12, 1, 12, tzinfo=timezone.utc)
ITEMS = tuple(f"{a} {b}" for a in ("Linen", "Wool", "Oak", "Leather", "Beeswax", "Ceramic", "Silver", "Cotton")
              for b in ("Wrap Jacket", "Beanie", "Mug", "Card Wallet", "Candle", "Bowl", "Ring", "Tote"))
FIRST = ("Olivia", "Liam", "Emma", "Noah", "Ava", "Elijah", "Sophia", "James", "Isabella", "Lucas", "Mia",
         "Mateo", "Amelia", "Ethan", "Harper", "Kai", "Evelyn", "Leo", "Chloe", "Ezra", "Priya", "Omar",
         "Yuki", "Sven", "Aisha", "Diego", "Mei", "Tomas", "Zara", "Ines")
LAST = ("Chen", "Reed", "Okafor", "Novak", "Haddad", "Lindqvist", "Moreau", "Tanaka", "Silva", "Kowalski",
        "Murphy", "Patel", "Jensen", "Rossi", "Nguyen", "Fischer", "Alvarez", "Brennan", "Kim", "Dubois",
        "Ivanova", "Mensah", "Costa", "Sato", "Walsh", "Berg", "Ortiz", "Hughes", "Lam", "Varga")
STREETS = ("Main St", "Oak Ave", "Pine Rd", "Elm St", "Cedar Ln", "Maple Dr", "Birch Way", "Lake Rd")
AUDIT_PER_ORDER = 5


def year_of_orders(n: int) -> list[Order]:
    """n orders over the last 365 days; everything older than a week is shipped."""
    out = []
    for i in range(n):
        created = NOW - timedelta(days=365) + timedelta(seconds=i * 365 * 86400 // n)
        shipped = NOW - created > timedelta(days=7)
        item = ITEMS[(i * 37) % len(ITEMS)]
        k = i % (n * 3 // 4 or 1)  # a quarter of the orders come from returning customers
        first, last = FIRST[(k * 7) % len(FIRST)], LAST[(k // len(FIRST) * 11) % len(LAST)]
        out.append(Order(
            platform=("etsy", "shopify", "square", "amazon")[i % 4], platform_order_id=str(100000 + i),
            created_at=created, updated_at=created,
            customer=Customer(f"{first} {last}", f"{first}.{last}.{k}@example.com".lower()),
            ship_to=Address(line1=f"{100 + k} {STREETS[k % len(STREETS)]}", city="Portland", region="OR",
                            postal_code=f"97{200 + k % 90}", country="US"),
            items=(LineItem(item, 1, Money("48.00", "USD"), sku=f"SKU-{(i * 37) % len(ITEMS)}"),),
            total=Money("48.00", "USD"), state=OrderState.FULFILLED if shipped else OrderState.PAID,
            shipments=(Shipment("USPS", f"9400111899223{i:09d}", created + timedelta(days=2)),) if shipped else ()))
    return out


def more_audit(journal: Journal, orders: list[Order]) -> None:
    """Bring the journal to ~5 audit lines per order (status, e-mail, stock, notes…), each dated when its order was."""
    kinds = ("status changed", "tracking e-mail sent", "stock taken", "notes changed")
    when = [o.created_at.isoformat() for o in orders]
    rows = [(when[i], f"TC-{i + 1}", kinds[k], "", "done", "truecraft", "", "")
            for i in range(len(orders)) for k in range(AUDIT_PER_ORDER - 1)]
    with journal.transaction():
        journal._db.executemany(  # noqa: SLF001 - bulk set-up for a benchmark only
            "INSERT INTO audit (at, order_id, kind, old, new, source, editor, detail) VALUES (?,?,?,?,?,?,?,?)", rows)
        journal._db.executemany("UPDATE audit SET at=? WHERE order_id=? AND kind='received'",  # noqa: SLF001
                                [(w, f"TC-{i + 1}") for i, w in enumerate(when)])


def build(tmp: Path, n: int):
    """A stand-in spreadsheet holding n orders, their customers and ~5n audit lines; the runner on it."""
    standin = SheetsStandin().start()
    sid = standin.create_spreadsheet("Scale")
    cred = standin.write_service_account_file(tmp / "sa.json")
    backend = GoogleSheetsBackend(sid, str(cred), standin.url, budget_per_minute=10**6,
                                  policy=RetryPolicy(attempts=3, base=0.01, timeout=600))
    journal = Journal(tmp / "j.db")
    backend.init_layout(WORKBOOK)
    orders = year_of_orders(n)
    journal.upsert_many(orders)
    more_audit(journal, orders)
    runner = Runner(Settings(backend="google", google_sheet_id=sid), journal, backend)
    runner.flush()
    runner.watch()  # the first cycle writes Customers and SKU Map
    runner.watch()
    return standin, backend, runner


def archive_on(standin, runner, served=None) -> tuple[float, float, float, int, float]:
    """Turn archiving on (a second spreadsheet, default window) and run it:
    (bytes, requests, seconds, moved, seconds the stand-in spent answering)."""
    aid = standin.create_spreadsheet("Scale archive")
    runner.settings = replace(runner.settings, archive_sheet_id=aid)
    runner.archiver = make_archiver(runner.settings, runner.journal, runner.backend)
    runner.archiver.clock = lambda: NOW
    runner.sync.reader.cells.append(CELL)
    backend = runner.backend
    s0 = served.seconds if served else 0.0
    b0, r0, t0 = backend.session.bytes_received, backend.requests_sent, time.perf_counter()
    report = runner.watch().archive
    took = time.perf_counter() - t0
    out = (backend.session.bytes_received - b0, backend.requests_sent - r0, took, len(report.archived),
           (served.seconds - s0) if served else 0.0)
    runner.watch()  # one cycle settles it: headers and Customers read afresh, the run's Audit Log line
    return out


class Timed:
    """Wraps the stand-in's WSGI app to add up the time it spends answering (it shares our 2 cores)."""

    def __init__(self, app) -> None:
        self.app, self.seconds = app, 0.0

    def __call__(self, environ, start_response):
        t0 = time.perf_counter()
        try:
            return self.app(environ, start_response)
        finally:
            self.seconds += time.perf_counter() - t0


def measure(backend, runner, cycles: int, check: bool = False, served: Timed | None = None):
    """(bytes, requests, seconds, seconds the stand-in spent answering) per cycle, averaged."""
    b0, r0 = backend.session.bytes_received, backend.requests_sent
    s0 = served.seconds if served else 0.0
    t0 = time.perf_counter()
    for _ in range(cycles):
        if check:
            runner.sync.check.last = -1e12  # due now
        report = runner.watch()
        assert report.edits == 0, report
    took = time.perf_counter() - t0
    server = (served.seconds - s0) if served else 0.0
    return ((backend.session.bytes_received - b0) / cycles, (backend.requests_sent - r0) / cycles, took / cycles,
            server / cycles)


def main(argv: list[str] | None = None) -> int:
    """Print one table: per size, the steady-state cycle and the slower check."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="1000,10000,50000", help="orders in the journal and the sheet")
    p.add_argument("--cycles", type=int, default=5, help="steady-state cycles to average")
    args = p.parse_args(argv)
    rows = []
    for n in [int(x) for x in args.sizes.split(",") if x]:
        print(f"  (building {n:,} orders + {n * AUDIT_PER_ORDER:,} audit lines ...)", file=sys.stderr, flush=True)
        with tempfile.TemporaryDirectory() as d:
            standin, backend, runner = build(Path(d), n)
            served = Timed(standin._server.app)  # noqa: SLF001 - the benchmark's own stand-in
            standin._server.app = served  # noqa: SLF001
            cycle = measure(backend, runner, args.cycles, served=served)
            slow = measure(backend, runner, 1, check=True, served=served)
            print(f"  ({n:,}: cycle {cycle[0] / 1e6:.3f} MB {cycle[2]:.3f} s, stand-in {cycle[3]:.3f} s; "
                  f"check {slow[0] / 1e6:.2f} MB {slow[2]:.2f} s)", file=sys.stderr, flush=True)
            cells = sum(len(r) for t in WORKBOOK.tabs for r in _values(standin, runner, t.name))
            print(f"  (archiving {n:,} ...)", file=sys.stderr, flush=True)
            moved = archive_on(standin, runner, served)
            arch = measure(backend, runner, args.cycles)
            rows.append((n, cycle, slow, cells, len(runner.pipeline.duplicates.store.pairs()), arch, moved))
            print(f"  ({n:,}: off {cycle[0] / 1e6:.3f} MB {cycle[1]:.1f} req {cycle[2]:.3f} s; on "
                  f"{arch[0] / 1e6:.3f} MB {arch[1]:.1f} req {arch[2]:.3f} s; run {moved})", file=sys.stderr, flush=True)
            runner.close()
            standin.stop()
    base = rows[0][1][2] if rows else 1.0
    print(f"{'orders':>8} {'MB/cycle':>9} {'req/cycle':>10} {'s/cycle':>8} {'x 1st':>6} {'stand-in s':>10}   "
          f"{'check MB':>9} {'check req':>10} {'check s':>8} {'cells':>10} {'dup pairs':>9}")
    for n, (mb, req, sec, srv), (cmb, creq, csec, _), cells, pairs, _, _ in rows:
        print(f"{n:>8,} {mb / 1e6:>9.3f} {req:>10.1f} {sec:>8.3f} {sec / base:>6.2f} {srv:>10.3f}   "
              f"{cmb / 1e6:>9.3f} {creq:>10.0f} {csec:>8.2f} {cells:>10,} {pairs:>9,}")
    print("stand-in s: of s/cycle, the time the Sheets stand-in spent answering (on the same cores)")
    print(f"\nArchiving on at the default window ({Settings().archive_days} days): a cycle after the first archive run")
    print(f"{'orders':>8} {'MB/cycle':>9} {'req/cycle':>10} {'s/cycle':>8} {'x 1st':>6}   "
          f"{'moved':>7} {'run MB':>8} {'run req':>8} {'run s':>7} {'stand-in s':>10}")
    for n, *_, (mb, req, sec, _), (rmb, rreq, rsec, moved, rsrv) in rows:
        print(f"{n:>8,} {mb / 1e6:>9.3f} {req:>10.1f} {sec:>8.3f} {sec / base:>6.2f}   "
              f"{moved:>7,} {rmb / 1e6:>8.2f} {rreq:>8,} {rsec:>7.1f} {rsrv:>10.1f}")
    return 0


def _values(standin, runner, tab: str) -> list[list]:
    try:
        return standin.values(runner.backend.sheet_id, tab)
    except KeyError:
        return []


if __name__ == "__main__":
    sys.exit(main())
