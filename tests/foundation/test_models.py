"""Domain model rules: exact money, UTC times, identity, plain errors."""
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from core.models import DomainError, LineItem, Money, Platform, parse_time
from core.serialize import order_from_dict, order_to_dict
from tests.foundation.factories import make_order


def test_money_is_exact_decimal():
    # given amounts that float arithmetic gets wrong
    total = Money("0.10", "usd") + Money("0.20", "USD")
    # then the sum is exact and the currency normalised
    assert total.amount == Decimal("0.30") and total.currency == "USD"


def test_money_refuses_mixed_currencies():
    with pytest.raises(DomainError, match="cannot add"):
        Money("1", "USD") + Money("1", "EUR")


@pytest.mark.parametrize("text,expected", [
    ("2026-11-27T11:00:00Z", datetime(2026, 11, 27, 11, tzinfo=timezone.utc)),
    ("2026-11-27T06:00:00-05:00", datetime(2026, 11, 27, 11, tzinfo=timezone.utc)),
    ("2026-11-27", datetime(2026, 11, 27, tzinfo=timezone.utc)),
])
def test_times_become_utc(text, expected):
    assert parse_time(text) == expected and parse_time(text).tzinfo == timezone.utc


def test_naive_times_are_rejected():
    with pytest.raises(DomainError, match="timezone"):
        make_order().with_changes(created_at=datetime(2026, 1, 1))


def test_identity_and_round_trip_keep_everything():
    # given an order with a raw payload
    order = make_order(pid="A-1", platform="Shopify")
    # when it goes through the journal's JSON form
    back = order_from_dict(order_to_dict(order), raw=order.raw)
    # then it is equal, identity included, and the raw payload is kept
    assert back == order and back.key == ("shopify", "A-1") and back.raw == {"id": "A-1"}
    assert back.platform is Platform.SHOPIFY


@pytest.mark.parametrize("qty", [0, -1])
def test_line_item_needs_positive_quantity(qty):
    with pytest.raises(DomainError, match="at least 1"):
        LineItem("Mug", qty, Money("1", "USD"))


def test_unknown_platform_names_the_choices():
    with pytest.raises(DomainError, match="Etsy"):
        Platform.parse("ebay")


def test_updated_at_defaults_to_created_at():
    o = make_order()
    assert o.updated_at == o.created_at and o.with_changes(updated_at=o.created_at + timedelta(1)).updated_at > o.created_at
