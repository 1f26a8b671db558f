"""`python main.py duplicates PATH`: scan a unified CSV offline and list likely duplicate orders."""
from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
from pathlib import Path

from automations.duplicates.detector import DuplicateDetector, DuplicatePair, SkuMap
from core.models import DomainError

PROGRESS_FROM = 2000  # below this a scan is instant and a progress bar is noise


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the duplicates command's arguments to `parser`."""
    parser.description = ("Scan a unified CSV (one row per line item) for orders that look like the "
                          "same purchase made twice, e.g. an Etsy order and a Square invoice.")
    parser.add_argument("path", metavar="PATH", help="unified CSV file")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object per flagged pair instead of a table")
    parser.add_argument("--threshold", type=int, default=None, metavar="N",
                        help="flag pairs scoring at least N (0-100; default TRUECRAFT_DUPLICATE_THRESHOLD or 70)")
    parser.add_argument("--check-threshold", type=int, default=None, metavar="N",
                        help="show pairs scoring at least N as 'check' (default TRUECRAFT_DUPLICATE_CHECK_THRESHOLD or 40)")
    parser.add_argument("--window", type=int, default=None, metavar="MINUTES",
                        help="compare orders at most this far apart (default TRUECRAFT_DUPLICATE_WINDOW_MINUTES or 120)")
    parser.add_argument("--sku-map", default=None, metavar="PATH",
                        help="CSV with columns platform,platform_sku,title,internal_sku")


def _read(path: str):
    try:
        from importers.unified import read_unified_csv
    except ImportError:  # pragma: no cover - the lead's importer ships with the app
        raise DomainError("the unified CSV importer (importers/unified.py) is missing") from None
    return read_unified_csv(path)


def _table(pairs: list[DuplicatePair]) -> str:
    rows = [("Score", "Order A", "Order B", "Reasons")]
    rows += [(f"{p.score}{'' if p.band == 'flag' else '?'}", p.key_a, p.key_b,
              "; ".join(p.reasons) + (f". {p.note}." if p.note else "")) for p in pairs]
    wa = max(len(r[1]) for r in rows)
    wb = max(len(r[2]) for r in rows)
    lines = []
    for n, (score, a, b, reasons) in enumerate(rows):
        wrapped = textwrap.wrap(reasons, 70) or [""]
        lines.append(f"{score:>5}  {a:<{wa}}  {b:<{wb}}  {wrapped[0]}")
        lines += [f"{'':>5}  {'':<{wa}}  {'':<{wb}}  {more}" for more in wrapped[1:]]
        if n == 0:
            lines.append(f"{'-' * 5}  {'-' * wa}  {'-' * wb}  {'-' * 30}")
    return "\n".join(lines)


def _progress(total: int):
    if total < PROGRESS_FROM:
        return None, None
    from tqdm import tqdm
    bar = tqdm(total=total, desc="scanning", unit="order", file=sys.stderr, leave=False)
    return bar, bar.update


def run(args: argparse.Namespace) -> int:
    """Run the scan; 0 when it completed (pairs or not), 1 when the input could not be read."""
    path = Path(args.path)
    if not path.is_file():
        print(f"cannot read {path}: no such file — check the path", file=sys.stderr)
        return 1
    try:
        sku_map = SkuMap.from_csv(args.sku_map) if args.sku_map else SkuMap()
    except (OSError, DomainError) as exc:
        print(f"cannot use the SKU map: {exc}", file=sys.stderr)
        return 1
    for name in ("threshold", "check_threshold"):
        value = getattr(args, name, None)
        if value is not None and not 0 <= value <= 100:
            print(f"--{name.replace('_', '-')} must be between 0 and 100", file=sys.stderr)
            return 1
    try:
        orders, errors = _read(str(path))
    except (OSError, DomainError) as exc:
        print(f"cannot read {path}: {exc}", file=sys.stderr)
        return 1
    for error in errors:
        print(f"line {error.line}: {error.reason}", file=sys.stderr)
    detector = DuplicateDetector(window_minutes=args.window, threshold=args.threshold, sku_map=sku_map,
                                 check_threshold=getattr(args, "check_threshold", None))
    bar, tick = _progress(len(orders))
    try:
        pairs = detector.scan(orders, progress=tick)
    finally:
        if bar is not None:
            bar.close()
    if args.json:
        for p in pairs:
            print(json.dumps({"a": p.key_a, "b": p.key_b, "score": p.score, "band": p.band,
                              "reasons": list(p.reasons), "note": p.note}, ensure_ascii=False))
    elif pairs:
        print(_table(pairs))
    checks = sum(p.band == "check" for p in pairs)
    summary = (f"{len(orders)} orders, {len(pairs)} possible duplicate pair(s) "
               f"(threshold {detector.threshold}, window {detector.window_minutes} min)")
    if checks:
        summary += f"; {checks} of them only worth a check (score marked '?', below {detector.threshold})"
    if errors:
        summary += f"; {len(errors)} row(s) skipped"
    print(summary, file=sys.stderr if args.json else sys.stdout)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Standalone entry point: python -m automations.duplicates.cli PATH."""
    parser = argparse.ArgumentParser(prog="duplicates")
    add_arguments(parser)
    try:
        return run(parser.parse_args(argv))
    except BrokenPipeError:  # output piped into `head`: stop quietly
        sys.stdout = open(os.devnull, "w")
        return 0


if __name__ == "__main__":
    sys.exit(main())
