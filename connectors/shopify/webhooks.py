"""Shopify webhook subscriptions over Admin GraphQL: list them, and create the missing order topics.

Registration is idempotent: the shop's subscriptions are read first and a topic
already sent to the same address is left alone, so running it twice creates
nothing new. API 2026-07 names the destination `uri` (`callbackUrl` is deprecated).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from connectors.base import ConnectorRejected
from connectors.shopify.client import ShopifyClient

# The order topics webhooks.handlers acts on (REST spelling orders/create etc. in the header).
TOPICS = ("ORDERS_CREATE", "ORDERS_UPDATED", "ORDERS_CANCELLED", "ORDERS_FULFILLED")
PAGE = 100

LIST = """
query WebhookSubscriptions($first: Int!, $after: String) {
  webhookSubscriptions(first: $first, after: $after) {
    nodes { id topic uri format }
    pageInfo { hasNextPage endCursor }
  }
}
"""

CREATE = """
mutation webhookSubscriptionCreate($topic: WebhookSubscriptionTopic!, $webhookSubscription: WebhookSubscriptionInput!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $webhookSubscription) {
    webhookSubscription { id topic uri format }
    userErrors { field message }
  }
}
"""


@dataclass(frozen=True)
class Subscription:
    """One webhook subscription as the shop reports it."""

    id: str
    topic: str
    uri: str
    format: str = "JSON"


@dataclass
class Registration:
    """What register() did (or, on a dry run, would do)."""

    url: str
    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    planned: list[str] = field(default_factory=list)  # dry run: topics it would make sure of


def list_subscriptions(client: ShopifyClient) -> list[Subscription]:
    """Every webhook subscription this app has on the shop (all pages)."""
    found: list[Subscription] = []
    after = None
    while True:
        data = client.query(LIST, {"first": PAGE, "after": after})
        page = data.get("webhookSubscriptions") or {}
        for node in page.get("nodes") or []:
            found.append(Subscription(str(node.get("id") or ""), str(node.get("topic") or ""),
                                      str(node.get("uri") or ""), str(node.get("format") or "JSON")))
        info = page.get("pageInfo") or {}
        if not info.get("hasNextPage"):
            return found
        after = info.get("endCursor")


def register(client: ShopifyClient, url: str, dry_run: bool = False) -> Registration:
    """Subscribe `url` to the order topics it is not subscribed to yet; dry_run sends nothing."""
    report = Registration(url)
    if dry_run:
        report.planned = list(TOPICS)
        return report
    have = {s.topic for s in list_subscriptions(client) if _same_url(s.uri, url)}
    for topic in TOPICS:
        if topic in have:
            report.existing.append(topic)
            continue
        # write=True: sent once (core.http does not resend a mutation on its own).
        payload = client.query(CREATE, {"topic": topic, "webhookSubscription": {"uri": url, "format": "JSON"}},
                               write=True).get("webhookSubscriptionCreate") or {}
        errors = payload.get("userErrors") or []
        if errors:
            raise ConnectorRejected(f"Shopify refused the {topic} webhook: "
                                    + "; ".join(str(e.get("message", "")) for e in errors))
        report.created.append(topic)
    return report


def _same_url(a: str, b: str) -> bool:
    return a.rstrip("/").lower() == b.rstrip("/").lower()
