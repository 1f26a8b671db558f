"""The init, import, doctor and sync commands."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.config import Settings
from sheet_schema.tabs import WORKBOOK
from sheets.base import SheetUnavailable

FORMATS = ("unified", "etsy", "shopify", "square", "amazon")


def add_init_arguments(p: argparse.ArgumentParser) -> None:
    """init takes no options."""
    p.epilog = "Safe to run again: it adds only what is missing and never moves or deletes your data."


def run_init(args, settings: Settings) -> int:
    """Create or upgrade every tab of the sheet."""
    from automations.runner import Runner

    runner = Runner.from_settings(settings, with_connectors=False)
    print(f"Setting up {runner.backend.describe()} ...")
    done = runner.backend.init_layout(WORKBOOK, settings.duplicate_threshold)
    for line in done:
        print(f"  - {line}")
    print("Everything was already up to date." if not done else f"Done: {len(done)} change(s).")
    runner.close()
    return 0


def add_import_arguments(p: argparse.ArgumentParser) -> None:
    """import PATH --format F."""
    p.add_argument("path", help="the CSV file to load")
    p.add_argument("--format", choices=FORMATS, default="unified",
                   help="unified (TrueCraft's own CSV) or a platform's order export (default: unified)")
    p.add_argument("--no-sheet", action="store_true", help="only store the orders; don't update the sheet now")
    p.epilog = ("Importing the same file twice adds nothing. Rows that can't be read are listed by line "
                "number; the rest still load.")


def run_import(args, settings: Settings) -> int:
    """Load a CSV into the journal and the sheet."""
    from automations.runner import Runner
    from importers import read_export

    path = Path(args.path)
    if not path.is_file():
        print(f"There is no file at {path}. Check the path (drag the file into this window to paste it).",
              file=sys.stderr)
        return 2
    orders, errors = read_export(path, args.format)
    runner = Runner.from_settings(settings, with_connectors=False)
    created = updated = 0
    chunk = 500
    progress = _progress(len(orders), "Storing orders")
    for start in range(0, len(orders), chunk):
        results = runner.ingest(orders[start:start + chunk], source=f"import:{path.name}")
        created += sum(r.created for r in results)
        updated += sum(r.changed and not r.created for r in results)
        progress.update(len(results))
    progress.close()
    print(f"Read {len(orders)} order(s) from {path.name}: {created} new, {updated} updated, "
          f"{len(orders) - created - updated} already in TrueCraft.")
    for err in errors:
        print(f"  skipped {err}", file=sys.stderr)
    if errors:
        print(f"{len(errors)} row(s) were skipped; fix them in the file and import it again — "
              f"orders already loaded won't be added twice.", file=sys.stderr)
    rc = 0
    if not args.no_sheet:
        try:
            report = runner.flush()
            print(f"Sheet updated ({runner.backend.describe()}): {report.summary()}.")
        except SheetUnavailable as exc:
            print(f"The orders are safely stored, but the sheet could not be updated yet: {exc}",
                  file=sys.stderr)
            rc = 1
    runner.close()
    return rc if orders or not errors else 1


def _progress(total: int, label: str):
    from tqdm import tqdm

    return tqdm(total=total, desc=label, unit=" orders", disable=total < 2000 or not sys.stderr.isatty(),
                file=sys.stderr)


def add_doctor_arguments(p: argparse.ArgumentParser) -> None:
    """doctor --offline."""
    p.add_argument("--offline", action="store_true", help="don't call any platform; only check settings")


def run_doctor(args, settings: Settings) -> int:
    """Say what is configured and what is missing."""
    from cli.doctor import doctor

    return doctor(settings, offline=args.offline)


def add_sync_arguments(p: argparse.ArgumentParser) -> None:
    """sync [--once]."""
    p.add_argument("--once", action="store_true", help="do one round and stop (default: keep going)")
    p.add_argument("--every", type=int, default=None, help="seconds between rounds (default TRUECRAFT_PLATFORM_POLL_SECONDS)")


def run_sync(args, settings: Settings) -> int:
    """Poll platforms, update the sheet, push fulfilments: once or on a schedule."""
    from cli.syncloop import sync

    return sync(settings, once=args.once, every=args.every)

