"""The hard positives and hard negatives of issue 12, one hand-made pair each."""
import pytest

from automations.duplicates.detector import DuplicateDetector
from tests.duplicates.builders import order

HOME = ("123 North Main Street", "Apt 4", "Portland", "OR", "97201", "US")
NO_ADDRESS = ("", "", "", "", "", "")


def scan(*orders):
    return DuplicateDetector(window_minutes=120, threshold=70).scan(orders)


@pytest.mark.parametrize("name_b, address_b", [
    ("Rach Green", HOME),                                                       # nickname missing from the dataset
    ("Rachle Green", HOME),                                                     # one-letter typo in the first name
    ("Green Rachel", HOME),                                                     # given and family name swapped
    ("Rachel Green", ("132 North Main Street", "Apt 4", "Portland", "OR", "97201", "US")),  # transposed house number
    ("Rachel Green", ("123 North Main Street", "Apt 4", "Portland", "OR", "97202", "US")),  # postcode one digit off
    ("Rachel Green", ("123 N Mian St", "#4", "Portland", "OR", "97201", "US")),  # street typo and abbreviations
])
def test_hard_positives_are_flagged(name_b, address_b):
    # given the same buyer on two channels, one detail written differently on the second order
    a = order("etsy", "1", 0, "Rachel Green", address=HOME, price="200.00")
    b = order("shopify", "2", 40, name_b, address=address_b, price="200.00")
    # when scanned
    pairs = scan(a, b)
    # then the pair is flagged, not merely offered as a check
    assert [p.band for p in pairs] == ["flag"], [p.alert_text() for p in pairs]


def test_invoice_without_address_is_shown_in_the_check_band_with_what_to_do():
    etsy = order("etsy", "1", 0, "Sarah Miller", title="Embroidered Denim Jacket", price="250.00")
    dm = order("square", "2", 58, "Sarah M.", address=NO_ADDRESS, title="custom denim jacket for Sarah", price="240.00")
    [pair] = scan(etsy, dm)
    assert pair.band == "check"
    assert pair.note == "The Square invoice has no address to compare: ask the customer"


def test_household_members_with_their_own_emails_are_not_a_duplicate():
    # given two people at one address, each with an e-mail of their own, buying the same thing
    a = order("shopify", "1", 0, "Rachel Green", email="rachel@example.com")
    b = order("square", "2", 15, "Monica Green", email="monica@example.com")
    assert scan(a, b) == []


@pytest.mark.parametrize("contact", [{"email": "rachel@example.com"}, {"phone": "503-555-0100"}])
def test_household_members_are_not_shown_when_one_order_has_contact_details(contact):
    # given two first names at one address, and an e-mail or phone on only one of the orders
    a = order("etsy", "1", 0, "Rachel Green", **contact)
    b = order("amazon", "2", 15, "Monica Green")
    # then not even a check: whoever typed the contact details typed her own first name
    assert scan(a, b) == []


def test_household_members_with_nothing_else_to_compare_are_never_flagged():
    # given two first names at one address and no e-mail or phone on either side
    a = order("etsy", "1", 0, "Rachel Green")
    b = order("amazon", "2", 15, "Monica Green")
    # then at most the lower band, with the question spelled out
    pairs = scan(a, b)
    assert [p.band for p in pairs] in ([], ["check"])
    assert all("housemate" in p.note for p in pairs)


def test_same_name_strangers_in_one_town_on_different_streets_are_not_shown():
    # given one common name in one town, and nothing else of the addresses alike
    a = order("etsy", "1", 0, "Maria Garcia", address=("45 Oak Avenue", "", "Austin", "TX", "78704", "US"))
    b = order("shopify", "2", 30, "Maria Garcia", address=("9120 Ridge Road", "", "Austin", "TX", "78745", "US"))
    # then not even the lower band: a shared name and town is what strangers have in common
    assert scan(a, b) == []


@pytest.mark.parametrize("address_b, what", [
    (("45 Ridge Road", "", "Austin", "TX", "78745", "US"), "house number"),
    (("9120 Oak Avenue", "", "Austin", "TX", "78745", "US"), "street"),
    (("9120 Ridge Road", "", "Austin", "TX", "78704", "US"), "postcode"),
])
def test_same_name_on_another_street_sharing_one_address_part_is_a_check(address_b, what):
    # given one name, and addresses that differ but share a house number, a street or a postcode
    a = order("etsy", "1", 0, "Maria Garcia", address=("45 Oak Avenue", "", "Austin", "TX", "78704", "US"))
    b = order("shopify", "2", 30, "Maria Garcia", address=address_b)
    # then it is offered as a check (a typo-ridden address or a second address), never a flag
    assert [p.band for p in scan(a, b)] == ["check"], what


def test_gift_givers_sending_to_one_recipient_are_not_a_duplicate():
    # given two buyers each sending the same gift to Rachel
    a = order("etsy", "1", 0, "Mark Jones", ship_name="Rachel Green")
    b = order("shopify", "2", 20, "Joey Tribbiani", ship_name="Rachel Green")
    assert scan(a, b) == []


def test_the_same_buyer_buying_another_variant_is_not_a_duplicate():
    a = order("etsy", "1", 0, phone="503-555-0100", title="Silver Leaf Necklace", variant="Silver")
    b = order("shopify", "2", 10, phone="503-555-0100", title="Silver Leaf Necklace", variant="Gold")
    assert scan(a, b) == []


def test_a_reorder_outside_the_window_is_not_compared():
    a = order("etsy", "1", 0, phone="503-555-0100")
    b = order("etsy", "2", 60 * 24 * 21, phone="503-555-0100")
    assert scan(a, b) == []


def test_a_flash_sale_of_one_product_to_many_strangers_flags_nobody():
    # given 300 strangers buying one SKU at one price within an hour, all in one town
    buyers = [order("shopify", str(n), n / 5, f"Buyer {chr(65 + n % 26)}{chr(65 + n // 26 % 26)}son Smyth{n % 7}",
                    address=(f"{10 + n} Elm Street", "", "Austin", "TX", f"787{n % 40:02d}", "US"),
                    email=f"b{n}@example.com", sku="NK-1") for n in range(300)]
    assert scan(*buyers) == []
