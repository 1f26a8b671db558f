"""The GraphQL documents TrueCraft sends to Shopify (Admin API 2026-07).

Shopify refuses any document whose requested cost is over 1,000 points before it
runs (shared/specs/FACTS.md 7), and nested connections multiply: so the poll asks
for 10 orders with their first 10 line items and 5 fulfillments each (about 700
points), and an order with more is completed by ORDER_LINE_ITEMS (100 per page,
about 500 points) and ORDER_FULFILLMENTS. tests/connectors/test_shopify_cost.py
computes every document's cost and keeps each at or under 1,000.
"""

API_VERSION = "2026-07"
ORDERS_PER_PAGE = 10
LINE_ITEMS_PER_ORDER = 10
FULFILLMENTS_PER_ORDER = 5
LINE_ITEMS_PER_PAGE = 100
FULFILLMENTS_PER_PAGE = 50

LINE_ITEM_FIELDS = """
      title variantTitle sku quantity
      originalUnitPriceSet { shopMoney { amount currencyCode } }
      product { legacyResourceId }
      variant { legacyResourceId }
"""
FULFILLMENT_FIELDS = "status createdAt trackingInfo { company number url }"

ORDER_FIELDS = """
  id legacyResourceId name createdAt updatedAt cancelledAt
  displayFinancialStatus displayFulfillmentStatus
  email phone note tags sourceName
  customAttributes { key value }
  customer { id firstName lastName phone }
  shippingAddress { name address1 address2 city province provinceCode zip countryCodeV2 phone }
  totalPriceSet { shopMoney { amount currencyCode } }
  lineItems(first: %d) {
    nodes { %s }
    pageInfo { hasNextPage endCursor }
  }
  fulfillments(first: %d) { %s }
""" % (LINE_ITEMS_PER_ORDER, LINE_ITEM_FIELDS, FULFILLMENTS_PER_ORDER, FULFILLMENT_FIELDS)

ORDERS = """
query Orders($first: Int!, $after: String, $query: String) {
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    nodes { %s }
    pageInfo { hasNextPage endCursor }
  }
}
""" % ORDER_FIELDS

ORDER = """
query Order($id: ID!) {
  order(id: $id) { %s }
}
""" % ORDER_FIELDS

ORDER_LINE_ITEMS = """
query OrderLineItems($id: ID!, $after: String) {
  order(id: $id) {
    lineItems(first: %d, after: $after) {
      nodes { %s }
      pageInfo { hasNextPage endCursor }
    }
  }
}
""" % (LINE_ITEMS_PER_PAGE, LINE_ITEM_FIELDS)

ORDER_FULFILLMENTS = """
query OrderFulfillments($id: ID!) {
  order(id: $id) { fulfillments(first: %d) { %s } }
}
""" % (FULFILLMENTS_PER_PAGE, FULFILLMENT_FIELDS)

FULFILMENT_STATE = """
query FulfilmentState($id: ID!) {
  order(id: $id) {
    id
    fulfillments(first: 50) { id status trackingInfo { company number url } }
    fulfillmentOrders(first: 20) { nodes { id status } }
  }
}
"""

FULFILLMENT_CREATE = """
mutation fulfillmentCreate($fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) {
    fulfillment { id status trackingInfo { company number url } }
    userErrors { field message }
  }
}
"""

# shopify.dev Admin GraphQL (2026-01 and later): fulfillmentTrackingInfoUpdate(fulfillmentId: ID!,
# trackingInfoInput: FulfillmentTrackingInput!, notifyCustomer: Boolean) -> FulfillmentTrackingInfoUpdatePayload
# {fulfillment, userErrors}; it replaced the deprecated fulfillmentTrackingInfoUpdateV2. The REST twin is
# POST fulfillments/{id}/update_tracking.json (shared/specs/shopify/rest-2026-07-fulfillment-examples.json, test_11).
TRACKING_UPDATE = """
mutation fulfillmentTrackingInfoUpdate($fulfillmentId: ID!, $trackingInfoInput: FulfillmentTrackingInput!,
                                       $notifyCustomer: Boolean) {
  fulfillmentTrackingInfoUpdate(fulfillmentId: $fulfillmentId, trackingInfoInput: $trackingInfoInput,
                                notifyCustomer: $notifyCustomer) {
    fulfillment { id status trackingInfo { company number url } }
    userErrors { field message }
  }
}
"""

ORDER_CANCEL = """
mutation orderCancel($orderId: ID!, $reason: OrderCancelReason!,
                     $refundMethod: OrderCancelRefundMethodInput, $restock: Boolean!,
                     $notifyCustomer: Boolean, $staffNote: String) {
  orderCancel(orderId: $orderId, reason: $reason, refundMethod: $refundMethod, restock: $restock,
              notifyCustomer: $notifyCustomer, staffNote: $staffNote) {
    job { id done }
    orderCancelUserErrors { field message code }
  }
}
"""

SHOP = "query Shop { shop { name myshopifyDomain } }"
