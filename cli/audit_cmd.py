"""`python main.py audit TC-12`: everything the journal recorded about an order, machine detail included.

The sheet's Audit Log shows people one line per change in words; this command shows the
whole entry — request bodies, e-mails as they were written, internal fields — for when
someone needs to know exactly what TrueCraft sent or saw.
"""
from __future__ import annotations

import argparse
import email
import json
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from core.journal import Journal, parse_order_id
from sheets.audit_lines import zone_label
from sheets.rows import format_time

Out = Callable[[str], None]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """audit ORDER_ID [--last N]."""
    parser.add_argument("order_id", nargs="?", default="",
                        help="the Order ID from the sheet, like TC-12 (leave out to see the latest entries)")
    parser.add_argument("--last", type=int, default=30, metavar="N",
                        help="without an Order ID: how many of the latest entries to show (default 30)")


def run(args: argparse.Namespace, settings: Any, out: Out = print) -> int:
    """Print the journal's entries for one order (or the latest ones); returns the exit code."""
    if not Path(settings.db).exists():
        out(f"There is no journal at {settings.db} yet. Run TrueCraft once (or set TRUECRAFT_DB) and try again.")
        return 1
    tz = settings.timezone
    journal = Journal(settings.db)
    try:
        if args.order_id:
            return _one_order(journal, args.order_id.strip().upper(), tz, out)
        entries = journal.audit_entries()[-max(1, args.last):]
        out(f"The latest {len(entries)} journal entries (times in {tz}):")
        for e in entries:
            _entry(e, tz, out)
        return 0
    finally:
        journal.close()


def _one_order(journal: Journal, order_id: str, tz: str, out: Out) -> int:
    if parse_order_id(order_id) is None:
        out(f"‘{order_id}’ isn't an Order ID. Order IDs look like TC-12 (the sheet's Order ID column).")
        return 2
    stored = journal.get(order_id)
    if stored is None:
        out(f"There is no order {order_id} in the journal ({journal.path}). Check the Order ID in the sheet.")
        return 1
    o = stored.order
    out(f"{order_id}: {o.platform.label} #{o.platform_order_id}, {o.customer.name or 'no name'}, "
        f"{o.total.display()} (times in {tz})")
    entries = journal.audit_entries(order_id)
    for e in entries:
        _entry(e, tz, out)
    if not entries:
        out("  No journal entries for this order.")
    return 0


def _entry(e: dict, tz: str, out: Out) -> None:
    at = datetime.fromisoformat(e["at"])
    who = f" by {e['editor']}" if e.get("editor") else ""
    out(f"\n#{e['id']}  {format_time(at, tz)} {zone_label(at, tz)}  {e.get('order_id') or '-'}  "
        f"{e['kind']}  (source: {e.get('source') or '-'}{who})")
    for label in ("old", "new"):
        if e.get(label):
            out(f"    {label}: {e[label]}")
    if e.get("detail"):
        out("    detail:")
        for line in _readable(str(e["detail"])).splitlines():
            out(f"      {line}")


def _readable(detail: str) -> str:
    """JSON pretty-printed; an e-mail shown as its headers and decoded text; anything else as stored."""
    text = detail.strip()
    if text.startswith(("{", "[")):
        try:
            return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        except ValueError:
            return text
    if text.startswith(("Subject:", "From:", "To:", "Content-Type:", "MIME-Version:")):
        msg = email.message_from_string(text)
        body = msg.get_payload(decode=True) if not msg.is_multipart() else None
        if body is not None:
            head = "\n".join(f"{k}: {v}" for k, v in msg.items() if k.lower() in ("subject", "from", "to", "date"))
            return f"{head}\n\n{body.decode(msg.get_content_charset() or 'utf-8', 'replace')}"
    return text
