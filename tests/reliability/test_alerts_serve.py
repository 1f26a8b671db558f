"""Alerts with the real `serve` (issue 15): the second order's webhook -> one alert, within a minute."""
from __future__ import annotations

import json
import time

import requests

from tests.alerts.receiver import NtfyReceiver
from tests.reliability.harness import platform_order_id, shopify_order, signed_shopify, wait_for


def test_a_duplicate_arriving_by_webhook_alerts_the_seller_once(make_rig):
    receiver = NtfyReceiver()
    try:
        rig = make_rig(TRUECRAFT_ALERT_URLS=receiver.url)
        rig.serve.start()
        first = shopify_order(1)
        # the same buyer orders the same thing again eight minutes later (another order number)
        second = shopify_order(1, id=820_000_901, order_number=9901, name="#9901",
                               created_at="2026-11-27T00:08:01Z", updated_at="2026-11-27T00:08:01Z")
        for order, event in ((first, "dup-1"), (second, "dup-2")):
            body = json.dumps(order).encode()
            r = requests.post(rig.serve.base + "/webhooks/shopify", data=body, timeout=5,
                              headers=signed_shopify(body, event))
            assert r.status_code == 200
        acked = time.monotonic()
        assert wait_for(lambda: receiver.messages, 60, interval=0.1), rig.serve.health()
        took = time.monotonic() - acked
        [msg] = receiver.messages
        assert platform_order_id(1) not in msg["message"]  # orders are named by their TC ids
        assert "TC-1" in msg["message"] and "TC-2" in msg["message"] and "Why:" in msg["message"]
        print(f"\nsecond order's webhook -> alert left: {took:.1f} s")
        assert took < 60
        # and nothing more is sent for it
        time.sleep(3)
        assert len(receiver.messages) == 1
        assert rig.serve.health().get("alerts_pending") == 0
    finally:
        receiver.stop()
