"""How long from the seller's FULFILLED edit to 'Shipped on …' in the journal (fake platform, real SQLite).

Usage: .venv/bin/python bench/fulfil_latency.py [orders]
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from automations.fulfilment.service import FulfilmentService  # noqa: E402
from core.journal import Journal  # noqa: E402
from tests.foundation.factories import make_order  # noqa: E402
from tests.fulfilment.helpers import FakePlatform, diff, fulfil_edits  # noqa: E402


def main(n: int = 500) -> None:
    """Decide, enqueue and push `n` fulfilments one watch cycle each; print latency percentiles."""
    with tempfile.TemporaryDirectory() as tmp:
        journal = Journal(Path(tmp) / "bench.db")
        svc = FulfilmentService(journal, {"etsy": FakePlatform()})
        ids = [r.order_id for r in journal.upsert_many(make_order(str(i), minutes=i) for i in range(n))]
        timings = []
        for oid in ids:
            start = time.perf_counter()
            svc.handle_edits(diff(*fulfil_edits(oid)), {oid: journal.get(oid)})
            svc.push_pending()
            timings.append((time.perf_counter() - start) * 1000)
        timings.sort()
        p95 = timings[int(len(timings) * 0.95) - 1]
        print(f"{n} fulfilments: median {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms, "
              f"max {timings[-1]:.1f} ms (edit -> decided -> pushed -> Sync written)")
        journal.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
