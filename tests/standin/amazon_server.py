"""An Amazon SP-API + LWA stand-in: searchOrders/getOrder (2026-01-01), confirmShipment (v0), token endpoint.

openapi-core does not read Swagger 2.0, so SwaggerValidator below checks each
request itself: the path+method exist, required path/query parameters are
present and well-typed, and the JSON body validates (jsonschema) against the
spec's definitions. Invalid requests get 400 and are recorded.
"""
from __future__ import annotations

import copy
import functools
import itertools
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Response, request
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from tests.standin.server_base import StandinServer
from tests.standin.spec_validation import require_spec, spec_path

SPECS = (spec_path("amazon", "orders_2026-01-01.json"), spec_path("amazon", "ordersV0.json"))
CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN = "amzn1.application-oa2-client.test", "secret", "Atzr|refresh"
RATE_HEADER = "x-amzn-RateLimit-Limit"


class SwaggerValidator:
    """Request (and response) checks against one Swagger 2.0 document."""

    def __init__(self, path: Path) -> None:
        self.doc = json.loads(Path(path).read_text(encoding="utf-8"))
        self.registry = Registry().with_resource(
            "urn:spec", Resource.from_contents(self.doc, default_specification=DRAFT4))
        self.routes = [(re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", p) + "$"), p)
                       for p in self.doc["paths"]]

    def operation(self, method: str, path: str) -> tuple[dict, dict] | None:
        """(operation, path params) for a concrete request path, or None."""
        for rx, template in self.routes:
            m = rx.match(path)
            if m and method.lower() in self.doc["paths"][template]:
                return self.doc["paths"][template][method.lower()], m.groupdict()
        return None

    def schema_errors(self, schema: dict, value: Any) -> list[str]:
        """jsonschema errors of `value` against a (possibly $ref'd) spec schema."""
        wrapped = json.loads(json.dumps(schema).replace('"#/definitions/', '"urn:spec#/definitions/'))
        validator = Draft4Validator(wrapped, registry=self.registry)
        return [f"{'/'.join(map(str, e.absolute_path)) or 'body'}: {e.message}" for e in validator.iter_errors(value)]

    def request_errors(self, method: str, path: str, query: dict[str, str], body: Any) -> list[str]:
        """Every way the request breaks the spec (empty when none)."""
        found = self.operation(method, path)
        if found is None:
            return [f"{method} {path} is not an operation of this API"]
        op, _ = found
        errors: list[str] = []
        for prm in op.get("parameters", []):
            name, where = prm["name"], prm["in"]
            if where == "query":
                if name not in query:
                    if prm.get("required"):
                        errors.append(f"missing required query parameter {name}")
                    continue
                errors += _query_errors(prm, query[name])
            elif where == "body":
                if body is None:
                    if prm.get("required"):
                        errors.append("missing request body")
                    continue
                errors += self.schema_errors(prm["schema"], body)
        known = {p["name"] for p in op.get("parameters", []) if p["in"] == "query"}
        errors += [f"unknown query parameter {k}" for k in query if k not in known]
        return errors

    def response_errors(self, method: str, path: str, status: int, body: Any) -> list[str]:
        """Errors of a response body against the operation's declared response schema."""
        op, _ = self.operation(method, path) or ({}, {})
        declared = (op.get("responses") or {}).get(str(status))
        if declared is None:
            return [f"status {status} is not declared for {method} {path}"]
        if "schema" not in declared:
            return [] if body in (None, b"", "") else ["body given where none is declared"]
        return self.schema_errors(declared["schema"], body)


def _query_errors(prm: dict, raw: str) -> list[str]:
    name, kind = prm["name"], prm.get("type")
    # Swagger 2's default collectionFormat is csv.
    values = raw.split(",") if kind == "array" else [raw]
    item = prm.get("items", {}) if kind == "array" else prm
    errors = []
    if kind == "array" and prm.get("maxItems") and len(values) > prm["maxItems"]:
        errors.append(f"{name}: more than {prm['maxItems']} values")
    for v in values:
        if item.get("enum") and v not in item["enum"]:
            errors.append(f"{name}: '{v}' is not one of {item['enum']}")
        if item.get("type") == "integer" and not re.fullmatch(r"-?\d+", v):
            errors.append(f"{name}: '{v}' is not an integer")
        if item.get("format") == "date-time":
            try:
                datetime.fromisoformat(v.replace("Z", "+00:00"))
            except ValueError:
                errors.append(f"{name}: '{v}' is not an ISO 8601 date-time")
    return errors


@functools.lru_cache(maxsize=4)
def validator(path: str) -> SwaggerValidator:
    """One parsed spec per path per test session."""
    return SwaggerValidator(Path(path))


def _errors(status: int, code: str, message: str) -> Response:
    return Response(json.dumps({"errors": [{"code": code, "message": message}]}), status=status,
                    content_type="application/json")


class AmazonStandin(StandinServer):
    """LWA + SP-API in memory: orders, packages, tokens; fail_next(n, status, after_commit)."""

    def __init__(self) -> None:
        super().__init__("amazon-standin")
        self.orders: dict[str, dict] = {}
        self.confirmations: list[tuple[str, str, str]] = []  # (order, packageReferenceId, tracking) per new package
        self.token_calls = 0
        self.expires_in = 3600
        self.rate_limits = {"searchOrders": "0.0056", "getOrder": "0.5", "confirmShipment": "2"}
        self.valid_tokens: set[str] = set()
        self.violations: list[dict[str, Any]] = []
        self._ids = itertools.count(1)
        self.validators = [validator(str(require_spec(p))) for p in SPECS]
        self._routes()

    def reset(self) -> None:
        """Forget data, tokens, requests and faults."""
        with self.lock:
            self.orders.clear()
            for log in (self.confirmations, self.requests, self.violations, self._faults):
                log.clear()
            self.valid_tokens.clear()
            self.token_calls = 0

    def add_order(self, order: dict) -> dict:
        """Store a 2026-01-01 order object."""
        with self.lock:
            self.orders[order["orderId"]] = copy.deepcopy(order)
        return order

    @staticmethod
    def _fault_response(fault) -> Response:
        """Injected faults answer in SP-API's error shape."""
        resp = _errors(fault.status, "QuotaExceeded" if fault.status == 429 else "InternalFailure"
                       if fault.status >= 500 else "Unauthorized", "Injected failure.")
        for key, value in fault.headers.items():
            resp.headers[key] = value
        return resp

    def _routes(self) -> None:
        app = self.app

        @app.before_request
        def _gate():
            if request.path == "/auth/o2/token":
                return None
            if request.headers.get("x-amz-access-token") not in self.valid_tokens:
                return _errors(403, "Unauthorized", "Access to requested resource is denied.")
            body = request.get_json(silent=True)
            problems = [e for v in self.validators if v.operation(request.method, request.path)
                        for e in v.request_errors(request.method, request.path, request.args.to_dict(), body)]
            if not any(v.operation(request.method, request.path) for v in self.validators):
                problems.append(f"{request.method} {request.path} is not an SP-API operation")
            if problems:
                self.record_spec_errors(problems)
                with self.lock:
                    self.violations.append({"method": request.method, "path": request.path, "errors": problems})
                return _errors(400, "InvalidInput", "; ".join(problems)[:2000])
            return None

        app.add_url_rule("/auth/o2/token", view_func=self._token, methods=["POST"])
        app.add_url_rule("/orders/2026-01-01/orders", view_func=self._search, methods=["GET"])
        app.add_url_rule("/orders/2026-01-01/orders/<order_id>", view_func=self._get, methods=["GET"])
        app.add_url_rule("/orders/v0/orders/<order_id>/shipmentConfirmation", view_func=self._confirm,
                         methods=["POST"])

    def _token(self):
        form = request.form
        if form.get("grant_type") != "refresh_token" or form.get("client_id") != CLIENT_ID \
                or form.get("client_secret") != CLIENT_SECRET:
            return Response(json.dumps({"error": "invalid_client", "error_description": "Client authentication failed"}),
                            status=401, content_type="application/json")
        if form.get("refresh_token") != REFRESH_TOKEN:
            return Response(json.dumps({"error": "invalid_grant", "error_description": "The request has an invalid grant parameter : refresh_token"}),
                            status=400, content_type="application/json")
        with self.lock:
            self.token_calls += 1
            token = f"Atza|access-{next(self._ids)}"
            self.valid_tokens.add(token)
        return _json(200, {"access_token": token, "refresh_token": REFRESH_TOKEN, "token_type": "bearer",
                           "expires_in": self.expires_in})

    def _view(self, order: dict) -> dict:
        """Only the sections the caller asked for with includedData."""
        asked = set((request.args.get("includedData") or "").split(","))
        out = copy.deepcopy(order)
        for key, section in (("buyer", "BUYER"), ("recipient", "RECIPIENT"), ("proceeds", "PROCEEDS"),
                             ("fulfillment", "FULFILLMENT"), ("packages", "PACKAGES")):
            if section not in asked:
                out.pop(key, None)
        return out

    def _search(self):
        args = request.args
        after = _ts(args["lastUpdatedAfter"]) if "lastUpdatedAfter" in args else None
        markets = set((args.get("marketplaceIds") or "").split(",")) - {""}
        with self.lock:
            found = sorted((o for o in self.orders.values()
                            if (after is None or _ts(o["lastUpdatedTime"]) >= after)
                            and (not markets or o["salesChannel"]["marketplaceId"] in markets)),
                           key=lambda o: o["lastUpdatedTime"])
            page_size = int(args.get("maxResultsPerPage") or 100)
            start = int(args.get("paginationToken") or 0)
            body: dict[str, Any] = {"orders": [self._view(o) for o in found[start:start + page_size]]}
        if start + page_size < len(found):
            body["pagination"] = {"nextToken": str(start + page_size)}
        return _json(200, body, self.rate_limits["searchOrders"])

    def _get(self, order_id: str):
        with self.lock:
            order = self.orders.get(order_id)
            if order is None:
                return _errors(404, "NotFound", f"Order {order_id} not found.")
            return _json(200, {"order": self._view(order)}, self.rate_limits["getOrder"])

    def _confirm(self, order_id: str):
        detail = request.get_json()["packageDetail"]
        with self.lock:
            order = self.orders.get(order_id)
            if order is None:
                return _errors(404, "NotFound", f"Order {order_id} not found.")
            packages = order.setdefault("packages", [])
            existing = next((p for p in packages if p["packageReferenceId"] == detail["packageReferenceId"]), None)
            package = {"packageReferenceId": detail["packageReferenceId"], "carrier": detail["carrierCode"],
                       "trackingNumber": detail["trackingNumber"], "shipTime": detail["shipDate"],
                       "packageItems": [{"orderItemId": i["orderItemId"], "quantity": i["quantity"]}
                                        for i in detail["orderItems"]]}
            if existing:  # same package reference: an update, never a second package
                existing.update(package)
            else:
                packages.append(package)
                self.confirmations.append((order_id, detail["packageReferenceId"], detail["trackingNumber"]))
                self._mark_shipped(order, detail["orderItems"])
        resp = Response(status=204)
        resp.headers[RATE_HEADER] = self.rate_limits["confirmShipment"]
        return resp

    @staticmethod
    def _mark_shipped(order: dict, shipped: list[dict]) -> None:
        qty = {i["orderItemId"]: i["quantity"] for i in shipped}
        for item in order["orderItems"]:
            ful = item.setdefault("fulfillment", {})
            done = ful.get("quantityFulfilled", 0) + qty.get(item["orderItemId"], 0)
            ful.update(quantityFulfilled=done, quantityUnfulfilled=max(0, item["quantityOrdered"] - done))
        left = sum(i["fulfillment"]["quantityUnfulfilled"] for i in order["orderItems"])
        order.setdefault("fulfillment", {})["fulfillmentStatus"] = "SHIPPED" if left == 0 else "PARTIALLY_SHIPPED"


def _json(status: int, body: dict, rate: str | None = None) -> Response:
    resp = Response(json.dumps(body), status=status, content_type="application/json")
    if rate:
        resp.headers[RATE_HEADER] = rate
    return resp


def _ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def make_order(order_id: str, updated: str, *, status: str = "UNSHIPPED", by: str = "MERCHANT",
               marketplace: str = "ATVPDKIKX0DER", qty: int = 2) -> dict:
    """A merchant-fulfilled 2026-01-01 order with buyer, recipient, proceeds and one item."""
    return {
        "orderId": order_id, "createdTime": updated, "lastUpdatedTime": updated,
        "salesChannel": {"channelName": "AMAZON", "marketplaceId": marketplace},
        "buyer": {"buyerName": "Grace Hopper", "buyerEmail": "x7q@marketplace.amazon.com"},
        "recipient": {"deliveryAddress": {"name": "Grace Hopper", "addressLine1": "2 Cobol Way",
                                          "city": "Arlington", "stateOrRegion": "VA", "postalCode": "22201",
                                          "countryCode": "US", "phone": "+1 703 555 0100"}},
        "proceeds": {"grandTotal": {"amount": f"{24.5 * qty:.2f}", "currencyCode": "USD"}},
        "fulfillment": {"fulfillmentStatus": status, "fulfilledBy": by},
        "orderItems": [{"orderItemId": f"{order_id}-1", "quantityOrdered": qty,
                        "product": {"asin": "B000TEST01", "title": "Hand-thrown Mug", "sellerSku": "MUG-01",
                                    "price": {"unitPrice": {"amount": "24.50", "currencyCode": "USD"}}},
                        "fulfillment": {"quantityFulfilled": 0, "quantityUnfulfilled": qty}}],
    }
