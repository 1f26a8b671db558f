"""Shopify as a Connector: incremental order fetch, fulfilment exactly once, cancel."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from connectors.base import (Connector, ConnectorRejected, FetchResult, FulfilmentNotSupported, MappingError,
                             PushResult, Quarantined)
from connectors.idempotent import write_once
from connectors.shopify import queries
from connectors.shopify.client import ShopifyClient
from connectors.shopify.mapping import order_from_graphql, order_gid
from core.http import RetryPolicy
from core.models import Order, Platform, Shipment, utc

OPEN_FULFILMENT_ORDERS = {"OPEN", "IN_PROGRESS"}


class ShopifyConnector(Connector):
    """Orders from one Shopify shop through the Admin GraphQL API."""

    platform = Platform.SHOPIFY
    REQUIRED_ENV = ("SHOPIFY_SHOP", "SHOPIFY_ACCESS_TOKEN")

    def __init__(self, client: ShopifyClient, page_size: int = queries.ORDERS_PER_PAGE) -> None:
        self.client = client
        self.page_size = page_size

    @classmethod
    def from_env(cls, env: Mapping[str, str], policy: RetryPolicy | None = None,
                 **_: Any) -> "ShopifyConnector | None":
        """Build from SHOPIFY_SHOP + SHOPIFY_ACCESS_TOKEN (SHOPIFY_API_URL overrides the host)."""
        shop, token = (env.get("SHOPIFY_SHOP") or "").strip(), (env.get("SHOPIFY_ACCESS_TOKEN") or "").strip()
        if not shop or not token:
            return None
        base = (env.get("SHOPIFY_API_URL") or "").strip() or f"https://{_shop_host(shop)}"
        return cls(ShopifyClient(base, token, policy))

    def fetch_orders(self, since: datetime | None) -> FetchResult:
        """All orders updated at or after `since`, oldest change first, every page."""
        search = f"updated_at:>='{_iso(since)}'" if since else None
        orders: list[Order] = []
        bad: list[Quarantined] = []
        newest = since
        after = None
        while True:
            data = self.client.query(queries.ORDERS, {"first": self.page_size, "after": after,
                                                      "query": search})
            page = data.get("orders") or {}
            for node in page.get("nodes") or []:
                try:
                    order = order_from_graphql(self._complete(node))
                except MappingError as exc:
                    bad.append(Quarantined(str(node.get("legacyResourceId") or node.get("id")),
                                           str(exc), node))
                    continue
                orders.append(order)
                newest = max(newest, order.updated_at) if newest else order.updated_at
            info = page.get("pageInfo") or {}
            if not info.get("hasNextPage"):
                break
            after = info.get("endCursor")
        return FetchResult(tuple(orders), tuple(bad), _iso(newest) if newest else None)

    def _complete(self, node: dict) -> dict:
        """Fetch the line items and fulfillments one poll page left out, so no order is cut short."""
        items = node.get("lineItems") or {}
        info = items.get("pageInfo") or {}
        if info.get("hasNextPage"):
            nodes, after = list(items.get("nodes") or []), info.get("endCursor")
            while after:
                more = (self.client.query(queries.ORDER_LINE_ITEMS, {"id": node["id"], "after": after})
                        .get("order") or {}).get("lineItems") or {}
                nodes += more.get("nodes") or []
                page = more.get("pageInfo") or {}
                after = page.get("endCursor") if page.get("hasNextPage") else None
            node = {**node, "lineItems": {"nodes": nodes, "pageInfo": {"hasNextPage": False}}}
        if len(node.get("fulfillments") or []) >= queries.FULFILLMENTS_PER_ORDER:
            whole = self.client.query(queries.ORDER_FULFILLMENTS, {"id": node["id"]}).get("order") or {}
            node = {**node, "fulfillments": whole.get("fulfillments") or node["fulfillments"]}
        return node

    def get_order(self, platform_order_id: str) -> Order:
        """One order by its numeric id or gid."""
        node = self.client.query(queries.ORDER, {"id": order_gid(platform_order_id)}).get("order")
        if not node:
            raise ConnectorRejected(f"Shopify has no order {platform_order_id}")
        return order_from_graphql(self._complete(node))

    def push_fulfilment(self, order: Order, shipment: Shipment, idempotency_key: str) -> PushResult:
        """fulfillmentCreate on the order's open fulfillment orders, unless this tracking number is there."""
        tracking = _tracking_info(shipment)
        state: dict[str, Any] = {}

        def find_existing() -> dict | None:
            node = self._fulfilment_state(order)
            state["open"] = [fo["id"] for fo in (node.get("fulfillmentOrders") or {}).get("nodes") or []
                             if fo.get("status") in OPEN_FULFILMENT_ORDERS]
            for f in node.get("fulfillments") or []:
                numbers = [t.get("number") for t in f.get("trackingInfo") or []]
                if f.get("status") != "CANCELLED" and shipment.tracking_number in numbers:
                    return f
            return None

        def create() -> dict:
            if not state["open"]:
                raise ConnectorRejected(f"Shopify order #{order.platform_order_id} has nothing left "
                                        "to fulfil — check it in your Shopify admin")
            variables = {"fulfillment": {
                "lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": i} for i in state["open"]],
                "notifyCustomer": True, "trackingInfo": tracking}}
            payload = self.client.query(queries.FULFILLMENT_CREATE, variables, write=True)["fulfillmentCreate"]
            errors = payload.get("userErrors") or []
            if errors:
                raise ConnectorRejected("Shopify refused the fulfilment: "
                                        + "; ".join(e.get("message", "") for e in errors))
            return payload["fulfillment"]

        try:
            fulfilment, already = write_once(find_existing, create, self.client.policy)
        except ConnectorRejected as exc:
            return PushResult(ok=False, message=str(exc), request={"trackingInfo": tracking})
        message = ("Already shipped on Shopify with this tracking number" if already
                   else "Shipped on Shopify — customer notified")
        return PushResult(ok=True, message=message, platform_fulfilment_id=str(fulfilment.get("id", "")),
                          buyer_notified_by_platform=True, already_done=already,
                          request={"trackingInfo": tracking, "notifyCustomer": True})

    def update_tracking(self, order: Order, old_tracking: str, shipment: Shipment,
                        idempotency_key: str) -> PushResult:
        """fulfillmentTrackingInfoUpdate on the fulfilment that carries the old number (a replacement label)."""
        tracking = _tracking_info(shipment)
        state: dict[str, Any] = {}

        def find_existing() -> dict | None:
            node = self._fulfilment_state(order)
            live = [f for f in node.get("fulfillments") or [] if f.get("status") != "CANCELLED"]
            numbers = {f["id"]: [t.get("number") for t in f.get("trackingInfo") or []] for f in live}
            state["target"] = next((f for f in live if old_tracking and old_tracking in numbers[f["id"]]),
                                   live[0] if len(live) == 1 else None)  # one shipment: that is the one
            # The new number already there: our earlier update landed (its answer was lost).
            return next((f for f in live if shipment.tracking_number in numbers[f["id"]]), None)

        def update() -> dict:
            if state["target"] is None:
                raise FulfilmentNotSupported(
                    f"Shopify order #{order.platform_order_id} has no shipment with tracking {old_tracking} — "
                    f"put {shipment.tracking_number} on it in your Shopify admin")
            variables = {"fulfillmentId": state["target"]["id"], "trackingInfoInput": tracking,
                         "notifyCustomer": True}
            payload = self.client.query(queries.TRACKING_UPDATE, variables,
                                        write=True)["fulfillmentTrackingInfoUpdate"]
            errors = payload.get("userErrors") or []
            if errors:
                raise ConnectorRejected("Shopify refused the new tracking number: "
                                        + "; ".join(e.get("message", "") for e in errors))
            return payload["fulfillment"]

        fulfilment, already = write_once(find_existing, update, self.client.policy)
        message = (f"Shopify already had the new tracking number {shipment.tracking_number}" if already
                   else f"Tracking on Shopify replaced: {old_tracking} → {shipment.tracking_number} — "
                        "customer notified")
        return PushResult(ok=True, message=message, platform_fulfilment_id=str(fulfilment.get("id", "")),
                          buyer_notified_by_platform=True, already_done=already,
                          request={"fulfillmentId": fulfilment.get("id"), "trackingInfoInput": tracking,
                                   "notifyCustomer": True})

    def _fulfilment_state(self, order: Order) -> dict:
        """The order's fulfilment orders and fulfilments (with tracking), read fresh before a write."""
        node = self.client.query(queries.FULFILMENT_STATE, {"id": order_gid(order.platform_order_id)}).get("order")
        if not node:
            raise ConnectorRejected(f"Shopify has no order {order.platform_order_id}")
        return node

    def cancel_order(self, order: Order, reason: str = "duplicate") -> PushResult:
        """orderCancel with refund and restock (a duplicate was paid twice)."""
        variables = {"orderId": order_gid(order.platform_order_id), "reason": "OTHER",
                     "refundMethod": {"originalPaymentMethodsRefund": True}, "restock": True,
                     "notifyCustomer": True,
                     "staffNote": f"Cancelled by TrueCraft: {reason}"}
        payload = self.client.query(queries.ORDER_CANCEL, variables, write=True)["orderCancel"]
        errors = payload.get("orderCancelUserErrors") or []
        if errors:
            return PushResult(ok=False, request=variables, message="Shopify refused to cancel: "
                              + "; ".join(e.get("message", "") for e in errors))
        return PushResult(ok=True, request=variables,
                          message=f"Cancelled on Shopify (#{order.platform_order_id}), refund started")

    def webhook_subscriptions(self) -> list:
        """The shop's webhook subscriptions for this app (connectors.shopify.webhooks.Subscription)."""
        from connectors.shopify import webhooks

        return webhooks.list_subscriptions(self.client)

    def register_webhooks(self, url: str, dry_run: bool = False):
        """Subscribe `url` to the order topics not yet sent there (idempotent)."""
        from connectors.shopify import webhooks

        return webhooks.register(self.client, url, dry_run)

    def check(self) -> str:
        """Read the shop name (proves the token works)."""
        shop = self.client.query(queries.SHOP).get("shop") or {}
        return f"Shopify: connected to {shop.get('name') or shop.get('myshopifyDomain') or 'your shop'}"


def _shop_host(shop: str) -> str:
    shop = shop.strip().removeprefix("https://").removeprefix("http://").strip("/")
    return shop if "." in shop else f"{shop}.myshopify.com"


def _iso(value: datetime) -> str:
    return utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def _tracking_info(shipment: Shipment) -> dict[str, str]:
    """Shopify's trackingInfo input for a shipment: company, number and, when known, url."""
    tracking = {"company": shipment.carrier, "number": shipment.tracking_number}
    if shipment.tracking_url:
        tracking["url"] = shipment.tracking_url
    return tracking
