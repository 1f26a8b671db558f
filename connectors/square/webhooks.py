"""Square webhook subscriptions (Webhook Subscriptions API): list them, and create or complete ours.

Registration reads the app's subscriptions first: one already sending every event
type to the same URL is left alone, one missing some types is updated, and only
when none points at the URL is one created (with an idempotency key). Square
returns the signature key only on creation; it is handed back to the caller to
show once and never logged.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from urllib.parse import quote

from connectors.square.client import SQUARE_VERSION, SquareClient

EVENT_TYPES = ("order.created", "order.updated", "order.fulfillment.updated", "invoice.payment_made",
               "invoice.updated", "invoice.canceled", "invoice.refunded")
NAME = "TrueCraft"
PATH = "/v2/webhooks/subscriptions"


@dataclass(frozen=True)
class Subscription:
    """One Square webhook subscription."""

    id: str
    url: str
    event_types: tuple[str, ...]
    enabled: bool = True
    name: str = ""


@dataclass
class Registration:
    """What register() did (or, on a dry run, would do)."""

    url: str
    created: bool = False
    added_types: list[str] = field(default_factory=list)  # types added to an existing subscription
    existing: bool = False
    planned: list[str] = field(default_factory=list)
    subscription_id: str = ""
    signature_key: str = field(default="", repr=False)  # only when Square just created it


def list_subscriptions(client: SquareClient) -> list[Subscription]:
    """Every webhook subscription of the app, disabled ones included (all pages)."""
    found: list[Subscription] = []
    cursor = None
    while True:
        query = "?include_disabled=true" + (f"&cursor={quote(cursor, safe='')}" if cursor else "")
        data = client.call("GET", PATH + query)
        for raw in data.get("subscriptions") or []:
            found.append(Subscription(str(raw.get("id") or ""), str(raw.get("notification_url") or ""),
                                      tuple(raw.get("event_types") or ()), raw.get("enabled") is not False,
                                      str(raw.get("name") or "")))
        cursor = data.get("cursor")
        if not cursor:
            return found


def register(client: SquareClient, url: str, dry_run: bool = False) -> Registration:
    """Make sure one enabled subscription sends every event type to `url`; dry_run sends nothing."""
    report = Registration(url)
    if dry_run:
        report.planned = list(EVENT_TYPES)
        return report
    mine = [s for s in list_subscriptions(client) if _same_url(s.url, url)]
    current = next((s for s in mine if s.enabled), None) or (mine[0] if mine else None)
    if current is None:
        body = {"idempotency_key": str(uuid.uuid4()),
                "subscription": {"name": NAME, "event_types": list(EVENT_TYPES), "notification_url": url,
                                 "api_version": SQUARE_VERSION}}
        made = client.call("POST", PATH, body).get("subscription") or {}
        report.created, report.subscription_id = True, str(made.get("id") or "")
        report.signature_key = str(made.get("signature_key") or "")
        return report
    report.subscription_id = current.id
    report.url = current.url  # Square signs the URL exactly as registered
    missing = [t for t in EVENT_TYPES if t not in current.event_types]
    if missing or not current.enabled:
        change = {"event_types": list(current.event_types) + missing, "enabled": True}
        client.call("PUT", f"{PATH}/{quote(current.id, safe='')}", {"subscription": change})
        report.added_types = missing
    report.existing = True
    return report


def _same_url(a: str, b: str) -> bool:
    return a.rstrip("/").lower() == b.rstrip("/").lower()
