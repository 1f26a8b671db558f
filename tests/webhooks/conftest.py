"""Shared helpers for the webhook tests: a journal-backed app and signed-request builders."""
from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from core.journal import Journal
from webhooks import signatures
from webhooks.app import create_app

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "webhooks"

ETSY_SECRET = "whsec_" + base64.b64encode(b"etsy-test-key-0123456789abcdef").decode()
ENV = {
    "SHOPIFY_WEBHOOK_SECRET": "shpss_test_secret_1234",
    "SQUARE_WEBHOOK_SIGNATURE_KEY": "sq-sig-key-5678",
    "SQUARE_WEBHOOK_URL": "https://orders.example.com/webhooks/square",
    "ETSY_WEBHOOK_SECRET": ETSY_SECRET,
    "TRUECRAFT_EDIT_SECRET": "edit-secret-9012",
}


def fixture(name: str):
    """Load a JSON fixture from tests/fixtures/webhooks."""
    return json.loads((FIXTURES / name).read_text())


def shopify_body(order_id: int = 450789469, updated_at: str = "2026-11-27T10:00:00-05:00") -> bytes:
    """A Shopify orders/* body: the official REST Order example with a chosen id and version."""
    order = dict(fixture("shopify_order.json")["response"]["order"])
    order["id"], order["updated_at"] = order_id, updated_at
    return json.dumps(order).encode()


def shopify_headers(body: bytes, event_id: str = "evt-1", topic: str = "orders/create",
                    secret: str = ENV["SHOPIFY_WEBHOOK_SECRET"]) -> dict:
    """Headers Shopify sends for one delivery."""
    return {"X-Shopify-Hmac-Sha256": signatures.shopify_signature(secret, body),
            "X-Shopify-Topic": topic, "X-Shopify-Event-Id": event_id,
            "X-Shopify-Webhook-Id": f"wh-{event_id}", "Content-Type": "application/json"}


def square_headers(body: bytes, key: str = ENV["SQUARE_WEBHOOK_SIGNATURE_KEY"],
                   url: str = ENV["SQUARE_WEBHOOK_URL"]) -> dict:
    """Headers Square sends."""
    return {"x-square-hmacsha256-signature": signatures.square_signature(key, url, body),
            "Content-Type": "application/json"}


def etsy_headers(body: bytes, msg_id: str = "msg_1", ts: int | None = None,
                 secret: str = ETSY_SECRET) -> dict:
    """Standard Webhooks headers as Etsy sends them."""
    stamp = str(int(time.time()) if ts is None else ts)
    return {"webhook-id": msg_id, "webhook-timestamp": stamp,
            "webhook-signature": signatures.etsy_signature(secret, msg_id, stamp, body),
            "Content-Type": "application/json"}


def sheet_body(**overrides) -> bytes:
    """An edit as the Apps Script posts it."""
    edit = {"sheet": "Orders", "range": "F7", "row": 7, "column": 6, "numRows": 1, "numColumns": 1,
            "header": "Status", "oldValue": "New", "value": "Shipped", "editor": "maker@example.com",
            "editedAt": "2026-11-27T15:04:05.000Z", "orderId": "TC-7"}
    edit.update(overrides)
    return json.dumps(edit, separators=(",", ":")).encode()


def sheet_headers(body: bytes, secret: str = ENV["TRUECRAFT_EDIT_SECRET"]) -> dict:
    """The header the Apps Script adds."""
    return {"X-TrueCraft-Signature": signatures.sheet_signature(secret, body),
            "Content-Type": "application/json"}


def events(journal: Journal) -> list[dict]:
    """Every stored event."""
    return [dict(r) for r in journal.execute("SELECT * FROM events ORDER BY received_at")]


@pytest.fixture
def journal(tmp_path):
    j = Journal(tmp_path / "journal.db")
    yield j
    try:
        j.close()
    except Exception:
        pass


@pytest.fixture
def woken():
    return []


@pytest.fixture
def client(journal, woken):
    settings = SimpleNamespace(env=dict(ENV))
    app = create_app(journal, settings, on_event=woken.append)
    return app.test_client()
