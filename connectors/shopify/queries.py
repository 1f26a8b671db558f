"""The GraphQL documents TrueCraft sends to Shopify (Admin API 2026-07)."""

API_VERSION = "2026-07"

ORDER_FIELDS = """
  id legacyResourceId name createdAt updatedAt cancelledAt
  displayFinancialStatus displayFulfillmentStatus
  email phone note tags sourceName
  customAttributes { key value }
  customer { id firstName lastName phone }
  shippingAddress { name address1 address2 city province provinceCode zip countryCodeV2 phone }
  totalPriceSet { shopMoney { amount currencyCode } }
  lineItems(first: 100) {
    nodes {
      title variantTitle sku quantity
      originalUnitPriceSet { shopMoney { amount currencyCode } }
      product { legacyResourceId }
      variant { legacyResourceId }
    }
  }
  fulfillments(first: 50) { status createdAt trackingInfo { company number url } }
"""

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

ORDER_CANCEL = """
mutation orderCancel($orderId: ID!, $reason: OrderCancelReason!, $refund: Boolean!,
                     $restock: Boolean!, $notifyCustomer: Boolean, $staffNote: String) {
  orderCancel(orderId: $orderId, reason: $reason, refund: $refund, restock: $restock,
              notifyCustomer: $notifyCustomer, staffNote: $staffNote) {
    job { id done }
    orderCancelUserErrors { field message code }
  }
}
"""

SHOP = "query Shop { shop { name myshopifyDomain } }"
