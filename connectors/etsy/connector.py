"""Etsy as a Connector: receipts by last-modified time, tracking exactly once."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any, Mapping

from connectors.base import (Connector, ConnectorRejected, FetchResult, MappingError, PushResult,
                             Quarantined)
from connectors.etsy.client import EtsyClient
from connectors.etsy.mapping import order_from_receipt
from connectors.idempotent import write_once
from core.http import RetryPolicy
from core.models import Order, Platform, Shipment, utc

DEFAULT_URL = "https://openapi.etsy.com"
ETSY_MIN_TIMESTAMP = 946684800  # the spec's minimum for min_last_modified


class EtsyConnector(Connector):
    """Orders (receipts) from one Etsy shop through Open API v3."""

    platform = Platform.ETSY
    REQUIRED_ENV = ("ETSY_API_KEY", "ETSY_SHOP_ID", "ETSY_ACCESS_TOKEN")

    def __init__(self, client: EtsyClient, shop_id: str, page_size: int = 100) -> None:
        self.client = client
        self.shop_id = shop_id
        self.page_size = page_size

    @classmethod
    def from_env(cls, env: Mapping[str, str], token_store: Any = None,
                 policy: RetryPolicy | None = None, **_: Any) -> "EtsyConnector | None":
        """Build from ETSY_API_KEY, ETSY_SHOP_ID, ETSY_ACCESS_TOKEN (+ ETSY_REFRESH_TOKEN, ETSY_API_URL)."""
        values = {k: (env.get(k) or "").strip() for k in cls.REQUIRED_ENV}
        if not all(values.values()):
            return None
        client = EtsyClient((env.get("ETSY_API_URL") or "").strip() or DEFAULT_URL,
                            values["ETSY_API_KEY"], values["ETSY_ACCESS_TOKEN"],
                            (env.get("ETSY_REFRESH_TOKEN") or "").strip(), token_store, policy)
        return cls(client, values["ETSY_SHOP_ID"])

    @property
    def _shop(self) -> str:
        return f"/v3/application/shops/{self.shop_id}"

    def fetch_orders(self, since: datetime | None) -> FetchResult:
        """Receipts modified at or after `since` (whole seconds, so inclusive), every page."""
        params: dict[str, Any] = {"limit": self.page_size, "sort_on": "updated", "sort_order": "asc"}
        if since is not None:
            params["min_last_modified"] = max(ETSY_MIN_TIMESTAMP, int(utc(since).timestamp()))
        orders: list[Order] = []
        bad: list[Quarantined] = []
        newest = since
        offset = 0
        while True:
            page = self.client.get(f"{self._shop}/receipts", {**params, "offset": offset})
            results = page.get("results") or []
            for receipt in results:
                try:
                    order = order_from_receipt(receipt)
                except MappingError as exc:
                    bad.append(Quarantined(str(receipt.get("receipt_id")), str(exc), receipt))
                    continue
                orders.append(order)
                newest = max(newest, order.updated_at) if newest else order.updated_at
            offset += len(results)
            if not results or offset >= int(page.get("count") or 0):
                break
        cursor = utc(newest).strftime("%Y-%m-%dT%H:%M:%SZ") if newest else None
        return FetchResult(tuple(orders), tuple(bad), cursor)

    def get_order(self, platform_order_id: str) -> Order:
        """One receipt by id."""
        return order_from_receipt(self.client.get(f"{self._shop}/receipts/{platform_order_id}"))

    def push_fulfilment(self, order: Order, shipment: Shipment, idempotency_key: str) -> PushResult:
        """createReceiptShipment, unless the receipt already has this tracking code."""
        path = f"{self._shop}/receipts/{order.platform_order_id}"
        body = {"tracking_code": shipment.tracking_number,
                "carrier_name": shipment.carrier or "other", "send_bcc": False}

        def find_existing() -> dict | None:
            receipt = self.client.get(path)
            return next((s for s in receipt.get("shipments") or []
                         if s.get("tracking_code") == shipment.tracking_number), None)

        try:
            result, already = write_once(find_existing, lambda: self.client.post(f"{path}/tracking", body),
                                         self.client.policy)
        except ConnectorRejected as exc:
            return PushResult(ok=False, message=str(exc), request=body)
        ident = str(result.get("receipt_shipping_id") or result.get("receipt_id") or "")
        message = ("Already shipped on Etsy with this tracking number" if already
                   else "Shipped on Etsy — Etsy notified the buyer")
        return PushResult(ok=True, message=message, platform_fulfilment_id=ident,
                          buyer_notified_by_platform=True, already_done=already, request=body)

    def update_tracking(self, order: Order, old_tracking: str, shipment: Shipment,
                        idempotency_key: str) -> PushResult:
        """createReceiptShipment again: Etsy adds the new tracking and e-mails it; the old entry stays.

        Etsy's spec (shared/specs/etsy/etsy-openapi-v3.json, createReceiptShipment): "Each time you
        successfully submit tracking info, Etsy sends a notification email to the buyer" and it "creates a
        Shop Receipt Shipment entry"; no v3 endpoint edits or deletes one, so the old number stays listed.
        """
        result = self.push_fulfilment(order, shipment, idempotency_key)
        if not result.ok:
            raise ConnectorRejected(result.message)
        head = ("Etsy already had the new tracking number" if result.already_done
                else "New tracking number sent to Etsy, which e-mailed it to the buyer")
        message = (f"{head} ({shipment.tracking_number}). Etsy's API can't remove the old one "
                   f"({old_tracking}): the order on Etsy lists both")
        return replace(result, message=message)

    def check(self) -> str:
        """Read the shop (proves the key and token work)."""
        shop = self.client.get(self._shop)
        return f"Etsy: connected to {shop.get('shop_name') or 'shop ' + self.shop_id}"

