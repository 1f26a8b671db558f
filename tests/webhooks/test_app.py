"""The webhook endpoints: accept, dedupe, ignore, refuse — and only store what is signed."""
from __future__ import annotations

import json
import sqlite3
import threading
from types import SimpleNamespace

import pytest

from tests.webhooks.conftest import (ENV, etsy_headers, events, fixture, sheet_body, sheet_headers,
                                     shopify_body, shopify_headers, square_headers)
from webhooks.app import MAX_BODY_BYTES, create_app


def square_event(name: str = "order.created", event_id: str | None = None) -> bytes:
    event = dict(fixture("square_events.json")[name])
    if event_id:
        event["event_id"] = event_id
    return json.dumps(event).encode()


ETSY_BODY = json.dumps(fixture("etsy_order_paid.json")).encode()


def test_shopify_order_is_stored_and_wakes_the_loop(client, journal, woken):
    body = shopify_body()
    resp = client.post("/webhooks/shopify", data=body, headers=shopify_headers(body, "e-100"))
    assert resp.status_code == 200 and resp.json == {"ok": True, "duplicate": False}
    [event] = events(journal)
    assert (event["source"], event["event_id"], event["topic"]) == ("shopify", "event:e-100", "orders/create")
    assert event["body"] == body.decode() and event["state"] == "new"
    assert woken == ["shopify"]


def test_square_thin_and_invoice_events_are_stored(client, journal):
    for name in ("order.created", "order.updated", "invoice.payment_made"):
        body = square_event(name)
        assert client.post("/webhooks/square", data=body, headers=square_headers(body)).status_code == 200
    assert sorted(e["topic"] for e in events(journal)) == ["invoice.payment_made", "order.created",
                                                           "order.updated"]


def test_etsy_order_paid_is_stored_under_webhook_id(client, journal):
    resp = client.post("/webhooks/etsy", data=ETSY_BODY, headers=etsy_headers(ETSY_BODY, "msg_42"))
    assert resp.status_code == 200
    assert [(e["event_id"], e["topic"]) for e in events(journal)] == [("msg_42", "order.paid")]


def test_sheet_edit_is_stored_and_passed_to_on_event(client, journal, woken):
    body = sheet_body()
    assert client.post("/webhooks/sheet", data=body, headers=sheet_headers(body)).status_code == 200
    [event] = events(journal)
    assert event["source"] == "sheet" and event["topic"] == "edit"
    assert woken == ["sheet"]


@pytest.mark.parametrize("path, body, headers_for", [
    ("/webhooks/shopify", shopify_body(), lambda b: shopify_headers(b, "dup")),
    ("/webhooks/square", square_event(), square_headers),
    ("/webhooks/etsy", ETSY_BODY, lambda b: etsy_headers(b, "msg_dup")),
    ("/webhooks/sheet", sheet_body(), sheet_headers),
])
def test_redelivery_is_acknowledged_and_stored_once(client, journal, woken, path, body, headers_for):
    first = client.post(path, data=body, headers=headers_for(body))
    second = client.post(path, data=body, headers=headers_for(body))
    assert (first.status_code, second.status_code) == (200, 200)
    assert (first.json["duplicate"], second.json["duplicate"]) == (False, True)
    assert len(events(journal)) == 1 and len(woken) == 1


def test_shopify_retry_with_new_webhook_id_same_event_id_is_one_event(client, journal):
    body = shopify_body()
    headers = shopify_headers(body, "same-event")
    client.post("/webhooks/shopify", data=body, headers=headers)
    client.post("/webhooks/shopify", data=body, headers={**headers, "X-Shopify-Webhook-Id": "wh-other"})
    assert len(events(journal)) == 1


def test_shopify_without_event_id_dedupes_on_webhook_id(client, journal):
    body = shopify_body()
    headers = shopify_headers(body)
    del headers["X-Shopify-Event-Id"]
    client.post("/webhooks/shopify", data=body, headers=headers)
    client.post("/webhooks/shopify", data=body, headers=headers)
    assert [e["event_id"] for e in events(journal)] == ["webhook:wh-evt-1"]


def test_concurrent_duplicate_deliveries_store_once(journal):
    # given Shopify delivering the same event on 16 threads at once
    app = create_app(journal, SimpleNamespace(env=dict(ENV)))
    body = shopify_body()
    results, barrier = [], threading.Barrier(16)

    def deliver():
        barrier.wait()
        resp = app.test_client().post("/webhooks/shopify", data=body, headers=shopify_headers(body, "race"))
        results.append((resp.status_code, resp.json["duplicate"]))

    threads = [threading.Thread(target=deliver) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then every delivery got 200, exactly one was new, and one event is stored
    assert [s for s, _ in results] == [200] * 16
    assert sum(1 for _, dup in results if not dup) == 1
    assert len(events(journal)) == 1


@pytest.mark.parametrize("path, body, headers_for", [
    ("/webhooks/shopify", shopify_body(), lambda b: shopify_headers(b, topic="products/update")),
    ("/webhooks/shopify", shopify_body(), lambda b: {**shopify_headers(b), "X-Shopify-Topic": ""}),
    ("/webhooks/square", json.dumps(fixture("square_events.json")["payment.created"]).encode(), square_headers),
    ("/webhooks/etsy", json.dumps({"event_type": "listing.updated", "resource_url": "x"}).encode(),
     etsy_headers),
])
def test_unknown_topics_get_200_and_are_not_stored(client, journal, caplog, path, body, headers_for):
    caplog.set_level("INFO", "truecraft.webhooks")
    resp = client.post(path, data=body, headers=headers_for(body))
    assert resp.status_code == 200 and resp.json["ignored"] is True
    assert events(journal) == []
    assert "ignored" in caplog.text


def _bad(kind: str):
    """(path, body, headers) for one kind of bad delivery."""
    sb, qb, eb, tb = shopify_body(), square_event(), ETSY_BODY, sheet_body()
    not_utf8, garbage, deep = b'{"a":"\xff\xfe"}', b'{"id": 1,', b"[" * 100_000 + b"]" * 100_000
    deep_inside = b'{"event_id": "e", "type": "order.created", "x": ' + deep + b"}"
    table = {
        "shopify no signature": ("/webhooks/shopify", sb, {"X-Shopify-Topic": "orders/create"}),
        "shopify forged": ("/webhooks/shopify", sb, shopify_headers(sb, secret="guess")),
        "shopify tampered": ("/webhooks/shopify", sb + b" ", shopify_headers(sb)),
        "square forged": ("/webhooks/square", qb, square_headers(qb, key="guess")),
        "square wrong url": ("/webhooks/square", qb, square_headers(qb, url="https://evil.example/hook")),
        "square no signature": ("/webhooks/square", qb, {}),
        "etsy replayed": ("/webhooks/etsy", eb, etsy_headers(eb, ts=1_600_000_000)),
        "etsy forged": ("/webhooks/etsy", eb, etsy_headers(eb, secret="whsec_Z3Vlc3M=")),
        "etsy no headers": ("/webhooks/etsy", eb, {}),
        "sheet forged": ("/webhooks/sheet", tb, sheet_headers(tb, secret="guess")),
        "sheet unsigned": ("/webhooks/sheet", tb, {}),
        "shopify not utf-8": ("/webhooks/shopify", not_utf8, shopify_headers(not_utf8)),
        "shopify garbage json": ("/webhooks/shopify", garbage, shopify_headers(garbage)),
        "shopify deeply nested": ("/webhooks/shopify", deep, shopify_headers(deep)),
        "square json array": ("/webhooks/square", b"[]", square_headers(b"[]")),
        "square deeply nested inside": ("/webhooks/square", deep_inside, square_headers(deep_inside)),
        "square no event_id": ("/webhooks/square", b'{"type":"order.created"}',
                               square_headers(b'{"type":"order.created"}')),
        "etsy no event_type": ("/webhooks/etsy", b"{}", etsy_headers(b"{}")),
        "sheet no range": ("/webhooks/sheet", b'{"sheet":"Orders"}', sheet_headers(b'{"sheet":"Orders"}')),
        "too large": ("/webhooks/shopify", b"x" * (MAX_BODY_BYTES + 1), {}),
    }
    return table[kind]


@pytest.mark.parametrize("kind, status", [
    ("shopify no signature", 401), ("shopify forged", 401), ("shopify tampered", 401),
    ("square forged", 401), ("square wrong url", 401), ("square no signature", 401),
    ("etsy replayed", 401), ("etsy forged", 401), ("etsy no headers", 401),
    ("sheet forged", 401), ("sheet unsigned", 401),
    ("shopify not utf-8", 400), ("shopify garbage json", 400), ("shopify deeply nested", 400),
    ("square json array", 400), ("square deeply nested inside", 400), ("square no event_id", 400), ("etsy no event_type", 400),
    ("sheet no range", 400), ("too large", 413),
])
def test_refusals_store_nothing(client, journal, woken, kind, status):
    path, body, headers = _bad(kind)
    resp = client.post(path, data=body, headers=headers)
    assert resp.status_code == status
    assert resp.json["ok"] is False and resp.json["error"]
    assert events(journal) == [] and woken == []


@pytest.mark.parametrize("raw", [
    '{"id": 123456789012345678901234567890, "note": "huge id"}',  # orjson would turn it into a float
    '{"note": "lone surrogate \\ud800"}',  # orjson refuses; the standard library accepts
    '{"note": "caf\u00e9 \u2603", "total": 1.10}',
])
def test_odd_but_valid_json_is_stored_byte_for_byte(client, journal, raw):
    # given a valid JSON body the fast parser might refuse or round
    body = raw.encode()
    # when it is delivered, signed
    resp = client.post("/webhooks/shopify", data=body, headers=shopify_headers(body, "odd"))
    # then it is accepted and the journal keeps exactly the bytes that were signed
    assert resp.status_code == 200
    [event] = events(journal)
    assert event["body"].encode() == body


@pytest.mark.parametrize("method, path, status", [
    ("GET", "/webhooks/shopify", 405), ("POST", "/webhooks/nowhere", 404), ("POST", "/healthz", 405),
    ("POST", "/_bench/ceiling", 404),
])
def test_routing_errors(client, method, path, status):
    assert client.open(path, method=method).status_code == status


def test_missing_secret_refuses_without_storing(journal):
    client = create_app(journal, SimpleNamespace(env={})).test_client()
    body = shopify_body()
    resp = client.post("/webhooks/shopify", data=body, headers=shopify_headers(body))
    assert resp.status_code == 401 and "SHOPIFY_WEBHOOK_SECRET is not set" in resp.json["error"]
    assert events(journal) == []


class _BrokenJournal:
    def __init__(self, exc):
        self.exc = exc

    def record_events(self, *args):
        raise self.exc

    def execute(self, *args):
        raise self.exc

    def backlog(self):
        raise self.exc

    def kv_get(self, *args):
        raise self.exc


@pytest.mark.parametrize("exc", [sqlite3.OperationalError("database is locked"),
                                 sqlite3.ProgrammingError("Cannot operate on a closed database.")])
def test_journal_that_cannot_store_answers_503(exc):
    client = create_app(_BrokenJournal(exc), SimpleNamespace(env=dict(ENV))).test_client()
    body = sheet_body()
    assert client.post("/webhooks/sheet", data=body, headers=sheet_headers(body)).status_code == 503
    assert client.get("/healthz").status_code == 503


def test_on_event_failure_still_acknowledges(journal):
    def explode(source):
        raise RuntimeError("boom")
    client = create_app(journal, SimpleNamespace(env=dict(ENV)), on_event=explode).test_client()
    body = sheet_body()
    assert client.post("/webhooks/sheet", data=body, headers=sheet_headers(body)).status_code == 200
    assert len(events(journal)) == 1


def test_healthz_reports_backlog_polls_and_events_without_secrets(client, journal):
    journal.kv_set("health:last_sheet_write", "2026-11-27T15:00:00+00:00")
    journal.kv_set("health:last_poll:etsy", "2026-11-27T14:59:00+00:00")
    journal.kv_set("health:sheet_status", "ok")
    body = sheet_body()
    client.post("/webhooks/sheet", data=body, headers=sheet_headers(body))
    resp = client.get("/healthz")
    assert resp.status_code == 200
    data = resp.json
    assert data["backlog"] == 0 and data["events_pending"] == 1 and data["events_failed"] == 0
    assert data["last_sheet_write"] == "2026-11-27T15:00:00+00:00" and data["sheet_status"] == "ok"
    assert data["last_poll"]["etsy"] == "2026-11-27T14:59:00+00:00" and data["last_poll"]["shopify"] is None
    text = resp.get_data(as_text=True)
    assert not any(secret in text for secret in ENV.values())
