"""Turn one signed HTTP delivery into an event to journal (or a plain-words rejection).

These functions know nothing about Flask: they take the headers (a case-insensitive
mapping), the raw body bytes and the environment, verify, parse, and say what to
store. The Flask routes in webhooks.app only translate the outcome into a status.
"""
from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any, Mapping

import msgspec

from webhooks import signatures
from webhooks.signatures import SignatureError

# Topics whose body is a full REST-style Shopify Order.
SHOPIFY_ORDER_TOPICS = frozenset({
    "orders/create", "orders/updated", "orders/cancelled", "orders/fulfilled",
    "orders/paid", "orders/partially_fulfilled",
})
# order.* carry only ids (fetched later); invoice.* carry the invoice.
SQUARE_ORDER_TOPICS = frozenset({"order.created", "order.updated", "order.fulfillment.updated"})
SQUARE_INVOICE_PREFIX = "invoice."
# order.paid is the documented one; the rest come from a third-party summary, all thin.
ETSY_ORDER_TOPICS = frozenset({"order.paid", "order.canceled", "order.shipped", "order.delivered"})


class Rejected(Exception):
    """A delivery we refuse: HTTP status plus a plain message (never a secret)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Intake:
    """What to do with one verified delivery."""

    source: str
    event_id: str
    topic: str
    body: str
    store: bool = True  # False: a topic we do not act on (acknowledged and logged)


# The few fields each endpoint reads before acknowledging. msgspec validates the whole body as
# JSON but builds Python objects only for these (an order body is ~19 KB; building all of it
# cost more CPU than the rest of the acknowledgement). Any: the handlers check the types.
class _AnyObject(msgspec.Struct):
    """Only "is it a JSON object?" (Shopify: topic and ids come in headers)."""


class _SquareFields(msgspec.Struct):
    event_id: Any = None
    type: Any = None


class _EtsyFields(msgspec.Struct):
    event_type: Any = None


class _SheetFields(msgspec.Struct):
    sheet: Any = None
    range: Any = None


_DECODERS = {shape: msgspec.json.Decoder(shape) for shape in (_AnyObject, _SquareFields, _EtsyFields, _SheetFields)}


def parse_json(body: bytes, shape: type = _AnyObject) -> tuple[Any, str]:
    """Strict UTF-8 JSON object -> (its `shape` fields, the body as text), or Rejected(400)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Rejected(400, "the body is not valid UTF-8") from None
    try:
        return _DECODERS[shape].decode(body), text
    except msgspec.ValidationError:  # well-formed so far, but not an object
        raise Rejected(400, "the JSON body should be an object") from None
    except (msgspec.DecodeError, RecursionError):
        pass  # the standard library has the final word (it accepts e.g. lone surrogate escapes)
    payload = _parse_stdlib(text)
    if not isinstance(payload, dict):
        raise Rejected(400, "the JSON body should be an object")
    return shape(**{f: payload.get(f) for f in shape.__struct_fields__}), text


def _parse_stdlib(text: str) -> Any:
    try:
        return json.loads(text)
    except RecursionError:
        raise Rejected(400, "the JSON body is nested too deeply") from None
    except ValueError:
        raise Rejected(400, "the body is not valid JSON") from None


MAX_HEADER_CHARS = 1024  # signatures, ids, topics and timestamps are all far shorter


def _header(headers: Mapping[str, str], *names: str) -> str:
    """A header read before the signature check: bounded in length, so parsing it costs nothing."""
    for name in names:
        value = headers.get(name)
        if value:
            if len(value) > MAX_HEADER_CHARS:
                raise Rejected(400, f"the {names[0]} header is too long")
            return value.strip()
    return ""


def _verified(check, *args) -> None:
    try:
        check(*args)
    except SignatureError as exc:
        raise Rejected(401, str(exc)) from None


def shopify(headers: Mapping[str, str], body: bytes, env: Mapping[str, str]) -> Intake:
    """Verify X-Shopify-Hmac-Sha256 and key the event on the event id (same across retries)."""
    _verified(signatures.verify_shopify, env.get("SHOPIFY_WEBHOOK_SECRET"), body,
              _header(headers, "X-Shopify-Hmac-Sha256", "shopify-hmac-sha256"))
    _, text = parse_json(body)
    topic = _header(headers, "X-Shopify-Topic", "shopify-topic")
    event_id = _header(headers, "X-Shopify-Event-Id", "shopify-event-id")
    webhook_id = _header(headers, "X-Shopify-Webhook-Id", "shopify-webhook-id")
    # Event id is the documented dedupe key; older API versions only send the webhook id.
    key = (f"event:{event_id}" if event_id else f"webhook:{webhook_id}" if webhook_id
           else "body:" + hashlib.sha256(body).hexdigest())
    return Intake("shopify", key, topic, text, store=topic in SHOPIFY_ORDER_TOPICS)


def square(headers: Mapping[str, str], body: bytes, env: Mapping[str, str]) -> Intake:
    """Verify x-square-hmacsha256-signature over URL+body and key the event on event_id."""
    _verified(signatures.verify_square, env.get("SQUARE_WEBHOOK_SIGNATURE_KEY"),
              env.get("SQUARE_WEBHOOK_URL"), body, _header(headers, "x-square-hmacsha256-signature"))
    fields, text = parse_json(body, _SquareFields)
    event_id, topic = fields.event_id, fields.type
    if not isinstance(event_id, str) or not event_id or not isinstance(topic, str):
        raise Rejected(400, "the Square event has no event_id or type")
    wanted = topic in SQUARE_ORDER_TOPICS or topic.startswith(SQUARE_INVOICE_PREFIX)
    return Intake("square", event_id, topic, text, store=wanted)


def etsy(headers: Mapping[str, str], body: bytes, env: Mapping[str, str],
         now: float | None = None) -> Intake:
    """Verify the Standard Webhooks signature (with the 5-minute replay window) and key on webhook-id."""
    msg_id = _header(headers, "webhook-id")
    _verified(signatures.verify_etsy, env.get("ETSY_WEBHOOK_SECRET"), body, msg_id,
              _header(headers, "webhook-timestamp"), _header(headers, "webhook-signature"),
              time.time() if now is None else now)
    fields, text = parse_json(body, _EtsyFields)
    topic = fields.event_type
    if not isinstance(topic, str):
        raise Rejected(400, "the Etsy event has no event_type")
    return Intake("etsy", msg_id, topic, text, store=topic in ETSY_ORDER_TOPICS)


def sheet(headers: Mapping[str, str], body: bytes, env: Mapping[str, str]) -> Intake:
    """Verify an edit pushed by the sheet's Apps Script; identical pushes share one id."""
    _verified(signatures.verify_sheet, env.get("TRUECRAFT_EDIT_SECRET"), body,
              _header(headers, "X-TrueCraft-Signature"))
    fields, text = parse_json(body, _SheetFields)
    if not isinstance(fields.sheet, str) or not isinstance(fields.range, str):
        raise Rejected(400, "the sheet edit has no sheet name or range")
    # The body includes editedAt, so a re-sent identical edit is one event.
    event_id = "edit:" + hashlib.sha256(body).hexdigest()[:40]
    return Intake("sheet", event_id, "edit", text)


INTAKES = {"shopify": shopify, "square": square, "etsy": etsy, "sheet": sheet}
