"""After the ack: fat events are mapped, thin ones fetched, older versions never win."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
import requests

from connectors.base import ConnectorAuthError, ConnectorRejected, ConnectorTemporaryError, MappingError
from core.models import Customer, LineItem, Money, Order, OrderState, Platform
from tests.webhooks.conftest import fixture, shopify_body
from webhooks.processor import default_mappers, process_pending_events

shopify_mapping = pytest.importorskip("connectors.shopify.mapping")


def make_order(platform: Platform, pid: str, updated: str = "2026-11-27T12:00:00+00:00",
               state: OrderState = OrderState.PAID) -> Order:
    when = datetime.fromisoformat(updated)
    return Order(platform=platform, platform_order_id=pid, created_at=when, updated_at=when,
                 customer=Customer(name="Ada"), items=(LineItem("Mug", 1, Money("12", "USD")),),
                 total=Money("12", "USD"), state=state)


class FakeConnector:
    """get_order answers from a table, or raises what it is told to."""

    def __init__(self, platform: Platform, answers: dict):
        self.platform, self.answers, self.asked = platform, answers, []

    def get_order(self, pid: str) -> Order:
        self.asked.append(pid)
        answer = self.answers.get(pid, getattr(self, "fail_all", None))
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def order_from_invoice(self, invoice):
        return self.get_order(invoice["order_id"])


def record(journal, source, event_id, topic, payload):
    body = payload if isinstance(payload, (str, bytes)) else json.dumps(payload)
    journal.record_event(source, event_id, topic, body.decode() if isinstance(body, bytes) else body)


def states(journal) -> dict:
    return {r["event_id"]: (r["state"], r["error"]) for r in journal.execute("SELECT * FROM events")}


def test_shopify_fat_event_is_mapped_without_any_fetch(journal):
    # given an orders/create event holding the official REST order example
    record(journal, "shopify", "event:1", "orders/create", shopify_body(450789469))
    # when processed with no connectors at all
    report = process_pending_events(journal, {})
    # then the order is stored from the payload itself and the event is done
    stored = journal.find("shopify", "450789469")
    assert stored is not None and report.done == 1 and report.stored == [stored.order_id]
    assert states(journal)["event:1"] == ("done", "stored")


def test_default_mappers_find_the_shopify_mapping():
    assert default_mappers()[("shopify", "order")] is shopify_mapping.order_from_rest


def test_older_update_arriving_after_newer_never_wins(journal):
    # given the newer version (cancelled) delivered before the older one
    newer = json.loads(shopify_body(7, "2026-11-27T12:00:00Z"))
    newer["cancelled_at"], newer["financial_status"] = "2026-11-27T12:00:00Z", "voided"
    older = json.loads(shopify_body(7, "2026-11-27T11:00:00Z"))
    record(journal, "shopify", "event:new", "orders/cancelled", newer)
    record(journal, "shopify", "event:old", "orders/updated", older)
    # when both are processed
    process_pending_events(journal, {})
    # then the stored version is the newer one and the older event says why it was ignored
    stored = journal.find("shopify", "7")
    assert stored.order.updated_at == datetime(2026, 11, 27, 12, tzinfo=timezone.utc)
    assert states(journal)["event:old"] == ("done", "older than the stored version — ignored")


def test_square_thin_order_event_is_fetched(journal):
    event = fixture("square_events.json")["order.updated"]
    pid = event["data"]["id"]
    square = FakeConnector(Platform.SQUARE, {pid: make_order(Platform.SQUARE, pid)})
    record(journal, "square", event["event_id"], event["type"], event)
    report = process_pending_events(journal, {"square": square})
    assert square.asked == [pid] and report.done == 1
    assert journal.find("square", pid) is not None


def test_square_invoice_event_uses_the_invoice(journal):
    event = fixture("square_events.json")["invoice.payment_made"]
    oid = event["data"]["object"]["invoice"]["order_id"]
    square = FakeConnector(Platform.SQUARE, {oid: make_order(Platform.SQUARE, oid)})
    record(journal, "square", event["event_id"], event["type"], event)
    process_pending_events(journal, {"square": square})
    assert square.asked == [oid] and journal.find("square", oid) is not None


def test_square_invoice_event_without_invoice_is_done_with_reason(journal):
    event = fixture("square_events.json")["invoice.deleted"]
    record(journal, "square", event["event_id"], event["type"], event)
    report = process_pending_events(journal, {})
    assert report.done == 1 and "carries no invoice" in states(journal)[event["event_id"]][1]


def test_etsy_order_paid_fetches_the_receipt(journal):
    etsy = FakeConnector(Platform.ETSY, {"54321": make_order(Platform.ETSY, "54321")})
    record(journal, "etsy", "msg_1", "order.paid", fixture("etsy_order_paid.json"))
    process_pending_events(journal, {"etsy": etsy})
    assert etsy.asked == ["54321"] and journal.find("etsy", "54321") is not None


@pytest.mark.parametrize("error", [
    ConnectorTemporaryError("Etsy is busy (429)"), requests.ConnectionError("refused"),
    ConnectorAuthError("reconnect Etsy: the access was revoked or expired"),
])
def test_temporary_or_auth_failure_leaves_event_new(journal, error):
    etsy = FakeConnector(Platform.ETSY, {"54321": error})
    record(journal, "etsy", "msg_1", "order.paid", fixture("etsy_order_paid.json"))
    report = process_pending_events(journal, {"etsy": etsy})
    state, why = states(journal)["msg_1"]
    assert report.retry_later == 1 and state == "new" and why  # waiting, with its reason kept
    # and the next cycle leaves it alone until its own retry time (it backs off)
    etsy.answers["54321"] = make_order(Platform.ETSY, "54321")
    assert process_pending_events(journal, {"etsy": etsy}).done == 0
    # and once that time has come and the platform answers, it is stored
    journal.execute("UPDATE events SET next_try='2000-01-01T00:00:00+00:00'")
    assert process_pending_events(journal, {"etsy": etsy}).done == 1


def test_platform_not_connected_waits(journal):
    record(journal, "etsy", "msg_1", "order.paid", fixture("etsy_order_paid.json"))
    report = process_pending_events(journal, {})
    assert states(journal)["msg_1"][0] == "new"
    assert "Etsy is not connected" in report.problems[0]


@pytest.mark.parametrize("source, topic, body, connectors, reason", [
    ("shopify", "orders/create", {"id": 9}, {}, "could not use this Shopify event"),
    ("etsy", "order.paid", {"event_type": "order.paid", "resource_url": "https://x/listings/1"}, {},
     "no receipt link"),
    ("square", "order.created", {"type": "order.created", "data": {"id": "Q1"}},
     {"square": FakeConnector(Platform.SQUARE, {"Q1": ConnectorRejected("Square says order Q1 does not exist")})},
     "does not exist"),
    ("square", "order.created", {"type": "order.created", "data": {"id": "Q2"}},
     {"square": FakeConnector(Platform.SQUARE, {"Q2": MappingError("Square order Q2 has no total")})},
     "has no total"),
])
def test_unusable_events_fail_with_plain_reason_and_quarantine(journal, source, topic, body, connectors, reason):
    record(journal, source, "e1", topic, body)
    report = process_pending_events(journal, connectors)
    state, error = states(journal)["e1"]
    assert (state, report.failed) == ("failed", 1) and reason in error
    assert [q["platform"] for q in journal.quarantined()] == [source]
    assert "Traceback" not in error


def test_sheet_events_are_finished_for_the_watch_cycle(journal):
    record(journal, "sheet", "edit:1", "edit", {"sheet": "Orders", "range": "F7"})
    assert process_pending_events(journal, {}).done == 1
    assert states(journal)["edit:1"][0] == "done"


def test_fake_mapper_table_overrides_defaults(journal):
    calls = []
    mapper = lambda payload: calls.append(payload) or make_order(Platform.SHOPIFY, str(payload["id"]))  # noqa: E731
    record(journal, "shopify", "event:9", "orders/create", {"id": 99})
    process_pending_events(journal, {}, mappers={("shopify", "order"): mapper})
    assert calls == [{"id": 99}] and journal.find("shopify", "99") is not None


def test_on_stored_hears_each_stored_order_and_its_failure_does_not_undo_it(journal):
    heard = []

    def on_stored(orders, results):
        heard.append((orders[0].platform_order_id, results[0].created))
        raise RuntimeError("automation broke")

    record(journal, "shopify", "event:1", "orders/create", shopify_body(5))
    report = process_pending_events(journal, {}, on_stored=on_stored)
    assert heard == [("5", True)] and report.done == 1
    assert states(journal)["event:1"][0] == "done" and journal.find("shopify", "5") is not None


def test_stuck_events_never_starve_new_ones(journal):
    # given 250 Etsy events stuck on an expired token (more than one pass reads)
    etsy = FakeConnector(Platform.ETSY, {})
    etsy.fail_all = ConnectorAuthError("reconnect Etsy: the access was revoked or expired")
    for i in range(250):
        record(journal, "etsy", f"msg-{i}", "order.paid", fixture("etsy_order_paid.json"))
    first = process_pending_events(journal, {"etsy": etsy})
    # when a Shopify order arrives by webhook only
    record(journal, "shopify", "shop-1", "orders/create", shopify_body(1))
    second = process_pending_events(journal, {"etsy": etsy})
    third = process_pending_events(journal, {"etsy": etsy})
    # then it is stored at once, the stuck ones wait for their own retry time, and the loop is idle
    assert first.retry_later == 200 and second.done == 1
    assert third.done == third.retry_later == 0 and not third.more
    assert journal.waiting_events() == {"reconnect Etsy: the access was revoked or expired": 250}
