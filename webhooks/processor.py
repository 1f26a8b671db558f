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
import logging
import sqlite3
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import requests

from connectors.base import (Connector, ConnectorAuthError, ConnectorRejected,
                             ConnectorTemporaryError, MappingError)
from core.journal import Journal
from core.models import DomainError, Order
from core.serialize import loads
from webhooks import inbox

log = logging.getLogger("truecraft.webhooks")

Mapper = Callable[[Mapping[str, Any]], Order]
OnStored = Callable[[list, list], None]
# (platform, kind) -> the function in connectors.<platform>.mapping that maps a fat event's payload.
MAPPER_NAMES: dict[tuple[str, str], str] = {("shopify", "order"): "order_from_rest"}
LABELS = {"shopify": "Shopify", "square": "Square", "etsy": "Etsy", "sheet": "sheet"}
# Events per transaction: one fsync for the chunk. `serve` acknowledges into its own inbox
# file, so a long chunk never delays an acknowledgement; without the inbox (serve() called
# in-process) intake shares the journal lock and waits at most one chunk (~50 ms).
CHUNK = 50
# Events per pass: the jobs loop flushes to the sheet after each pass, so a burst shows its first
# rows after one short pass instead of after the whole backlog (report.more asks for the next pass).
LIMIT = 200
RETRY_BASE_SECONDS = 30.0  # a temporary failure: 30 s, 1 min, 2 min … at most an hour
AUTH_RETRY_SECONDS = 300.0  # a platform that needs reconnecting: 5 min, 10 min … at most an hour


@dataclass
class ProcessReport:
    """What one pass over pending events did."""

    done: int = 0
    failed: int = 0
    retry_later: int = 0
    stored: list[str] = field(default_factory=list)  # TC ids created or changed
    problems: list[str] = field(default_factory=list)  # plain words for the log / health
    more: bool = False  # the pass read a full `limit`: more events may be waiting
    deferred: list[tuple[str, str, str, float]] = field(default_factory=list)  # retried later, per event


class _Skip(Exception):
    """Finish the event as done without storing anything (with a reason)."""


def _remember_editor(journal: Journal, edit: Any) -> None:
    """Who edited a row (from the Apps Script push), for the audit trail of the next watch cycle."""
    if isinstance(edit, dict) and edit.get("orderId") and edit.get("editor"):
        journal.kv_set(f"editor:{str(edit['orderId'])[:40]}", str(edit["editor"])[:200])


def default_mappers() -> dict[tuple[str, str], Mapper]:
    """The fat-event mappers from the connectors' mapping modules."""
    return {key: getattr(importlib.import_module(f"connectors.{key[0]}.mapping"), name)
            for key, name in MAPPER_NAMES.items()}


def process_pending_events(journal: Journal, connectors: Mapping[str, Connector],
                           mappers: Mapping[tuple[str, str], Mapper] | None = None,
                           limit: int = LIMIT, on_stored: OnStored | None = None,
                           chunk: int = CHUNK) -> ProcessReport:
    """Map or fetch every pending event, upsert the orders, and finish the events.

    Events are handled `chunk` at a time: the orders of a chunk are stored in one
    transaction (one fsync, and webhook intake only waits for short transactions),
    then on_stored(orders, results) runs once for them (the runner's automations).
    If that transaction fails, the chunk is stored one order at a time, so one bad
    event never holds back the others. report.more says a full `limit` was read.
    First, events acknowledged into `serve`'s inbox are copied into the journal.
    """
    mappers = default_mappers() if mappers is None else mappers
    report = ProcessReport()
    _copy_inbox(journal, report)
    events = journal.pending_events(limit=limit)
    for start in range(0, len(events), max(1, chunk)):
        _process_chunk(journal, connectors, mappers, events[start:start + max(1, chunk)], report, on_stored)
    report.more = len(events) >= limit
    return report


def _copy_inbox(journal: Journal, report: ProcessReport) -> None:
    """Events `serve`'s web process acknowledged into its inbox join the journal first."""
    try:
        inbox.drain(journal)
    except (sqlite3.Error, OSError, ValueError) as exc:  # they stay in the inbox for the next pass
        log.error("could not copy new webhook events from the inbox (%s); will try again", type(exc).__name__)
        report.problems.append("new webhook events could not be read from the inbox; will try again")


def _process_chunk(journal: Journal, connectors: Mapping[str, Connector],
                   mappers: Mapping[tuple[str, str], Mapper], events: list[dict],
                   report: ProcessReport, on_stored: OnStored | None) -> None:
    ready: list[tuple[dict, Order]] = []
    finished: list[tuple[str, str, str, str]] = []
    for event in events:
        try:
            ready.append((event, _order_for(event, connectors, mappers)))
        except _Skip as why:
            _remember_editor(journal, why.args[1] if len(why.args) > 1 else None)
            finished.append((event["source"], event["event_id"], "done", str(why.args[0])))
            report.done += 1
        except Exception as exc:  # noqa: BLE001 - _failed re-raises what it does not know
            _failed(journal, event, exc, report, finished)
    stored = _store(journal, ready, report, finished)
    _finish(journal, finished)
    if report.deferred:
        journal.defer_events(report.deferred)
        report.deferred.clear()
    if on_stored is not None and stored:
        try:
            on_stored([o for o, _ in stored], [r for _, r in stored])
        except Exception as exc:  # the orders are stored; automations catch up on the next watch
            log.error("after storing %d order(s) the automations failed: %s", len(stored),
                      type(exc).__name__)
    report.stored.extend(r.order_id for _, r in stored if r.changed)


def _store(journal: Journal, ready: list[tuple[dict, Order]], report: ProcessReport,
           finished: list) -> list[tuple[Order, Any]]:
    """Upsert the chunk's orders in one transaction per source; one by one if that fails."""
    stored: list[tuple[Order, Any]] = []
    by_source: dict[str, list[tuple[dict, Order]]] = {}
    for event, order in ready:
        by_source.setdefault(event["source"], []).append((event, order))
    for source, pairs in by_source.items():
        try:
            results = journal.upsert_many([o for _, o in pairs], source=f"{source} webhook")
        except Exception:  # noqa: BLE001 - the one-by-one pass below finds and reports the culprit
            results = None
        for i, (event, order) in enumerate(pairs):
            if results is not None:
                result = results[i]
            else:
                try:
                    result = journal.upsert(order, source=f"{source} webhook")
                except Exception as exc:  # noqa: BLE001 - _failed re-raises what it does not know
                    _failed(journal, event, exc, report, finished)
                    continue
            note = ("older than the stored version — ignored" if result.stale
                    else "stored" if result.changed else "no change")
            finished.append((source, event["event_id"], "done", note))
            report.done += 1
            stored.append((order, result))
    return stored


def _failed(journal: Journal, event: dict, exc: Exception, report: ProcessReport, finished: list) -> None:
    """Sort one event's error: leave it for the next cycle, or finish it as failed (quarantined)."""
    source = event["source"]
    if isinstance(exc, (ConnectorTemporaryError, requests.RequestException, OSError)):
        # Stays 'new', with its own retry time: the platform keeps the order, and other events go on.
        report.retry_later += 1
        reason = f"{LABELS.get(source, source)} is not answering right now ({_plain(exc)}); will try again"
        report.problems.append(reason)
        report.deferred.append((source, event["event_id"], reason, RETRY_BASE_SECONDS))
    elif isinstance(exc, ConnectorAuthError):
        # Stays 'new' so it is picked up once the seller reconnects (checked every few minutes).
        report.retry_later += 1
        report.problems.append(_plain(exc))
        report.deferred.append((source, event["event_id"], _plain(exc), AUTH_RETRY_SECONDS))
    elif isinstance(exc, (MappingError, DomainError, ConnectorRejected, KeyError, TypeError, ValueError)):
        reason = f"could not use this {LABELS.get(source, source)} event: {_plain(exc)}"
        _quarantine(journal, source, event, reason)
        finished.append((source, event["event_id"], "failed", reason))
        report.failed += 1
        report.problems.append(reason)
    else:
        raise exc


def _finish(journal: Journal, finished: list[tuple[str, str, str, str]]) -> None:
    if finished:
        journal.finish_events(finished)
        journal.prune_events()  # processed events older than 30 days, checked every 6 hours


def _order_for(event: Mapping[str, Any], connectors: Mapping[str, Connector],
               mappers: Mapping[tuple[str, str], Mapper]) -> Order:
    source, topic = event["source"], event["topic"] or ""
    payload = loads(event["body"])
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
        raw = loads(event["body"])
    except ValueError:
        raw = {"body": event["body"]}
    journal.quarantine(source, f"event:{event['event_id']}", reason, raw)


def _plain(exc: BaseException) -> str:
    # Connector errors already speak plain words; network errors may quote URLs, so name only the kind.
    if isinstance(exc, requests.RequestException):
        return f"network problem: {type(exc).__name__}"
    text = str(exc) or type(exc).__name__
    return text[:300]
