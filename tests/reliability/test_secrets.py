"""Tokens and webhook secrets never show up in logs, the sheet, error messages, the audit table or /healthz."""
from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time

from urllib.parse import quote

import requests

from core.secrets import secret_forms

from tests.reliability.harness import REPO, SECRETS, free_port, send_orders, shopify_order, signed_shopify
from tests.reliability.scenarios import settle

PLATFORM_SECRETS = {
    "SHOPIFY_ACCESS_TOKEN": "shpat_RELIABILITY_token_91ac44e0",
    "ETSY_API_KEY": "etsykey_RELIABILITY_2b7d", "ETSY_ACCESS_TOKEN": "12345.etsyaccess_RELIABILITY_c3f0",
    "ETSY_REFRESH_TOKEN": "12345.etsyrefresh_RELIABILITY_88aa",
    "SQUARE_ACCESS_TOKEN": "EAAAsq_RELIABILITY_token_5d1e",
    "AMAZON_LWA_CLIENT_SECRET": "amzn_RELIABILITY_secret_0f4b", "AMAZON_REFRESH_TOKEN": "Atzr|RELIABILITY_9e21",
}
SMTP_PASSWORD = "smtp_RELIABILITY/pw@7c2e"  # a '/' and an '@', written URL-encoded in the setting


def test_no_secret_leaks_anywhere_while_things_go_wrong(make_rig, tmp_path):
    # given every platform configured with tokens, pointed at loopback ports where nothing listens
    dead = f"http://127.0.0.1:{free_port()}"
    rig = make_rig(**PLATFORM_SECRETS, SHOPIFY_SHOP="reliability.myshopify.com", SHOPIFY_API_URL=dead,
                   ETSY_SHOP_ID="42", ETSY_API_URL=dead, SQUARE_API_URL=dead, SQUARE_LOCATION_IDS="L1",
                   AMAZON_LWA_CLIENT_ID="amzn1.application-oa2-client.x", AMAZON_MARKETPLACE_ID="ATVPDKIKX0DER",
                   AMAZON_SP_API_URL=dead, AMAZON_LWA_URL=dead + "/auth/o2/token",
                   TRUECRAFT_SMTP_URL=f"smtp://maker:{quote(SMTP_PASSWORD, safe='')}@127.0.0.1:{free_port()}",
                   TRUECRAFT_PLATFORM_POLL_SECONDS="1", TRUECRAFT_RETRY_ATTEMPTS="2")
    rig.serve.start()
    answers: list[str] = []
    # when orders arrive, forged deliveries quote the secrets back at us, and every platform poll fails
    delivery = send_orders(lambda: rig.serve.base, list(range(5)), clients=2)
    assert settle(rig.sheet, rig.serve, delivery.acked, 30)
    body = json.dumps(shopify_order(99)).encode()
    for secret in list(SECRETS.values()) + list(PLATFORM_SECRETS.values()):
        for path, headers in (("/webhooks/shopify", {**signed_shopify(body, "leak"), "X-Shopify-Hmac-Sha256": secret}),
                              ("/webhooks/sheet", {"X-TrueCraft-Signature": secret}),
                              ("/webhooks/etsy", {"webhook-id": secret, "webhook-timestamp": str(int(time.time())),
                                                  "webhook-signature": "v1," + secret})):
            answers.append(requests.post(rig.serve.base + path, data=body, headers=headers, timeout=5).text)
    thin = json.dumps({"event_type": "order.paid", "shop_id": 42,
                       "resource_url": "https://openapi.etsy.com/v3/application/shops/42/receipts/5"}).encode()
    from webhooks import signatures
    stamp = str(int(time.time()))
    answers.append(requests.post(rig.serve.base + "/webhooks/etsy", data=thin, timeout=5, headers={
        "webhook-id": "etsy-thin", "webhook-timestamp": stamp, "Content-Type": "application/json",
        "webhook-signature": signatures.etsy_signature(SECRETS["ETSY_WEBHOOK_SECRET"], "etsy-thin", stamp, thin)}).text)
    time.sleep(4)  # platform polls run every second: several fail and log
    answers.append(rig.serve.healthz_text())
    doctor = subprocess.run([sys.executable, str(REPO / "main.py"), "doctor"], cwd=tmp_path, env=rig.serve.env,
                            capture_output=True, text=True, timeout=120)
    rig.serve.stop()
    # then no secret value is in anything the service produced
    with sqlite3.connect(tmp_path / "journal.db") as db:
        audit = "\n".join(" ".join(str(c) for c in row) for row in db.execute("SELECT * FROM audit"))
        quarantine = "\n".join(" ".join(str(c) for c in row) for row in db.execute("SELECT reason FROM quarantine"))
        notes = "\n".join(str(r[0]) for r in db.execute("SELECT error FROM events") if r[0])
        health = "\n".join(str(r) for r in db.execute("SELECT * FROM kv WHERE key LIKE 'health:%'"))
    sheet_text = "\n".join("\t".join(map(str, row)) for tab in
                           [t.title for t in rig.sheet.standin.spreadsheet(rig.sheet.sid).sheets]
                           for row in rig.sheet.rows(tab))
    produced = {"serve log": rig.serve.log(), "sheet": sheet_text, "audit table": audit,
                "quarantine reasons": quarantine, "event errors": notes, "health records": health, "HTTP answers": "\n".join(answers),
                "doctor": doctor.stdout + doctor.stderr}
    key = json.loads(open(rig.sheet.credentials).read())["private_key"]
    secrets = {**SECRETS, **PLATFORM_SECRETS, "SMTP password": SMTP_PASSWORD,
               "service-account key": key.splitlines()[1],
               **{f"Google token {i}": t for i, t in enumerate(rig.sheet.standin.issued_tokens())}}
    # every form of every secret: as written, URL-decoded and -encoded, base64 both ways
    leaks = [(name, form, where) for name, value in secrets.items() for form in secret_forms([value])
             for where, text in produced.items() if form in text]
    assert leaks == []
    # and the run really exercised the failure paths (otherwise nothing was proved)
    assert rig.sheet.standin.issued_tokens() and len(produced["serve log"]) > 500
    assert "refused" in produced["serve log"] and all('"ok":false' in a.replace(" ", "") for a in answers[:-2])
