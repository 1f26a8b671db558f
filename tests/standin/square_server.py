"""A Square Orders/Invoices stand-in: in-memory data, cursor pages, faults, and spec checks on every request.

Every request is validated against the official orders-subset.json (OpenAPI 3)
with SpecValidator; an invalid request gets 400 and is recorded in `violations`
so tests can assert there were none.
"""
from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from typing import Any

from flask import Response, request

from tests.standin.server_base import StandinServer
from tests.standin.spec_validation import cached_validator, require_spec, spec_path

SPEC = spec_path("square", "orders-subset.json")
TOKEN = "EAAAtest-square-token"


def now_iso() -> str:
    """Square-style timestamp."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _err(status: int, code: str, detail: str = "", category: str = "INVALID_REQUEST_ERROR") -> Response:
    body = {"errors": [{"category": category, "code": code, **({"detail": detail} if detail else {})}]}
    return Response(json.dumps(body), status=status, content_type="application/json")


def _ok(body: dict) -> Response:
    return Response(json.dumps(body), status=200, content_type="application/json")


class SquareStandin(StandinServer):
    """start()/stop()/url; orders, invoices, locations in memory; fail_next(n, status, after_commit)."""

    def __init__(self, token: str = TOKEN, validate: bool = True) -> None:
        super().__init__("square-standin")
        self.token = token
        self.orders: dict[str, dict] = {}
        self.invoices: dict[str, dict] = {}
        self.locations: list[dict] = [{"id": "LOC1", "name": "Studio", "status": "ACTIVE"}]
        self.violations: list[dict[str, Any]] = []
        self.completions: list[tuple[str, str, str]] = []  # (order_id, fulfilment uid, tracking) per landing
        self._idem: dict[str, dict] = {}
        self.refuse_updates: set[str] = set()  # order ids Square won't let the API change
        self.webhooks: dict[str, dict] = {}  # webhook subscriptions by id (signature_key kept here)
        self.validator = cached_validator(str(require_spec(SPEC))) if validate else None
        self._routes()

    # -- test controls ---------------------------------------------------------------
    def reset(self) -> None:
        """Forget all data, requests and faults (one server can serve many tests)."""
        with self.lock:
            for store in (self.orders, self.invoices, self._idem, self.webhooks):
                store.clear()
            for log in (self.requests, self.violations, self.completions, self._faults):
                log.clear()
            self.refuse_updates.clear()

    def add_order(self, order: dict) -> dict:
        """Store an order as Square would return it."""
        with self.lock:
            self.orders[order["id"]] = copy.deepcopy(order)
        return order

    def add_invoice(self, invoice: dict) -> dict:
        """Store an invoice."""
        with self.lock:
            self.invoices[invoice["id"]] = copy.deepcopy(invoice)
        return invoice

    def touch(self, order_id: str, when: str | None = None) -> None:
        """Simulate a change made in Square (bumps updated_at and version)."""
        with self.lock:
            o = self.orders[order_id]
            o["updated_at"] = when or now_iso()
            if "version" in o:
                o["version"] += 1

    @staticmethod
    def _fault_response(fault) -> Response:
        """Injected faults answer in Square's error shape."""
        resp = _fault(fault.status)
        for key, value in fault.headers.items():
            resp.headers[key] = value
        return resp

    # -- app ----------------------------------------------------------------------------
    def _routes(self) -> None:
        app = self.app

        @app.before_request
        def _gate():
            if request.headers.get("Authorization") != f"Bearer {self.token}":
                return _err(401, "UNAUTHORIZED", "This request could not be authorized.",
                            "AUTHENTICATION_ERROR")
            problems = []
            if not request.headers.get("Square-Version"):
                problems.append("missing Square-Version header")
            if self.validator is not None:
                problems += self.validator.errors(request)
            if problems:
                self.record_spec_errors(problems)
                with self.lock:
                    self.violations.append({"method": request.method, "path": request.path, "errors": problems})
                return _err(400, "BAD_REQUEST", "; ".join(problems)[:2000])
            return None

        app.add_url_rule("/v2/locations", view_func=lambda: _ok({"locations": self.locations}))
        app.add_url_rule("/v2/orders/search", view_func=self._search_orders, methods=["POST"])
        app.add_url_rule("/v2/orders/batch-retrieve", view_func=self._batch_retrieve, methods=["POST"])
        app.add_url_rule("/v2/orders/<order_id>", view_func=self._retrieve, methods=["GET"])
        app.add_url_rule("/v2/orders/<order_id>", view_func=self._update, methods=["PUT"],
                         endpoint="update")
        app.add_url_rule("/v2/invoices/search", view_func=self._search_invoices, methods=["POST"])
        app.add_url_rule("/v2/webhooks/subscriptions", view_func=self._list_webhooks, methods=["GET"])
        app.add_url_rule("/v2/webhooks/subscriptions", view_func=self._create_webhook, methods=["POST"],
                         endpoint="create_webhook")
        app.add_url_rule("/v2/webhooks/subscriptions/<sub_id>", view_func=self._update_webhook,
                         methods=["PUT"])

    def _search_orders(self):
        body = request.get_json()
        locs = set(body.get("location_ids") or [])
        query = body.get("query") or {}
        start = ((((query.get("filter") or {}).get("date_time_filter") or {}).get("updated_at") or {})
                 .get("start_at"))
        with self.lock:
            found = [o for o in self.orders.values() if o["location_id"] in locs
                     and (not start or _ts(o["updated_at"]) >= _ts(start))]
        desc = (query.get("sort") or {}).get("sort_order") == "DESC"
        found.sort(key=lambda o: _ts(o["updated_at"]), reverse=desc)
        page, cursor = _page(found, body.get("cursor"), body.get("limit") or 500)
        out: dict[str, Any] = {"orders": page}
        if cursor:
            out["cursor"] = cursor
        return _ok(out)

    def _batch_retrieve(self):
        ids = request.get_json().get("order_ids") or []
        with self.lock:
            return _ok({"orders": [copy.deepcopy(self.orders[i]) for i in ids if i in self.orders]})

    def _retrieve(self, order_id: str):
        with self.lock:
            if order_id not in self.orders:
                return _err(404, "NOT_FOUND", f"Order {order_id} not found.")
            return _ok({"order": copy.deepcopy(self.orders[order_id])})

    def _update(self, order_id: str):
        body = request.get_json()
        key = body.get("idempotency_key")
        with self.lock:
            if key and key in self._idem:
                return _ok(copy.deepcopy(self._idem[key]))
            order = self.orders.get(order_id)
            if order is None:
                return _err(404, "NOT_FOUND", f"Order {order_id} not found.")
            if order_id in self.refuse_updates or "version" not in order or order.get("state") in ("COMPLETED", "CANCELED"):
                # Modeled on Square's rule: orders not created through the API have no version and cannot be updated.
                return _err(400, "BAD_REQUEST", "Cannot update an order that was not created through the Orders API.")
            sparse = body.get("order") or {}
            if sparse.get("version") != order["version"]:
                return _err(400, "VERSION_MISMATCH", f"Current version is {order['version']}.")
            for f in sparse.get("fulfillments") or []:
                self._apply_fulfilment(order_id, order, f)
            order["version"] += 1
            order["updated_at"] = now_iso()
            result = {"order": copy.deepcopy(order)}
            if key:
                self._idem[key] = result
        return _ok(result)

    def _apply_fulfilment(self, order_id: str, order: dict, change: dict) -> None:
        fulfilments = order.setdefault("fulfillments", [])
        target = next((f for f in fulfilments if f.get("uid") == change.get("uid")), None)
        was = target.get("state") if target else None
        if target is None:
            target = {"uid": change.get("uid"), "type": change.get("type", "SHIPMENT"), "state": "PROPOSED"}
            fulfilments.append(target)
        target["state"] = change.get("state", target["state"])
        if change.get("shipment_details"):
            details = target.setdefault("shipment_details", {})
            details.update(change["shipment_details"])
            if target["state"] == "COMPLETED":
                details.setdefault("shipped_at", now_iso())
        if target["state"] == "COMPLETED" and was != "COMPLETED":
            self.completions.append((order_id, target["uid"],
                                     (target.get("shipment_details") or {}).get("tracking_number", "")))

    def _list_webhooks(self):
        with_disabled = request.args.get("include_disabled") == "true"
        with self.lock:
            subs = [_public(w) for w in self.webhooks.values() if with_disabled or w.get("enabled", True)]
        page, cursor = _page(subs, request.args.get("cursor"), int(request.args.get("limit") or 100))
        return _ok({"subscriptions": page, **({"cursor": cursor} if cursor else {})})

    def _create_webhook(self):
        body = request.get_json()
        key = body.get("idempotency_key")
        sub = body["subscription"]
        if not str(sub.get("notification_url") or "").startswith("https://"):
            return _err(400, "INVALID_VALUE", "notification_url must be an https URL")
        with self.lock:
            if key and key in self._idem:
                return _ok(copy.deepcopy(self._idem[key]))
            sub_id = f"wbhk_{len(self.webhooks) + 1:032x}"
            made = {**sub, "id": sub_id, "enabled": sub.get("enabled", True), "created_at": now_iso(),
                    "updated_at": now_iso(), "signature_key": f"sigkey-{sub_id[-8:]}"}
            self.webhooks[sub_id] = made
            result = {"subscription": copy.deepcopy(made)}
            if key:
                self._idem[key] = result
        return _ok(result)

    def _update_webhook(self, sub_id: str):
        change = request.get_json().get("subscription") or {}
        with self.lock:
            sub = self.webhooks.get(sub_id)
            if sub is None:
                return _err(404, "NOT_FOUND", f"Subscription {sub_id} not found.")
            sub.update({k: v for k, v in change.items() if k in ("name", "enabled", "event_types", "notification_url")})
            sub["updated_at"] = now_iso()
            return _ok({"subscription": _public(sub)})

    def _search_invoices(self):
        body = request.get_json()
        locs = set(body["query"]["filter"]["location_ids"])
        if len(locs) != 1:
            return _err(400, "INVALID_VALUE", "Only one location id may be specified.")
        with self.lock:
            found = [copy.deepcopy(i) for i in self.invoices.values() if i.get("location_id") in locs]
        found.sort(key=lambda i: i.get("created_at", ""), reverse=True)
        page, cursor = _page(found, body.get("cursor"), body.get("limit") or 100)
        out: dict[str, Any] = {"invoices": page}
        if cursor:
            out["cursor"] = cursor
        return _ok(out)


def _fault(status: int) -> Response:
    if status == 429:
        return _err(429, "RATE_LIMITED", "", "RATE_LIMIT_ERROR")
    if status in (401, 403):
        return _err(status, "UNAUTHORIZED" if status == 401 else "FORBIDDEN", "", "AUTHENTICATION_ERROR")
    if status >= 500:
        return _err(status, "INTERNAL_SERVER_ERROR", "", "API_ERROR")
    return _err(status, "BAD_REQUEST", "injected")


def _public(sub: dict) -> dict:
    """A subscription as List/Update answer it: Square shows the signature key only on creation."""
    return {k: copy.deepcopy(v) for k, v in sub.items() if k != "signature_key"}


def _page(items: list, cursor: str | None, limit: int) -> tuple[list, str | None]:
    start = int(cursor) if cursor else 0
    end = start + int(limit)
    return copy.deepcopy(items[start:end]), (str(end) if end < len(items) else None)


def _ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def make_order(order_id: str, updated_at: str, *, location_id: str = "LOC1", version: int | None = 1,
               state: str = "OPEN", name: str = "Linen Wrap", qty: int = 1, cents: int = 4500,
               shipment: bool = True, recipient: dict | None = None) -> dict:
    """An order shaped like Square's RetrieveOrder answer (version None = made in the Dashboard)."""
    order: dict[str, Any] = {
        "id": order_id, "location_id": location_id, "state": state,
        "created_at": updated_at, "updated_at": updated_at,
        "line_items": [{"uid": f"{order_id}-li1", "name": name, "quantity": str(qty),
                        "variation_name": "Blue", "catalog_object_id": "CATVAR1",
                        "base_price_money": {"amount": cents, "currency": "USD"},
                        "total_money": {"amount": cents * qty, "currency": "USD"}}],
        "total_money": {"amount": cents * qty, "currency": "USD"},
    }
    if version is not None:
        order["version"] = version
    if shipment:
        order["fulfillments"] = [{
            "uid": f"{order_id}-ship", "type": "SHIPMENT", "state": "PROPOSED",
            "shipment_details": {"recipient": recipient or {
                "display_name": "Ada Lovelace", "email_address": "ada@example.com",
                "phone_number": "+1-212-555-0100",
                "address": {"address_line_1": "1 Loom St", "locality": "Portland",
                            "administrative_district_level_1": "OR", "postal_code": "97201",
                            "country": "US"}}}}]
    return order
