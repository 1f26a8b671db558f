"""One incremental poll of one platform: fetch, store, quarantine, then advance the cursor.

The cursor moves only after the journal holds the orders, so a crash anywhere
before set_cursor means the next poll fetches the same window again (the
journal makes that harmless: same order twice is one order).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from connectors.base import (Connector, ConnectorAuthError, ConnectorRejected,
                             ConnectorTemporaryError)
from core.journal import Journal
from core.models import parse_time

log = logging.getLogger("truecraft.poll")


@dataclass(frozen=True)
class PollReport:
    """What one poll did, in numbers plus a plain error message (empty when fine)."""

    platform: str
    fetched: int = 0
    created: int = 0
    updated: int = 0
    quarantined: int = 0
    error_message: str = ""

    @property
    def ok(self) -> bool:
        """True when the poll finished without an error."""
        return not self.error_message


def cursor_name(connector: Connector) -> str:
    """Journal cursor key for a connector's order poll."""
    return f"{connector.platform.value}.orders"


def poll_once(connector: Connector, journal: Journal, on_stored=None) -> PollReport:
    """Fetch orders changed since the stored cursor, store them, then advance the cursor."""
    platform = connector.platform.value
    name = cursor_name(connector)
    stored = journal.get_cursor(name)
    since = parse_time(stored) if stored else None
    try:
        result = connector.fetch_orders(since)
    except (ConnectorAuthError, ConnectorTemporaryError, ConnectorRejected) as exc:
        log.warning("%s poll failed: %s", connector.platform.label, exc)
        return PollReport(platform, error_message=str(exc))
    outcomes = journal.upsert_many(result.orders, source=f"{platform} poll")
    for bad in result.quarantined:
        journal.quarantine(platform, bad.platform_order_id, bad.reason, dict(bad.raw))
        # The Audit Log is where the seller sees it: which order, and why it was set aside.
        journal.audit(None, "order could not be read", "", f"{connector.platform.label} #{bad.platform_order_id}",
                      platform, detail=bad.reason)
    # Only now is everything durable; moving the cursor earlier could lose orders.
    if result.next_cursor and result.next_cursor != stored:
        journal.set_cursor(name, result.next_cursor)
    if on_stored is not None and result.orders:
        try:
            on_stored(list(result.orders), outcomes)
        except Exception:  # the orders are safe; a failing automation must not stop the poll
            log.exception("after-poll automations failed for %s", connector.platform.label)
    return PollReport(platform, fetched=len(result.orders) + len(result.quarantined),
                      created=sum(1 for o in outcomes if o.created),
                      updated=sum(1 for o in outcomes if o.changed and not o.created),
                      quarantined=len(result.quarantined))
