"""Shopify Admin GraphQL over HTTP: auth header, URL, throttling, retries, error translation.

Shopify limits GraphQL by query cost: each response says how many points are
left (extensions.cost.throttleStatus) and how fast they come back. Before a
query we wait until its expected cost fits; a THROTTLED answer waits for the
points it asked for, then retries. All waiting goes through the injectable sleep.
"""
from __future__ import annotations

import logging
from typing import Any, Callable

import requests

from connectors.base import ConnectorAuthError, ConnectorRejected, ConnectorTemporaryError
from connectors.idempotent import single_attempt
from connectors.shopify.queries import API_VERSION
from core.http import RetryPolicy, build_session

log = logging.getLogger("truecraft.shopify")

AUTH_MESSAGE = "reconnect Shopify: the access was revoked or expired"
BUSY_MESSAGE = "Shopify is busy or unreachable right now; TrueCraft will try again on the next sync"


class ShopifyClient:
    """Sends GraphQL documents to one shop and returns the `data` part."""

    def __init__(self, base_url: str, access_token: str, policy: RetryPolicy | None = None,
                 sleep: Callable[[float], None] | None = None) -> None:
        self.policy = policy or RetryPolicy.from_env()
        self.url = f"{base_url.rstrip('/')}/admin/api/{API_VERSION}/graphql.json"
        self.sleep = sleep or self.policy.sleep
        self._read = build_session(self.policy)
        # Writes are sent once; connectors/idempotent.py re-checks before any resend.
        self._write = build_session(single_attempt(self.policy))
        for session in (self._read, self._write):
            session.headers.update({"X-Shopify-Access-Token": access_token,
                                    "Content-Type": "application/json"})
        self.available: float | None = None
        self.restore_rate: float | None = None
        self._costs: dict[str, float] = {}  # last requested cost per document
        self.waited = 0.0

    def query(self, document: str, variables: dict[str, Any] | None = None,
              write: bool = False) -> dict[str, Any]:
        """Run one document; returns `data` or raises a ConnectorError in plain words."""
        for _ in range(max(1, self.policy.attempts)):
            self._wait_for_points(self._costs.get(document))
            body = self._post(document, variables or {}, write)
            cost = (body.get("extensions") or {}).get("cost") or {}
            self._note_cost(document, cost)
            errors = body.get("errors") or []
            if any((e.get("extensions") or {}).get("code") == "THROTTLED" for e in errors):
                self._wait_for_points(float(cost.get("requestedQueryCost") or 0) or None)
                continue
            if errors:
                text = "; ".join(str(e.get("message", e)) for e in errors)
                raise ConnectorRejected(f"Shopify refused the request: {text}")
            return body.get("data") or {}
        raise ConnectorTemporaryError("Shopify kept throttling our requests; "
                                      "TrueCraft will try again on the next sync")

    def _post(self, document: str, variables: dict[str, Any], write: bool) -> dict[str, Any]:
        session = self._write if write else self._read
        try:
            resp = session.post(self.url, json={"query": document, "variables": variables})
        except (requests.ConnectionError, requests.Timeout):
            raise ConnectorTemporaryError(BUSY_MESSAGE) from None
        if resp.status_code in (401, 403):
            raise ConnectorAuthError(AUTH_MESSAGE)
        if resp.status_code == 429 or resp.status_code >= 500:
            raise ConnectorTemporaryError(f"{BUSY_MESSAGE} (it answered {resp.status_code})")
        if resp.status_code >= 400:
            raise ConnectorRejected(f"Shopify refused the request ({resp.status_code}): "
                                    f"{resp.text[:200]}")
        try:
            return resp.json()
        except ValueError:
            raise ConnectorTemporaryError(f"{BUSY_MESSAGE} (the answer was not JSON)") from None

    def _note_cost(self, document: str, cost: dict[str, Any]) -> None:
        status = cost.get("throttleStatus") or {}
        if "currentlyAvailable" in status:
            self.available = float(status["currentlyAvailable"])
            self.restore_rate = float(status.get("restoreRate") or 0) or None
        if cost.get("requestedQueryCost") is not None:
            self._costs[document] = float(cost["requestedQueryCost"])

    def _wait_for_points(self, needed: float | None) -> None:
        # Wait only as long as the bucket needs to refill to `needed` points.
        if needed is None or self.available is None or not self.restore_rate:
            return
        if self.available >= needed:
            return
        wait = (needed - self.available) / self.restore_rate
        log.info("Shopify query cost %.0f > %.0f points left; waiting %.1fs",
                 needed, self.available, wait)
        self.waited += wait
        self.sleep(wait)
        self.available = needed  # the bucket has refilled at least this far
