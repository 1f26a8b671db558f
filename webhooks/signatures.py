"""Webhook signature schemes: Shopify, Square, Etsy (Standard Webhooks) and the sheet's Apps Script.

Every check works on the raw body bytes exactly as received and compares with
hmac.compare_digest, so timing does not leak how much of a signature matched.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time

# Standard Webhooks (Etsy) rejects timestamps further than this from our clock.
ETSY_TOLERANCE_SECONDS = 300


class SignatureError(Exception):
    """A missing, malformed, forged or replayed signature (message is plain words, no secrets)."""


def _b64_hmac(key: bytes, message: bytes) -> str:
    return base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode("ascii")


def _same(expected: str, given: str) -> bool:
    # compare_digest needs equal types; ASCII-encode so odd header text cannot raise.
    return hmac.compare_digest(expected.encode("ascii"), given.strip().encode("utf-8", "replace"))


def _need(secret: str | None, name: str) -> str:
    if not secret:
        raise SignatureError(f"{name} is not set, so this webhook cannot be verified — add it to .env")
    return secret


def shopify_signature(secret: str, body: bytes) -> str:
    """X-Shopify-Hmac-Sha256: base64 HMAC-SHA256 of the raw body keyed with the app secret."""
    return _b64_hmac(secret.encode("utf-8"), body)


def verify_shopify(secret: str | None, body: bytes, header: str | None) -> None:
    """Raise SignatureError unless `header` signs `body` with the Shopify webhook secret."""
    secret = _need(secret, "SHOPIFY_WEBHOOK_SECRET")
    if not header:
        raise SignatureError("the Shopify signature header is missing")
    if not _same(shopify_signature(secret, body), header):
        raise SignatureError("the Shopify signature does not match")


def square_signature(signature_key: str, notification_url: str, body: bytes) -> str:
    """x-square-hmacsha256-signature: base64 HMAC-SHA256 of notification URL + raw body."""
    return _b64_hmac(signature_key.encode("utf-8"), notification_url.encode("utf-8") + body)


def verify_square(signature_key: str | None, notification_url: str | None, body: bytes,
                  header: str | None) -> None:
    """Raise SignatureError unless `header` signs URL+body with the Square signature key."""
    key = _need(signature_key, "SQUARE_WEBHOOK_SIGNATURE_KEY")
    url = _need(notification_url, "SQUARE_WEBHOOK_URL")
    if not header:
        raise SignatureError("the Square signature header is missing")
    if not _same(square_signature(key, url, body), header):
        raise SignatureError("the Square signature does not match (is SQUARE_WEBHOOK_URL exactly "
                             "the URL registered with Square?)")


def etsy_key(secret: str) -> bytes:
    """The HMAC key: the endpoint secret after 'whsec_', base64-decoded."""
    text = secret.strip()
    if text.startswith("whsec_"):
        text = text[len("whsec_"):]
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError("ETSY_WEBHOOK_SECRET is not a valid whsec_... secret") from None


def etsy_signature(secret: str, msg_id: str, timestamp: str, body: bytes) -> str:
    """One `v1,<base64>` entry over `id.timestamp.body` (Standard Webhooks)."""
    signed = f"{msg_id}.{timestamp}.".encode("utf-8") + body
    return "v1," + _b64_hmac(etsy_key(secret), signed)


def verify_etsy(secret: str | None, body: bytes, msg_id: str | None, timestamp: str | None,
                header: str | None, now: float | None = None,
                tolerance: int = ETSY_TOLERANCE_SECONDS) -> None:
    """Raise SignatureError unless one v1 signature matches and the timestamp is fresh."""
    secret = _need(secret, "ETSY_WEBHOOK_SECRET")
    if not (msg_id and timestamp and header):
        raise SignatureError("the Etsy webhook-id, webhook-timestamp or webhook-signature header is missing")
    stamp = timestamp.strip()
    # Seconds since 1970: ten digits today. A longer string is refused before any arithmetic,
    # so a 400-digit value can't overflow a float (it used to raise OverflowError -> a 500).
    if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 12):
        raise SignatureError("the Etsy webhook-timestamp is not a time in seconds")
    sent = int(stamp)
    current = time.time() if now is None else now
    if abs(current - sent) > tolerance:
        # Too old is a replay; too new means a clock problem — either way refuse.
        raise SignatureError("the Etsy webhook timestamp is more than 5 minutes off (replayed or clock wrong)")
    expected = etsy_signature(secret, msg_id, timestamp.strip(), body)
    candidates = [part for part in header.split(" ") if part.startswith("v1,")]
    if not any(_same(expected, c) for c in candidates):
        raise SignatureError("the Etsy signature does not match")


def sheet_signature(secret: str, body: bytes) -> str:
    """X-TrueCraft-Signature: base64 HMAC-SHA256 of the body keyed with TRUECRAFT_EDIT_SECRET."""
    return _b64_hmac(secret.encode("utf-8"), body)


def verify_sheet(secret: str | None, body: bytes, header: str | None) -> None:
    """Raise SignatureError unless the Apps Script signed this body with the edit secret."""
    secret = _need(secret, "TRUECRAFT_EDIT_SECRET")
    if not header:
        raise SignatureError("the sheet edit signature header is missing")
    if not _same(sheet_signature(secret, body), header):
        raise SignatureError("the sheet edit signature does not match")
