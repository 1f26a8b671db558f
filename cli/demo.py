"""`demo`: the whole pipeline on a realistic day of orders, in a folder of its own, no accounts needed."""
from __future__ import annotations

import argparse
import dataclasses
from datetime import datetime, timedelta
from pathlib import Path

from core.config import Settings
from core.journal import Journal
from sheet_schema.tabs import WORKBOOK

DEMO_FILES = ("truecraft-demo.db", "truecraft-demo.db-wal", "truecraft-demo.db-shm", "truecraft-demo.xlsx",
              "truecraft-demo.db-inbox", "truecraft-demo.db-inbox-wal", "truecraft-demo.db-inbox-shm")


class StoryClock:
    """The demo day's clock: the story sets it as it goes (the journal and fulfilment read it)."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, minutes: float) -> None:
        """Move the story on."""
        self.at += timedelta(minutes=minutes)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """demo [--dir DIR] [--no-fulfil]."""
    p.add_argument("--dir", default="truecraft-demo", help="folder for the demo workbook and journal (default ./truecraft-demo)")
    p.add_argument("--no-fulfil", action="store_true", help="stop after the feed and the duplicate flags")


def run(args, settings: Settings) -> int:
    """Run the story end to end and print what a seller would see."""
    from automations.runner import Runner
    from cli.feed import print_alerts, print_feed
    from demo.day import demo_day
    from sheets.local_backend import LocalWorkbookBackend

    import logging

    logging.getLogger("truecraft").setLevel(logging.WARNING)  # the demo prints its own story
    folder = Path(args.dir).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    for name in DEMO_FILES:  # start the story fresh each time; only the demo's own files
        (folder / name).unlink(missing_ok=True)
    db, xlsx = folder / "truecraft-demo.db", folder / "truecraft-demo.xlsx"
    print(f"TrueCraft demo — working in {folder}")
    print(f"  workbook: {xlsx.name}   journal: {db.name}   (nothing is sent anywhere: no accounts are connected)\n")
    demo_settings = dataclasses.replace(settings, backend="local", workbook=str(xlsx), db=str(db),
                                        env={k: v for k, v in settings.env.items()
                                             if k.startswith("TRUECRAFT_") and "SMTP" not in k})
    orders = sorted(demo_day(), key=lambda o: o.created_at)
    # The story keeps its own clock, so each Audit Log line is timed when its change happens in the day.
    clock = StoryClock(orders[0].created_at - timedelta(minutes=5))
    runner = Runner(demo_settings, Journal(db, clock=clock), LocalWorkbookBackend(xlsx), connectors={})
    if runner.pipeline.fulfilment is not None:
        runner.pipeline.fulfilment.clock = clock
    from automations.labels.dry_run import DryRunLabels

    runner.pipeline.labels.connector = DryRunLabels()  # shows what a label would be, buys nothing
    runner.pipeline.labels.env = {"TRUECRAFT_DEFAULT_PARCEL": "12 oz 9x6x2 in",
                                  "TRUECRAFT_SHIP_FROM": "Maker Studio, 1 Kiln Rd, Portland, OR, 97201, US, 503-555-0100",
                                  **runner.pipeline.labels.env}
    try:
        runner.backend.init_layout(WORKBOOK, settings.duplicate_threshold)
        print(f"1. A day of orders arrives: {len(orders)} orders from Etsy, Shopify, Square and Amazon "
              f"(official example payloads, mapped by the real connectors).")
        for order in orders:
            clock.at = order.created_at + timedelta(seconds=20)  # a webhook lands seconds after the sale
            runner.ingest([order], source=f"demo:{order.platform.value}")
        runner.flush()
        runner.watch()
        print("\n2. The unified feed (newest first), as in the Orders tab:\n")
        print_feed(runner.journal)
        print()
        print_alerts(runner)
        if not args.no_fulfil:
            from cli.demo_fulfil import fulfil_story

            fulfil_story(runner, xlsx, clock)
        print(f"\nOpen {xlsx} in Excel or LibreOffice (or upload it to Google Drive) to see every tab.")
    finally:
        runner.close()
    return 0
