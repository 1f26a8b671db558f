"""A person marks an order FULFILLED in the sheet while Shopify fails: the push lands on Shopify exactly once."""
from __future__ import annotations

import json

import pytest
import requests

from tests.reliability.harness import ORDERS, platform_order_id, shopify_order, signed_shopify, wait_for
from tests.reliability.scenarios import row_of, settle
from tests.standin.shopify_server import ShopifyStandin

# Letters keep Sheets from reading it as a number (see the report: all-digit USPS numbers are mangled).
TRACKING = "1Z999AA10123456784"
FAULTS = {
    "503 before the push takes effect": dict(n=2, status=503),
    "500 after the push took effect": dict(n=1, status=500, after_commit=True),
    "429 with Retry-After": dict(n=2, status=429, headers={"Retry-After": "1"}),
}


def _is_push(rec) -> bool:
    return "fulfillmentCreate" in json.dumps(rec.body)


@pytest.fixture
def shopify():
    shop = ShopifyStandin(realtime=True).start()  # serve waits in real time for the bucket to refill
    try:
        yield shop
    finally:
        shop.stop()


@pytest.mark.parametrize("fault", list(FAULTS))
def test_fulfilment_push_lands_exactly_once_through_platform_faults(make_rig, shopify, fault):
    # given serve connected to a Shopify stand-in holding order 1, and that order's row in the sheet
    order = shopify_order(1, fulfillments=[], fulfillment_status=None)  # not yet shipped
    shopify.add_order(order)
    rig = make_rig(SHOPIFY_SHOP="reliability.myshopify.com", SHOPIFY_ACCESS_TOKEN=shopify.token,
                   SHOPIFY_API_URL=shopify.url)
    rig.serve.start()
    body = json.dumps(order).encode()
    assert requests.post(rig.serve.base + "/webhooks/shopify", data=body, timeout=5,
                         headers=signed_shopify(body, "ful-1")).status_code == 200
    assert settle(rig.sheet, rig.serve, {1}, 30)
    # and Shopify will fail the push this way
    spec = dict(FAULTS[fault])
    status = spec.pop("status")
    shopify.fail_next(spec.pop("n"), status, when=_is_push, **spec)
    # when an assistant sets Carrier, Tracking # and Status FULFILLED on the row
    rows = rig.sheet.rows()
    r = next(i for i, row in enumerate(rows) if platform_order_id(1) in row) + 1
    for header, value in (("Carrier", "UPS"), ("Tracking #", TRACKING), ("Status", "FULFILLED")):
        rig.sheet.standin.human_set(rig.sheet.sid, ORDERS, f"{chr(65 + rows[0].index(header))}{r}", value)
    # then Shopify ends up with exactly one fulfilment carrying that tracking number, and stays so
    landed = wait_for(lambda: len(shopify.fulfilments(str(order["id"]))) >= 1, 40)
    assert landed, (row_of(rig.sheet, platform_order_id(1)).get("Sync"), rig.serve.log()[-2000:])
    wait_for(lambda: False, 4)  # a few more watch/push cycles
    pushes = shopify.fulfilments(str(order["id"]))
    assert len(pushes) == 1 and pushes[0]["tracking_number"] == TRACKING
    assert any(q.answered == status for q in shopify.requests if _is_push(q))  # the fault really was hit
    assert rig.sheet.order_counts() == {platform_order_id(1): 1}
