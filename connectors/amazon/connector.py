"""Amazon: searchOrders (2026-01-01) in, v0 confirmShipment out; Amazon emails the buyer itself."""
from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta, timezone
from typing import Callable, Mapping

from connectors.amazon import mapping
from connectors.amazon.auth import DEFAULT_LWA_URL, LwaTokens
from connectors.amazon.client import DEFAULT_BASE_URL, AmazonClient
from connectors.base import (Connector, ConnectorRejected, FetchResult, FulfilmentNotSupported,
                             MappingError, PushResult, Quarantined)
from connectors.idempotent import single_attempt, write_once
from core.http import RetryPolicy, build_session
from core.models import Order, Platform, Shipment

log = logging.getLogger("truecraft.amazon")

FIRST_SYNC_DAYS = 30


class AmazonConnector(Connector):
    """Amazon Seller Central orders (merchant-fulfilled shipments are confirmed back)."""

    platform = Platform.AMAZON
    REQUIRED_ENV = ("AMAZON_LWA_CLIENT_ID", "AMAZON_LWA_CLIENT_SECRET", "AMAZON_REFRESH_TOKEN",
                    "AMAZON_MARKETPLACE_ID")

    def __init__(self, client: AmazonClient, marketplace_id: str, policy: RetryPolicy | None = None,
                 now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self.client = client
        self.page_size = 100  # searchOrders maxResultsPerPage (1..100)
        self.marketplace_id = marketplace_id
        self.policy = policy or client.policy
        # confirmShipment is not idempotent on Amazon's side: send once, check before any resend.
        client.with_write_policy(single_attempt(self.policy))
        self._now = now

    @classmethod
    def from_env(cls, env: Mapping[str, str], policy: RetryPolicy | None = None,
                 clock: Callable[[], float] = time.monotonic) -> "AmazonConnector | None":
        """LWA credentials + marketplace from env; None unless all four are set."""
        values = {name: (env.get(name) or "").strip() for name in cls.REQUIRED_ENV}
        if not all(values.values()):
            return None
        policy = policy or RetryPolicy.from_env()
        tokens = LwaTokens(values["AMAZON_LWA_CLIENT_ID"], values["AMAZON_LWA_CLIENT_SECRET"],
                           values["AMAZON_REFRESH_TOKEN"], build_session(policy),
                           env.get("AMAZON_LWA_URL") or DEFAULT_LWA_URL, clock=clock)
        client = AmazonClient(tokens, env.get("AMAZON_SP_API_URL") or DEFAULT_BASE_URL, policy, clock=clock)
        return cls(client, values["AMAZON_MARKETPLACE_ID"], policy)

    def fetch_orders(self, since: datetime | None) -> FetchResult:
        """Orders updated at or after `since` (the first sync looks back FIRST_SYNC_DAYS)."""
        started = self._now()
        lower = since or (started - timedelta(days=FIRST_SYNC_DAYS))
        mapped: list[Order] = []
        bad: list[Quarantined] = []
        newest: datetime | None = None
        for raw in self.client.search_orders(self.marketplace_id, _iso(lower), self.page_size):
            try:
                order = mapping.to_order(raw)
            except MappingError as exc:
                log.warning("quarantined Amazon order %s: %s", raw.get("orderId"), exc)
                bad.append(Quarantined(str(raw.get("orderId") or "?"), str(exc), raw))
                continue
            mapped.append(order)
            newest = max(newest, order.updated_at) if newest else order.updated_at
        cursor = _iso(min(newest, started)) if newest else (_iso(since) if since else None)
        return FetchResult(tuple(mapped), tuple(bad), cursor)

    def get_order(self, platform_order_id: str) -> Order:
        """One order by its Amazon order id."""
        return mapping.to_order(self.client.get_order(platform_order_id))

    def push_fulfilment(self, order: Order, shipment: Shipment, idempotency_key: str) -> PushResult:
        """confirmShipment with a packageReferenceId derived from the key: a retry confirms the same package."""
        oid = order.platform_order_id
        reference = mapping.package_reference_id(idempotency_key)
        raw = self.client.get_order(oid)
        if mapping.fulfilled_by_amazon(raw):
            raise FulfilmentNotSupported(f"Amazon ships order {oid} itself (FBA) — nothing to confirm")
        if (raw.get("fulfillment") or {}).get("fulfillmentStatus") == "CANCELLED":
            raise ConnectorRejected(f"Amazon order {oid} was cancelled — don't ship it")
        sent: dict = {}

        def find_existing():
            fresh = self.client.get_order(oid) if sent else raw
            return mapping.find_package(fresh, reference, shipment.tracking_number)

        def create():
            items = mapping.unshipped_items(raw)
            if not items:
                raise ConnectorRejected(
                    f"Amazon already shows every item of order {oid} as shipped — check it in Seller Central")
            sent.update(mapping.confirm_body(raw, shipment, self.marketplace_id, reference, items))
            self.client.confirm_shipment(oid, sent)
            return None

        package, already = write_once(find_existing, create, self.policy)
        return PushResult(ok=True, already_done=already, buyer_notified_by_platform=True,
                          platform_fulfilment_id=(package or {}).get("packageReferenceId", reference),
                          request=dict(sent),
                          message=(f"{'Already shipped' if already else 'Shipped'} on Amazon "
                                   f"({shipment.carrier} {shipment.tracking_number}) — Amazon notifies the buyer"))

    def update_tracking(self, order: Order, old_tracking: str, shipment: Shipment,
                        idempotency_key: str) -> PushResult:
        """Amazon can't: ordersV0.json's confirmShipment takes only unshipped items, and its other shipment
        call (updateShipmentStatus) sets pickup statuses, not tracking; the seller edits it in Seller Central."""
        raise FulfilmentNotSupported(
            f"Amazon's API can't change the tracking number of a confirmed shipment — in Seller Central, open "
            f"order {order.platform_order_id} (Manage Orders), choose Edit shipment and replace {old_tracking} "
            f"with {shipment.tracking_number}")

    def check(self) -> str:
        """A token exchange plus one small search (cheap, authenticated)."""
        since = _iso(self._now() - timedelta(days=1))
        next(iter(self.client.search_orders(self.marketplace_id, since, page_size=1)), None)
        return f"Amazon connected: marketplace {self.marketplace_id}"


def _iso(value: datetime) -> str:
    return value.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
