"""A loopback fake of the EasyPost API v2: addresses, shipments (rates, buy, refund) and batches.

Answers copy the shapes of EasyPost's recorded traffic in ../shared/easypost-cassettes/ (built by
tests/standin/easypost_objects.py, which names the cassette of each object); each route below
names the cassette its behaviour comes from. Point the official client at it with
api_base=f"{standin.url}/v2". Test controls: lose the reply of a buy after the purchase landed,
count purchases per shipment (and per reference), reject the next request with a 422, settle a
refund, make an address undeliverable or corrected.
"""
from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any, Callable

from flask import Response, request

from tests.standin import easypost_objects as ep
from tests.standin.easypost_batches import BatchRoutes
from tests.standin.server_base import StandinServer

TEST_KEY = "EZTK_standin_test_key"
LIVE_KEY = "EZAK_standin_live_key"


class EasyPostStandin(BatchRoutes, StandinServer):
    """In-memory EasyPost account; the client's api_base is {url}/v2."""

    def __init__(self, api_keys: tuple[str, ...] = (TEST_KEY, LIVE_KEY)) -> None:
        super().__init__("easypost-standin")
        self.api_keys = set(api_keys)
        self.addresses: dict[str, dict] = {}
        self.shipments: dict[str, dict] = {}
        self.batches: dict[str, dict] = {}
        self.rate_table = dict(ep.DEFAULT_RATES)
        self.purchases: dict[str, int] = {}  # shipment id -> labels bought (more than 1 is a bug)
        self.undeliverable: list[str] = []  # street or ZIP fragments EasyPost can't find
        self.corrections: dict[str, dict[str, str]] = {}  # street fragment -> fields EasyPost corrects
        self.label_polls_needed = 1  # batch retrieves before its label PDF is ready
        self.on_buy: Callable[[str], None] | None = None  # called with the shipment id once a purchase landed
        self._lose_buy_replies = 0
        self._rejections: list[tuple[str, int, dict]] = []
        rules = [("/v2/addresses", self._create_address, "POST"), ("/v2/addresses", self._list_addresses, "GET"),
                 ("/v2/addresses/create_and_verify", self._create_and_verify, "POST"),
                 ("/v2/addresses/<aid>/verify", self._verify_address, "GET"),
                 ("/v2/shipments", self._create_shipment, "POST"),
                 ("/v2/shipments/<sid>", self._get_shipment, "GET"),
                 ("/v2/shipments/<sid>/buy", self._buy, "POST"), ("/v2/shipments/<sid>/refund", self._refund, "POST"),
                 ("/files/<path:name>", self._file, "GET")]
        for path, view, method in rules + self._batch_rules():
            self.app.add_url_rule(path, f"{view.__name__}_{method}", view, methods=[method])
        self.app.before_request(self._guard)

    def env(self, key: str = TEST_KEY) -> dict[str, str]:
        """The settings that point TrueCraft at this stand-in."""
        return {"EASYPOST_API_KEY": key, "EASYPOST_API_URL": f"{self.url}/v2"}

    # -- test controls -------------------------------------------------------------
    def lose_next_buy_reply(self, n: int = 1) -> None:
        """The next n buys land (postage bought), but the caller gets a 502 page instead of the answer."""
        with self.lock:
            self._lose_buy_replies += n

    def reject_next(self, path_part: str, message: str, errors: list[Any] | None = None,
                    code: str = "PARAMETER.INVALID", status: int = 422) -> None:
        """Answer the next request whose path contains `path_part` with an EasyPost error body."""
        with self.lock:
            self._rejections.append((path_part, status, ep.error_body(code, message, errors or [])))

    def settle_refund(self, shipment_id: str, status: str) -> None:
        """The carrier decided: refund_status becomes 'refunded' or 'rejected' (FACTS.md 10)."""
        with self.lock:
            self.shipments[shipment_id]["refund_status"] = status

    def purchases_for_reference(self, reference: str) -> int:
        """Labels bought across every shipment created with this reference."""
        with self.lock:
            return sum(self.purchases.get(sid, 0) for sid, s in self.shipments.items()
                       if s.get("reference") == reference)

    def total_purchases(self) -> int:
        """Labels bought on this account."""
        with self.lock:
            return sum(self.purchases.values())

    def file_url(self, kind: str, name: str) -> str:
        """Where this stand-in serves a label file (EasyPost serves them from S3)."""
        return f"{self.url}/files/{kind}/{name}"

    @staticmethod
    def _fault_response(fault) -> Response:
        # Injected faults (fail_next) carry EasyPost's error object, as its 5xx answers do
        # (docs.easypost.com/docs/errors); the official client can't read any other JSON error.
        resp = ep.answer(ep.error_body("INTERNAL_SERVER_ERROR" if fault.status >= 500 else "INJECTED",
                                       f"injected fault {fault.status}", []), fault.status)
        for key, value in fault.headers.items():
            resp.headers[key] = value
        return resp

    # -- guards ----------------------------------------------------------------------
    def _guard(self) -> Response | None:
        if not request.path.startswith("/v2/"):
            return None
        key = (request.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        if key not in self.api_keys:
            # 401 body: EasyPost's error object (docs.easypost.com/docs/errors; shape as test_error.yaml).
            return ep.answer(ep.error_body("APIKEY.INACTIVE", "This api key is no longer active. Please use a "
                                            "different api key or reactivate this key.", []), 401)
        with self.lock:
            hit = next((r for r in self._rejections if r[0] in request.path), None)
            if hit is not None:
                self._rejections.remove(hit)
        return ep.answer(hit[2], hit[1]) if hit else None

    # -- addresses ---------------------------------------------------------------------
    def _verify(self, fields: dict[str, Any]) -> tuple[dict[str, Any], list[dict]]:
        """(the address as verification writes it, FieldErrors), by this account's rules."""
        return ep.verify_fields(fields, self.undeliverable, self.corrections)

    def _address(self, fields: dict[str, Any], verify: bool) -> dict[str, Any]:
        if not verify:
            return ep.address(fields)
        verified, errors = self._verify(fields)
        return ep.address(verified, ep.verification_failed(errors) if errors else ep.verification_ok())

    def _create_address(self):
        # Create (verifications {}), create with verify=true (201 either way, the result inside
        # verifications) and verify_strict=true (422 when not found): test_address_create_verify.yaml,
        # test_address_create_verify_strict.yaml.
        body = request.get_json(silent=True) or {}
        fields = body.get("address") or {}
        if body.get("verify_strict"):
            _, errors = self._verify(fields)
            if errors:
                return ep.answer(ep.error_body("ADDRESS.VERIFY.FAILURE", "Unable to verify address.", errors), 422)
        adr = self._address(fields, bool(body.get("verify") or body.get("verify_strict")))
        with self.lock:
            self.addresses[adr["id"]] = adr
        return ep.answer(adr, 201)

    def _create_and_verify(self):
        # {"address": {...}} with 200 (test_address_create_and_verify.yaml); failure is a 422 as strict.
        fields = (request.get_json(silent=True) or {}).get("address") or {}
        _, errors = self._verify(fields)
        if errors:
            return ep.answer(ep.error_body("ADDRESS.VERIFY.FAILURE", "Unable to verify address.", errors), 422)
        adr = self._address(fields, True)
        with self.lock:
            self.addresses[adr["id"]] = adr
        return ep.answer({"address": adr}, 200)

    def _verify_address(self, aid: str):
        # GET /addresses/{id}/verify: 422 ADDRESS.VERIFY.FAILURE (test_address_verify_invalid_address.yaml).
        with self.lock:
            stored = self.addresses.get(aid)
        if stored is None:
            return ep.not_found()
        _, errors = self._verify(stored)
        if errors:
            return ep.answer(ep.error_body("ADDRESS.VERIFY.FAILURE", "Unable to verify address.", errors), 422)
        return ep.answer({"address": self._address(stored, True)}, 200)

    def _list_addresses(self):
        # GET /addresses?page_size=n -> {"addresses": [...], "has_more": bool} (test_address_all.yaml).
        size = int(request.args.get("page_size") or 20)
        with self.lock:
            found = list(self.addresses.values())[::-1]
        return ep.answer({"addresses": found[:size], "has_more": len(found) > size}, 200)

    # -- shipments ---------------------------------------------------------------------
    def _address_ref(self, sent: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            if sent.get("id") and sent["id"] in self.addresses:
                return copy.deepcopy(self.addresses[sent["id"]])
        return ep.address(sent)

    def _create_shipment(self):
        # 201 with rates (test_shipment_create.yaml); carrier+service in the body buy at once
        # (test_shipment_refund.yaml, first request).
        sent = (request.get_json(silent=True) or {}).get("shipment") or {}
        shp = self._new_shipment(sent)
        if isinstance(shp, Response):
            return shp
        if sent.get("carrier") and sent.get("service"):
            refused = self._buy_service(shp, sent["carrier"], sent["service"])
            if refused is not None:
                return refused
        return ep.answer(shp, 201)

    def _new_shipment(self, sent: dict[str, Any]) -> dict[str, Any] | Response:
        """A stored, unbought shipment with rates for every service, or EasyPost's 422."""
        if not sent:  # {"shipment": {}} -> 422 PARAMETER.REQUIRED (test_error.yaml)
            return ep.answer(ep.error_body("PARAMETER.REQUIRED", "Missing required parameter.",
                                           [{"field": "shipment", "message": "cannot be blank"}]), 422)
        weight = (sent.get("parcel") or {}).get("weight")
        if weight is None or float(weight) <= 0:  # same error object, the field named
            return ep.answer(ep.error_body("PARAMETER.INVALID", "Invalid parameter.",
                                           [{"field": "parcel.weight", "message": "must be more than 0"}]), 422)
        sid = ep.new_id("shp")
        rates = [ep.rate(sid, carrier, service, base + per_oz * Decimal(str(weight)), days)
                 for (carrier, service), (base, per_oz, days) in self.rate_table.items()]
        shp = ep.shipment(sid, sent, self._address_ref(sent.get("from_address") or {}),
                          self._address_ref(sent.get("to_address") or {}), rates)
        with self.lock:
            self.shipments[sid] = shp
        return shp

    def _buy_service(self, shp: dict[str, Any], carrier: str, service: str) -> Response | None:
        """Buy the named service now (one-call buy); EasyPost's 422 when it has no such rate."""
        chosen = next((r for r in shp["rates"] if r["carrier"] == carrier and r["service"] == service), None)
        if chosen is None:
            return ep.answer(ep.error_body("SHIPMENT.RATE.UNAVAILABLE", "No rate for that service.", []), 422)
        self._purchase(shp, chosen)
        return None

    def _get_shipment(self, sid: str):
        # GET /shipments/{id}: the stored shipment, bought or not (test_shipment_retrieve.yaml).
        with self.lock:
            shp = self.shipments.get(sid)
            if shp and shp.get("tracker"):
                ep.advance_tracker(shp)
            return ep.answer(shp, 200) if shp else ep.not_found()

    def _purchase(self, shp: dict[str, Any], chosen: dict[str, Any]) -> None:
        """Buy `chosen` for `shp`: label, tracking, tracker, fees, verified to_address (test_shipment_buy.yaml)."""
        fmt = str((shp.get("options") or {}).get("label_format") or "PNG")
        size = str((shp.get("options") or {}).get("label_size") or "4x6")
        code = ep.tracking_code(chosen["carrier"])
        verified, errors = self._verify(shp["to_address"])
        with self.lock:
            if not errors:
                shp["to_address"] = shp["buyer_address"] = ep.address(
                    verified, ep.verification_ok()) | {"id": shp["to_address"]["id"]}
            shp.update(tracking_code=code, selected_rate=chosen, fees=ep.fees(chosen["rate"]),
                       postage_label=ep.postage_label(self.file_url("postage_label", f"{shp['id']}.{fmt.lower()}"),
                                                      fmt, size),
                       tracker=ep.tracker(shp["id"], code, chosen["carrier"]), updated_at=ep.now())
            self.purchases[shp["id"]] = self.purchases.get(shp["id"], 0) + 1

    def _buy(self, sid: str):
        # POST /shipments/{id}/buy {"rate": {"id"}} -> the shipment with postage_label, tracking_code,
        # selected_rate (test_shipment_buy.yaml). A second buy is refused: EasyPost's error code list
        # (docs.easypost.com/docs/errors) has SHIPMENT.POSTAGE.EXISTS.
        rate_id = ((request.get_json(silent=True) or {}).get("rate") or {}).get("id")
        with self.lock:
            shp = self.shipments.get(sid)
            if shp is None:
                return ep.not_found()
            if shp.get("postage_label") is not None:
                return ep.answer(ep.error_body("SHIPMENT.POSTAGE.EXISTS",
                                               "Postage already exists for this shipment.", []), 422)
            chosen = next((r for r in shp["rates"] if r["id"] == rate_id), None)
            if chosen is None:
                return ep.answer(ep.error_body("SHIPMENT.RATE.NOT_FOUND", "Rate not found for this shipment.",
                                               [{"field": "rate", "message": "is not one of this shipment's rates"}]),
                               422)
            self._purchase(shp, chosen)
            if self.on_buy is not None:
                self.on_buy(sid)  # e.g. a test kills its worker here: bought, not yet recorded
            if self._lose_buy_replies > 0:
                # The purchase landed; the answer is lost on the way back (a proxy's 502 page, not JSON).
                self._lose_buy_replies -= 1
                return Response("<html><body><h1>502 Bad Gateway</h1></body></html>", 502, mimetype="text/html")
            return ep.answer(shp, 200)

    def _refund(self, sid: str):
        # POST /shipments/{id}/refund -> the shipment with refund_status 'submitted'
        # (test_shipment_refund.yaml); the carrier settles it later (FACTS.md 10, settle_refund).
        with self.lock:
            shp = self.shipments.get(sid)
            if shp is None:
                return ep.not_found()
            if shp.get("postage_label") is None:
                return ep.answer(ep.error_body("SHIPMENT.REFUND.UNAVAILABLE",
                                               "This shipment has no postage to refund.", []), 422)
            if not shp.get("refund_status"):
                shp["refund_status"] = "submitted"
            ep.advance_tracker(shp)
            return ep.answer(shp, 200)

    def _file(self, name: str):
        # Label files (EasyPost serves them from S3); PDFs are real, tiny PDFs; a batch's holds its labels.
        made = self.batch_files.get(name.rpartition("/")[2]) if name.startswith("batch_label/") else None
        if made is not None:
            return Response(made, 200, mimetype="application/pdf")
        if name.endswith(".pdf"):
            return Response(ep.PDF_BYTES, 200, mimetype="application/pdf")
        return Response(b"label:" + name.encode(), 200, mimetype="application/octet-stream")

