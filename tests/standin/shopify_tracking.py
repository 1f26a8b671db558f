"""fulfillmentTrackingInfoUpdate for the Shopify stand-in (tests/standin/shopify_server.py).

shopify.dev Admin GraphQL 2026-01 and later: fulfillmentTrackingInfoUpdate(fulfillmentId: ID!,
trackingInfoInput: FulfillmentTrackingInput!, notifyCustomer: Boolean) replaces the fulfillment's
tracking (company, number, url) and answers {fulfillment, userErrors}. The REST twin's official example
(shared/specs/shopify/rest-2026-07-fulfillment-examples.json, test_11: POST
fulfillments/{id}/update_tracking.json) shows the same replacement: the answer carries only the new number.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any


def tracking_update(standin: Any, fulfillment_id: str, tracking: dict, notify: bool | None) -> dict:
    """The mutation's payload; the shop's fulfilment record is changed in place."""
    tail = fulfillment_id.rsplit("/", 1)[-1]
    fid = int(tail) if tail.isdigit() else None
    with standin.lock:
        for order in standin.orders.values():
            for record in order.get("fulfillments") or []:
                if record["id"] != fid:
                    continue
                if record.get("status") == "cancelled":
                    return {"fulfillment": None, "userErrors": [{"field": ["fulfillmentId"],
                                                                 "message": "Fulfillment is cancelled"}]}
                record.update(tracking_company=tracking.get("company"), tracking_number=tracking.get("number"),
                              tracking_url=tracking.get("url"))
                order["updated_at"] = datetime.now(timezone.utc).isoformat()
                standin.tracking_updates.append({"fulfillmentId": fulfillment_id, "notifyCustomer": notify,
                                                 **tracking})
                from tests.standin.shopify_server import _fulfilment_node

                return {"fulfillment": _fulfilment_node(record), "userErrors": []}
    return {"fulfillment": None, "userErrors": [{"field": ["fulfillmentId"], "message": "Fulfillment does not exist"}]}
