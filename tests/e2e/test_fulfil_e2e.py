"""Order in by webhook -> row -> assistant sets FULFILLED + tracking -> exactly one fulfilment on the platform.

Real parts throughout: the signed webhook endpoint, the journal, the local workbook, the Shopify and
Square stand-ins (requests checked against the official spec / GraphQL shape), and a real SMTP server.
"""
import base64
import copy
import hashlib
import hmac
import json

import pytest
from aiosmtpd.controller import Controller
from openpyxl import load_workbook

from automations.runner import Runner
from core.config import Settings
from core.http import RetryPolicy
from core.journal import Journal
from sheet_schema.tabs import INVENTORY, ORDERS
from sheets.local_backend import LocalWorkbookBackend
from tests.connectors.conftest import shopify_examples
from tests.standin.shopify_server import ShopifyStandin
from tests.standin.square_server import TOKEN, SquareStandin, make_order
from webhooks.app import create_app

SECRET = "whsec-test-shopify"
POLICY = RetryPolicy(attempts=3, base=0.0, cap=0.0, timeout=5.0, sleep=lambda s: None)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """aiosmtpd handler that keeps every message."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
        self.messages.append(envelope.content.decode("utf8", "replace"))
        return "250 OK"


@pytest.fixture()
def world(tmp_path):
    shop = ShopifyStandin().start()
    square = SquareStandin().start()
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    smtp.start()
    env = {"SHOPIFY_SHOP": "standin", "SHOPIFY_ACCESS_TOKEN": shop.token, "SHOPIFY_API_URL": shop.url,
           "SHOPIFY_WEBHOOK_SECRET": SECRET, "SQUARE_ACCESS_TOKEN": TOKEN, "SQUARE_API_URL": square.url,
           "SQUARE_LOCATION_IDS": "LOC1", "SQUARE_INVOICES": "off",
           "TRUECRAFT_SMTP_URL": f"smtp://127.0.0.1:{smtp.port}",
           "TRUECRAFT_MAIL_FROM": "orders@maker.example"}
    settings = Settings(env=env, db=str(tmp_path / "j.db"), workbook=str(tmp_path / "t.xlsx"))

    def make_runner():
        from connectors.shopify.connector import ShopifyConnector
        from connectors.square.connector import SquareConnector

        connectors = {"shopify": ShopifyConnector.from_env(env, policy=POLICY),
                      "square": SquareConnector.from_env(env, policy=POLICY)}
        return Runner(settings, Journal(settings.db), LocalWorkbookBackend(settings.workbook), connectors)

    class W:
        pass
    w = W()
    w.shop, w.square, w.inbox, w.settings, w.make_runner, w.path = shop, square, inbox, settings, make_runner, tmp_path / "t.xlsx"
    w.runner = make_runner()
    yield w
    w.runner.close()
    smtp.stop()
    shop.stop()
    square.stop()


def _shopify_order(oid=7100001):
    order = copy.deepcopy(shopify_examples()["test_8"])
    order.update(id=oid, name="#3001", updated_at="2026-11-27T10:00:00Z", created_at="2026-11-27T10:00:00Z",
                 fulfillments=[], fulfillment_status=None, financial_status="paid", refunds=[])
    return order


def _deliver_webhook(w, order):
    body = json.dumps(order).encode()
    sig = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
    client = create_app(w.runner.journal, w.settings).test_client()
    resp = client.post("/webhooks/shopify", data=body, headers={
        "X-Shopify-Hmac-Sha256": sig, "X-Shopify-Topic": "orders/create", "X-Shopify-Event-Id": f"e-{order['id']}",
        "Content-Type": "application/json"})
    assert resp.status_code == 200


def _table(path, tab):
    ws = load_workbook(path)[tab]
    header = [c.value for c in ws[1]]
    return [dict(zip(header, r)) for r in ws.iter_rows(min_row=2, values_only=True) if any(r)]


def _type(path, tab, key_header, key, values):
    wb = load_workbook(path)
    ws = wb[tab]
    header = [c.value for c in ws[1]]
    row = next((r for r in range(2, ws.max_row + 2) if ws.cell(row=r, column=header.index(key_header) + 1).value == key),
               None)
    if row is None:  # a new row (Inventory)
        row = ws.max_row + 1
        ws.cell(row=row, column=header.index(key_header) + 1, value=key)
    for col, value in values.items():
        ws.cell(row=row, column=header.index(col) + 1, value=value)
    wb.save(path)


def _order_in_and_marked_shipped(w):
    order = _shopify_order()
    w.shop.add_order(order)
    _deliver_webhook(w, order)
    w.runner.process_events()
    w.runner.watch()
    sku = order["line_items"][0]["sku"]
    _type(w.path, INVENTORY, "Internal SKU", sku, {"On Hand": 5, "Low Stock At": 1})
    _type(w.path, ORDERS, "Order ID", "TC-1", {"Status": "FULFILLED", "Carrier": "UPS", "Tracking #": "1Z999AA10123456784"})
    w.runner.watch()  # decided
    return str(order["id"]), sku


def _finish(w):
    w.runner.push_pending()
    w.runner.watch()
    w.runner.watch()


def _assert_done_once(w, oid, sku):
    assert len(w.shop.fulfilments(oid)) == 1
    assert w.shop.spec_errors() == []
    row = _table(w.path, ORDERS)[0]
    shipped = row["Sync"].split(" · ")[0]  # what follows names the lines no Inventory SKU covers
    assert shipped.startswith("Shipped on Shopify") and shipped.endswith("buyer notified")
    stock = {r["Internal SKU"]: r["On Hand"] for r in _table(w.path, INVENTORY)}
    # the example order holds more than one line; the one we stocked went down by its quantity
    assert stock[sku] < 5
    assert w.inbox.messages == []  # Shopify notified the buyer; we don't send a second e-mail


def test_webhook_to_fulfilment_exactly_once(world):
    oid, sku = _order_in_and_marked_shipped(world)
    _finish(world)
    _assert_done_once(world, oid, sku)
    world.runner.push_pending()
    assert len(world.shop.fulfilments(oid)) == 1


def test_platform_5xx_on_first_attempt_still_lands_once(world):
    oid, sku = _order_in_and_marked_shipped(world)
    world.shop.fail_next(1, 503, when=lambda r: "fulfillmentCreate(" in ((r.body or {}).get("query") or ""))
    _finish(world)
    _assert_done_once(world, oid, sku)


def test_killed_between_decided_and_confirmed(world, monkeypatch):
    oid, sku = _order_in_and_marked_shipped(world)
    # the platform stores the fulfilment but we die before recording it
    outbox = world.runner.pipeline.fulfilment.outbox
    monkeypatch.setattr(outbox, "mark_confirmed", lambda *a, **k: (_ for _ in ()).throw(SystemExit("killed")))
    with pytest.raises(SystemExit):
        world.runner.push_pending()
    world.runner.close()
    monkeypatch.undo()
    world.runner = world.make_runner()  # a new process over the same journal
    _finish(world)
    _assert_done_once(world, oid, sku)


def test_square_invoice_order_gets_our_tracking_email_once(world):
    world.square.add_order(make_order("SQ-E2E", "2026-11-27T10:00:00Z", recipient={
        "display_name": "Ada Lovelace", "email_address": "ada@example.com",
        "address": {"address_line_1": "1 Loom St", "locality": "Portland", "postal_code": "97201", "country": "US"}}))
    world.runner.poll_platforms()
    world.runner.watch()
    _type(world.path, ORDERS, "Order ID", "TC-1", {"Status": "FULFILLED", "Carrier": "USPS",
                                                   "Tracking #": "9400111899223817283946"})
    world.runner.watch()
    _finish(world)
    world.runner.push_pending()
    assert len(world.inbox.messages) == 1
    import email

    msg = email.message_from_string(world.inbox.messages[0])
    text = msg.get_payload(decode=True).decode()
    assert msg["To"] == "ada@example.com" and "9400111899223817283946" in text and "usps.com" in text
    assert sum(1 for c in world.square.completions if c[0] == "SQ-E2E") == 1
    assert world.square.spec_errors() == []
    assert "e-mail sent" in _table(world.path, ORDERS)[0]["Sync"]
