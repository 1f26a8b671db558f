"""Hostile deliveries and CSV rows against the real `serve`: no 500s, nothing stored when forged, no formulas."""
from __future__ import annotations

import base64
import json
import sqlite3
import subprocess
import sys
import time

import pytest
import requests

from tests.reliability.harness import (ORDERS, REPO, SECRETS, ServeProcess, platform_order_id, serve_env,
                                       shopify_order, signed_shopify, start_sheet, wait_for)
from tests.reliability.scenarios import row_of
from webhooks import signatures

FORMULAS = ['=IMPORTXML("http://127.0.0.1:9/x","//a")', "+SUM(1,2)", "-2+3", "@SUM(A1:A2)",
            '=HYPERLINK("http://127.0.0.1:9/","click")']
CONTROL = "Ann\x07 \x1b[31mRed\x1b[0m \u202eevil\u202c\tTab"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """One serve for the module (the requests are independent); killed at the end."""
    tmp = tmp_path_factory.mktemp("hostile")
    sheet = start_sheet(tmp)
    serve = ServeProcess(tmp, serve_env(tmp, sheet))
    try:
        serve.start()
        yield serve, sheet, tmp
    finally:
        serve.kill_all()
        sheet.standin.stop()


def _post(serve, path: str, body: bytes, headers: dict) -> requests.Response:
    return requests.post(serve.base + path, data=body, headers=headers, timeout=10)


def _events(tmp, event_id: str) -> int:
    """Distinct events stored, wherever they are: serve's web process acknowledges into its own
    inbox (journal.db-inbox) and the jobs process copies them into the journal's events table."""
    like = f"%{event_id}%"
    with sqlite3.connect(tmp / "journal.db", timeout=10) as db:
        keys = set(db.execute("SELECT source, event_id FROM events WHERE event_id LIKE ?", (like,)))
    inbox = tmp / "journal.db-inbox"
    if inbox.exists():
        with sqlite3.connect(inbox, timeout=10) as db:
            keys |= set(db.execute("SELECT source, event_id FROM inbox WHERE event_id LIKE ?", (like,)))
    return len(keys)


def _body(n: int, **over) -> bytes:
    return json.dumps(shopify_order(n, **over)).encode()


def _etsy_headers(body: bytes, msg_id: str, ts: int) -> dict:
    stamp = str(ts)
    return {"webhook-id": msg_id, "webhook-timestamp": stamp, "Content-Type": "application/json",
            "webhook-signature": signatures.etsy_signature(SECRETS["ETSY_WEBHOOK_SECRET"], msg_id, stamp, body)}


FORGED = {
    "wrong secret": lambda b: signed_shopify(b, "forged-1", secret="not-the-secret"),
    "missing signature": lambda b: {k: v for k, v in signed_shopify(b, "forged-2").items()
                                    if k != "X-Shopify-Hmac-Sha256"},
    "signature of another body": lambda b: {**signed_shopify(b, "forged-3"),
                                            "X-Shopify-Hmac-Sha256": signatures.shopify_signature(
                                                SECRETS["SHOPIFY_WEBHOOK_SECRET"], b + b" ")},
    "garbage signature": lambda b: {**signed_shopify(b, "forged-4"), "X-Shopify-Hmac-Sha256": "\u00ff" * 300},
}


@pytest.mark.parametrize("how", list(FORGED))
def test_forged_shopify_deliveries_are_refused_and_nothing_is_stored(hostile, how):
    serve, sheet, tmp = hostile
    n = 900 + list(FORGED).index(how)
    body = _body(n)
    headers = FORGED[how](body)
    r = _post(serve, "/webhooks/shopify", body, headers)
    assert r.status_code == 401 and r.json()["ok"] is False
    assert _events(tmp, f"forged-{list(FORGED).index(how) + 1}") == 0
    time.sleep(1.5)  # a watch cycle
    assert platform_order_id(n) not in sheet.order_counts()


@pytest.mark.parametrize("source,headers", [
    ("sheet", {"X-TrueCraft-Signature": "AAAA"}),
    ("square", {"x-square-hmacsha256-signature": base64.b64encode(b"x" * 32).decode()}),
    ("etsy", {"webhook-id": "m1", "webhook-timestamp": "1", "webhook-signature": "v1,AAAA"}),
])
def test_forged_deliveries_to_the_other_endpoints_are_refused(hostile, source, headers):
    serve, _, tmp = hostile
    r = _post(serve, f"/webhooks/{source}", b'{"event_id":"forged-x","type":"order.created"}', headers)
    assert r.status_code == 401
    assert _events(tmp, "forged-x") == 0


def test_replayed_deliveries_store_one_event_and_one_row(hostile):
    serve, sheet, tmp = hostile
    # given one signed delivery sent three times (Shopify retries; an attacker replays)
    body = _body(950)
    codes = [_post(serve, "/webhooks/shopify", body, signed_shopify(body, "replay-1")).json() for _ in range(3)]
    # then it is stored once, the repeats are acknowledged as duplicates, and the sheet has one row
    assert [c["duplicate"] for c in codes] == [False, True, True]
    assert _events(tmp, "replay-1") == 1
    assert wait_for(lambda: sheet.order_counts().get(platform_order_id(950)) == 1, 20)
    time.sleep(1.5)
    assert sheet.order_counts()[platform_order_id(950)] == 1


def test_stale_etsy_replay_is_refused(hostile):
    serve, _, tmp = hostile
    body = json.dumps({"event_type": "order.paid", "resource_url":
                       "https://openapi.etsy.com/v3/application/shops/1/receipts/777", "shop_id": 1}).encode()
    old = _post(serve, "/webhooks/etsy", body, _etsy_headers(body, "etsy-replay", int(time.time()) - 3600))
    assert old.status_code == 401 and "5 minutes" in old.json()["error"]
    assert _events(tmp, "etsy-replay") == 0


MALFORMED = {
    "oversized body": (b'{"id": 1, "pad": "' + b"x" * (2 * 1024 * 1024) + b'"}', 413),
    "invalid UTF-8": (b'{"id": 1, "name": "\xff\xfe\xc3\x28"}', 400),
    "deeply nested JSON": (b'{"a":' + b"[" * 100_000 + b"]" * 100_000 + b"}", 400),
    "not an object": (b"[1, 2, 3]", 400),
    "truncated JSON": (b'{"id": 1, "line_items": [', 400),
}


@pytest.mark.parametrize("what", list(MALFORMED))
def test_malformed_but_correctly_signed_bodies_get_a_plain_4xx(hostile, what):
    serve, _, tmp = hostile
    body, status = MALFORMED[what]
    r = _post(serve, "/webhooks/shopify", body, signed_shopify(body, f"bad-{what}"))
    assert r.status_code == status, r.text[:300]
    assert "Traceback" not in r.text
    if status == 413:  # refused by waitress while reading (max_request_body_size), before any buffering
        assert "Request Entity Too Large" in r.text
    else:
        assert r.json()["ok"] is False
    assert _events(tmp, f"bad-{what}") == 0


POISON_REASON = ("BUG: a 500-digit total is a finite Decimal, so it is stored, but sheets/rows.py cell_value() "
                 "sends float(Decimal) = inf for money cells; requests refuses to JSON-encode inf "
                 "(InvalidJSONError), so every flush fails and no later order ever reaches the sheet")


@pytest.mark.parametrize("what,over", [
    ("huge id", {"id": 10 ** 400}),
    ("huge total", {"total_price": "9" * 500}),
    ("exponent total", {"total_price": 1e308}),
    ("infinite total", {"total_price": "Infinity"}),
    ("negative quantity", {"line_items": [{"id": 1, "title": "Mug", "quantity": -10 ** 30, "price": "1.00"}]}),
])
def test_absurd_numbers_never_500_and_never_block_the_orders_after_them(make_rig, what, over):
    # given serve running, and a signed order carrying an absurd number
    rig = make_rig()
    rig.serve.start()
    body = json.dumps(shopify_order(1, **over)).encode()
    r = _post(rig.serve, "/webhooks/shopify", body, signed_shopify(body, "absurd"))
    # when an ordinary order follows it
    assert r.status_code == 200
    normal = json.dumps(shopify_order(2)).encode()
    assert _post(rig.serve, "/webhooks/shopify", normal, signed_shopify(normal, "normal")).status_code == 200
    # then the absurd one is finished (stored or quarantined with a reason), and the next one reaches the sheet
    with sqlite3.connect(rig.serve.tmp / "journal.db", timeout=10) as db:
        state = lambda: db.execute("SELECT state FROM events WHERE event_id='event:absurd'").fetchone()  # noqa: E731
        assert wait_for(lambda: state() is not None and state()[0] in ("done", "failed"), 15), state()
    assert wait_for(lambda: platform_order_id(2) in rig.sheet.order_counts(), 15), rig.serve.health()
    assert rig.serve.health()["sheet_status"] == "ok"
    assert "Traceback" not in rig.serve.log()


@pytest.mark.parametrize("text", FORMULAS + [CONTROL])
def test_customer_text_from_a_webhook_is_shown_as_text_never_evaluated(hostile, text):
    serve, sheet, _ = hostile
    n = 1000 + (FORMULAS + [CONTROL]).index(text)
    names = {"first_name": text, "last_name": "", "name": text}
    order = shopify_order(n, note=text)
    order["shipping_address"] = {**order["shipping_address"], **names, "address1": text}
    order["billing_address"] = {**order["billing_address"], **names}
    order["customer"] = {**order["customer"], "first_name": text, "last_name": ""}
    body = json.dumps(order).encode()
    assert _post(serve, "/webhooks/shopify", body, signed_shopify(body, f"formula-{n}")).status_code == 200
    assert wait_for(lambda: row_of(sheet, platform_order_id(n)), 20)
    row = row_of(sheet, platform_order_id(n))
    visible = "".join(ch for ch in text if ch.isprintable()).strip()
    assert visible.split()[0] in row["Customer"] and visible.split()[0] in row["Ship To"]
    assert formula_cells(sheet) == []


def formula_cells(sheet, tab: str = ORDERS) -> list[tuple[int, int]]:
    """Cells of a tab that hold a formula (the service never writes one into Orders)."""
    with sheet.standin._state.lock:  # noqa: SLF001 - reading the stand-in's model
        cells = dict(sheet.standin.sheet(sheet.sid, tab).cells)
    return sorted(k for k, v in cells.items() if "formulaValue" in (v.get("v") or {}))


CSV_HEADER = ("platform,platform_order_id,created_at,customer_name,email,phone,address1,address2,city,"
              "region,postal_code,country,sku,title,quantity,unit_price,total,currency\n")


def _csv_field(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def test_import_of_a_csv_full_of_formulas_stores_text_and_adds_nothing_twice(hostile):
    serve, sheet, tmp = hostile
    # given a unified CSV whose every text field carries a formula payload, imported while serve runs
    lines = []
    for i, text in enumerate(FORMULAS):
        cells = ["etsy", f"CSV-{i}", "2026-11-27T11:00:00Z", text, f"a{i}@example.com", text, text, text,
                 "Portland", "OR", "97201", "US", text, text, "1", "10.00", "10.00", "USD"]
        lines.append(",".join(_csv_field(c) for c in cells))
    csv = tmp / "evil.csv"
    csv.write_text(CSV_HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    run = lambda: subprocess.run([sys.executable, str(REPO / "main.py"), "import", str(csv),  # noqa: E731
                                  "--format", "unified"], cwd=tmp, env=serve.env, capture_output=True,
                                 text=True, timeout=120)
    first, second = run(), run()
    # then both runs succeed in plain words, the second adds nothing
    assert first.returncode == 0, first.stderr[-2000:]
    assert "5 new" in first.stdout and "0 new" in second.stdout, (first.stdout, second.stdout)
    assert "Traceback" not in first.stderr + second.stderr
    # and each order is in the sheet once, every payload shown as the exact text, none a formula
    assert wait_for(lambda: all(sheet.order_counts().get(f"CSV-{i}") == 1 for i in range(len(FORMULAS))), 20)
    time.sleep(1.5)
    assert all(sheet.order_counts().get(f"CSV-{i}") == 1 for i in range(len(FORMULAS)))
    formulas = sheet.standin.values(sheet.sid, ORDERS, render="FORMULA")
    shown = sheet.rows()
    for i, text in enumerate(FORMULAS):
        row = row_of(sheet, f"CSV-{i}")
        assert row["Customer"] == text and row["Phone"] in (text, "")
        r = next(k for k, line in enumerate(shown) if f"CSV-{i}" in line)
        for header in ("Customer", "Ship To", "Items"):  # the FORMULA rendering is the text itself
            c = shown[0].index(header)
            assert formulas[r][c] == shown[r][c] and text in shown[r][c]
    assert formula_cells(sheet) == []


def test_nothing_answered_500_and_nothing_crashed(hostile):
    serve, _, _ = hostile
    # (runs last in this module) serve is alive, healthy, and printed no traceback
    assert serve.proc.poll() is None
    assert serve.health()["ok"] is True
    assert "Traceback" not in serve.log()
    assert " 500 " not in serve.log()
