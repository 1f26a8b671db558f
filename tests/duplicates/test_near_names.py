"""Hard negatives of issue 12 that look like typos: households with near first names, gift givers
with one first name, and Amazon relay e-mails as contact details (rules.py)."""
import pytest

from automations.duplicates.detector import DuplicateDetector
from automations.duplicates.rules import surely_apart
from automations.duplicates.scoring import features
from tests.duplicates.builders import order

RELAY = "0a1b2c3d4e5f@marketplace.amazon.com"


def scan(*orders):
    return DuplicateDetector(window_minutes=120, threshold=70).scan(orders)


@pytest.mark.parametrize("first_a, first_b", [
    ("Jasper", "Harper"),      # two letters off, one of them the first letter
    ("Nora", "Noah"),          # two letters off in a four-letter name: only similar
    ("Samantha", "Amanda"),    # only similar
])
def test_household_members_with_near_first_names_are_not_shown_when_an_order_has_contact_details(first_a, first_b):
    # given two people at one address whose first names are a few letters apart, one order with a phone
    a = order("square", "1", 0, f"{first_a} Flores", email="jflores@example.com", phone="828-370-2084")
    b = order("etsy", "2", 30, f"{first_b} Flores")
    # when scanned
    pairs = scan(a, b)
    # then not even a check: the buyer who typed her phone typed her own first name
    assert pairs == [], [p.alert_text() for p in pairs]
    assert surely_apart(features(a), features(b))  # and the cheap pre-test agrees


@pytest.mark.parametrize("first_b", ["Rachle", "Rahcel", "Rachael"])
def test_a_slip_in_the_first_name_next_to_contact_details_is_still_flagged(first_b):
    # given one buyer on two channels, the second order with one slip in her first name
    a = order("square", "1", 0, "Rachel Green", email="rachel@example.com", price="200.00")
    b = order("shopify", "2", 40, f"{first_b} Green", email="rgreen@example.net", price="200.00")
    # when scanned
    pairs = scan(a, b)
    # then it is still one buyer, flagged
    assert [p.band for p in pairs] == ["flag"], [p.alert_text() for p in pairs]


def test_a_mistyped_first_letter_alone_is_still_one_name():
    # given Katherine and Catherine (one letter off, the first one) with contact details on one order
    a = order("square", "1", 0, "Katherine Green", phone="503-555-0100", price="200.00")
    b = order("etsy", "2", 40, "Catherine Green", price="200.00")
    # then one slip is one name: shown, not ruled out
    assert [p.band for p in scan(a, b)] == ["flag"]
    assert not surely_apart(features(a), features(b))


def test_gift_givers_with_one_first_name_and_two_surnames_are_not_a_duplicate():
    # given Deborah Nguyen and Deborah Baker each sending the same gift to Deborah Scott
    a = order("shopify", "1", 0, "Deborah Nguyen", email="dnguyen@example.com", ship_name="Deborah Scott")
    b = order("etsy", "2", 30, "Deborah Baker", ship_name="Deborah Scott")
    # then two givers, not one purchase
    assert scan(a, b) == []


def test_one_buyer_sending_one_gift_twice_is_still_flagged():
    # given the same buyer submitting a gift order twice to one recipient
    a = order("shopify", "1", 0, "Deborah Nguyen", email="dnguyen@example.com", ship_name="Deborah Scott")
    b = order("etsy", "2", 10, "Deborah Nguyen", ship_name="Deborah Scott")
    # then the gift rule does not hide it
    assert [p.band for p in scan(a, b)] == ["flag"]


def test_household_members_behind_an_amazon_relay_address_are_not_shown():
    # given two people at one address: an Amazon order with only a relay e-mail, an Etsy order with nothing
    a = order("amazon", "1", 0, "James Rossi", email=RELAY, buyer="52023600")
    b = order("etsy", "2", 30, "Ethan Rossi", buyer="8453289")
    # then the Amazon buyer typed her own name in her account: two first names are two people
    assert scan(a, b) == []


def test_a_relay_address_is_never_compared_as_an_email():
    # given one buyer ordering on Amazon (relay e-mail) and on Etsy with her own e-mail
    a = order("amazon", "1", 0, "Rachel Green", email=RELAY, price="200.00")
    b = order("shopify", "2", 30, "Rachel Green", email="rachel@example.com", price="200.00")
    # when scanned
    [pair] = scan(a, b)
    # then the two addresses do not count as two people: the pair is flagged on name and address
    assert pair.band == "flag"
    assert features(a).email == "" and features(a).relay


def test_one_name_at_another_house_number_and_postcode_is_a_check_not_a_flag():
    # given two Maria Garcias on one street name in one town: other house, postcode one digit off
    a = order("square", "1", 0, "Maria Garcia", address=("4241 Washington Ave", "", "Springfield", "IL", "62704", "US"))
    b = order("etsy", "2", 30, "Maria Garcia", address=("294 E Washington Dr", "", "Springfield", "IL", "62705", "US"))
    # when scanned
    pairs = scan(a, b)
    # then at most a check: nothing but the name says it is one buyer
    assert [p.band for p in pairs] in ([], ["check"]), [p.alert_text() for p in pairs]


def test_another_house_number_with_the_same_postcode_is_still_a_typo_and_flagged():
    # given one buyer whose house number was mistyped on the second order, all else the same
    a = order("square", "1", 0, "Maria Garcia", address=("4241 Washington Ave", "", "Springfield", "IL", "62704", "US"))
    b = order("etsy", "2", 30, "Maria Garcia", address=("4291 Washington Ave", "", "Springfield", "IL", "62704", "US"))
    # then still one buyer, flagged
    assert [p.band for p in scan(a, b)] == ["flag"]


def test_another_house_number_confirmed_by_the_same_email_is_flagged():
    # given the Maria Garcias of the first test, both orders with one e-mail address
    a = order("square", "1", 0, "Maria Garcia", email="mg@example.com",
              address=("4241 Washington Ave", "", "Springfield", "IL", "62704", "US"))
    b = order("etsy", "2", 30, "Maria Garcia", email="mg@example.com",
              address=("294 E Washington Dr", "", "Springfield", "IL", "62705", "US"))
    # then the e-mail confirms one buyer shipping to two addresses: flagged
    assert [p.band for p in scan(a, b)] == ["flag"]
