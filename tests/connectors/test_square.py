"""Square connector against the spec-validating stand-in: mapping, incremental fetch, invoices, fulfilment."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
import requests

from connectors.base import (ConnectorAuthError, ConnectorRejected, ConnectorTemporaryError,
                             FulfilmentNotSupported, MappingError)
from connectors.square import mapping
from connectors.square.connector import DASHBOARD_MESSAGE, SquareConnector
from core.http import RetryPolicy
from core.models import OrderState, Platform, Shipment
from tests.standin.square_server import SPEC, TOKEN, SquareStandin, make_order

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "square"
pytestmark = pytest.mark.skipif(not SPEC.exists(), reason=f"Square spec not found at {SPEC}")
ATTEMPTS = 3


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


@pytest.fixture(scope="module")
def _server():
    server = SquareStandin().start()
    yield server
    server.stop()


@pytest.fixture
def standin(_server):
    _server.reset()
    yield _server
    # Every request any test sent must have been one the real Square accepts.
    assert _server.violations == []


@pytest.fixture
def connector(standin):
    policy = RetryPolicy(attempts=ATTEMPTS, base=0.0, cap=0.0, timeout=5, sleep=lambda s: None)
    return SquareConnector.from_env({"SQUARE_ACCESS_TOKEN": TOKEN, "SQUARE_API_URL": standin.url,
                                     "SQUARE_LOCATION_IDS": "LOC1"}, policy=policy)


SHIP = Shipment(carrier="USPS", tracking_number="9400100000000000000001")


# -- mapping on the official example payloads -------------------------------------------------
def test_official_retrieve_order_example_maps_lines_money_and_state():
    # given Square's RetrieveOrder example (OPEN, no tenders, no fulfilments)
    raw = fixture("retrieve_order.json")["order"]
    # when
    order = mapping.to_order(raw)
    # then
    assert order.platform is Platform.SQUARE and order.platform_order_id == raw["id"]
    assert [(i.title, i.quantity, i.unit_price.amount) for i in order.items] == [
        ("Item 1", 1, Decimal("5.00")), ("Item 2", 2, Decimal("3.00"))]
    assert order.total.amount == Decimal("5.50") and order.total.currency == "USD"
    assert order.state is OrderState.PENDING
    assert order.updated_at == at(raw["updated_at"])


def test_paid_invoice_example_becomes_one_order_keyed_by_its_order_id():
    # given the invoice.payment_made example, billing the RetrieveOrder example's order
    invoice = fixture("invoice_payment_made_event.json")["data"]["object"]["invoice"]
    raw = fixture("retrieve_order.json")["order"]
    assert invoice["order_id"] == raw["id"]
    # when
    order = mapping.to_order(raw, invoice)
    # then the identity is the order id; the invoice is a reference, the buyer comes from it
    assert order.platform_order_id == raw["id"]
    assert invoice["id"] in order.external_refs and invoice["invoice_number"] in order.external_refs
    assert order.customer.name == "Amelia Earhart"
    assert order.customer.email == "Amelia.Earhart@example.com"
    assert order.customer.phone == "1-212-555-4240"
    assert order.state is OrderState.PAID
    assert order.updated_at == at(invoice["updated_at"])  # the newer of order and invoice


def test_refunded_invoice_example_maps_to_refunded():
    invoice = fixture("invoice_refunded_event.json")["data"]["object"]["invoice"]
    order = mapping.to_order(fixture("retrieve_order.json")["order"], invoice)
    assert order.state is OrderState.REFUNDED


def test_batch_retrieve_example_without_created_at_is_a_mapping_error():
    raw = fixture("batch_retrieve_orders.json")["orders"][0]
    with pytest.raises(MappingError, match=raw["id"]):
        mapping.to_order(raw)


@pytest.mark.parametrize("order_state, fulfilments, expected", [
    ("CANCELED", [], OrderState.CANCELLED),
    ("OPEN", [("SHIPMENT", "COMPLETED")], OrderState.FULFILLED),
    ("OPEN", [("SHIPMENT", "COMPLETED"), ("PICKUP", "PROPOSED")], OrderState.PARTIALLY_FULFILLED),
    ("OPEN", [("SHIPMENT", "PROPOSED")], OrderState.PENDING),
    ("COMPLETED", [], OrderState.PAID),
    ("OPEN", [("SHIPMENT", "CANCELED")], OrderState.PENDING),
])
def test_state_table(order_state, fulfilments, expected):
    raw = make_order("O1", "2026-01-01T00:00:00Z", state=order_state, shipment=False)
    raw["fulfillments"] = [{"uid": f"f{i}", "type": t, "state": s} for i, (t, s) in enumerate(fulfilments)]
    assert mapping.to_order(raw).state is expected


def test_full_refund_maps_to_refunded():
    raw = make_order("O1", "2026-01-01T00:00:00Z", state="COMPLETED", cents=4500)
    raw["refunds"] = [{"id": "R1", "location_id": "LOC1", "reason": "damaged", "status": "COMPLETED",
                       "amount_money": {"amount": 4500, "currency": "USD"}}]
    assert mapping.to_order(raw).state is OrderState.REFUNDED


def test_shipment_recipient_becomes_customer_and_ship_to():
    order = mapping.to_order(make_order("O1", "2026-01-01T00:00:00Z"))
    assert (order.customer.name, order.customer.email) == ("Ada Lovelace", "ada@example.com")
    assert order.ship_to.one_line() == "1 Loom St, Portland, OR 97201, US"


# -- incremental fetch -----------------------------------------------------------------------
def test_fetch_is_incremental_inclusive_and_follows_cursors(standin, connector, monkeypatch):
    # given five orders and a page size of two
    connector.client.page_size = 2
    for i in range(1, 6):
        standin.add_order(make_order(f"O{i}", f"2026-03-0{i}T10:00:00Z"))
    # when fetching from the third order's exact update time
    result = connector.fetch_orders(at("2026-03-03T10:00:00Z"))
    # then the bound is inclusive, all pages were read, and the cursor is the newest change
    assert [o.platform_order_id for o in result.orders] == ["O3", "O4", "O5"]
    assert result.next_cursor == "2026-03-05T10:00:00Z"
    searches = standin.requests_to("POST", "/v2/orders/search")
    assert len(searches) == 2 and "cursor" in searches[1].body
    query = searches[0].body["query"]
    assert query["filter"]["date_time_filter"]["updated_at"]["start_at"] == "2026-03-03T10:00:00Z"
    assert query["sort"] == {"sort_field": "UPDATED_AT", "sort_order": "ASC"}
    assert searches[0].body["return_entries"] is False and searches[0].body["location_ids"] == ["LOC1"]


def test_unmappable_order_is_quarantined_and_the_rest_go_on(standin, connector):
    standin.add_order(make_order("GOOD", "2026-03-01T10:00:00Z"))
    bad = make_order("BAD", "2026-03-02T10:00:00Z")
    bad["line_items"][0]["quantity"] = "1.5"
    standin.add_order(bad)
    result = connector.fetch_orders(None)
    assert [o.platform_order_id for o in result.orders] == ["GOOD"]
    assert [q.platform_order_id for q in result.quarantined] == ["BAD"]
    assert "whole number" in result.quarantined[0].reason


def test_invoice_paid_recently_brings_in_its_older_order_once(standin, connector):
    # given an Instagram sale: an order last changed in January, its invoice paid in March
    standin.add_order(make_order("INVORD", "2026-01-05T10:00:00Z", shipment=False))
    standin.add_order(make_order("RECENT", "2026-03-02T10:00:00Z"))
    invoice = fixture("invoice_payment_made_event.json")["data"]["object"]["invoice"]
    invoice.update(order_id="INVORD", location_id="LOC1", updated_at="2026-03-03T09:00:00Z")
    standin.add_invoice(invoice)
    # when
    result = connector.fetch_orders(at("2026-03-01T00:00:00Z"))
    # then the invoiced sale is one order keyed by its order id, carrying the invoice refs
    by_id = {o.platform_order_id: o for o in result.orders}
    assert set(by_id) == {"INVORD", "RECENT"}
    assert invoice["invoice_number"] in by_id["INVORD"].external_refs
    assert by_id["INVORD"].customer.name == "Amelia Earhart"
    assert standin.requests_to("POST", "/v2/orders/batch-retrieve")[0].body == {"order_ids": ["INVORD"]}
    assert result.next_cursor == "2026-03-03T09:00:00Z"


def test_order_found_by_both_searches_is_enriched_not_duplicated(standin, connector):
    standin.add_order(make_order("BOTH", "2026-03-02T10:00:00Z", shipment=False))
    invoice = fixture("invoice_payment_made_event.json")["data"]["object"]["invoice"]
    invoice.update(order_id="BOTH", location_id="LOC1", updated_at="2026-02-01T00:00:00Z")
    standin.add_invoice(invoice)
    result = connector.fetch_orders(at("2026-03-01T00:00:00Z"))
    assert [o.platform_order_id for o in result.orders] == ["BOTH"]
    assert result.orders[0].external_refs and result.orders[0].customer.email.startswith("Amelia")
    assert standin.requests_to("POST", "/v2/orders/batch-retrieve") == []


def test_draft_invoices_are_not_orders(standin, connector):
    standin.add_order(make_order("DRAFTORD", "2026-03-02T10:00:00Z"))
    invoice = fixture("search_invoices.json")["invoices"][0]  # status DRAFT
    invoice.update(order_id="DRAFTORD", location_id="LOC1")
    standin.add_invoice(invoice)
    assert connector.fetch_orders(None).orders == ()


# -- fulfilment ----------------------------------------------------------------------------
def test_push_completes_the_shipment_fulfilment_once_even_when_pushed_twice(standin, connector):
    standin.add_order(make_order("O1", "2026-03-01T10:00:00Z", version=4))
    order = connector.get_order("O1")
    first = connector.push_fulfilment(order, SHIP, "TC-7:ship")
    second = connector.push_fulfilment(order, SHIP, "TC-7:ship")
    assert first.ok and not first.already_done and first.buyer_notified_by_platform is False
    assert second.ok and second.already_done
    assert standin.completions == [("O1", "O1-ship", SHIP.tracking_number)]
    sent = standin.requests_to("PUT", "/v2/orders/O1")[0].body
    assert sent["order"]["version"] == 4 and sent["idempotency_key"]
    assert sent["order"]["fulfillments"][0]["shipment_details"] == {
        "carrier": "USPS", "tracking_number": SHIP.tracking_number}


@pytest.mark.parametrize("after_commit", [False, True], ids=["5xx-before-commit", "5xx-after-commit"])
def test_server_error_on_first_attempt_still_lands_exactly_once(standin, connector, after_commit):
    # given UpdateOrder fails once with 502 (after_commit: Square applied it but the answer was lost)
    standin.add_order(make_order("O1", "2026-03-01T10:00:00Z"))
    order = connector.get_order("O1")
    # when
    result = _push_with_fault_on_put(standin, connector, order, after_commit)
    # then the retry (same idempotency key) lands the fulfilment exactly once
    assert result.ok
    assert len(standin.completions) == 1
    assert len(standin.requests_to("PUT", "/v2/orders/O1")) == 2


def _push_with_fault_on_put(standin, connector, order, after_commit):
    """Inject the fault exactly on the UpdateOrder call by arming it after the GET."""
    real_retrieve = connector.client.retrieve_order

    def retrieve_then_arm(oid):
        raw = real_retrieve(oid)
        standin.fail_next(1, 502, after_commit=after_commit)
        return raw

    connector.client.retrieve_order = retrieve_then_arm
    try:
        return connector.push_fulfilment(order, SHIP, "TC-8:ship")
    finally:
        connector.client.retrieve_order = real_retrieve


def test_order_without_shipment_fulfilment_gets_one_added_with_a_stable_uid(standin, connector):
    standin.add_order(make_order("O2", "2026-03-01T10:00:00Z", shipment=False))
    result = connector.push_fulfilment(connector.get_order("O2"), SHIP, "TC-9:ship")
    assert result.ok
    assert standin.completions == [("O2", mapping.fulfilment_uid("TC-9:ship"), SHIP.tracking_number)]
    added = standin.orders["O2"]["fulfillments"][0]
    assert added["type"] == "SHIPMENT" and added["shipment_details"]["carrier"] == "USPS"


def test_dashboard_order_explains_what_to_do_instead(standin, connector):
    # given an invoice order made by hand in the Square Dashboard (no version: not updatable)
    standin.add_order(make_order("DASH", "2026-03-01T10:00:00Z", version=None))
    with pytest.raises(FulfilmentNotSupported) as err:
        connector.push_fulfilment(connector.get_order("DASH"), SHIP, "TC-10:ship")
    assert str(err.value) == DASHBOARD_MESSAGE
    assert standin.requests_to("PUT") == []


def test_square_refusing_the_update_is_explained_the_same_way(standin, connector):
    # given Square answers UpdateOrder with 400 BAD_REQUEST although the order has a version
    standin.add_order(make_order("O3", "2026-03-01T10:00:00Z"))
    standin.refuse_updates.add("O3")
    with pytest.raises(FulfilmentNotSupported, match="Dashboard"):
        connector.push_fulfilment(connector.get_order("O3"), SHIP, "TC-11:ship")
    assert len(standin.requests_to("PUT", "/v2/orders/O3")) == 1
    assert standin.completions == []


# -- errors ----------------------------------------------------------------------------------
@pytest.mark.parametrize("status, error, tries", [
    (401, ConnectorAuthError, 1), (403, ConnectorAuthError, 1),
    (429, ConnectorTemporaryError, ATTEMPTS), (500, ConnectorTemporaryError, ATTEMPTS),
    (503, ConnectorTemporaryError, ATTEMPTS), (404, ConnectorRejected, 1),
])
def test_error_table(standin, connector, status, error, tries):
    standin.fail_next(ATTEMPTS + 2, status)
    with pytest.raises(error) as err:
        connector.check()
    assert len(standin.requests_to("GET", "/v2/locations")) == tries
    if error is ConnectorAuthError:
        assert str(err.value) == "reconnect Square: the access was revoked or expired"


def test_rate_limited_then_ok_is_retried_transparently(standin, connector):
    standin.fail_next(2, 429)
    assert connector.check() == "Square connected: 1 location(s)"


def test_without_a_token_square_is_off():
    assert SquareConnector.from_env({}) is None
    assert SquareConnector.from_env({"SQUARE_ACCESS_TOKEN": "  "}) is None


def test_stand_in_rejects_a_request_the_spec_forbids(standin):
    # given a SearchOrders body with a location_ids string and an unknown sort field
    resp = requests.post(f"{standin.url}/v2/orders/search", timeout=5,
                         headers={"Authorization": f"Bearer {TOKEN}", "Square-Version": "2025-08-20"},
                         json={"location_ids": "LOC1", "query": {"sort": {"sort_field": "NOPE"}}})
    assert resp.status_code == 400
    assert any("NOPE" in e for e in standin.violations[0]["errors"])
    standin.violations.clear()  # the fixture's zero-violation check is for connector traffic
