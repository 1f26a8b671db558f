"""A loopback fake of Shopify's Admin GraphQL API (2026-07), just the parts TrueCraft uses.

Orders are held in the REST/webhook shape (the official examples' shape) and served
as GraphQL nodes. Every document is parsed and validated with graphql-core against
SCHEMA_SDL, whose fulfillmentCreate input types are transcribed from
shared/specs/shopify/graphql-fulfillmentCreate.json (a test checks they agree).
Cost is Shopify's (FACTS.md 7, tests/standin/shopify_cost.py): each document's requested
cost is computed from the document and the variables sent; over 1,000 is refused before
it runs with MAX_COST_EXCEEDED; otherwise the points come out of a leaky bucket that
refills only when a test calls restore(seconds), and an empty bucket answers THROTTLED.
"""
from __future__ import annotations

import copy
import itertools
import re
import time
from datetime import datetime, timezone
from typing import Any

from flask import jsonify, request
from graphql import build_schema, graphql_sync, parse, validate

from tests.standin.server_base import StandinServer
from tests.standin.shopify_cost import MAX_QUERY_COST, requested_cost
from tests.standin.shopify_tracking import tracking_update

SCHEMA_SDL = """
scalar DateTime
scalar Decimal
scalar URL
scalar UnsignedInt64

type Query {
  orders(first: Int, last: Int, after: String, before: String, query: String,
         sortKey: OrderSortKeys, reverse: Boolean): OrderConnection!
  order(id: ID!): Order
  shop: Shop!
  webhookSubscriptions(first: Int, last: Int, after: String, before: String, query: String,
                       topics: [WebhookSubscriptionTopic!], format: WebhookSubscriptionFormat,
                       reverse: Boolean): WebhookSubscriptionConnection!
}
type Mutation {
  fulfillmentCreate(fulfillment: FulfillmentInput!, message: String): FulfillmentCreatePayload
  fulfillmentTrackingInfoUpdate(fulfillmentId: ID!, trackingInfoInput: FulfillmentTrackingInput!,
                                notifyCustomer: Boolean): FulfillmentTrackingInfoUpdatePayload
  orderCancel(orderId: ID!, reason: OrderCancelReason!,
              refund: Boolean @deprecated(reason: "Use refundMethod instead."),
              refundMethod: OrderCancelRefundMethodInput, restock: Boolean!,
              notifyCustomer: Boolean, staffNote: String): OrderCancelPayload
  webhookSubscriptionCreate(topic: WebhookSubscriptionTopic!,
                            webhookSubscription: WebhookSubscriptionInput!): WebhookSubscriptionCreatePayload
}
enum WebhookSubscriptionTopic { ORDERS_CREATE ORDERS_UPDATED ORDERS_CANCELLED ORDERS_FULFILLED ORDERS_PAID
                                ORDERS_PARTIALLY_FULFILLED ORDERS_DELETE APP_UNINSTALLED }
enum WebhookSubscriptionFormat { JSON XML }
input WebhookSubscriptionInput { uri: String format: WebhookSubscriptionFormat includeFields: [String!]
  filter: String metafieldNamespaces: [String!] }
type WebhookSubscription { id: ID! topic: WebhookSubscriptionTopic! uri: String!
  format: WebhookSubscriptionFormat! createdAt: DateTime! }
type WebhookSubscriptionConnection { nodes: [WebhookSubscription!]! pageInfo: PageInfo! }
type WebhookSubscriptionCreatePayload { webhookSubscription: WebhookSubscription userErrors: [UserError!]! }
enum OrderSortKeys { CREATED_AT CUSTOMER_NAME FINANCIAL_STATUS FULFILLMENT_STATUS ID NUMBER
                     PROCESSED_AT RELEVANCE TOTAL_PRICE UPDATED_AT }
enum OrderCancelReason { CUSTOMER DECLINED FRAUD INVENTORY OTHER STAFF }
type Shop { name: String! myshopifyDomain: String! }
type PageInfo { hasNextPage: Boolean! hasPreviousPage: Boolean! endCursor: String startCursor: String }
type OrderConnection { nodes: [Order!]! pageInfo: PageInfo! }
type Attribute { key: String! value: String }
type Customer { id: ID! firstName: String lastName: String phone: String }
type MailingAddress { name: String address1: String address2: String city: String province: String
  provinceCode: String zip: String countryCodeV2: String phone: String }
type MoneyV2 { amount: Decimal! currencyCode: String! }
type MoneyBag { shopMoney: MoneyV2! presentmentMoney: MoneyV2! }
type Product { id: ID! legacyResourceId: UnsignedInt64! }
type ProductVariant { id: ID! legacyResourceId: UnsignedInt64! }
type LineItem { id: ID! title: String! variantTitle: String sku: String quantity: Int!
  originalUnitPriceSet: MoneyBag! product: Product variant: ProductVariant }
type LineItemConnection { nodes: [LineItem!]! pageInfo: PageInfo! }
type FulfillmentTrackingInfo { company: String number: String url: URL }
type Fulfillment { id: ID! status: String! createdAt: DateTime! trackingInfo(first: Int): [FulfillmentTrackingInfo!]! }
type FulfillmentOrder { id: ID! status: String! }
type FulfillmentOrderConnection { nodes: [FulfillmentOrder!]! }
type Order {
  id: ID! legacyResourceId: UnsignedInt64! name: String! createdAt: DateTime! updatedAt: DateTime!
  cancelledAt: DateTime displayFinancialStatus: String displayFulfillmentStatus: String!
  email: String phone: String note: String tags: [String!]! sourceName: String
  customAttributes: [Attribute!]! customer: Customer shippingAddress: MailingAddress
  totalPriceSet: MoneyBag!
  lineItems(first: Int, after: String): LineItemConnection!
  fulfillments(first: Int): [Fulfillment!]!
  fulfillmentOrders(first: Int, after: String, query: String): FulfillmentOrderConnection!
}
input FulfillmentInput { lineItemsByFulfillmentOrder: [FulfillmentOrderLineItemsInput!]!
  notifyCustomer: Boolean = false originAddress: FulfillmentOriginAddressInput
  trackingInfo: FulfillmentTrackingInput }
input FulfillmentOrderLineItemsInput { fulfillmentOrderId: ID!
  fulfillmentOrderLineItems: [FulfillmentOrderLineItemInput!] }
input FulfillmentOrderLineItemInput { id: ID! quantity: Int! }
input FulfillmentTrackingInput { company: String number: String numbers: [String!] url: URL urls: [URL!] }
input FulfillmentOriginAddressInput { address1: String address2: String city: String zip: String
  provinceCode: String countryCode: String! }
type UserError { field: [String!] message: String! }
type OrderCancelUserError { field: [String!] message: String! code: String }
type FulfillmentCreatePayload { fulfillment: Fulfillment userErrors: [UserError!]! }
type FulfillmentTrackingInfoUpdatePayload { fulfillment: Fulfillment userErrors: [UserError!]! }
type Job { id: ID! done: Boolean! }
input OrderCancelRefundMethodInput { originalPaymentMethodsRefund: Boolean }
type OrderCancelPayload { job: Job orderCancelUserErrors: [OrderCancelUserError!]! userErrors: [UserError!]! }
"""

SCHEMA = build_schema(SCHEMA_SDL)
_SEARCH = re.compile(r"updated_at:>=\s*'?([^' ]+)'?")


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


class ShopifyStandin(StandinServer):
    """In-memory Shopify shop reachable at {url}/admin/api/2026-07/graphql.json."""

    API_PATH = "/admin/api/2026-07/graphql.json"

    def __init__(self, token: str = "shpat_test", query_cost: int | None = None,
                 maximum: int = 1000, restore_rate: float = 100.0, realtime: bool = False) -> None:
        super().__init__("shopify-standin")
        self.token = token
        self.orders: dict[str, dict] = {}
        self.fulfillment_orders: dict[str, list[dict]] = {}
        self.cancelled: list[dict] = []
        self.tracking_updates: list[dict] = []  # fulfillmentTrackingInfoUpdate calls that changed something
        self.webhooks: list[dict] = []  # webhook subscriptions: {id, topic, uri, format, createdAt}
        self.query_cost, self.maximum, self.restore_rate = query_cost, maximum, restore_rate
        self.available = float(maximum)
        # Shopify's bucket leaks back in real time (restore_rate points a second). Unit tests keep
        # time still and call restore() from the client's injected sleep; tests that drive another
        # process (serve sleeps for real) pass realtime=True.
        self.realtime, self._last = realtime, time.monotonic()
        self._ids = itertools.count(9000001)
        self.app.add_url_rule(self.API_PATH, "graphql", self._graphql, methods=["POST"])

    # -- test controls -------------------------------------------------------
    def add_order(self, rest_order: dict) -> str:
        """Hold an order given in REST/webhook shape; returns its id."""
        order = copy.deepcopy(rest_order)
        oid = str(order["id"])
        with self.lock:
            self.orders[oid] = order
            closed = (order.get("fulfillment_status") or "") == "fulfilled" or order.get("cancelled_at")
            self.fulfillment_orders[oid] = [{"id": f"gid://shopify/FulfillmentOrder/{next(self._ids)}",
                                             "status": "CLOSED" if closed else "OPEN"}]
        return oid

    def fulfilments(self, order_id: str) -> list[dict]:
        """Fulfilments the shop holds for an order."""
        with self.lock:
            return list(self.orders[str(order_id)].get("fulfillments") or [])

    def restore(self, seconds: float) -> None:
        """Let `seconds` pass for the cost bucket (tests wire this to the client's sleep)."""
        with self.lock:
            self.available = min(self.maximum, self.available + seconds * self.restore_rate)

    # -- the endpoint ----------------------------------------------------------
    def _graphql(self):
        if request.headers.get("X-Shopify-Access-Token") != self.token:
            return jsonify({"errors": "[API] Invalid API key or access token"}), 401
        body = request.get_json(silent=True) or {}
        try:
            document = parse(body.get("query") or "")
        except Exception as exc:  # graphql-core raises GraphQLSyntaxError
            self.record_spec_errors([f"syntax: {exc}"])
            return jsonify({"errors": [{"message": str(exc)}]})
        problems = [e.message for e in validate(SCHEMA, document)]
        if problems:
            self.record_spec_errors(problems)
            return jsonify({"errors": [{"message": m} for m in problems]})
        points = self.query_cost
        if points is None:
            points = requested_cost(body["query"], body.get("variables") or {})
        if points > MAX_QUERY_COST:  # refused before it runs, whatever the bucket holds (FACTS 7)
            self.record_spec_errors([f"MAX_COST_EXCEEDED: requested cost {points}"])
            return jsonify({"errors": [{
                "message": f"Query cost is {points}, which exceeds the single query max cost limit "
                           f"({MAX_QUERY_COST}).",
                "extensions": {"code": "MAX_COST_EXCEEDED", "cost": points, "maxCost": MAX_QUERY_COST}}]})
        with self.lock:
            if self.realtime:
                now = time.monotonic()
                self.available = min(self.maximum, self.available + (now - self._last) * self.restore_rate)
                self._last = now
            cost = self._cost_status(points)
            if self.available < points:
                return jsonify({"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
                                "extensions": {"cost": cost}})
            self.available -= points
            result = graphql_sync(SCHEMA, body["query"], root_value=_Root(self),
                                  variable_values=body.get("variables") or {})
            cost = self._cost_status(points)
        out: dict[str, Any] = {"data": result.data, "extensions": {"cost": cost}}
        if result.errors:
            self.record_spec_errors([e.message for e in result.errors])
            out["errors"] = [{"message": e.message} for e in result.errors]
        return jsonify(out)

    def _cost_status(self, cost: int) -> dict:
        return {"requestedQueryCost": cost, "actualQueryCost": cost,
                "throttleStatus": {"maximumAvailable": float(self.maximum),
                                   "currentlyAvailable": self.available,
                                   "restoreRate": self.restore_rate}}


class _Root:
    """Resolvers: graphql-core calls these attributes with (info, **args)."""

    def __init__(self, shop: ShopifyStandin) -> None:
        self.standin = shop

    def shop(self, info) -> dict:  # noqa: D102
        return {"name": "Stand-in Crafts", "myshopifyDomain": "standin.myshopify.com"}

    def orders(self, info, first=50, after=None, query=None, sortKey=None, **_):  # noqa: D102
        rows = list(self.standin.orders.values())
        match = _SEARCH.search(query or "")
        if match:
            since = _t(match.group(1))
            rows = [o for o in rows if _t(o["updated_at"]) >= since]
        rows.sort(key=lambda o: (_t(o["updated_at"]), str(o["id"])))
        start = int(after) if after else 0
        page = rows[start:start + first]
        more = start + first < len(rows)
        return {"nodes": [_node(o, self.standin) for o in page],
                "pageInfo": {"hasNextPage": more, "hasPreviousPage": start > 0,
                             "endCursor": str(start + len(page)), "startCursor": str(start)}}

    def order(self, info, id):  # noqa: D102,A002
        found = self.standin.orders.get(id.rsplit("/", 1)[-1])
        return _node(found, self.standin) if found else None

    def fulfillmentCreate(self, info, fulfillment, message=None):  # noqa: N802,D102
        tracking = fulfillment.get("trackingInfo") or {}
        rules = [("url" in tracking and "urls" in tracking, "url XOR urls"),
                 ("number" in tracking and "numbers" in tracking, "number XOR numbers"),
                 ("url" in tracking and "number" not in tracking, "url requires number")]
        broken = [rule for bad, rule in rules if bad]
        if broken:
            self.standin.record_spec_errors(broken)
            return {"fulfillment": None, "userErrors": [{"field": ["trackingInfo"], "message": r} for r in broken]}
        ids = [p["fulfillmentOrderId"] for p in fulfillment["lineItemsByFulfillmentOrder"]]
        for oid, fos in self.standin.fulfillment_orders.items():
            hit = [fo for fo in fos if fo["id"] in ids]
            if not hit:
                continue
            if any(fo["status"] == "CLOSED" for fo in hit):
                return {"fulfillment": None, "userErrors": [{"field": ["fulfillment"],
                                                             "message": "Fulfillment order is closed"}]}
            for fo in hit:
                fo["status"] = "CLOSED"
            order = self.standin.orders[oid]
            record = {"id": next(self.standin._ids), "status": "success",
                      "created_at": datetime.now(timezone.utc).isoformat(),
                      "tracking_company": tracking.get("company"), "tracking_number": tracking.get("number"),
                      "tracking_url": tracking.get("url"), "notify_customer": fulfillment.get("notifyCustomer")}
            order.setdefault("fulfillments", []).append(record)
            order["fulfillment_status"] = "fulfilled"
            order["updated_at"] = record["created_at"]
            return {"fulfillment": _fulfilment_node(record), "userErrors": []}
        return {"fulfillment": None, "userErrors": [{"field": ["fulfillment"],
                                                     "message": "Fulfillment order does not exist"}]}

    def fulfillmentTrackingInfoUpdate(self, info, fulfillmentId, trackingInfoInput,  # noqa: N802,N803,D102
                                      notifyCustomer=None):
        return tracking_update(self.standin, fulfillmentId, trackingInfoInput, notifyCustomer)

    def webhookSubscriptions(self, info, first=50, after=None, topics=None, **_):  # noqa: N802,D102
        rows = [w for w in self.standin.webhooks if not topics or w["topic"] in topics]
        start = int(after) if after else 0
        page = rows[start:start + first]
        return {"nodes": [dict(w) for w in page],
                "pageInfo": {"hasNextPage": start + first < len(rows), "hasPreviousPage": start > 0,
                             "endCursor": str(start + len(page)), "startCursor": str(start)}}

    def webhookSubscriptionCreate(self, info, topic, webhookSubscription):  # noqa: N802,N803,D102
        uri = webhookSubscription.get("uri") or ""
        if not uri.startswith("https://"):
            return {"webhookSubscription": None,
                    "userErrors": [{"field": ["webhookSubscription", "uri"], "message": "Address protocol http:// is not supported"}]}
        if any(w["topic"] == topic and w["uri"] == uri for w in self.standin.webhooks):
            # What Shopify answers when the same topic is subscribed to the same address twice.
            return {"webhookSubscription": None,
                    "userErrors": [{"field": ["webhookSubscription", "callbackUrl"],
                                    "message": "Address for this topic has already been taken"}]}
        record = {"id": f"gid://shopify/WebhookSubscription/{next(self.standin._ids)}", "topic": topic, "uri": uri,
                  "format": webhookSubscription.get("format") or "JSON",
                  "createdAt": datetime.now(timezone.utc).isoformat()}
        self.standin.webhooks.append(record)
        return {"webhookSubscription": dict(record), "userErrors": []}

    def orderCancel(self, info, orderId, reason, restock, refund=None, refundMethod=None, **rest):  # noqa: N802,N803,D102
        if refund is not None:  # deprecated in 2026-07 (FACTS 8): flag any use of it
            self.standin.record_spec_errors(["orderCancel: the deprecated `refund` argument was used"])
        order = self.standin.orders.get(orderId.rsplit("/", 1)[-1])
        if order is None:
            return {"job": None, "orderCancelUserErrors": [{"message": "Order does not exist"}], "userErrors": []}
        order["cancelled_at"] = datetime.now(timezone.utc).isoformat()
        order["updated_at"] = order["cancelled_at"]
        self.standin.cancelled.append({"id": orderId, "reason": reason, "refund": refund,
                                       "refundMethod": refundMethod, "restock": restock, **rest})
        return {"job": {"id": f"gid://shopify/Job/{next(self.standin._ids)}", "done": False},
                "orderCancelUserErrors": [], "userErrors": []}


def _paged(items: list[dict]):
    """A connection resolver honouring first/after, as Shopify pages nested connections."""
    def resolve(info, first=None, after=None, **_):
        start = int(after) if after else 0
        page = items[start:start + (first or len(items))]
        return {"nodes": page, "pageInfo": {"hasNextPage": start + len(page) < len(items),
                                            "hasPreviousPage": start > 0, "endCursor": str(start + len(page)),
                                            "startCursor": str(start)}}
    return resolve


def _fulfilment_node(f: dict) -> dict:
    return {"id": f"gid://shopify/Fulfillment/{f['id']}", "status": (f.get("status") or "").upper(),
            "createdAt": f.get("created_at"),
            "trackingInfo": [{"company": f.get("tracking_company"), "number": f.get("tracking_number"),
                              "url": f.get("tracking_url")}] if f.get("tracking_number") else []}


def _money(amount: Any, currency: str) -> dict:
    money = {"amount": amount, "currencyCode": currency}
    return {"shopMoney": money, "presentmentMoney": money}


def _node(o: dict, shop: ShopifyStandin) -> dict:
    """The REST order as a GraphQL Order node."""
    cur = o.get("currency") or "USD"
    ship, cust = o.get("shipping_address"), o.get("customer")
    fulfil = {"fulfilled": "FULFILLED", "partial": "PARTIALLY_FULFILLED"}.get(o.get("fulfillment_status") or "",
                                                                              "UNFULFILLED")
    tags = o.get("tags") or ""
    return {
        "id": f"gid://shopify/Order/{o['id']}", "legacyResourceId": str(o["id"]), "name": o.get("name") or "",
        "createdAt": o.get("created_at"), "updatedAt": o.get("updated_at"), "cancelledAt": o.get("cancelled_at"),
        "displayFinancialStatus": (o.get("financial_status") or "").upper() or None,
        "displayFulfillmentStatus": fulfil, "email": o.get("email"), "phone": o.get("phone"),
        "note": o.get("note"), "tags": [t.strip() for t in tags.split(",") if t.strip()],
        "sourceName": o.get("source_name"),
        "customAttributes": [{"key": a["name"], "value": a.get("value")} for a in o.get("note_attributes") or []],
        "customer": None if not cust else {"id": f"gid://shopify/Customer/{cust.get('id')}",
                                           "firstName": cust.get("first_name"), "lastName": cust.get("last_name"),
                                           "phone": cust.get("phone")},
        "shippingAddress": None if not ship else {
            "name": ship.get("name"), "address1": ship.get("address1"), "address2": ship.get("address2"),
            "city": ship.get("city"), "province": ship.get("province"), "provinceCode": ship.get("province_code"),
            "zip": ship.get("zip"), "countryCodeV2": ship.get("country_code"), "phone": ship.get("phone")},
        "totalPriceSet": _money(o.get("total_price"), cur),
        "lineItems": _paged([{
            "id": f"gid://shopify/LineItem/{li.get('id')}", "title": li.get("title"),
            "variantTitle": li.get("variant_title"), "sku": li.get("sku"), "quantity": li.get("quantity"),
            "originalUnitPriceSet": _money(li.get("price"), cur),
            "product": {"id": "p", "legacyResourceId": str(li["product_id"])} if li.get("product_id") else None,
            "variant": {"id": "v", "legacyResourceId": str(li["variant_id"])} if li.get("variant_id") else None,
        } for li in o.get("line_items") or []]),
        "fulfillments": lambda info, first=None: [_fulfilment_node(f) for f in o.get("fulfillments") or []][:first],
        "fulfillmentOrders": {"nodes": list(shop.fulfillment_orders.get(str(o["id"]), []))},
    }
