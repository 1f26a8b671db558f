"""`python main.py labels print|list`: one PDF with every label bought since the last print.

`print` uses the same EasyPost batch as the Dashboard's "Labels to print" link
(automations/labels/printing.py), saves its PDF and counts those labels as printed.
"""
from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from automations.labels.printing import LabelPrints
from connectors.base import ConnectorError
from automations.labels.store import LabelStore
from core.journal import Journal, private_file

Out = Callable[[str], None]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """labels print [--out PATH] | labels list."""
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    p = sub.add_parser("print", help="save one PDF holding every label bought since the last print",
                       description="Ask EasyPost for one PDF holding every label bought since the last print, "
                                   "save it, and count those labels as printed.")
    p.add_argument("--out", default="", metavar="PATH",
                   help="where to save the PDF (default labels-YYYY-MM-DD-HHMM.pdf in this folder)")
    sub.add_parser("list", help="labels bought and not yet printed", description="Labels bought and not yet printed.")


def run(args: argparse.Namespace, settings: Any, out: Out = print, connector=None, fetch=None) -> int:
    """Run `labels print` or `labels list`; returns the exit code."""
    if not Path(settings.db).exists():
        out(f"There is no journal at {settings.db} yet. Run TrueCraft once (or set TRUECRAFT_DB) and try again.")
        return 1
    journal = Journal(settings.db)
    try:
        store = LabelStore(journal)
        waiting = store.unprinted()
        if getattr(args, "action", None) != "print":
            if not waiting:
                out("No labels waiting to be printed.")
            for row in waiting:
                label = row.label
                out(f"{row.order_id}: {label.postage_shown()} · tracking {label.tracking} · {label.label_url}")
            return 0
        if not waiting:
            out("No labels waiting to be printed: every bought label is in an earlier PDF.")
            return 0
        if connector is None:
            from connectors.easypost.connector import EasyPostConnector

            connector = EasyPostConnector.from_env(settings.env)
        if connector is None:
            out("Label buying is off: add EASYPOST_API_KEY to the settings (README, Shipping labels) and try again.")
            return 2
        out(f"Asking EasyPost for one PDF with {len(waiting)} label(s) …")
        prints = LabelPrints(journal, connector, settings.env)
        try:
            url = _current_pdf(prints, {r.id for r in waiting}, connector.sleep)
        except ConnectorError as exc:  # plain words (connectors/easypost/client.py)
            out(f"Couldn't make the PDF: {exc}")
            return 3
        if not url:
            out("EasyPost is still making the PDF; try `labels print` again in a minute.")
            return 3
        path = Path(args.out or f"labels-{datetime.now():%Y-%m-%d-%H%M}.pdf")
        path.write_bytes((fetch or _download)(url))
        private_file(path)  # labels carry buyers' names and addresses
        with journal.transaction():
            count = prints.mark_printed()  # the same batch the Dashboard links to: nothing printed twice
            journal.kv_set("labels:last_pdf", url)
        out(f"Saved {count} label(s) to {path} (also at {url}).")
        return 0
    finally:
        journal.close()


def _current_pdf(prints: LabelPrints, waiting: set[int], sleep) -> str:
    """The batch PDF holding exactly these labels (made now if needed), waiting a bounded time for EasyPost."""
    from connectors.easypost.connector import BATCH_LABEL_WAITS

    for wait in (0.0, *BATCH_LABEL_WAITS):
        if wait:
            sleep(wait)
        prints.refresh(force=True)
        st = prints.state()
        if st.get("url") and set(st.get("pdf_rows") or []) == waiting:
            return st["url"]
    return ""


def _download(url: str) -> bytes:
    """The PDF EasyPost made (a plain GET of its label URL)."""
    from core.http import build_session

    response = build_session().get(url, timeout=30)
    response.raise_for_status()
    return response.content
