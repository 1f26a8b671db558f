"""EasyPost JSON <-> TrueCraft domain objects (Address, Parcel, AddressCheck, Label, Money).

The only module that reads EasyPost's payload shapes (see ../shared/easypost-cassettes/ for
real ones). Nothing EasyPost-shaped leaves it: callers get domain objects, ids and plain text.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping

from core.labels import AddressCheck, Label, Parcel
from core.models import Address, Money

# EasyPost verification rewrites every address in capitals and standard abbreviations; those
# rewrites are not corrections a seller must confirm, so both sides are compared in this form.
_ABBREV = {"STREET": "ST", "AVENUE": "AVE", "ROAD": "RD", "DRIVE": "DR", "BOULEVARD": "BLVD", "LANE": "LN",
           "COURT": "CT", "PLACE": "PL", "TERRACE": "TER", "HIGHWAY": "HWY", "PARKWAY": "PKWY",
           "CIRCLE": "CIR", "SQUARE": "SQ", "APARTMENT": "APT", "SUITE": "STE", "UNIT": "UNIT", "FLOOR": "FL",
           "NORTH": "N", "SOUTH": "S", "EAST": "E", "WEST": "W", "NORTHEAST": "NE", "NORTHWEST": "NW",
           "SOUTHEAST": "SE", "SOUTHWEST": "SW", "#": "APT"}
_WORD = re.compile(r"[A-Z0-9]+|#")
# Sheets and CSV imports write the country in words; EasyPost wants its two-letter code.
_COUNTRY = {"USA": "US", "U.S.": "US", "U.S.A.": "US", "UNITED STATES": "US", "UNITED STATES OF AMERICA": "US",
            "CANADA": "CA", "UNITED KINGDOM": "GB", "UK": "GB", "GREAT BRITAIN": "GB", "AUSTRALIA": "AU"}


def country_code(text: str) -> str:
    """'United States', 'usa', 'US' or '' -> 'US' (EasyPost's default country is the US too)."""
    key = (text or "").strip().upper()
    return _COUNTRY.get(key, key) or "US"


def address_fields(address: Address, phone: str = "") -> dict[str, str]:
    """Our Address (and the phone at it, when known) as EasyPost's address fields."""
    # Address has no phone (platforms give the buyer's on Customer); EasyPost's address takes one,
    # and carriers such as UPS and FedEx need it on the sender (test_shipment_create.yaml sends both).
    fields = {"name": address.name, "street1": address.line1, "street2": address.line2, "city": address.city,
              "state": address.region, "zip": address.postal_code, "country": country_code(address.country),
              "phone": (phone or "").strip()}
    return {k: v for k, v in fields.items() if v}


def parcel_fields(parcel: Parcel) -> dict[str, float]:
    """A Parcel as EasyPost's parcel (ounces and inches, as numbers)."""
    fields = {"weight": parcel.weight_oz, "length": parcel.length_in, "width": parcel.width_in,
              "height": parcel.height_in}
    return {k: float(v) for k, v in fields.items() if v is not None}


def address_check(sent: Address, answer: Mapping[str, Any]) -> AddressCheck:
    """What EasyPost's verification (address create with verify=true) said about `sent`."""
    delivery = (answer.get("verifications") or {}).get("delivery") or {}
    if not delivery.get("success"):
        return AddressCheck(False, None, undeliverable_message(sent, delivery.get("errors") or []))
    verified = Address(name=sent.name, line1=str(answer.get("street1") or ""),
                       line2=str(answer.get("street2") or ""), city=str(answer.get("city") or ""),
                       region=str(answer.get("state") or ""), postal_code=str(answer.get("zip") or ""),
                       country=str(answer.get("country") or sent.country))
    if _same_place(sent, verified):
        return AddressCheck(True)
    return AddressCheck(True, verified, f"EasyPost corrected the address to {verified.one_line()} — "
                                        "set Label to BUY again to buy for this address")


def _words(text: str) -> list[str]:
    return [_ABBREV.get(w, w) for w in _WORD.findall((text or "").upper())]


def _same_place(ours: Address, theirs: Address) -> bool:
    """True when EasyPost only restyled the address (capitals, abbreviations, apartment on line 1, ZIP+4)."""
    def key(a: Address) -> tuple:
        """What must match: street words, city, region, 5-digit ZIP, country."""
        return (_words(f"{a.line1} {a.line2}"), _words(a.city), _words(a.region),
                (a.postal_code or "").strip()[:5], country_code(a.country))
    return key(ours) == key(theirs)


def undeliverable_message(sent: Address, errors: list[Any]) -> str:
    """Plain words for an address EasyPost can't deliver to, with what to check."""
    codes = {str(e.get("code") or "") for e in errors if isinstance(e, Mapping)}
    street = " ".join(p for p in (sent.line1, sent.line2) if p) or "this street"
    where = f" in {sent.postal_code}" if sent.postal_code else (f" in {sent.city}" if sent.city else "")
    if "E.HOUSE_NUMBER.MISSING" in codes or "E.HOUSE_NUMBER.INVALID" in codes:
        return f"EasyPost can't find the house number in {street}{where} — add it to Ship To"
    if any(c.startswith("E.SECONDARY_INFORMATION") for c in codes):
        return f"EasyPost can't find the apartment or suite in {street}{where} — check it in Ship To"
    if "E.ADDRESS.NOT_FOUND" in codes or not errors:
        return f"EasyPost can't find {street}{where} — check the ZIP and the street in Ship To"
    said = "; ".join(str(e.get("message") if isinstance(e, Mapping) else e) for e in errors)
    return f"EasyPost can't deliver to {street}{where}: {said.lower()} — fix Ship To"


def label_from_shipment(shp: Mapping[str, Any]) -> Label | None:
    """The bought label of a shipment, or None when no postage was bought yet."""
    label = shp.get("postage_label") or {}
    rate = shp.get("selected_rate") or {}
    if not label or not rate:
        return None
    try:
        postage = Money(Decimal(str(rate.get("rate"))), str(rate.get("currency") or "USD"))
    except (InvalidOperation, ValueError):
        postage = Money(Decimal(0), "USD")
    return Label(shipment_id=str(shp.get("id")), carrier=str(rate.get("carrier") or ""),
                 service=str(rate.get("service") or ""), tracking=str(shp.get("tracking_code") or ""),
                 label_url=str(label.get("label_pdf_url") or label.get("label_url") or ""),
                 postage=postage, refund_status=str(shp.get("refund_status") or ""))


def cheapest_rate(shp: Mapping[str, Any], services: tuple[tuple[str, str], ...]) -> str | None:
    """Id of the cheapest rate among the allowed (carrier, service) pairs; all when none are set."""
    allowed = {(c.lower(), s.lower()) for c, s in services}
    best: tuple[Decimal, str] | None = None
    for rate in shp.get("rates") or []:
        pair = (str(rate.get("carrier") or "").lower(), str(rate.get("service") or "").lower())
        if allowed and pair not in allowed:
            continue
        try:
            price = Decimal(str(rate.get("rate")))
        except InvalidOperation:
            continue
        if best is None or price < best[0]:
            best = (price, str(rate.get("id")))
    return best[1] if best else None


def _price(rate: Mapping[str, Any]) -> str:
    try:
        return Money(Decimal(str(rate.get("rate"))), str(rate.get("currency") or "USD")).display()
    except (InvalidOperation, ValueError):
        return str(rate.get("rate"))


def rates_offered(shp: Mapping[str, Any]) -> str:
    """'USPS GroundAdvantage $5.40, UPS Ground $6.10' — what EasyPost offered, for a plain message."""
    parts = [f"{r.get('carrier')} {r.get('service')} {_price(r)}" for r in shp.get("rates") or []]
    return ", ".join(parts) or "no rates at all"


def rate_shown(shp: Mapping[str, Any], rate_id: str) -> str:
    """One of the shipment's rates as the Postage column shows it: '$5.40 USPS GroundAdvantage'."""
    rate = next((r for r in shp.get("rates") or [] if r.get("id") == rate_id), {})
    return f"{_price(rate)} {rate.get('carrier')} {rate.get('service')}"


def refund_status(shp: Mapping[str, Any]) -> str:
    """'submitted', 'refunded' or 'rejected' (EasyPost's refund_status)."""
    return str(shp.get("refund_status") or "")


def batch_label_url(bat: Mapping[str, Any]) -> str | None:
    """The batch's label file once EasyPost has made it."""
    return str(bat["label_url"]) if bat.get("label_url") else None


def error_message(what: str, error: Mapping[str, Any], status: int) -> str:
    """An EasyPost error object ({code, message, errors}) in plain words, never raw JSON."""
    details = []
    subject = ""
    for item in error.get("errors") or []:
        if isinstance(item, Mapping):
            field = str(item.get("field") or "")
            parts = field.split(".")
            subject = subject or (parts[0] if len(parts) > 1 else "")
            leaf = parts[-1].replace("_", " ")
            text = str(item.get("message") or "").strip()
            details.append(f"{leaf} {text}".strip() if leaf and leaf != subject else text)
        elif item:
            details.append(str(item))
    said = "; ".join(d for d in details if d) or str(error.get("message") or "").strip().rstrip(".")
    said = said or f"it answered {status}"
    target = f"the {subject.replace('_', ' ')}" if subject else f"to {what}"
    return f"EasyPost refused {target}: {said}"
