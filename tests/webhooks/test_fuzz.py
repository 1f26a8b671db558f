"""Property: no body, header or signature — signed or not — makes any endpoint answer 5xx."""
from __future__ import annotations

import json
import time
from types import SimpleNamespace

from hypothesis import HealthCheck, given, settings, strategies as st

from core.journal import Journal
from tests.webhooks.conftest import ENV
from webhooks import signatures
from webhooks.app import create_app

PATHS = ["/webhooks/shopify", "/webhooks/square", "/webhooks/etsy", "/webhooks/sheet"]
HEADER_NAMES = ["X-Shopify-Hmac-Sha256", "X-Shopify-Topic", "X-Shopify-Event-Id", "X-Shopify-Webhook-Id",
                "x-square-hmacsha256-signature", "webhook-id", "webhook-timestamp", "webhook-signature",
                "X-TrueCraft-Signature", "Content-Type"]
header_text = st.text(st.characters(min_codepoint=32, max_codepoint=255, exclude_characters="\x7f"),
                      max_size=60).map(str.strip)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=10), kids, max_size=4),
    max_leaves=20)
bodies = st.one_of(
    st.binary(max_size=300),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries({"event_id": st.text(max_size=10), "type": st.sampled_from(
        ["order.created", "invoice.paid", "x"]), "event_type": st.sampled_from(["order.paid", "x"]),
        "sheet": st.text(max_size=5), "range": st.text(max_size=5), "data": json_values,
        "resource_url": st.text(max_size=30)}).map(lambda d: json.dumps(d).encode()),
    st.integers(1, 3000).map(lambda n: b"[" * n + b"]" * n),
)

journal = Journal(":memory:")
client = create_app(journal, SimpleNamespace(env=dict(ENV))).test_client()


def valid_headers(path: str, body: bytes, topic: str) -> dict:
    """Correct signatures for `body`, so the parser behind the signature is exercised."""
    if path.endswith("shopify"):
        return {"X-Shopify-Hmac-Sha256": signatures.shopify_signature(ENV["SHOPIFY_WEBHOOK_SECRET"], body),
                "X-Shopify-Topic": topic}
    if path.endswith("square"):
        return {"x-square-hmacsha256-signature": signatures.square_signature(
            ENV["SQUARE_WEBHOOK_SIGNATURE_KEY"], ENV["SQUARE_WEBHOOK_URL"], body)}
    if path.endswith("etsy"):
        ts = str(int(time.time()))
        return {"webhook-id": topic or "m", "webhook-timestamp": ts,
                "webhook-signature": signatures.etsy_signature(ENV["ETSY_WEBHOOK_SECRET"], topic or "m", ts, body)}
    return {"X-TrueCraft-Signature": signatures.sheet_signature(ENV["TRUECRAFT_EDIT_SECRET"], body)}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(PATHS), body=bodies,
       headers=st.dictionaries(st.sampled_from(HEADER_NAMES), header_text, max_size=6))
def test_random_unsigned_input_never_5xx_and_never_stored(path, body, headers):
    before = journal.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    resp = client.post(path, data=body, headers=headers)
    assert resp.status_code < 500
    if resp.status_code >= 400:
        assert journal.execute("SELECT COUNT(*) FROM events").fetchone()[0] == before


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(PATHS), body=bodies,
       topic=st.sampled_from(["orders/create", "orders/updated", "", "x/y", "ünï"]))
def test_validly_signed_garbage_never_5xx(path, body, topic):
    resp = client.post(path, data=body, headers=valid_headers(path, body, topic))
    assert resp.status_code in (200, 400, 413), resp.get_data(as_text=True)
