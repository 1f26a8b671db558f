"""cluster_customers: one person across channels, households kept apart."""
from decimal import Decimal

from automations.duplicates.customers import cluster_customers
from core.models import Money
from tests.duplicates.builders import order


def test_same_person_across_channels_is_one_repeat_customer():
    # given Rachel on Etsy, Square (phone + address) and Shopify weeks later (email only), and her housemate
    orders = [
        order("etsy", "1", 0, "Rachel Green", price="200.00"),
        order("square", "2", 60, "Rach Green", phone="503-555-0100", email="rg@example.com", price="195.80"),
        order("shopify", "3", 60 * 24 * 30, "R. Green", email="RG+shop@example.com",
              address=("9 Elm Rd", "", "Salem", "OR", "97301", "US"), price="30.00"),
        order("etsy", "4", 10, "Anna Green", price="40.00"),
    ]
    # when clustered
    clusters = cluster_customers(orders)
    # then Rachel's three orders form C-1 (first order first) and Anna is C-2
    assert [c.customer_id for c in clusters] == ["C-1", "C-2"]
    rachel, anna = clusters
    assert rachel.order_ids == ["etsy:1", "square:2", "shopify:3"]
    assert (rachel.order_count, rachel.is_repeat, rachel.channels) == (3, True, ["Etsy", "Shopify", "Square"])
    assert rachel.total_spent == Money(Decimal("425.80"), "USD")
    assert rachel.phones == ["503-555-0100"]
    assert rachel.first_order == orders[0].created_at and rachel.last_order == orders[2].created_at
    assert (anna.name, anna.order_count, anna.is_repeat) == ("Anna Green", 1, False)


def test_ids_are_deterministic_whatever_the_input_order():
    orders = [order("etsy", str(n), n * 10, f"Person{n} Test", phone=f"50355501{n:02d}",
                    address=(f"{n} Oak St", "", "Portland", "OR", "97201", "US")) for n in range(5)]
    forward = [(c.customer_id, c.order_ids) for c in cluster_customers(orders)]
    backward = [(c.customer_id, c.order_ids) for c in cluster_customers(list(reversed(orders)))]
    assert forward == backward
    assert [cid for cid, _ in forward] == ["C-1", "C-2", "C-3", "C-4", "C-5"]


def test_mixed_currencies_total_is_a_plain_number():
    a = order("etsy", "1", 0, phone="503-555-0100", price="10.00")
    b = a.with_changes(platform_order_id="2", total=Money(Decimal("5.00"), "EUR"))
    [cluster] = cluster_customers([a, b])
    assert cluster.total_spent == Decimal("15.00")
