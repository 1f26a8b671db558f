"""Etsy-specific behaviour: receipt mapping, token refresh with rotation, rate-limit headers,
tracking request shape, and proof that spec validation can fail."""
from __future__ import annotations

import json
import logging
from datetime import timezone
from decimal import Decimal

import pytest

from connectors.base import ConnectorAuthError, ConnectorRejected
from connectors.etsy.client import ACCESS_KEY, REFRESH_KEY, EtsyDailyLimitReached
from connectors.etsy.connector import EtsyConnector
from connectors.etsy.mapping import order_from_receipt
from connectors.poll import poll_once
from core.journal import Journal
from core.models import OrderState, Shipment
from tests.connectors.conftest import etsy_receipts
from tests.standin.etsy_server import SPEC, EtsyStandin
from tests.standin.spec_validation import _drop_null_defaults


@pytest.fixture
def etsy():
    standin = EtsyStandin().start()
    for receipt in etsy_receipts().values():
        standin.add_receipt(receipt)
    yield standin
    standin.stop()


def connect(standin, policy, refresh=True, store=None):
    env = {"ETSY_API_KEY": standin.api_key, "ETSY_SHOP_ID": str(standin.shop_id),
           "ETSY_ACCESS_TOKEN": standin.access_token, "ETSY_API_URL": standin.url,
           "ETSY_REFRESH_TOKEN": standin.refresh_token if refresh else ""}
    return EtsyConnector.from_env(env, token_store=store, policy=policy)


def test_fixtures_conform_to_the_official_receipt_schema():
    if not SPEC.exists():
        pytest.skip(f"{SPEC} not present (shared/specs is outside the repo)")
    from openapi_schema_validator import OAS30Validator

    spec = _drop_null_defaults(json.loads(SPEC.read_text()))
    schema = {"$ref": "#/components/schemas/ShopReceipt", "components": spec["components"]}
    for name, receipt in etsy_receipts().items():
        errors = [e.message for e in OAS30Validator(schema).iter_errors(receipt)]
        assert errors == [], name


@pytest.mark.parametrize("name, state, buyer, email, total, currency, lines", [
    ("paid_with_variations_no_email", OrderState.PAID, "Maya Lindqvist", "", "90.00", "USD", 2),
    ("shipped_with_tracking", OrderState.FULFILLED, "Tomás Ortega", "tomas@example.com", "37.50", "USD", 1),
    ("canceled_gbp", OrderState.CANCELLED, "Aisha Rahman", "", "28.50", "GBP", 1),
    ("payment_processing", OrderState.PENDING, "Ken Okafor", "", "41.00", "USD", 1),
])
def test_receipts_map(name, state, buyer, email, total, currency, lines):
    order = order_from_receipt(etsy_receipts()[name])
    assert (order.state, order.customer.name, order.customer.email) == (state, buyer, email)
    assert (order.total.amount, order.total.currency, len(order.items)) == (Decimal(total), currency, lines)
    assert order.updated_at.tzinfo == timezone.utc


def test_receipt_details():
    order = order_from_receipt(etsy_receipts()["paid_with_variations_no_email"])
    scarf = order.items[0]
    assert (scarf.title, scarf.quantity, scarf.unit_price.amount, scarf.sku, scarf.listing_id, scarf.variant) == \
        ("Linen Wrap Scarf", 2, Decimal("34.00"), "LW-BLUE", "1500000001", "Colour: Blue, Size: Large")
    assert order.ship_to.one_line() == "12 Alder St, Apt 3, Portland, OR 97201, US"
    assert order.notes == "Gift, please no receipt"
    shipped = order_from_receipt(etsy_receipts()["shipped_with_tracking"])
    assert [(s.carrier, s.tracking_number) for s in shipped.shipments] == [("usps", "9400111899223344556677")]


def test_expired_token_is_refreshed_and_rotated_tokens_stored(etsy, policy, tmp_path, caplog):
    # given a journal as token store and an access token Etsy no longer accepts
    journal = Journal(tmp_path / "j.db")
    connector = connect(etsy, policy, store=journal)
    old_refresh = etsy.refresh_token
    etsy.expire_access_token()
    # when fetching
    with caplog.at_level(logging.DEBUG):
        result = connector.fetch_orders(None)
    # then it refreshed once, got the orders, and stored the NEW pair
    assert len(result.orders) == 4 and etsy.refreshes == 1
    assert journal.kv_get(REFRESH_KEY) == etsy.refresh_token != old_refresh
    assert journal.kv_get(ACCESS_KEY) == etsy.access_token
    # and no token reached the log
    assert etsy.refresh_token not in caplog.text and etsy.access_token not in caplog.text
    # and a restart with the stale environment tokens uses the stored ones (no second refresh)
    restarted = EtsyConnector.from_env({"ETSY_API_KEY": etsy.api_key, "ETSY_SHOP_ID": str(etsy.shop_id),
                                        "ETSY_ACCESS_TOKEN": "stale", "ETSY_REFRESH_TOKEN": old_refresh,
                                        "ETSY_API_URL": etsy.url}, token_store=journal, policy=policy)
    assert len(restarted.fetch_orders(None).orders) == 4 and etsy.refreshes == 1


def test_callable_token_store_receives_rotated_tokens(etsy, policy):
    saved = {}
    connector = connect(etsy, policy, store=lambda k, v: saved.__setitem__(k, v))
    etsy.expire_access_token()
    connector.check()
    assert saved == {ACCESS_KEY: etsy.access_token, REFRESH_KEY: etsy.refresh_token}


def test_revoked_refresh_token_means_reconnect(etsy, policy):
    connector = connect(etsy, policy)
    connector.client.refresh_token = "revoked"
    etsy.expire_access_token()
    with pytest.raises(ConnectorAuthError, match="reconnect Etsy"):
        connector.fetch_orders(None)


def test_no_requests_left_this_second_slows_down(etsy, policy, sleeps):
    # given Etsy says no requests are left in this second
    etsy.remaining_second = 0
    connector = connect(etsy, policy)
    connector.page_size = 2
    # when two pages are fetched
    assert len(connector.fetch_orders(None).orders) == 4
    # then it paused one second before the second page, through the injected sleep
    assert sleeps.calls == [1.0]


def test_daily_limit_stops_for_the_day_with_a_plain_message(etsy, policy, tmp_path):
    # given Etsy allows one more request today
    etsy.remaining_today = 1
    connector = connect(etsy, policy)
    connector.page_size = 2
    before = len(etsy.requests)
    # when polled
    report = poll_once(connector, Journal(tmp_path / "j.db"))
    # then it stopped after that request and says so plainly
    assert "daily request limit" in report.error_message and "tomorrow" in report.error_message
    assert len(etsy.requests) - before == 1
    with pytest.raises(EtsyDailyLimitReached):
        connector.check()
    assert len(etsy.requests) - before == 1


def test_tracking_request_shape(etsy, policy):
    connector = connect(etsy, policy)
    order = connector.get_order("3001001001")
    result = connector.push_fulfilment(order, Shipment("USPS", "9400111899220000000009"), "k")
    posts = etsy.requests_to("POST", "/tracking")
    assert [p.body for p in posts] == [{"tracking_code": "9400111899220000000009", "carrier_name": "USPS",
                                        "send_bcc": False}]
    assert result.ok and result.buyer_notified_by_platform
    assert etsy.spec_errors() == []


@pytest.mark.parametrize("params", [{"limit": 500}, {"sort_on": "modified"}, {"min_last_modified": 5}])
def test_spec_validation_rejects_a_bad_request(etsy, policy, params):
    if etsy.validator is None:
        pytest.skip(f"{SPEC} not present (shared/specs is outside the repo)")
    connector = connect(etsy, policy)
    with pytest.raises(ConnectorRejected):
        connector.client.get(f"/v3/application/shops/{etsy.shop_id}/receipts", params)
    assert etsy.spec_errors()


@pytest.mark.parametrize("missing", ["ETSY_API_KEY", "ETSY_SHOP_ID", "ETSY_ACCESS_TOKEN"])
def test_without_credentials_etsy_is_off(missing):
    env = {"ETSY_API_KEY": "k", "ETSY_SHOP_ID": "1", "ETSY_ACCESS_TOKEN": "t"}
    env[missing] = ""
    assert EtsyConnector.from_env(env) is None


def test_a_token_refreshed_by_another_process_is_picked_up_not_refreshed_again(etsy, policy, tmp_path):
    # given serve and a `sync --once` beside it, each with its own connection to one journal
    from core.journal import Journal

    first, second = Journal(tmp_path / "j.db"), Journal(tmp_path / "j.db")
    env = {"ETSY_API_KEY": etsy.api_key, "ETSY_SHOP_ID": str(etsy.shop_id), "ETSY_ACCESS_TOKEN": etsy.access_token,
           "ETSY_REFRESH_TOKEN": etsy.refresh_token, "ETSY_API_URL": etsy.url}
    serve = EtsyConnector.from_env(env, token_store=first, policy=policy)
    sync = EtsyConnector.from_env(env, token_store=second, policy=policy)
    # when the access token expires and `sync` refreshes first (Etsy rotates the refresh token)
    etsy.expire_access_token()
    sync.fetch_orders(None)
    assert etsy.refreshes == 1
    # then serve, still holding the old pair, takes the new one from the journal instead of
    # refreshing with the dead refresh token and asking the seller to reconnect
    assert len(serve.fetch_orders(None).orders) == 4
    assert etsy.refreshes == 1
    first.close()
    second.close()


def test_a_replacement_tracking_number_is_added_once_and_the_old_one_stays(etsy, policy):
    # given a receipt already shipped with one tracking number
    connector = connect(etsy, policy)
    order = connector.get_order("3001001001")
    connector.push_fulfilment(order, Shipment("USPS", "9400111899220000000009"), "k1")
    # when a replacement label's number is sent, twice (a retry after a lost answer)
    new = Shipment("USPS", "9400111899220000000010")
    first = connector.update_tracking(order, "9400111899220000000009", new, "k2")
    again = connector.update_tracking(order, "9400111899220000000009", new, "k2")
    # then Etsy holds both entries (its API can't remove one), the new one once, and Sync says so
    codes = [s["tracking_code"] for s in etsy.receipts[3001001001]["shipments"]]
    assert codes.count("9400111899220000000010") == 1 and "9400111899220000000009" in codes
    assert first.ok and not first.already_done and again.already_done
    assert "can't remove the old one (9400111899220000000009)" in first.message
    assert etsy.spec_errors() == []
