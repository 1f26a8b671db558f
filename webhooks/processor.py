"""After the acknowledgement: turn journalled webhook events into stored orders.

Fat events (a Shopify order, a Square invoice) are mapped straight to an Order
by the platform's mapping module; thin ones (Square order.*, Etsy order.*) are
fetched with connector.get_order. The platform's own updated_at travels on the
Order, so the journal ignores an older version that arrives late. A temporary
failure leaves the event 'new' for the next cycle; anything else is finished
with a plain reason.
"""
from __future__ import annotations

import importlib
import json
import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import requests

from connectors.base import (Connector, ConnectorAuthError, ConnectorRejected,
                             ConnectorTemporaryError, MappingError)
from core.journal import Journal
from core.models import DomainError, Order

log = logging.getLogger("truecraft.webhooks")

Mapper = Callable[[Mapping[str, Any]], Order]
OnStored = Callable[[list, list], None]
# (platform, kind) -> candidate function names in connectors.<platform>.mapping, first found wins.
MAPPER_NAMES: dict[tuple[str, str], tuple[str, ...]] = {
    ("shopify", "order"): ("order_from_rest", "map_rest_order", "order_from_webhook",
                           "map_webhook_order", "map_order", "to_order"),
}
LABELS = {"shopify": "Shopify", "square": "Square", "etsy": "Etsy", "sheet": "sheet"}


@dataclass
class ProcessReport:
    """What one pass over pending events did."""

    done: int = 0
    failed: int = 0
    retry_later: int = 0
    stored: list[str] = field(default_factory=list)  # TC ids created or changed
    problems: list[str] = field(default_factory=list)  # plain words for the log / health


class _Skip(Exception):
    """Finish the event as done without storing anything (with a reason)."""


def _remember_editor(journal: Journal, edit: Any) -> None:
    """Who edited a row (from the Apps Script push), for the audit trail of the next watch cycle."""
    if isinstance(edit, dict) and edit.get("orderId") and edit.get("editor"):
        journal.kv_set(f"editor:{str(edit['orderId'])[:40]}", str(edit["editor"])[:200])


def default_mappers() -> dict[tuple[str, str], Mapper]:
    """Find the fat-event mappers in the connectors' mapping modules (missing ones are skipped)."""
    found: dict[tuple[str, str], Mapper] = {}
    for (platform, kind), names in MAPPER_NAMES.items():
        try:
            module = importlib.import_module(f"connectors.{platform}.mapping")
        except ImportError:
            continue
        for name in names:
            if callable(getattr(module, name, None)):
                found[(platform, kind)] = getattr(module, name)
                break
    return found


def process_pending_events(journal: Journal, connectors: Mapping[str, Connector],
                           mappers: Mapping[tuple[str, str], Mapper] | None = None,
                           limit: int = 500, on_stored: OnStored | None = None) -> ProcessReport:
    """Map or fetch every pending event, upsert the order, and finish the event.

    on_stored([order], [result]) runs after each upsert (the runner's automations).
    """
    mappers = default_mappers() if mappers is None else mappers
    report = ProcessReport()
    for event in journal.pending_events(limit=limit):
        source, event_id = event["source"], event["event_id"]
        try:
            order = _order_for(event, connectors, mappers)
            result = journal.upsert(order, source=f"{source} webhook")
        except _Skip as why:
            _remember_editor(journal, why.args[1] if len(why.args) > 1 else None)
            journal.finish_event(source, event_id, "done", str(why.args[0]))
            report.done += 1
            continue
        except (ConnectorTemporaryError, requests.RequestException, OSError) as exc:
            # Stays 'new': the next cycle tries again (the platform keeps the order).
            report.retry_later += 1
            report.problems.append(f"{LABELS.get(source, source)} is not answering right now "
                                   f"({_plain(exc)}); will try again")
            continue
        except ConnectorAuthError as exc:
            # Stays 'new' so it is picked up once the seller reconnects.
            report.retry_later += 1
            report.problems.append(_plain(exc))
            continue
        except (MappingError, DomainError, ConnectorRejected, KeyError, TypeError, ValueError) as exc:
            reason = f"could not use this {LABELS.get(source, source)} event: {_plain(exc)}"
            _quarantine(journal, source, event, reason)
            journal.finish_event(source, event_id, "failed", reason)
            report.failed += 1
            report.problems.append(reason)
            continue
        note = ("older than the stored version — ignored" if result.stale
                else "stored" if result.changed else "no change")
        journal.finish_event(source, event_id, "done", note)
        report.done += 1
        if on_stored is not None:
            try:
                on_stored([order], [result])
            except Exception as exc:  # the order is stored; automations catch up on the next watch
                log.error("after storing %s the automations failed: %s", result.order_id,
                          type(exc).__name__)
        if result.changed:
            report.stored.append(result.order_id)
    return report


def _order_for(event: Mapping[str, Any], connectors: Mapping[str, Connector],
               mappers: Mapping[tuple[str, str], Mapper]) -> Order:
    source, topic = event["source"], event["topic"] or ""
    payload = json.loads(event["body"])
    if source == "sheet":
        raise _Skip("sheet edit — the watch cycle re-reads the sheet", payload)
    if source == "shopify":
        mapper = mappers.get(("shopify", "order"))
        if mapper is not None:
            return mapper(payload)
        return _fetch(connectors, "shopify", payload["id"])
    if source == "square":
        if topic.startswith("invoice."):
            invoice = ((payload.get("data") or {}).get("object") or {}).get("invoice")
            if not invoice:
                raise _Skip(f"{topic} carries no invoice")
            mapper = mappers.get(("square", "invoice"))
            if mapper is not None:
                return mapper(invoice)
            # The invoice has no line items: the connector merges it with its order.
            connector = connectors.get("square")
            if connector is not None and hasattr(connector, "order_from_invoice"):
                return connector.order_from_invoice(invoice)
            return _fetch(connectors, "square", invoice["order_id"])
        return _fetch(connectors, "square", payload["data"]["id"])
    if source == "etsy":
        return _fetch(connectors, "etsy", _receipt_id(payload))
    raise _Skip(f"no processing for {source} events")


def _fetch(connectors: Mapping[str, Connector], platform: str, platform_order_id: Any) -> Order:
    connector = connectors.get(platform)
    if connector is None:
        raise ConnectorAuthError(f"{LABELS[platform]} is not connected, so order "
                                 f"{platform_order_id} waits — add its credentials to .env")
    return connector.get_order(str(platform_order_id))


def _receipt_id(payload: Mapping[str, Any]) -> str:
    """The receipt id at the end of resource_url (.../shops/{shop}/receipts/{receipt_id})."""
    url = str(payload.get("resource_url") or "").split("?")[0].rstrip("/")
    parts = url.split("/")
    if len(parts) < 2 or parts[-2] != "receipts" or not parts[-1].isdigit():
        raise ValueError(f"the Etsy event has no receipt link ({url[:120] or 'empty'})")
    return parts[-1]


def _quarantine(journal: Journal, source: str, event: Mapping[str, Any], reason: str) -> None:
    if source not in ("shopify", "square", "etsy"):
        return
    try:
        raw = json.loads(event["body"])
    except ValueError:
        raw = {"body": event["body"]}
    journal.quarantine(source, f"event:{event['event_id']}", reason, raw)


def _plain(exc: BaseException) -> str:
    # Connector errors already speak plain words; network errors may quote URLs, so name only the kind.
    if isinstance(exc, requests.RequestException):
        return f"network problem: {type(exc).__name__}"
    text = str(exc) or type(exc).__name__
    return text[:300]
