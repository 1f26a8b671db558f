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

import orjson

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
    payload: Any
    store: bool = True  # False: a topic we do not act on (acknowledged and logged)


def parse_json(body: bytes) -> tuple[dict, str]:
    """Strict UTF-8 JSON object and the body as text, or Rejected(400)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Rejected(400, "the body is not valid UTF-8") from None
    try:
        # orjson is ~3x faster on an order-sized body and this runs before the acknowledgement;
        # anything it refuses goes to the standard library, which has the final word.
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        payload = _parse_stdlib(text)
    if not isinstance(payload, dict):
        raise Rejected(400, "the JSON body should be an object")
    return payload, text


def _parse_stdlib(text: str) -> Any:
    try:
        return json.loads(text)
    except RecursionError:
        raise Rejected(400, "the JSON body is nested too deeply") from None
    except ValueError:
        raise Rejected(400, "the body is not valid JSON") from None


def _header(headers: Mapping[str, str], *names: str) -> str:
    for name in names:
        value = headers.get(name)
        if value:
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
    payload, text = parse_json(body)
    topic = _header(headers, "X-Shopify-Topic", "shopify-topic")
    event_id = _header(headers, "X-Shopify-Event-Id", "shopify-event-id")
    webhook_id = _header(headers, "X-Shopify-Webhook-Id", "shopify-webhook-id")
    # Event id is the documented dedupe key; older API versions only send the webhook id.
    key = (f"event:{event_id}" if event_id else f"webhook:{webhook_id}" if webhook_id
           else "body:" + hashlib.sha256(body).hexdigest())
    return Intake("shopify", key, topic, text, payload,
                  store=topic in SHOPIFY_ORDER_TOPICS)


def square(headers: Mapping[str, str], body: bytes, env: Mapping[str, str]) -> Intake:
    """Verify x-square-hmacsha256-signature over URL+body and key the event on event_id."""
    _verified(signatures.verify_square, env.get("SQUARE_WEBHOOK_SIGNATURE_KEY"),
              env.get("SQUARE_WEBHOOK_URL"), body, _header(headers, "x-square-hmacsha256-signature"))
    payload, text = parse_json(body)
    event_id = payload.get("event_id")
    topic = payload.get("type")
    if not isinstance(event_id, str) or not event_id or not isinstance(topic, str):
        raise Rejected(400, "the Square event has no event_id or type")
    wanted = topic in SQUARE_ORDER_TOPICS or topic.startswith(SQUARE_INVOICE_PREFIX)
    return Intake("square", event_id, topic, text, payload, store=wanted)


def etsy(headers: Mapping[str, str], body: bytes, env: Mapping[str, str],
         now: float | None = None) -> Intake:
    """Verify the Standard Webhooks signature (with the 5-minute replay window) and key on webhook-id."""
    msg_id = _header(headers, "webhook-id")
    _verified(signatures.verify_etsy, env.get("ETSY_WEBHOOK_SECRET"), body, msg_id,
              _header(headers, "webhook-timestamp"), _header(headers, "webhook-signature"),
              time.time() if now is None else now)
    payload, text = parse_json(body)
    topic = payload.get("event_type")
    if not isinstance(topic, str):
        raise Rejected(400, "the Etsy event has no event_type")
    return Intake("etsy", msg_id, topic, text, payload,
                  store=topic in ETSY_ORDER_TOPICS)


def sheet(headers: Mapping[str, str], body: bytes, env: Mapping[str, str]) -> Intake:
    """Verify an edit pushed by the sheet's Apps Script; identical pushes share one id."""
    _verified(signatures.verify_sheet, env.get("TRUECRAFT_EDIT_SECRET"), body,
              _header(headers, "X-TrueCraft-Signature"))
    payload, text = parse_json(body)
    if not isinstance(payload.get("sheet"), str) or not isinstance(payload.get("range"), str):
        raise Rejected(400, "the sheet edit has no sheet name or range")
    # The body includes editedAt, so a re-sent identical edit is one event.
    event_id = "edit:" + hashlib.sha256(body).hexdigest()[:40]
    return Intake("sheet", event_id, "edit", text, payload)


INTAKES = {"shopify": shopify, "square": square, "etsy": etsy, "sheet": sheet}
