"""A loopback fake of Etsy Open API v3 (receipts, tracking, shop, OAuth2 refresh).

Every /v3/application request is validated against the official spec with
SpecValidator; violations are recorded and answered 400, as Etsy would. It
sends x-remaining-this-second / x-remaining-today like Etsy, rotates the
refresh token on every refresh, and can expire the access token on demand.
"""
from __future__ import annotations

import copy
import itertools
import time

from flask import jsonify, request

from tests.standin.server_base import StandinServer
from tests.standin.spec_validation import cached_validator, require_spec, spec_path

SPEC = spec_path("etsy", "etsy-openapi-v3.json")
SORT_KEYS = {"created": "created_timestamp", "updated": "updated_timestamp", "receipt_id": "receipt_id"}


class EtsyStandin(StandinServer):
    """In-memory Etsy shop; base URL is {url} (paths start with /v3/...)."""

    def __init__(self, shop_id: int = 12345678, api_key: str = "keystring123:secret456",
                 access_token: str = "12345678.access-1", refresh_token: str = "12345678.refresh-1",
                 validate: bool = True) -> None:
        super().__init__("etsy-standin")
        self.shop_id, self.api_key = shop_id, api_key
        self.access_token, self.refresh_token = access_token, refresh_token
        self.receipts: dict[int, dict] = {}
        self.remaining_second = 10
        self.remaining_today: int = 10000
        self.refreshes = 0
        self._ids = itertools.count(990001)
        self.validator = cached_validator(str(require_spec(SPEC))) if validate else None
        base = "/v3/application/shops/<int:shop_id>"
        self.app.add_url_rule(f"{base}/receipts", "receipts", self._list, methods=["GET"])
        self.app.add_url_rule(f"{base}/receipts/<int:rid>", "receipt", self._one, methods=["GET"])
        self.app.add_url_rule(f"{base}/receipts/<int:rid>/tracking", "tracking", self._track, methods=["POST"])
        self.app.add_url_rule(base, "shop", self._shop, methods=["GET"])
        self.app.add_url_rule("/v3/public/oauth/token", "token", self._token, methods=["POST"])
        self.app.before_request(self._guard)
        self.app.after_request(self._limits)

    # -- test controls -----------------------------------------------------------
    def add_receipt(self, receipt: dict) -> str:
        """Hold a receipt; returns its id."""
        with self.lock:
            self.receipts[int(receipt["receipt_id"])] = copy.deepcopy(receipt)
        return str(receipt["receipt_id"])

    def expire_access_token(self) -> None:
        """Make the current access token invalid (Etsy's last one hour)."""
        with self.lock:
            self.access_token = f"{self.shop_id}.access-expired-{next(self._ids)}"

    def shipments(self, receipt_id: str) -> list[dict]:
        """Shipments Etsy holds for a receipt."""
        with self.lock:
            return list(self.receipts[int(receipt_id)].get("shipments") or [])

    # -- hooks ---------------------------------------------------------------------
    def _guard(self):
        if not request.path.startswith("/v3/application"):
            return None
        if self.validator is not None:
            errors = self.validator.errors(request)
            if errors:
                self.record_spec_errors(errors)
                return jsonify({"error": "; ".join(errors)}), 400
        if request.headers.get("x-api-key") != self.api_key:
            return jsonify({"error": "Invalid API key"}), 403
        if request.headers.get("Authorization") != f"Bearer {self.access_token}":
            return jsonify({"error": "invalid_token", "error_description": "access token is not active"}), 401
        if request.view_args and request.view_args.get("shop_id") != self.shop_id:
            return jsonify({"error": "Shop not found"}), 404
        return None

    def _limits(self, response):
        if request.path.startswith("/v3/application"):
            with self.lock:
                self.remaining_today = max(0, self.remaining_today - 1)
                response.headers["x-limit-per-second"] = "10"
                response.headers["x-remaining-this-second"] = str(self.remaining_second)
                response.headers["x-limit-per-day"] = "10000"
                response.headers["x-remaining-today"] = str(self.remaining_today)
        return response

    # -- endpoints ---------------------------------------------------------------
    def _list(self, shop_id: int):
        args = request.args
        with self.lock:
            rows = list(self.receipts.values())
        if "min_last_modified" in args:
            rows = [r for r in rows if r["updated_timestamp"] >= int(args["min_last_modified"])]
        key = SORT_KEYS[args.get("sort_on", "created")]
        desc = args.get("sort_order", "desc") in ("desc", "descending", "down")
        rows.sort(key=lambda r: (r[key], r["receipt_id"]), reverse=desc)
        offset, limit = int(args.get("offset", 0)), int(args.get("limit", 25))
        return jsonify({"count": len(rows), "results": rows[offset:offset + limit]})

    def _one(self, shop_id: int, rid: int):
        with self.lock:
            found = self.receipts.get(rid)
        if found is None:
            return jsonify({"error": f"Receipt {rid} not found"}), 404
        return jsonify(found)

    def _track(self, shop_id: int, rid: int):
        body = request.get_json(silent=True) or {}
        with self.lock:
            receipt = self.receipts.get(rid)
            if receipt is None:
                return jsonify({"error": f"Receipt {rid} not found"}), 404
            now = int(time.time())
            receipt.setdefault("shipments", []).append({
                "receipt_shipping_id": next(self._ids), "shipment_notification_timestamp": now,
                "carrier_name": body.get("carrier_name", ""), "tracking_code": body.get("tracking_code", "")})
            receipt["is_shipped"], receipt["status"] = True, "completed"
            receipt["updated_timestamp"] = receipt["update_timestamp"] = now
            return jsonify(receipt)

    def _shop(self, shop_id: int):
        return jsonify({"shop_id": self.shop_id, "shop_name": "StandinCrafts"})

    def _token(self):
        form = request.form
        with self.lock:
            if (form.get("grant_type") != "refresh_token" or form.get("refresh_token") != self.refresh_token
                    or form.get("client_id") != self.api_key.split(":", 1)[0]):
                return jsonify({"error": "invalid_grant"}), 400
            self.refreshes += 1
            serial = next(self._ids)
            self.access_token = f"{self.shop_id}.access-{serial}"
            self.refresh_token = f"{self.shop_id}.refresh-{serial}"  # Etsy rotates it every time
            return jsonify({"access_token": self.access_token, "token_type": "Bearer",
                            "expires_in": 3600, "refresh_token": self.refresh_token})
