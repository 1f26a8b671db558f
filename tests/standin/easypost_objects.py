"""EasyPost objects as the real API shapes them, for the EasyPost stand-in (tests/standin/easypost.py).

Every builder copies the keys, types and nesting of a recorded answer in
../shared/easypost-cassettes/ (EasyPost's own VCR cassettes for `easypost` 10.7.0);
each names the cassette it copies. Values are made up; shapes are not.
"""
from __future__ import annotations

import hashlib
import itertools
import uuid
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from flask import jsonify

_serial = itertools.count(1)
# The smallest valid PDF, so a saved label or batch file opens as a PDF.
PDF_BYTES = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]"
             b"/Count 1>>endobj 3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 288 432]>>endobj\n"
             b"trailer<</Root 1 0 R>>\n%%EOF\n")



def pdf_pages(lines: list[str]) -> bytes:
    """A PDF with one 4x6 page per label, each showing its text (a batch PDF holds every label of the batch)."""
    objs = ["<</Type/Catalog/Pages 2 0 R>>", "", "<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>"]
    kids = []
    for text in lines:
        safe = text.replace("\\", "").replace("(", "").replace(")", "")
        stream = f"BT /F1 14 Tf 20 400 Td ({safe}) Tj ET"
        objs.append(f"<</Length {len(stream)}>>stream\n{stream}\nendstream")
        objs.append(f"<</Type/Page/Parent 2 0 R/MediaBox[0 0 288 432]/Resources<</Font<</F1 3 0 R>>>>"
                    f"/Contents {len(objs)} 0 R>>")
        kids.append(f"{len(objs)} 0 R")
    objs[1] = f"<</Type/Pages/Kids[{' '.join(kids)}]/Count {len(kids)}>>"
    body = "%PDF-1.4\n" + "".join(f"{i + 1} 0 obj{o}\nendobj\n" for i, o in enumerate(objs))
    return (body + "trailer<</Root 1 0 R>>\n%%EOF\n").encode("latin-1", "replace")


# Carrier/service list. USPS services and the Rate shape: test_shipment_create.yaml. UPS and FedEx
# are not in the cassettes; their service names are EasyPost's service levels, same Rate shape.
# (carrier, service): (base price, price per ounce, delivery days)
DEFAULT_RATES: dict[tuple[str, str], tuple[Decimal, Decimal, int]] = {
    ("USPS", "GroundAdvantage"): (Decimal("5.40"), Decimal("0.05"), 3),
    ("USPS", "Priority"): (Decimal("7.42"), Decimal("0.10"), 2),
    ("USPS", "Express"): (Decimal("34.15"), Decimal("0.20"), 1),
    ("UPS", "Ground"): (Decimal("6.10"), Decimal("0.06"), 3),
    ("UPS", "NextDayAir"): (Decimal("38.90"), Decimal("0.25"), 1),
    ("FedEx", "FEDEX_GROUND"): (Decimal("6.95"), Decimal("0.06"), 3),
    ("FedEx", "FEDEX_2_DAY"): (Decimal("19.80"), Decimal("0.12"), 2),
}


def new_id(prefix: str) -> str:
    """An id in EasyPost's form: 'shp_' + 32 hex digits (addresses, rates, shipments...)."""
    return f"{prefix}_{uuid.uuid4().hex}"


def now(with_offset: bool = False) -> str:
    """A timestamp as EasyPost writes it: addresses use '+00:00', everything else 'Z'."""
    text = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    return text + ("+00:00" if with_offset else "Z")


def address(fields: dict[str, Any], verifications: dict[str, Any] | None = None) -> dict[str, Any]:
    """An Address (test_address_create_verify.yaml, first answer; verified: ..._strict.yaml)."""
    at = now(with_offset=True)
    return {"id": new_id("adr"), "object": "Address", "created_at": at, "updated_at": at,
            "name": fields.get("name"), "company": fields.get("company"),
            "street1": fields.get("street1"), "street2": fields.get("street2"),
            "city": fields.get("city"), "state": fields.get("state"), "zip": fields.get("zip"),
            "country": fields.get("country") or "US", "phone": fields.get("phone"),
            "email": fields.get("email"), "mode": "test", "carrier_facility": None,
            "residential": fields.get("residential"), "federal_tax_id": None, "state_tax_id": None,
            "verifications": verifications or {}}


def verification_ok() -> dict[str, Any]:
    """verifications of a deliverable address (test_address_create_verify_strict.yaml)."""
    return {"zip4": {"success": True, "errors": [], "details": None},
            "delivery": {"success": True, "errors": [],
                         "details": {"latitude": 37.77551, "longitude": -122.39697,
                                     "time_zone": "America/Los_Angeles"}}}


def verification_failed(errors: list[dict[str, Any]]) -> dict[str, Any]:
    """verifications of an address EasyPost can't find (test_address_create_verify.yaml, 2nd answer)."""
    return {"zip4": {"success": False, "errors": errors, "details": None},
            "delivery": {"success": False, "errors": errors, "details": {}}}


def field_error(code: str, field: str, message: str) -> dict[str, Any]:
    """One FieldError (test_address_verify_invalid_address.yaml)."""
    return {"code": code, "field": field, "message": message, "suggestion": None}


def error_body(code: str, message: str, errors: list[Any]) -> dict[str, Any]:
    """An error answer: {"error": {code, message, errors}} (test_error.yaml, a 422)."""
    return {"error": {"code": code, "message": message, "errors": errors}}


def verify_fields(fields: dict[str, Any], undeliverable: list[str],
                  corrections: dict[str, dict[str, str]]) -> tuple[dict[str, Any], list[dict]]:
    """(the address as EasyPost's verification writes it, FieldErrors) — shapes from
    test_address_create_verify_strict.yaml (upper case, apartment folded into street1, ZIP+4)."""
    street1 = str(fields.get("street1") or "")
    street2 = str(fields.get("street2") or "")
    zip_code = str(fields.get("zip") or "")
    here = f"{street1} {street2} {zip_code}".upper()
    errors = []
    if not street1[:1].isdigit():
        errors.append(field_error("E.HOUSE_NUMBER.MISSING", "street1", "House number is missing"))
    if (fields.get("state") or "").upper() == "ZZ" or any(f.upper() in here for f in undeliverable):
        errors.insert(0, field_error("E.ADDRESS.NOT_FOUND", "address", "Address not found"))
    if errors:
        return dict(fields), errors
    out = {**fields, "street1": f"{street1} {street2}".strip().upper(), "street2": "",
           "city": str(fields.get("city") or "").upper(), "state": str(fields.get("state") or "").upper(),
           "name": str(fields.get("name") or "").upper() or None, "residential": True}
    for fragment, fixed in corrections.items():
        if fragment.upper() in here:
            out.update(fixed)
    if len(str(out.get("zip") or "")) == 5 and str(out["zip"]).isdigit():
        plus4 = int(hashlib.sha1(out["street1"].encode()).hexdigest(), 16) % 10000
        out["zip"] = f"{out['zip']}-{plus4:04d}"
    return out, []


def parcel(sent: dict[str, Any]) -> dict[str, Any]:
    """A Parcel (test_shipment_create.yaml: lengths and weight come back as floats)."""
    at = now()

    def num(key: str) -> float | None:
        """EasyPost answers sizes and weight as floats."""
        return float(sent[key]) if sent.get(key) is not None else None
    return {"id": new_id("prcl"), "object": "Parcel", "created_at": at, "updated_at": at,
            "length": num("length"), "width": num("width"), "height": num("height"),
            "predefined_package": sent.get("predefined_package"), "weight": num("weight"), "mode": "test"}


def customs_info(sent: dict[str, Any] | None) -> dict[str, Any] | None:
    """CustomsInfo with its items echoed back (test_shipment_create.yaml)."""
    if not sent:
        return None
    at = now()
    items = [{"id": new_id("cstitem"), "object": "CustomsItem", "created_at": at, "updated_at": at,
              "description": i.get("description"), "hs_tariff_number": i.get("hs_tariff_number"),
              "origin_country": i.get("origin_country"), "quantity": i.get("quantity"),
              "value": str(i.get("value")), "weight": float(i.get("weight") or 0), "code": None,
              "mode": "test", "manufacturer": None, "currency": None, "eccn": None,
              "printed_commodity_identifier": None} for i in sent.get("customs_items") or []]
    keys = ("contents_explanation", "contents_type", "customs_certify", "customs_signer", "eel_pfc",
            "non_delivery_option")
    return {"id": new_id("cstinfo"), "object": "CustomsInfo", "created_at": at, "updated_at": at,
            **{k: sent.get(k) for k in keys}, "restriction_comments": None,
            "restriction_type": sent.get("restriction_type"), "mode": "test", "declaration": None,
            "customs_items": items}


def rate(shipment_id: str, carrier: str, service: str, price: Decimal, days: int) -> dict[str, Any]:
    """One Rate (test_shipment_create.yaml): prices are strings, delivery days ints."""
    at = now()
    return {"id": new_id("rate"), "object": "Rate", "created_at": at, "updated_at": at, "mode": "test",
            "service": service, "carrier": carrier, "rate": f"{price:.2f}", "currency": "USD",
            "retail_rate": f"{price * Decimal('1.3'):.2f}", "retail_currency": "USD",
            "list_rate": f"{price * Decimal('1.1'):.2f}", "list_currency": "USD", "billing_type": "easypost",
            "delivery_days": days, "delivery_date": None, "delivery_date_guaranteed": False,
            "est_delivery_days": days, "shipment_id": shipment_id,
            "carrier_account_id": f"ca_{carrier.lower()}{'0' * 28}"}


def shipment(sid: str, sent: dict[str, Any], from_adr: dict, to_adr: dict, rates: list[dict]) -> dict[str, Any]:
    """An unbought Shipment (test_shipment_create.yaml): postage_label, selected_rate, tracker null."""
    at = now()
    options = {**(sent.get("options") or {}), "currency": "USD", "payment": {"type": "SENDER"}, "date_advance": 0}
    return {"id": sid, "created_at": at, "is_return": bool(sent.get("is_return") or False), "messages": [],
            "mode": "test", "options": options, "reference": sent.get("reference"), "status": "unknown",
            "tracking_code": None, "updated_at": at, "batch_id": None, "batch_status": None,
            "batch_message": None, "customs_info": customs_info(sent.get("customs_info")),
            "from_address": from_adr, "insurance": None, "order_id": None,
            "parcel": parcel(sent.get("parcel") or {}), "postage_label": None, "rates": rates,
            "refund_status": None, "scan_form": None, "selected_rate": None, "tracker": None,
            "to_address": to_adr, "usps_zone": 4, "return_address": from_adr, "buyer_address": to_adr,
            "forms": [], "fees": [], "object": "Shipment"}


def tracking_code(carrier: str) -> str:
    """A tracking number in the carrier's usual form (USPS one: test_shipment_buy.yaml)."""
    n = next(_serial)
    if carrier == "UPS":
        return f"1Z999AA1{n:010d}"
    if carrier == "FedEx":
        return f"7{n:011d}"
    return f"94001002083031{n:08d}"


def postage_label(file_url: str, label_format: str, size: str) -> dict[str, Any]:
    """A PostageLabel (test_shipment_buy.yaml); a PDF label's type is application/pdf."""
    at = now()
    kind = {"PDF": "application/pdf", "ZPL": "application/zpl", "EPL2": "application/epl2"}.get(
        label_format.upper(), "image/png")
    return {"object": "PostageLabel", "id": new_id("pl"), "created_at": at, "updated_at": at,
            "date_advance": 0, "integrated_form": "none", "label_date": at, "label_resolution": 300,
            "label_size": size, "label_type": "default", "label_file_type": kind, "label_url": file_url,
            "label_pdf_url": None, "label_zpl_url": None, "label_epl2_url": None, "label_file": None}


def tracker(shipment_id: str, code: str, carrier: str) -> dict[str, Any]:
    """The Tracker a purchase creates (test_shipment_buy.yaml)."""
    at = now()
    tid = new_id("trk")
    return {"id": tid, "object": "Tracker", "mode": "test", "tracking_code": code, "status": "unknown",
            "status_detail": "unknown", "created_at": at, "updated_at": at, "signed_by": None,
            "weight": None, "est_delivery_date": None, "shipment_id": shipment_id, "carrier": carrier,
            "tracking_details": [], "fees": [], "carrier_detail": None,
            "public_url": f"https://track.easypost.com/{tid}"}


def advance_tracker(shp: dict[str, Any]) -> None:
    """A test-mode tracker moves to pre_transit soon after purchase, with one detail and the
    carrier's detail (test_shipment_refund.yaml: the tracker in the refund answer)."""
    trk = shp.get("tracker") or {}
    if trk.get("status") != "unknown":
        return
    to = shp.get("to_address") or {}
    at = now()
    location = {"object": "TrackingLocation", "city": None, "state": None, "country": None, "zip": None}
    trk.update(status="pre_transit", status_detail="status_update", est_delivery_date=at, updated_at=at,
               tracking_details=[{"object": "TrackingDetail", "message": "Pre-Shipment Info Sent to USPS",
                                  "description": "", "status": "pre_transit", "status_detail": "status_update",
                                  "datetime": at, "source": trk.get("carrier"), "carrier_code": "",
                                  "tracking_location": location}],
               carrier_detail={"object": "CarrierDetail", "service": (shp.get("selected_rate") or {}).get("service"), "container_type": None,
                               "est_delivery_date_local": None, "est_delivery_time_local": None,
                               "origin_location": "SAN FRANCISCO CA, 94107",
                               "origin_tracking_location": {**location, "city": "SAN FRANCISCO", "state": "CA",
                                                            "zip": "94107"},
                               "destination_location": f"{to.get('city')} {to.get('state')}, {to.get('zip')}", "destination_tracking_location": None,
                               "guaranteed_delivery_date": None, "alternate_identifier": None,
                               "initial_delivery_attempt": None})


def fees(postage: str) -> list[dict[str, Any]]:
    """Fees of a bought shipment (test_shipment_buy.yaml): amounts with five decimals."""
    return [{"object": "Fee", "type": "LabelFee", "amount": "0.00000", "charged": True, "refunded": False},
            {"object": "Fee", "type": "PostageFee", "amount": f"{Decimal(postage):.5f}", "charged": True,
             "refunded": False}]


def batch(shipments: list[dict[str, Any]], state: str = "created") -> dict[str, Any]:
    """A Batch (test_batch_add_remove_shipment.yaml); shipments are short summaries."""
    at = now()
    return {"id": new_id("batch"), "object": "Batch", "mode": "test", "state": state,
            "num_shipments": len(shipments), "reference": None, "created_at": at, "updated_at": at,
            "scan_form": None, "shipments": shipments, "status": batch_status(shipments), "pickup": None,
            "label_url": None}


def batch_entry(shp: dict[str, Any]) -> dict[str, Any]:
    """One shipment as a batch lists it (test_batch_add_remove_shipment.yaml, add_shipments answer)."""
    bought = shp.get("postage_label") is not None
    return {"batch_status": "postage_purchased" if bought else "created", "batch_message": None,
            "reference": shp.get("reference"), "tracking_code": shp.get("tracking_code"), "id": shp["id"]}


def batch_status(entries: list[dict[str, Any]]) -> dict[str, int]:
    """Counts per batch_status (test_batch_add_remove_shipment.yaml)."""
    counts = {"created": 0, "queued_for_purchase": 0, "creation_failed": 0, "postage_purchased": 0,
              "postage_purchase_failed": 0}
    for entry in entries:
        counts[entry["batch_status"]] = counts.get(entry["batch_status"], 0) + 1
    return counts


def answer(body: dict[str, Any], status: int) -> Any:
    """A JSON answer with this status."""
    resp = jsonify(body)
    resp.status_code = status
    return resp


def not_found() -> Any:
    """404 with EasyPost's error object (test_error_alternative_format.yaml)."""
    return answer(error_body("NOT_FOUND", "The requested resource could not be found.", []), 404)
