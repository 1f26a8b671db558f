"""The connector contract: every platform connector passes these, against its loopback stand-in.

Platforms come from HARNESS_FACTORIES in conftest.py (one entry per platform).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from connectors.base import (ConnectorAuthError, ConnectorRejected, ConnectorTemporaryError)
from connectors.poll import cursor_name, poll_once
from connectors.registry import CONNECTOR_CLASSES, configured_connectors, describe_configuration
from core.journal import Journal
from core.models import Money, Shipment, parse_time

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)


def seed_hours(harness, hours):
    """Seed one order per hour offset; returns {id: updated_at}."""
    return {harness.seed(i, T0 + timedelta(hours=h)): T0 + timedelta(hours=h) for i, h in enumerate(hours)}


def test_incremental_fetch_is_inclusive_and_pages(harness):
    # given five orders, updated an hour apart, and a page size of two
    seeded = seed_hours(harness, [0, 1, 2, 3, 4])
    # when fetching everything, then again from the third order's time
    first = harness.connector.fetch_orders(None)
    second = harness.connector.fetch_orders(T0 + timedelta(hours=2))
    # then the first fetch has all five over more than one page
    assert {o.platform_order_id for o in first.orders} == set(seeded)
    assert len([r for r in harness.standin.requests if harness.is_list_request(r)]) > 1
    # and the second only those at or after the bound (inclusive), cursor at the newest
    assert {o.platform_order_id for o in second.orders} == {k for k, t in seeded.items() if t >= T0 + timedelta(hours=2)}
    assert parse_time(second.next_cursor) == T0 + timedelta(hours=4)
    assert harness.standin.spec_errors() == []


def test_refetch_is_idempotent_in_the_journal(harness, tmp_path):
    # given three orders stored once
    seed_hours(harness, [0, 1, 2])
    journal = Journal(tmp_path / "j.db")
    journal.upsert_many(harness.connector.fetch_orders(None).orders)
    before = journal.count()
    # when the same window is fetched and stored again
    again = journal.upsert_many(harness.connector.fetch_orders(None).orders)
    # then nothing new was created or changed
    assert journal.count() == before == 3
    assert not any(r.created or r.changed for r in again)


def test_mapping_is_complete(harness):
    # given seeded orders
    seed_hours(harness, [0, 1, 2])
    # when fetched
    orders = harness.connector.fetch_orders(None).orders
    # then each carries what the sheet needs
    assert len(orders) == 3
    for order in orders:
        assert order.customer.name
        assert order.items and all(i.title and i.quantity >= 1 and isinstance(i.unit_price, Money)
                                   for i in order.items)
        assert isinstance(order.total, Money) and order.total.amount > 0
        assert order.created_at.utcoffset() == timedelta(0) and order.updated_at.utcoffset() == timedelta(0)
        assert order.raw


def test_fulfilment_lands_exactly_once_when_pushed_twice(harness):
    if not harness.supports_fulfilment:
        pytest.skip("platform takes no fulfilment through its API")
    # given one order
    oid = harness.seed(0, T0)
    order = harness.connector.get_order(oid)
    shipment = Shipment("USPS", "9400111899220000000001")
    # when pushed twice with the same key
    first = harness.connector.push_fulfilment(order, shipment, "TC-1:9400111899220000000001")
    second = harness.connector.push_fulfilment(order, shipment, "TC-1:9400111899220000000001")
    # then the platform holds exactly one, and the second push says it was already there
    assert first.ok and not first.already_done
    assert second.ok and second.already_done
    assert harness.fulfilments(oid) == 1
    assert harness.standin.spec_errors() == []


@pytest.mark.parametrize("after_commit", [False, True], ids=["5xx-before-commit", "5xx-after-commit"])
def test_fulfilment_retry_after_5xx_lands_once(harness, after_commit):
    if not harness.supports_fulfilment:
        pytest.skip("platform takes no fulfilment through its API")
    # given the create request fails once with 502 (after_commit: the platform stored it anyway)
    oid = harness.seed(0, T0)
    order = harness.connector.get_order(oid)
    harness.standin.fail_next(1, 502, after_commit=after_commit, when=harness.is_fulfilment_write)
    # when pushed
    result = harness.connector.push_fulfilment(order, Shipment("UPS", "1Z999AA10123456784"), "TC-2:1Z")
    # then it is reported shipped and the platform holds exactly one
    assert result.ok
    assert harness.fulfilments(oid) == 1


@pytest.mark.parametrize("status, faults, expected, requests_seen", [
    (401, 1, ConnectorAuthError, 1),
    (403, 1, ConnectorAuthError, 1),
    (400, 1, ConnectorRejected, 1),
    (429, 1, None, 2),
    (500, 2, None, 3),
    (503, 2, None, 3),
    (503, 3, ConnectorTemporaryError, 3),
])
def test_error_table(harness, status, faults, expected, requests_seen):
    # given one order and `faults` failures with `status` ahead
    harness.seed(0, T0)
    harness.standin.fail_next(faults, status)
    before = len(harness.standin.requests)
    # when fetching
    if expected is None:
        result = harness.connector.fetch_orders(None)
        assert len(result.orders) == 1
    else:
        with pytest.raises(expected) as info:
            harness.connector.fetch_orders(None)
        # the message is plain words, never a traceback
        assert "Traceback" not in str(info.value) and str(info.value)
    # then the platform saw exactly this many requests (auth and 400 are not retried)
    assert len(harness.standin.requests) - before == requests_seen


def test_auth_error_message_says_reconnect(harness):
    harness.standin.fail_next(1, 401)
    with pytest.raises(ConnectorAuthError, match=f"reconnect {harness.connector.platform.label}"):
        harness.connector.fetch_orders(None)


def test_poll_stores_then_advances_cursor(harness, tmp_path):
    # given three orders and an empty journal
    seed_hours(harness, [0, 1, 2])
    journal = Journal(tmp_path / "j.db")
    # when polled
    report = poll_once(harness.connector, journal)
    # then all are stored and the cursor is the newest update
    assert (report.fetched, report.created, report.error_message) == (3, 3, "")
    assert parse_time(journal.get_cursor(cursor_name(harness.connector))) == T0 + timedelta(hours=2)
    # and a second poll changes nothing
    again = poll_once(harness.connector, journal)
    assert (again.created, again.updated, journal.count()) == (0, 0, 3)


def test_poll_keeps_cursor_when_storing_fails(harness, tmp_path):
    # given a journal that fails to store
    seed_hours(harness, [0])

    class BrokenJournal(Journal):
        def upsert_many(self, orders, source=""):
            raise OSError("disk full")

    journal = BrokenJournal(tmp_path / "j.db")
    journal.set_cursor(cursor_name(harness.connector), "2026-01-01T00:00:00Z")
    # when polled
    with pytest.raises(OSError):
        poll_once(harness.connector, journal)
    # then the cursor did not move
    assert journal.get_cursor(cursor_name(harness.connector)) == "2026-01-01T00:00:00Z"


@pytest.mark.parametrize("status", [401, 503])
def test_poll_failure_is_a_plain_message_and_cursor_stays(harness, tmp_path, status):
    seed_hours(harness, [0])
    journal = Journal(tmp_path / "j.db")
    journal.set_cursor(cursor_name(harness.connector), "2026-01-01T00:00:00Z")
    harness.standin.fail_next(5, status)
    report = poll_once(harness.connector, journal)
    assert report.error_message and not report.ok
    assert journal.get_cursor(cursor_name(harness.connector)) == "2026-01-01T00:00:00Z"
    assert journal.count() == 0


def test_unmappable_order_is_quarantined_and_others_stored(harness, tmp_path):
    # given two good orders and one the mapping must refuse
    seed_hours(harness, [0, 1])
    bad_id = harness.seed_unmappable(T0 + timedelta(minutes=30))
    journal = Journal(tmp_path / "j.db")
    # when polled
    report = poll_once(harness.connector, journal)
    # then the good ones are stored and the bad one is quarantined with a reason
    assert (report.created, report.quarantined) == (2, 1)
    held = journal.quarantined()
    assert [str(q["platform_order_id"]) for q in held] == [bad_id]
    assert held[0]["reason"]


def test_registry_knows_the_platform_and_is_off_without_credentials(harness):
    platform = harness.connector.platform.value
    assert CONNECTOR_CLASSES[platform] is type(harness.connector)
    assert not [c for c in configured_connectors({}) if c.platform.value == platform]
    row = {label: (ok, missing) for label, ok, missing in describe_configuration({})}
    assert row[harness.connector.platform.label][0] is False
    assert row[harness.connector.platform.label][1]
