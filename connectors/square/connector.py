"""Square: orders and invoices in (one sale = one order id), fulfilment out via UpdateOrder."""
from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any, Callable, Mapping

from connectors.base import (Connector, FetchResult, FulfilmentNotSupported, MappingError,
                             PushResult, Quarantined)
from connectors.square import mapping
from connectors.square.client import DEFAULT_BASE_URL, SquareApiError, SquareClient
from core.http import RetryPolicy
from core.models import Order, Platform, Shipment, parse_time

log = logging.getLogger("truecraft.square")

DASHBOARD_MESSAGE = ("Square can't update orders created in the Dashboard — mark it shipped there "
                     "(Square Dashboard → Orders or Invoices)")
CLOSED_MESSAGE = ("Square has closed order {oid}, so tracking can't be added through the API — "
                  "mark it shipped in your Square Dashboard")


class SquareConnector(Connector):
    """Square Orders + Invoices (Instagram DM sales are paid by Square invoice)."""

    platform = Platform.SQUARE

    def __init__(self, client: SquareClient, location_ids: list[str] | tuple[str, ...] = (),
                 now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
                 invoices: bool = True) -> None:
        self.client = client
        # Invoices have no updated_at filter, so each sync pages through all of them; sellers
        # who never invoice can turn that off with SQUARE_INVOICES=off.
        self.invoices = invoices
        self._location_ids = [x for x in location_ids if x]
        self._now = now

    @classmethod
    def from_env(cls, env: Mapping[str, str], policy: RetryPolicy | None = None) -> "SquareConnector | None":
        """SQUARE_ACCESS_TOKEN (+ SQUARE_LOCATION_IDS, SQUARE_API_URL); None when no token is set."""
        token = (env.get("SQUARE_ACCESS_TOKEN") or "").strip()
        if not token:
            return None
        locations = [x.strip() for x in (env.get("SQUARE_LOCATION_IDS") or "").split(",") if x.strip()]
        client = SquareClient(token, env.get("SQUARE_API_URL") or DEFAULT_BASE_URL, policy=policy)
        invoices = (env.get("SQUARE_INVOICES") or "on").strip().lower() not in ("off", "no", "false", "0")
        return cls(client, locations, invoices=invoices)

    def location_ids(self) -> list[str]:
        """Configured locations, else every active location of the account (looked up once)."""
        if not self._location_ids:
            self._location_ids = [loc["id"] for loc in self.client.list_locations()
                                  if loc.get("id") and loc.get("status", "ACTIVE") == "ACTIVE"]
        return self._location_ids

    def fetch_orders(self, since: datetime | None) -> FetchResult:
        """Orders and invoiced sales changed at or after `since`, each sale once, keyed by order id."""
        started = self._now()
        since_iso = _iso(since) if since else None
        locations = self.location_ids()
        orders = {o["id"]: o for o in self.client.search_orders(locations, since_iso) if o.get("id")}
        invoices, changed = self._invoices(locations, since) if self.invoices else ({}, [])
        missing = [oid for oid in changed if oid not in orders]
        for o in self.client.batch_retrieve_orders(missing) if missing else []:
            orders[o["id"]] = o
        mapped: list[Order] = []
        bad: list[Quarantined] = []
        newest: datetime | None = None
        for oid, raw in orders.items():
            invoice = invoices.get(oid)
            try:
                if not mapping.is_sale(raw, invoice):
                    continue
                order = mapping.to_order(raw, invoice)
            except MappingError as exc:
                log.warning("quarantined Square order %s: %s", oid, exc)
                bad.append(Quarantined(oid, str(exc), {"order": raw, "invoice": invoice}))
                continue
            mapped.append(order)
            newest = max(newest, order.updated_at) if newest else order.updated_at
        mapped.sort(key=lambda o: o.updated_at)
        return FetchResult(tuple(mapped), tuple(bad), self._next_cursor(newest, since, started))

    def get_order(self, platform_order_id: str) -> Order:
        """One order by id, merged with the invoice billing it when there is one."""
        raw = self.client.retrieve_order(platform_order_id)
        invoice = None
        if self.invoices and raw.get("location_id"):
            invoice = next((inv for inv in self.client.search_invoices(raw["location_id"])
                            if inv.get("order_id") == platform_order_id), None)
        return mapping.to_order(raw, invoice)

    def order_from_invoice(self, invoice: Mapping[str, Any]) -> Order:
        """The sale an invoice webhook (invoice.payment_made ...) describes, with its order's line items."""
        oid = invoice.get("order_id")
        if not oid:
            raise MappingError(f"Square invoice {invoice.get('id')} has no order")
        return mapping.to_order(self.client.retrieve_order(oid), invoice)

    def push_fulfilment(self, order: Order, shipment: Shipment, idempotency_key: str) -> PushResult:
        """Mark the SHIPMENT fulfilment COMPLETED with carrier+tracking (adding one if missing)."""
        oid = order.platform_order_id
        for attempt in range(2):
            raw = self.client.retrieve_order(oid)
            if mapping.already_shipped(raw, shipment.tracking_number):
                return PushResult(ok=True, already_done=True, buyer_notified_by_platform=False,
                                  message=_shipped_message(shipment, already=True),
                                  platform_fulfilment_id=(mapping.shipment_fulfilment(raw) or {}).get("uid", ""))
            if raw.get("version") is None:
                # Square: orders not created through the API carry no version and cannot be updated.
                raise FulfilmentNotSupported(DASHBOARD_MESSAGE)
            if raw.get("state") in ("COMPLETED", "CANCELED"):
                raise FulfilmentNotSupported(CLOSED_MESSAGE.format(oid=oid))
            body = mapping.fulfilment_update(raw, shipment, idempotency_key)
            try:
                updated = self.client.update_order(oid, body)
            except SquareApiError as exc:
                if "VERSION_MISMATCH" in exc.codes and attempt == 0:
                    log.info("Square order %s changed while shipping; re-reading it", oid)
                    continue
                if exc.status == 400 and "BAD_REQUEST" in exc.codes:
                    log.warning("Square refused the update of %s: %s", oid, exc.detail)
                    raise FulfilmentNotSupported(DASHBOARD_MESSAGE) from exc
                raise
            fulfilment = mapping.shipment_fulfilment(updated) or {}
            return PushResult(ok=True, message=_shipped_message(shipment), request=body,
                              platform_fulfilment_id=fulfilment.get("uid", ""),
                              buyer_notified_by_platform=False)
        raise FulfilmentNotSupported(  # pragma: no cover - two version races in a row
            f"Square order {oid} keeps changing — try again in a minute")

    def update_tracking(self, order: Order, old_tracking: str, shipment: Shipment,
                        idempotency_key: str) -> PushResult:
        """UpdateOrder replacing the SHIPMENT fulfilment's carrier and tracking, while the order is open.

        Square's spec (shared/specs/square/api.json, UpdateOrder): "Updates an open order by adding,
        replacing, or deleting fields. Orders with a COMPLETED or CANCELED state cannot be updated" —
        a closed order gets FulfilmentNotSupported, which says to change it in the Square Dashboard.
        """
        try:
            result = self.push_fulfilment(order, shipment, idempotency_key)
        except FulfilmentNotSupported:
            raise FulfilmentNotSupported(
                f"Square won't change order {order.platform_order_id} through its API any more (it is closed "
                f"or was made in the Dashboard) — replace {old_tracking} with {shipment.tracking_number} in your "
                "Square Dashboard") from None
        head = "Square already had" if result.already_done else "Square order now carries"
        return replace(result, message=f"{head} the new tracking number {shipment.tracking_number} "
                                       f"(was {old_tracking}) — Square doesn't e-mail buyers, so TrueCraft does")

    def webhook_subscriptions(self) -> list:
        """The app's webhook subscriptions (connectors.square.webhooks.Subscription)."""
        from connectors.square import webhooks

        return webhooks.list_subscriptions(self.client)

    def register_webhooks(self, url: str, dry_run: bool = False):
        """Make sure one subscription sends TrueCraft's event types to `url` (idempotent)."""
        from connectors.square import webhooks

        return webhooks.register(self.client, url, dry_run)

    def check(self) -> str:
        """List locations (a cheap authenticated read)."""
        locations = self.client.list_locations()
        return f"Square connected: {len(locations)} location(s)"

    def _invoices(self, locations: list[str], since: datetime | None) -> tuple[dict[str, dict], list[str]]:
        """All invoices by order id (to enrich any order), and the order ids whose invoice changed."""
        by_order: dict[str, dict] = {}
        changed: list[str] = []
        for loc in locations:
            for inv in self.client.search_invoices(loc):
                oid = inv.get("order_id")
                if not oid:
                    continue
                by_order[oid] = inv
                stamp = inv.get("updated_at") or inv.get("created_at")
                if since is None or (stamp and parse_time(stamp) >= since):
                    changed.append(oid)
        return by_order, changed

    def _next_cursor(self, newest: datetime | None, since: datetime | None, started: datetime) -> str | None:
        """Newest change seen, but never past the fetch's start (a change made mid-fetch is re-read)."""
        if newest is None:
            return _iso(since) if since else None
        return _iso(min(newest, started))


def _iso(value: datetime) -> str:
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _shipped_message(shipment: Shipment, already: bool = False) -> str:
    head = "Already marked shipped on Square" if already else "Marked shipped on Square"
    return (f"{head} ({shipment.carrier} {shipment.tracking_number}) — Square doesn't email invoice "
            "buyers their tracking, so TrueCraft emails it")
