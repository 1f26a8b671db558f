"""Shopify-specific behaviour: mapping of the official examples, mirrored Etsy orders,
cost throttling, the fulfilment request shape, cancel, and GraphQL validation."""
from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from graphql import GraphQLNonNull, get_named_type

from connectors.base import ConnectorRejected
from connectors.shopify.client import ShopifyClient
from connectors.shopify.connector import ShopifyConnector
from connectors.shopify.mapping import etsy_refs, order_from_rest
from core.models import OrderState, Shipment
from tests.connectors.conftest import shopify_examples
from tests.standin.shopify_server import SCHEMA, ShopifyStandin
from tests.standin.spec_validation import spec_path


@pytest.fixture
def shop():
    standin = ShopifyStandin().start()
    yield standin
    standin.stop()


def connector_for(standin, policy):
    return ShopifyConnector.from_env({"SHOPIFY_SHOP": "s", "SHOPIFY_ACCESS_TOKEN": standin.token,
                                      "SHOPIFY_API_URL": standin.url}, policy=policy)


@pytest.mark.parametrize("example, state, name, total, currency, lines", [
    ("test_8", OrderState.PAID, "Bob Norman", "598.94", "USD", 3),
    ("test_14", OrderState.CANCELLED, "Bob Norman", "598.94", "USD", 3),
    ("test_18", OrderState.PENDING, "Bob Norman", "199.00", "USD", 1),
    ("test_19", OrderState.FULFILLED, "", "199.00", "USD", 1),
    ("test_23", OrderState.PAID, "Jane Smith", "181.09", "USD", 1),
])
def test_official_examples_map(example, state, name, total, currency, lines):
    # given an official REST order example; when mapped
    order = order_from_rest(shopify_examples()[example])
    # then state, buyer, total and lines match the payload
    assert (order.state, order.customer.name, order.total.amount, order.total.currency) == \
        (state, name, Decimal(total), currency)
    assert len(order.items) == lines
    assert order.created_at.tzinfo == timezone.utc


def test_full_example_fields():
    order = order_from_rest(shopify_examples()["test_8"])
    first = order.items[0]
    assert (first.title, first.variant, first.sku, first.listing_id, first.quantity, first.unit_price.amount) == \
        ("IPod Nano - 8gb", "green", "IPOD2008GREEN", "39072856", 1, Decimal("199.00"))
    assert order.customer.email == "bob.norman@mail.example.com"
    assert order.ship_to.one_line() == "Chestnut Street 92, Louisville, KY 40202, US"
    assert order.updated_at == datetime(2008, 1, 10, 16, 0, tzinfo=timezone.utc)
    assert order.external_refs == ()
    # the fulfilment in the example failed, so it is not a shipment
    assert order.shipments == ()


@pytest.mark.parametrize("changes, refs", [
    ({"source_name": "etsy", "source_identifier": "3001001001"}, ("etsy:3001001001",)),
    ({"note_attributes": [{"name": "Etsy Receipt ID", "value": "3001001002"}]}, ("etsy:3001001002",)),
    ({"tags": "wholesale, Etsy Order 3001001003"}, ("etsy:3001001003",)),
    ({"tags": "etsy"}, ()),
    ({"source_name": "web", "note_attributes": [{"name": "gift", "value": "123456789"}]}, ()),
])
def test_order_mirrored_from_etsy_carries_receipt(changes, refs):
    payload = copy.deepcopy(shopify_examples()["test_8"])
    payload.update(changes)
    assert order_from_rest(payload).external_refs == refs
    assert tuple(etsy_refs(payload)) == refs


def test_graphql_and_rest_paths_agree(shop, policy):
    # given the official example held by the stand-in
    rest = shopify_examples()["test_23"]
    shop.add_order(rest)
    # when fetched through GraphQL
    fetched = connector_for(shop, policy).fetch_orders(None).orders[0]
    # then it maps like the REST payload (raw keeps the GraphQL node)
    direct = order_from_rest(rest)
    for field in ("customer", "items", "total", "state", "ship_to", "created_at", "updated_at"):
        assert getattr(fetched, field) == getattr(direct, field), field
    assert fetched.raw["id"] == f"gid://shopify/Order/{rest['id']}"


def test_throttled_query_waits_for_requested_cost_then_succeeds(policy, sleeps):
    # given a bucket with 5 points, queries costing 10, restoring 100 points a second
    standin = ShopifyStandin(query_cost=10, maximum=1000, restore_rate=100.0).start()
    try:
        standin.available = 5
        client = ShopifyClient(standin.url, standin.token, policy,
                               sleep=lambda s: (sleeps(s), standin.restore(s)))
        # when a query is sent
        data = client.query("query Shop { shop { name } }")
        # then it waited (10 - 5) / 100 s, once, through the injected sleep, and got the data
        assert data["shop"]["name"]
        assert sleeps.calls == [pytest.approx(0.05)]
    finally:
        standin.stop()


def test_client_waits_before_a_query_the_bucket_cannot_afford(policy, sleeps):
    standin = ShopifyStandin(query_cost=50, maximum=1000, restore_rate=50.0).start()
    try:
        client = ShopifyClient(standin.url, standin.token, policy,
                               sleep=lambda s: (sleeps(s), standin.restore(s)))
        client.query("query Shop { shop { name } }")          # learns the cost (50)
        standin.available = 20
        client.available = 20
        client.query("query Shop { shop { name } }")
        assert sleeps.calls == [pytest.approx(0.6)]          # (50 - 20) / 50
        assert standin.spec_errors() == []
    finally:
        standin.stop()


def test_fulfilment_request_shape(shop, policy):
    # given an open order
    oid = shop.add_order({**copy.deepcopy(shopify_examples()["test_23"]), "fulfillments": []})
    connector = connector_for(shop, policy)
    order = connector.get_order(oid)
    # when pushed
    result = connector.push_fulfilment(order, Shipment("USPS", "9400100000000000000000",
                                                       tracking_url="https://t.example/9400"), "k")
    # then fulfillmentCreate went to the open fulfillment order with tracking and notifyCustomer
    writes = [r for r in shop.requests if "fulfillmentCreate(" in (r.body or {}).get("query", "")]
    assert len(writes) == 1
    sent = writes[0].body["variables"]["fulfillment"]
    assert sent["notifyCustomer"] is True
    assert sent["trackingInfo"] == {"company": "USPS", "number": "9400100000000000000000",
                                    "url": "https://t.example/9400"}
    assert [p["fulfillmentOrderId"] for p in sent["lineItemsByFulfillmentOrder"]] == \
        [fo["id"] for fo in shop.fulfillment_orders[oid]]
    assert result.ok and result.buyer_notified_by_platform
    assert shop.spec_errors() == []


def test_fulfilment_with_nothing_open_is_a_plain_refusal(shop, policy):
    oid = shop.add_order(shopify_examples()["test_19"])  # already fulfilled, no tracking we know
    connector = connector_for(shop, policy)
    result = connector.push_fulfilment(connector.get_order(oid), Shipment("UPS", "1Z1"), "k")
    assert not result.ok and "nothing left to fulfil" in result.message


def test_cancel_uses_order_cancel(shop, policy):
    oid = shop.add_order(shopify_examples()["test_23"])
    connector = connector_for(shop, policy)
    result = connector.cancel_order(connector.get_order(oid), reason="duplicate of TC-4")
    assert result.ok
    assert shop.cancelled and shop.cancelled[0]["id"] == f"gid://shopify/Order/{oid}"
    assert shop.orders[oid]["cancelled_at"]
    assert shop.spec_errors() == []


def test_standin_schema_matches_the_fulfillment_create_transcript():
    # given the hand-transcribed official shape
    path = spec_path("shopify", "graphql-fulfillmentCreate.json")
    if not path.exists():
        pytest.skip(f"{path} not present (shared/specs is outside the repo)")
    spec = json.loads(path.read_text())["input_types"]
    # then every input type/field in the stand-in's schema has the same type text
    for type_name in ("FulfillmentInput", "FulfillmentOrderLineItemsInput", "FulfillmentOrderLineItemInput",
                      "FulfillmentTrackingInput"):
        fields = SCHEMA.type_map[type_name].fields
        expected = {k: v["type"] for k, v in spec[type_name].items() if not k.startswith("_")}
        assert {k: str(f.type) for k, f in fields.items()} == expected
    create = SCHEMA.mutation_type.fields["fulfillmentCreate"]
    assert isinstance(create.args["fulfillment"].type, GraphQLNonNull)
    assert get_named_type(create.args["fulfillment"].type).name == "FulfillmentInput"


@pytest.mark.parametrize("document, variables", [
    ("mutation { fulfillmentCreate(fulfillment: {trackingNumber: \"1\"}) { userErrors { message } } }", {}),
    ("mutation f($f: FulfillmentInput!) { fulfillmentCreate(fulfillment: $f) { userErrors { message } } }",
     {"f": {"notifyCustomer": True}}),
    ("mutation f($f: FulfillmentInput!) { fulfillmentCreate(fulfillment: $f) { userErrors { message } } }",
     {"f": {"lineItemsByFulfillmentOrder": [], "trackingInfo": {"url": "https://x", "urls": ["https://y"]}}}),
    ("query { orders(first: 5, sortKey: UPDATED) { nodes { id } } }", {}),
])
def test_standin_rejects_documents_shopify_would_refuse(shop, policy, document, variables):
    client = ShopifyClient(shop.url, shop.token, policy)
    try:
        client.query(document, variables)
    except ConnectorRejected:
        pass
    assert shop.spec_errors()


@pytest.mark.parametrize("env", [{}, {"SHOPIFY_SHOP": "x"}, {"SHOPIFY_ACCESS_TOKEN": "t"},
                                 {"SHOPIFY_SHOP": " ", "SHOPIFY_ACCESS_TOKEN": "t"}])
def test_without_credentials_shopify_is_off(env):
    assert ShopifyConnector.from_env(env) is None


def test_shop_name_becomes_myshopify_host():
    connector = ShopifyConnector.from_env({"SHOPIFY_SHOP": "truecraft", "SHOPIFY_ACCESS_TOKEN": "t"})
    assert connector.client.url == "https://truecraft.myshopify.com/admin/api/2026-07/graphql.json"
