"""Amazon connector against the Swagger-validating stand-in: mapping, LWA, rate limits, fulfilment."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
import requests

from connectors.amazon import mapping
from connectors.amazon.client import TokenBucket
from connectors.amazon.connector import AmazonConnector
from connectors.base import (ConnectorAuthError, ConnectorRejected, ConnectorTemporaryError,
                             FulfilmentNotSupported)
from core.http import RetryPolicy
from core.models import OrderState, Platform, Shipment
from tests.connectors.harness_amazon import amazon_env
from tests.standin.amazon_server import SPECS, AmazonStandin, make_order, validator

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "amazon"
pytestmark = pytest.mark.skipif(not all(p.exists() for p in SPECS), reason=f"Amazon specs not found at {SPECS[0].parent}")
ATTEMPTS = 3
SEARCH = "/orders/2026-01-01/orders"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


class FakeClock:
    """monotonic() stand-in; sleeping advances it."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture(scope="module")
def _server():
    server = AmazonStandin().start()
    yield server
    server.stop()


@pytest.fixture
def standin(_server):
    _server.reset()
    yield _server
    assert _server.violations == []  # everything the connector sent, the real SP-API would accept


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def connector(standin, clock):
    policy = RetryPolicy(attempts=ATTEMPTS, base=0.0, cap=0.0, timeout=5, sleep=clock.sleep)
    return AmazonConnector.from_env(amazon_env(standin), policy=policy, clock=clock)


SHIP = Shipment(carrier="USPS", tracking_number="9400111899220000000009",
                shipped_at=datetime(2026, 11, 21, 15, 0, tzinfo=timezone.utc))


# -- mapping on the official examples ----------------------------------------------------
def test_official_search_example_maps_buyer_items_money_and_packages():
    raw = fixture("search_orders.json")["orders"][0]
    order = mapping.to_order(raw)
    assert order.platform is Platform.AMAZON and order.platform_order_id == "123-4567890-1234567"
    assert [(i.title[:8], i.quantity, i.unit_price.amount, i.sku) for i in order.items] == [
        ("Echo Dot", 2, Decimal("49.99"), "ECHO-DOT-4-CHARCOAL"),
        ("Fire TV ", 1, Decimal("49.99"), "FIRE-TV-4K-2021")]
    assert (order.total.amount, order.total.currency) == (Decimal("154.99"), "USD")
    assert order.customer.name == "John Smith"
    assert order.customer.email == "buyer-email@marketplace.amazon.com"  # Amazon's relay address
    assert order.ship_to.one_line() == "123 Main Street, Suite 456, Seattle, WA 98101, US"
    assert order.state is OrderState.FULFILLED
    assert [(s.carrier, s.tracking_number) for s in order.shipments] == [("UPS", "1Z999AA1234567890")]
    assert order.external_refs == ("SELLER-ORDER-2024-001",)


def test_official_get_order_example_keeps_its_currency():
    order = mapping.to_order(fixture("get_order.json")["order"])
    assert order.total.currency == "GBP" and order.customer.phone == "+44 161 123 4567"


@pytest.mark.parametrize("status, expected", [
    ("PENDING", OrderState.PENDING), ("UNSHIPPED", OrderState.PAID),
    ("PARTIALLY_SHIPPED", OrderState.PARTIALLY_FULFILLED), ("SHIPPED", OrderState.FULFILLED),
    ("CANCELLED", OrderState.CANCELLED)])
def test_fulfilment_status_table(status, expected):
    assert mapping.to_order(make_order("111-1-1", "2026-11-20T09:00:00Z", status=status)).state is expected


def test_package_reference_is_stable_positive_and_numeric():
    ref = mapping.package_reference_id("TC-4:9400")
    assert ref == mapping.package_reference_id("TC-4:9400") != mapping.package_reference_id("TC-5:9400")
    assert ref.isdigit() and int(ref) > 0


# -- spec checks on the stand-in itself -----------------------------------------------------
@pytest.mark.parametrize("name", ["search_orders.json", "get_order.json"])
def test_official_examples_validate_against_the_response_schema(name):
    path = SEARCH if name == "search_orders.json" else f"{SEARCH}/202-1234567-8901234"
    assert validator(str(SPECS[0])).response_errors("GET", path, 200, fixture(name)) == []


def test_stand_in_answers_validate_against_the_response_schema(standin, connector):
    standin.add_order(make_order("111-0000000-0000001", "2026-11-20T09:00:00Z"))
    connector.fetch_orders(None)
    token = connector.client.tokens.access_token()
    for path in (f"{SEARCH}?lastUpdatedAfter=2026-01-01T00:00:00Z&includedData=BUYER,PACKAGES",
                 f"{SEARCH}/111-0000000-0000001?includedData=RECIPIENT"):
        resp = requests.get(standin.url + path, headers={"x-amz-access-token": token}, timeout=5)
        assert validator(str(SPECS[0])).response_errors("GET", path.split("?")[0], 200, resp.json()) == []


def test_stand_in_rejects_requests_the_spec_forbids(standin, connector):
    token = connector.client.tokens.access_token()
    bad_query = requests.get(f"{standin.url}{SEARCH}", params={"includedData": "BUYER,EVERYTHING"},
                             headers={"x-amz-access-token": token}, timeout=5)
    bad_body = requests.post(f"{standin.url}/orders/v0/orders/111-0000000-0000001/shipmentConfirmation",
                             json={"marketplaceId": "ATVPDKIKX0DER", "packageDetail": {"carrierCode": "UPS"}},
                             headers={"x-amz-access-token": token}, timeout=5)
    assert (bad_query.status_code, bad_body.status_code) == (400, 400)
    errors = [e for v in standin.violations for e in v["errors"]]
    assert any("EVERYTHING" in e for e in errors) and any("trackingNumber" in e for e in errors)
    standin.violations.clear()


# -- incremental fetch -----------------------------------------------------------------------
def test_fetch_sends_the_documented_query_and_follows_next_token(standin, connector):
    for i in range(1, 4):
        standin.add_order(make_order(f"111-0000000-000000{i}", f"2026-11-2{i}T09:00:00Z"))
    connector.page_size = 1
    result = connector.fetch_orders(datetime(2026, 11, 22, 9, 0, tzinfo=timezone.utc))
    assert [o.platform_order_id for o in result.orders] == ["111-0000000-0000002", "111-0000000-0000003"]
    assert result.next_cursor == "2026-11-23T09:00:00Z"
    calls = standin.requests_to("GET", SEARCH)
    assert calls[0].query["lastUpdatedAfter"] == "2026-11-22T09:00:00Z"
    assert calls[0].query["marketplaceIds"] == "ATVPDKIKX0DER"
    assert {"BUYER", "RECIPIENT", "PACKAGES"} <= set(calls[0].query["includedData"].split(","))
    assert calls[1].query["paginationToken"] and len(calls) == 2
    assert result.orders[0].customer.email.endswith("@marketplace.amazon.com")


# -- Login with Amazon -------------------------------------------------------------------------
def test_one_token_exchange_serves_many_requests_then_refreshes_after_expiry(standin, connector, clock):
    standin.add_order(make_order("111-0000000-0000001", "2026-11-20T09:00:00Z"))
    for _ in range(4):
        connector.get_order("111-0000000-0000001")
    assert standin.token_calls == 1
    form = standin.requests_to("POST", "/auth/o2/token")[0].body
    assert form["grant_type"] == "refresh_token" and form["refresh_token"] and form["client_secret"]
    # when the token's hour (less the safety margin) has passed
    clock.now += standin.expires_in - 59
    connector.get_order("111-0000000-0000001")
    assert standin.token_calls == 2


def test_revoked_refresh_token_says_reconnect(standin, clock):
    env = dict(amazon_env(standin), AMAZON_REFRESH_TOKEN="Atzr|revoked")
    conn = AmazonConnector.from_env(env, policy=RetryPolicy(attempts=2, base=0, sleep=clock.sleep), clock=clock)
    with pytest.raises(ConnectorAuthError, match="reconnect Amazon"):
        conn.fetch_orders(None)


# -- rate limits --------------------------------------------------------------------------------
def test_search_bucket_allows_the_burst_then_paces_at_the_documented_rate():
    clock = FakeClock()
    bucket = TokenBucket(0.0056, 20, clock, clock.sleep)
    for _ in range(20):
        bucket.acquire()
    assert clock.slept == []
    bucket.acquire()
    bucket.acquire()
    assert clock.slept == pytest.approx([1 / 0.0056, 1 / 0.0056])


def test_rate_limit_header_retunes_and_429_empties_the_bucket(standin, connector, clock):
    standin.add_order(make_order("111-0000000-0000001", "2026-11-20T09:00:00Z"))
    standin.rate_limits["getOrder"] = "2"
    connector.get_order("111-0000000-0000001")
    bucket = connector.client.buckets["getOrder"]
    assert bucket.rate == 2.0
    standin.fail_next(1, 429)
    connector.get_order("111-0000000-0000001")  # retried after the bucket refilled one token
    assert clock.slept and clock.slept[-1] == pytest.approx(0.5)


# -- fulfilment -------------------------------------------------------------------------------------
def test_confirm_shipment_sends_a_stable_package_and_lands_once(standin, connector):
    oid = standin.add_order(make_order("111-0000000-0000001", "2026-11-20T09:00:00Z"))["orderId"]
    order = connector.get_order(oid)
    first = connector.push_fulfilment(order, SHIP, "TC-3:ship")
    second = connector.push_fulfilment(order, SHIP, "TC-3:ship")
    assert first.ok and first.buyer_notified_by_platform and not first.already_done
    assert second.ok and second.already_done
    assert standin.confirmations == [(oid, mapping.package_reference_id("TC-3:ship"), SHIP.tracking_number)]
    body = standin.requests_to("POST", "shipmentConfirmation")[0].body
    assert body["packageDetail"]["carrierCode"] == "USPS" and "carrierName" not in body["packageDetail"]
    assert body["packageDetail"]["shipDate"] == "2026-11-21T15:00:00Z"
    assert body["packageDetail"]["orderItems"] == [{"orderItemId": f"{oid}-1", "quantity": 2}]


def test_unknown_carrier_goes_as_other_with_its_name(standin, connector):
    oid = standin.add_order(make_order("111-0000000-0000002", "2026-11-20T09:00:00Z"))["orderId"]
    connector.push_fulfilment(connector.get_order(oid), Shipment("Pony Express", "PX1"), "TC-6:px")
    detail = standin.requests_to("POST", "shipmentConfirmation")[0].body["packageDetail"]
    assert (detail["carrierCode"], detail["carrierName"]) == ("Other", "Pony Express")


def test_amazon_fulfilled_order_is_not_confirmed(standin, connector):
    oid = standin.add_order(make_order("111-0000000-0000003", "2026-11-20T09:00:00Z", by="AMAZON"))["orderId"]
    with pytest.raises(FulfilmentNotSupported, match="FBA"):
        connector.push_fulfilment(connector.get_order(oid), SHIP, "TC-7:fba")
    assert standin.requests_to("POST", "shipmentConfirmation") == []


# -- errors -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("status, error, tries", [
    (401, ConnectorAuthError, 1), (403, ConnectorAuthError, 1), (400, ConnectorRejected, 1),
    (404, ConnectorRejected, 1), (429, ConnectorTemporaryError, ATTEMPTS),
    (500, ConnectorTemporaryError, ATTEMPTS), (503, ConnectorTemporaryError, ATTEMPTS)])
def test_error_table(standin, connector, status, error, tries):
    connector.client.tokens.access_token()
    standin.fail_next(ATTEMPTS + 2, status)
    with pytest.raises(error) as err:
        connector.get_order("111-0000000-0000001")
    assert len(standin.requests_to("GET", SEARCH)) == tries
    assert "Traceback" not in str(err.value)


@pytest.mark.parametrize("missing", AmazonConnector.REQUIRED_ENV)
def test_any_missing_credential_turns_amazon_off(missing):
    env = {name: "x" for name in AmazonConnector.REQUIRED_ENV}
    env[missing] = ""
    assert AmazonConnector.from_env(env) is None


def test_a_replacement_tracking_number_is_left_to_seller_central():
    # given an Amazon order already confirmed with one tracking number (ordersV0 has no call that changes it)
    from tests.foundation.factories import make_order as domain_order

    order = domain_order("114-1", platform="amazon")
    # when a replacement label's number is to be sent, then nothing is sent and the words say where to do it
    with pytest.raises(FulfilmentNotSupported) as err:
        AmazonConnector.update_tracking(object.__new__(AmazonConnector), order, "1Z0001",
                                        Shipment("UPS", "1Z0002"), "k")
    assert "Seller Central" in str(err.value) and "1Z0001" in str(err.value) and "1Z0002" in str(err.value)
