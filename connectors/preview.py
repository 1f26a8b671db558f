"""The exact fulfilment request each platform would receive — for dry runs when it isn't connected."""
from __future__ import annotations

from typing import Any

from core.models import Order, Platform, Shipment


def fulfilment_request(order: Order, shipment: Shipment, idempotency_key: str,
                       env: dict | None = None) -> dict[str, Any]:
    """{'method','url','body','note'} for this order's platform, built from its stored payload."""
    env = env or {}
    if order.platform is Platform.ETSY:
        shop = env.get("ETSY_SHOP_ID") or "{ETSY_SHOP_ID}"
        return {"method": "POST",
                "url": f"https://openapi.etsy.com/v3/application/shops/{shop}/receipts/{order.platform_order_id}/tracking",
                "body": {"tracking_code": shipment.tracking_number, "carrier_name": shipment.carrier or "other",
                         "send_bcc": False},
                "note": "Etsy e-mails the buyer the tracking details itself."}
    if order.platform is Platform.SHOPIFY:
        from connectors.shopify import queries
        from connectors.shopify.mapping import order_gid

        tracking = {"company": shipment.carrier, "number": shipment.tracking_number}
        if shipment.tracking_url:
            tracking["url"] = shipment.tracking_url
        return {"method": "POST", "url": "https://{SHOPIFY_SHOP}/admin/api/2026-07/graphql.json",
                "body": {"query": " ".join(queries.FULFILLMENT_CREATE.split()), "variables": {"fulfillment": {
                    "lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": f"<open fulfillment orders of "
                                                                           f"{order_gid(order.platform_order_id)}>"}],
                    "notifyCustomer": True, "trackingInfo": tracking}}},
                "note": "Shopify e-mails the buyer (notifyCustomer: true)."}
    if order.platform is Platform.SQUARE:
        from connectors.square.mapping import fulfilment_update

        raw = dict((order.raw or {}).get("order") or {})
        raw.setdefault("version", "{current version}")
        raw.setdefault("location_id", "{location}")
        return {"method": "PUT", "url": f"https://connect.squareup.com/v2/orders/{order.platform_order_id}",
                "body": fulfilment_update(raw, shipment, idempotency_key),
                "note": "Square doesn't e-mail tracking for invoices: TrueCraft sends the e-mail."}
    if order.platform is Platform.AMAZON:
        from connectors.amazon.mapping import confirm_body, package_reference_id, unshipped_items

        raw = dict(order.raw or {})
        body = confirm_body(raw, shipment, env.get("AMAZON_MARKETPLACE_ID") or "ATVPDKIKX0DER",
                            package_reference_id(idempotency_key), unshipped_items(raw))
        return {"method": "POST",
                "url": f"https://sellingpartnerapi-na.amazon.com/orders/v0/orders/{order.platform_order_id}/shipmentConfirmation",
                "body": body, "note": "Amazon e-mails the buyer the tracking details itself."}
    return {"method": "", "url": "", "body": {}, "note": "Craft-fair order: no platform to update."}
