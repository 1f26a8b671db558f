"""Shopify polling on a real store: every document under the 1,000-point cost limit (issue 11.2; FACTS 7-8)."""
from __future__ import annotations

import copy
import importlib
import pkgutil

import pytest
from graphql import parse, validate
from graphql.validation import NoDeprecatedCustomRule

import connectors.shopify as shopify_pkg
from connectors.shopify import queries
from connectors.shopify.client import ShopifyClient
from connectors.shopify.connector import ShopifyConnector
from tests.connectors.conftest import shopify_examples
from tests.standin.shopify_cost import MAX_QUERY_COST, requested_cost
from tests.standin.shopify_server import SCHEMA, ShopifyStandin

# The variables the code passes for each paging argument.
PASSED = {"first": queries.ORDERS_PER_PAGE}
_WEBHOOK_PAGE = {"first": importlib.import_module("connectors.shopify.webhooks").PAGE}


def _documents() -> list[tuple[str, str, dict]]:
    """Every GraphQL operation held as a module-level string in connectors/shopify/."""
    found = []
    for info in pkgutil.iter_modules(shopify_pkg.__path__):
        module = importlib.import_module(f"connectors.shopify.{info.name}")
        for name, value in vars(module).items():
            if isinstance(value, str) and value.lstrip().startswith(("query", "mutation")):
                variables = _WEBHOOK_PAGE if info.name == "webhooks" else PASSED
                found.append((f"{info.name}.{name}", value, variables))
    return found


def test_the_calculator_follows_shopifys_published_example():
    # FACTS 7: about 2 + 50 x (2 + 100 x 2) = 10,102 points
    doc = "query { orders(first: 50) { nodes { lineItems(first: 100) { nodes { product { id } } } } } }"
    assert 10_000 <= requested_cost(doc) <= 10_200


def test_every_shopify_document_costs_at_most_1000_points():
    docs = _documents()
    assert {"queries.ORDERS", "queries.ORDER_CANCEL", "webhooks.LIST"} <= {d[0] for d in docs}
    costs = {name: requested_cost(doc, variables) for name, doc, variables in docs}
    assert {n: c for n, c in costs.items() if c > MAX_QUERY_COST} == {}, costs


@pytest.mark.parametrize("name,document,variables", _documents())
def test_no_document_uses_a_deprecated_argument(name, document, variables):
    # orderCancel's Boolean `refund` is deprecated in 2026-07 in favour of refundMethod (FACTS 8)
    assert [e.message for e in validate(SCHEMA, parse(document), [NoDeprecatedCustomRule])] == []


def test_the_standin_refuses_an_over_limit_query_before_it_runs(policy):
    # given Shopify's published example of a too-expensive query
    shop = ShopifyStandin().start()
    try:
        client = ShopifyClient(shop.url, shop.token, policy)
        # when it is sent, then Shopify's MAX_COST_EXCEEDED comes back, in plain words, and no points were used
        with pytest.raises(Exception) as err:
            client.query("query { orders(first: 50) { nodes { lineItems(first: 100) { nodes { title } } } } }")
        assert "exceeds the single query max cost limit (1000)" in str(err.value)
        assert shop.available == shop.maximum
    finally:
        shop.stop()


def _order_with_lines(oid: int, lines: int) -> dict:
    order = copy.deepcopy(shopify_examples()["test_8"])
    template = order["line_items"][0]
    order.update(id=oid, name=f"#{oid}", updated_at="2026-11-27T10:00:00Z", fulfillments=[], refunds=[])
    order["line_items"] = [{**copy.deepcopy(template), "id": 10_000 + i, "sku": f"SKU-{i}",
                            "title": f"Bead {i}", "quantity": 1} for i in range(lines)]
    return order


def test_an_order_with_250_line_items_arrives_whole(policy):
    # given a shop with one 250-line order among 12 small ones (more than one poll page)
    shop = ShopifyStandin().start()
    try:
        shop.add_order(_order_with_lines(5_000_001, 250))
        for i in range(12):
            shop.add_order(_order_with_lines(5_000_100 + i, 2))
        connector = ShopifyConnector(ShopifyClient(shop.url, shop.token, policy,
                                                   sleep=lambda s: shop.restore(s)))
        # when TrueCraft polls
        result = connector.fetch_orders(None)
        # then every order arrives, the big one with all 250 lines, and Shopify saw no error
        by_id = {o.platform_order_id: o for o in result.orders}
        assert len(by_id) == 13
        assert len(by_id["5000001"].items) == 250
        assert shop.spec_errors() == []
    finally:
        shop.stop()


def test_a_poll_that_meets_throttled_waits_then_completes(policy, sleeps):
    # given a bucket that holds less than one poll page costs (restoring 50 points a second)
    shop = ShopifyStandin(restore_rate=50.0).start()
    try:
        for i in range(25):
            shop.add_order(_order_with_lines(6_000_000 + i, 1))
        shop.available = 100
        client = ShopifyClient(shop.url, shop.token, policy, sleep=lambda s: (sleeps(s), shop.restore(s)))
        # when TrueCraft polls three pages in a row
        result = ShopifyConnector(client).fetch_orders(None)
        # then it was told THROTTLED, waited through the injected sleep, and got every order
        assert len(result.orders) == 25
        assert sleeps.calls and sum(sleeps.calls) > 0
        assert shop.spec_errors() == []
    finally:
        shop.stop()


def test_cancel_asks_for_a_refund_to_the_original_payment_method(policy):
    shop = ShopifyStandin().start()
    try:
        oid = shop.add_order(_order_with_lines(7_000_001, 1))
        connector = ShopifyConnector(ShopifyClient(shop.url, shop.token, policy))
        result = connector.cancel_order(connector.get_order(oid))
        assert result.ok
        assert shop.cancelled[0]["refundMethod"] == {"originalPaymentMethodsRefund": True}
        assert shop.cancelled[0]["refund"] is None
        assert shop.spec_errors() == []
    finally:
        shop.stop()


@pytest.mark.parametrize("product_id, variant_id", [
    (None, None),        # product deleted: Shopify gives product and variant null (FACTS 9)
    (632910392, None),   # variant deleted, product still there
    (None, 808950810),   # product null while the variant is still resolvable
])
def test_a_line_whose_product_was_deleted_still_arrives(policy, product_id, variant_id):
    # given an order whose line points at a deleted product or variant (LineItem.product/variant null)
    shop = ShopifyStandin().start()
    try:
        order = _order_with_lines(5_000_201, 2)
        order["line_items"][0].update(product_id=product_id, variant_id=variant_id)
        shop.add_order(order)
        connector = ShopifyConnector(ShopifyClient(shop.url, shop.token, policy))
        # when TrueCraft polls
        result = connector.fetch_orders(None)
        # then the order arrives with both lines, titles and SKUs intact, and Shopify saw no error
        (got,) = result.orders
        assert [i.sku for i in got.items] == ["SKU-0", "SKU-1"]
        assert got.items[0].title == "Bead 0"
        assert shop.spec_errors() == []
    finally:
        shop.stop()
