"""Square Orders/Invoices/Locations over HTTP: bearer auth, Square-Version, cursor pages, error mapping.

Retries (429 RATE_LIMITED, 5xx, timeouts) live in core.http; this module only
turns the final answer into data or one of the connector errors.
"""
from __future__ import annotations

import logging
from typing import Any, Iterator

import requests

from connectors.base import ConnectorAuthError, ConnectorRejected, ConnectorTemporaryError
from core.http import RetryPolicy, build_session

log = logging.getLogger("truecraft.square")

DEFAULT_BASE_URL = "https://connect.squareup.com"
SQUARE_VERSION = "2025-08-20"
AUTH_MESSAGE = "reconnect Square: the access was revoked or expired"
# Square limits: SearchOrders takes at most 10 locations; SearchInvoices exactly one.
MAX_ORDER_LOCATIONS = 10
ORDERS_PAGE = 500
INVOICES_PAGE = 200
BATCH_RETRIEVE_MAX = 100


class SquareApiError(ConnectorRejected):
    """A 4xx Square answered (other than auth/rate limits), with its error codes kept for callers."""

    def __init__(self, message: str, status: int, errors: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.status = status
        self.errors = errors

    @property
    def codes(self) -> set[str]:
        """Square error codes, e.g. {'VERSION_MISMATCH'}."""
        return {str(e.get("code", "")) for e in self.errors}

    @property
    def detail(self) -> str:
        """Square's own detail text (for logs, not for sellers)."""
        return "; ".join(str(e.get("detail", "")) for e in self.errors if e.get("detail"))


class SquareClient:
    """Thin Square API client; every method returns plain dicts from Square's JSON."""

    def __init__(self, access_token: str, base_url: str = DEFAULT_BASE_URL,
                 policy: RetryPolicy | None = None, session: requests.Session | None = None) -> None:
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.page_size = ORDERS_PAGE
        self.session = session or build_session(policy)
        self.session.headers.update({"Authorization": f"Bearer {access_token}",
                                     "Square-Version": SQUARE_VERSION,
                                     "Accept": "application/json"})

    # -- transport -----------------------------------------------------------------
    def call(self, method: str, path: str, body: dict | None = None) -> dict[str, Any]:
        """One request; returns the JSON body or raises a connector error."""
        url = f"{self.base_url}{path}"
        try:
            resp = self.session.request(method, url, json=body)
        except (requests.ConnectionError, requests.Timeout) as exc:
            log.warning("Square %s %s failed: %s", method, path, exc)
            raise ConnectorTemporaryError(
                "Square didn't answer — TrueCraft will try again on the next sync") from exc
        return _check(resp, method, path)

    # -- reads -----------------------------------------------------------------------
    def search_orders(self, location_ids: list[str], updated_since: str | None) -> Iterator[dict]:
        """Every order at these locations updated at or after `updated_since`, oldest change first."""
        for start in range(0, len(location_ids), MAX_ORDER_LOCATIONS):
            chunk = location_ids[start:start + MAX_ORDER_LOCATIONS]
            query: dict[str, Any] = {"sort": {"sort_field": "UPDATED_AT", "sort_order": "ASC"}}
            if updated_since:
                # Square requires the sort field to match the date filter's field.
                query["filter"] = {"date_time_filter": {"updated_at": {"start_at": updated_since}}}
            body: dict[str, Any] = {"location_ids": chunk, "query": query,
                                    "limit": self.page_size, "return_entries": False}
            yield from self._pages("/v2/orders/search", body, "orders")

    def search_invoices(self, location_id: str) -> Iterator[dict]:
        """Every invoice at one location (Square offers no updated_at filter for invoices)."""
        body = {"query": {"filter": {"location_ids": [location_id]},
                          "sort": {"field": "INVOICE_SORT_DATE", "order": "DESC"}},
                "limit": INVOICES_PAGE}
        yield from self._pages("/v2/invoices/search", body, "invoices")

    def batch_retrieve_orders(self, order_ids: list[str]) -> list[dict]:
        """Orders by id (up to 100 per call, chunked here)."""
        found: list[dict] = []
        for start in range(0, len(order_ids), BATCH_RETRIEVE_MAX):
            data = self.call("POST", "/v2/orders/batch-retrieve",
                             {"order_ids": order_ids[start:start + BATCH_RETRIEVE_MAX]})
            found.extend(data.get("orders") or [])
        return found

    def retrieve_order(self, order_id: str) -> dict:
        """One order by id."""
        return self.call("GET", f"/v2/orders/{order_id}")["order"]

    def list_locations(self) -> list[dict]:
        """The seller's locations (used by check() and when no location ids are configured)."""
        return self.call("GET", "/v2/locations").get("locations") or []

    # -- writes ----------------------------------------------------------------------
    def update_order(self, order_id: str, body: dict) -> dict:
        """UpdateOrder (sparse order + version + idempotency_key); returns the updated order."""
        return self.call("PUT", f"/v2/orders/{order_id}", body)["order"]

    def _pages(self, path: str, body: dict, key: str) -> Iterator[dict]:
        """Follow Square's `cursor` until it stops coming back."""
        cursor = None
        while True:
            page_body = dict(body, cursor=cursor) if cursor else body
            data = self.call("POST", path, page_body)
            yield from data.get(key) or []
            cursor = data.get("cursor")
            if not cursor:
                return


def _check(resp: requests.Response, method: str, path: str) -> dict[str, Any]:
    """Map Square's status codes to data or connector errors."""
    try:
        data = resp.json() if resp.content else {}
    except ValueError:
        data = {}
    errors = data.get("errors") or [] if isinstance(data, dict) else []
    status = resp.status_code
    if status < 300:
        return data if isinstance(data, dict) else {}
    log.warning("Square %s %s answered %s: %s", method, path, status, errors)
    if status in (401, 403):
        raise ConnectorAuthError(AUTH_MESSAGE)
    if status == 429 or status >= 500:
        raise ConnectorTemporaryError(
            "Square is busy or unavailable right now — TrueCraft will try again on the next sync")
    if status == 404:
        raise SquareApiError("Square has no such order (it may have been deleted)", status, errors)
    detail = "; ".join(str(e.get("detail") or e.get("code")) for e in errors) or f"HTTP {status}"
    raise SquareApiError(f"Square refused the request: {detail}", status, errors)
