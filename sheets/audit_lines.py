"""The Audit Log tab is for people: one line per change, in words, in the seller's time zone.

The journal keeps every entry whole (request bodies, e-mails, internal fields) for
`python main.py audit TC-12`; the sheet shows what a person needs to follow what happened.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from core.models import Platform
from sheet_schema.tabs import ORDERS_TAB
from sheets.rows import format_time

# Order fields people see and change; the service's own bookkeeping (scores, Sync text,
# stock notes…) is summed up by the entry that explains it ("possible duplicate flagged").
FIELDS = {c.key: c.header for c in ORDERS_TAB.columns}
HIDDEN_FIELDS = {"dup_score", "dup_of", "match_reasons", "sync", "customer_history", "stock_note",
                 "stock_unmapped", "shipped", "merged_into"}
WHAT = {
    "received": "Order received",
    "possible duplicate flagged": "Flagged as a possible duplicate",
    "duplicate dismissed": "Not a duplicate",
    "fulfilment decided": "Shipment queued",
    "fulfilment dry run": "Marked shipped in TrueCraft (platform not connected — dry run)",
    "fulfilment pushed": "Shipped on the platform",
    "fulfilment refused by platform": "The platform refused the shipment",
    "fulfilment withdrawn": "Shipment withdrawn before it was sent",
    "stock moved": "Stock moved",
    "stock not moved": "Stock not moved",
    "tracking e-mail sent": "Tracking e-mail sent",
    "tracking e-mail dry run": "Tracking e-mail not sent (no mail server set up)",
    "tracking e-mail refused": "Tracking e-mail refused by the mail server",
    "address changed after order": "Ship To changed after the order",
    "orders linked": "Orders linked",
    "low stock": "Low stock",
}
MACHINE = re.compile(r"[{\[]\s*\"|[A-Za-z0-9+/=]{60,}|idempotency|^(Subject|From|To|Content-Type|MIME-Version):",
                     re.IGNORECASE | re.MULTILINE)
SHORT = 40


def source_label(source: str) -> str:
    """'demo:etsy' -> 'Etsy', 'sheet' -> 'Sheet edit', 'truecraft' -> 'TrueCraft'."""
    s = (source or "").strip().lower()
    if s in ("", "truecraft"):
        return "TrueCraft"
    if s == "sheet":
        return "Sheet edit"
    for p in Platform:
        if p.value in s:
            return "Manual Entry" if p is Platform.MANUAL else p.label
    if "import" in s or "csv" in s:
        return "CSV import"
    return s.replace("_", " ").capitalize()


def zone_label(at: datetime, tz: str) -> str:
    """'PST (America/Los_Angeles)', or 'UTC'."""
    abbr = at.astimezone(ZoneInfo(tz)).tzname() or tz
    return abbr if abbr == tz or tz == "UTC" else f"{abbr} ({tz})"


def _short(text: str) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= SHORT else text[:SHORT - 1] + "…"


def _detail(entry: dict) -> str:
    """Plain words only: machine detail is cut and the command that shows it is named instead."""
    detail = str(entry.get("detail") or "").strip()
    if not detail or not MACHINE.search(detail):
        return detail[:1000]
    words = MACHINE.split(detail, 1)[0].rstrip(" ;:,") if not detail.startswith(("{", "[")) else ""
    hint = f"full detail: python main.py audit {entry['order_id']}" if entry.get("order_id") else ""
    return "; ".join(x for x in (words, hint) if x)


def sheet_line(entry: dict, tz: str) -> dict[str, Any] | None:
    """The Audit Log row for one journal entry, or None when it is bookkeeping people needn't see."""
    kind, old, new = entry["kind"], str(entry.get("old") or ""), str(entry.get("new") or "")
    field = kind[:-len(" changed")] if kind.endswith(" changed") else ""
    if field in HIDDEN_FIELDS or field.startswith("_"):
        return None  # the service's bookkeeping: the entry that explains it says it in words
    if field in FIELDS:
        what = f"{FIELDS[field]} {_short(old) or '(blank)'} → {_short(new) or '(blank)'}"
    elif kind == "merged":
        what = f"Merged into {new.replace('kept ', '')}"
    else:
        what = WHAT.get(kind, kind)
    if kind.startswith("tracking e-mail"):
        new = new if "@" in new else ""
    at = datetime.fromisoformat(entry["at"])
    return {"entry": entry["id"], "at": format_time(at, tz), "zone": zone_label(at, tz),
            "order_id": entry.get("order_id") or "", "kind": what, "old": old[:1000], "new": new[:1000],
            "source": source_label(entry.get("source") or ""), "editor": entry.get("editor") or "",
            "detail": _detail(entry)}
