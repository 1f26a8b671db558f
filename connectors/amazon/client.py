"""Amazon SP-API over HTTP: LWA token header, per-operation token buckets, pagination, error mapping.

Retries live in core.http. Each operation gets its own session whose request
budget is that operation's token bucket, so retries are paced too. The
x-amzn-RateLimit-Limit header retunes a bucket; a 429 empties it.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable, Iterator

import requests

from connectors.amazon.auth import AUTH_MESSAGE, LwaTokens
from connectors.base import ConnectorAuthError, ConnectorRejected, ConnectorTemporaryError
from core.http import RetryPolicy, build_session

log = logging.getLogger("truecraft.amazon")

DEFAULT_BASE_URL = "https://sellingpartnerapi-na.amazon.com"
SEARCH_PATH = "/orders/2026-01-01/orders"
CONFIRM_PATH = "/orders/v0/orders/{order_id}/shipmentConfirmation"
INCLUDED_DATA = ("BUYER", "RECIPIENT", "FULFILLMENT", "PROCEEDS", "PACKAGES")
# Documented default usage plans: (requests per second, burst).
USAGE_PLANS = {"searchOrders": (0.0056, 20), "getOrder": (0.5, 30), "confirmShipment": (2.0, 10)}


class TokenBucket:
    """Rate/burst limiter (thread-safe) with injectable clock and sleep; has acquire() like core's budget."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.rate, self.burst = float(rate), int(burst)
        self.clock, self.sleep = clock, sleep
        self.tokens = float(burst)
        self._stamp = clock()
        self._lock = threading.Lock()
        self.waited = 0.0

    def _refill(self) -> None:
        now = self.clock()
        self.tokens = min(float(self.burst), self.tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def acquire(self) -> None:
        """Take one token, sleeping until one has refilled when the bucket is empty."""
        with self._lock:
            self._refill()
            if self.tokens >= 1.0:
                self.tokens -= 1.0
                return
            wait = (1.0 - self.tokens) / self.rate
        log.info("Amazon rate limit: waiting %.1fs", wait)
        self.waited += wait
        self.sleep(wait)
        with self._lock:
            self._refill()
            # The wait we just did earned this token (also when a test's sleep only pretends).
            self.tokens = max(self.tokens, 1.0) - 1.0

    def set_rate(self, rate: float) -> None:
        """Adopt the rate Amazon reports for this seller (x-amzn-RateLimit-Limit)."""
        with self._lock:
            self._refill()
            self.rate = rate

    def drain(self) -> None:
        """Amazon said 429: assume the bucket is empty on its side too."""
        with self._lock:
            self._refill()
            self.tokens = 0.0


class AmazonClient:
    """Thin SP-API client; returns Amazon's JSON as dicts."""

    def __init__(self, tokens: LwaTokens, base_url: str = DEFAULT_BASE_URL,
                 policy: RetryPolicy | None = None, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] | None = None) -> None:
        self.tokens = tokens
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.policy = policy or RetryPolicy.from_env()
        pause = sleep or self.policy.sleep
        self.buckets = {op: TokenBucket(rate, burst, clock, pause) for op, (rate, burst) in USAGE_PLANS.items()}
        self.sessions: dict[str, requests.Session] = {}
        for op, bucket in self.buckets.items():
            session = build_session(self.policy, budget=bucket)  # type: ignore[arg-type]
            session.hooks["response"].append(_rate_hook(bucket))
            self.sessions[op] = session

    def with_write_policy(self, policy: RetryPolicy) -> None:
        """Send confirmShipment under another policy (single attempt, guarded by write_once)."""
        session = build_session(policy, budget=self.buckets["confirmShipment"])  # type: ignore[arg-type]
        session.hooks["response"].append(_rate_hook(self.buckets["confirmShipment"]))
        self.sessions["confirmShipment"] = session

    def call(self, op: str, method: str, path: str, params: dict | None = None,
             body: dict | None = None) -> dict[str, Any]:
        """One SP-API request under operation `op`'s bucket; JSON body or a connector error."""
        headers = {"x-amz-access-token": self.tokens.access_token(), "Accept": "application/json"}
        try:
            resp = self.sessions[op].request(method, self.base_url + path, params=params, json=body,
                                             headers=headers)
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise ConnectorTemporaryError(
                "Amazon didn't answer — TrueCraft will try again on the next sync") from exc
        return self._check(resp, op)

    def search_orders(self, marketplace_id: str, updated_after: str,
                      page_size: int = 100) -> Iterator[dict]:
        """Every order updated at or after `updated_after` (all pages)."""
        params: dict[str, Any] = {"lastUpdatedAfter": updated_after, "marketplaceIds": marketplace_id,
                                  "includedData": ",".join(INCLUDED_DATA), "maxResultsPerPage": page_size}
        while True:
            data = self.call("searchOrders", "GET", SEARCH_PATH, params=params)
            yield from data.get("orders") or []
            token = (data.get("pagination") or {}).get("nextToken")
            if not token:
                return
            params = dict(params, paginationToken=token)

    def get_order(self, order_id: str) -> dict:
        """One order with buyer, recipient, fulfilment, proceeds and packages."""
        return self.call("getOrder", "GET", f"{SEARCH_PATH}/{order_id}",
                         params={"includedData": ",".join(INCLUDED_DATA)})["order"]

    def confirm_shipment(self, order_id: str, body: dict) -> None:
        """v0 confirmShipment (204 on success)."""
        self.call("confirmShipment", "POST", CONFIRM_PATH.format(order_id=order_id), body=body)

    def _check(self, resp: requests.Response, op: str) -> dict[str, Any]:
        status = resp.status_code
        if status < 300:
            return resp.json() if resp.content else {}
        try:
            errors = (resp.json() or {}).get("errors") or []
        except ValueError:
            errors = []
        log.warning("Amazon %s answered %s: %s", op, status, errors)
        if status in (401, 403):
            self.tokens.forget()
            raise ConnectorAuthError(AUTH_MESSAGE)
        if status == 429 or status >= 500:
            raise ConnectorTemporaryError(
                "Amazon is busy or unavailable right now — TrueCraft will try again on the next sync")
        detail = "; ".join(str(e.get("message") or e.get("code")) for e in errors) or f"HTTP {status}"
        raise ConnectorRejected(f"Amazon refused the request: {detail}")


def _rate_hook(bucket: TokenBucket) -> Callable[..., requests.Response]:
    """A requests response hook that keeps the bucket in step with what Amazon reports."""

    def hook(resp: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        limit = resp.headers.get("x-amzn-RateLimit-Limit")
        if limit:
            try:
                rate = float(limit)
            except ValueError:
                rate = 0.0
            if rate > 0:
                bucket.set_rate(rate)
        if resp.status_code == 429:
            bucket.drain()
        return resp

    return hook
