"""Normalisation of names, emails, phones and addresses."""
import pytest

from automations.duplicates.normalise import (first_names_match, is_relay, normalise_address, normalise_email,
                                              normalise_phone, parse_name, phonetic)


@pytest.mark.parametrize("a, b, expected", [
    ("peggy", "margaret", "nickname"), ("william", "bill", "nickname"), ("liz", "beth", "nickname"),
    ("robert", "bob", "nickname"), ("rachel", "rach", "typo"), ("rachel", "rachel", "exact"),
    ("r", "rachel", "initial"), ("tom", "anna", ""), ("kate", "catherine", "nickname"), ("emma", "olivia", ""),
    ("micheal", "michael", "typo"), ("katherine", "katharine", "typo"), ("sara", "zara", ""),
])
def test_first_names_relate_as_expected(a, b, expected):
    # given two first names / when compared / then the relation is classified
    assert first_names_match(a, b) == expected


@pytest.mark.parametrize("raw, first, last", [
    ("Rachel A. Green", "rachel", "green"), ("Green, Rachel", "rachel", "green"),
    ("ZOË  MÜLLER", "zoe", "muller"), ("Dr. José Gómez Jr.", "jose", "gomez"), ("", "", ""),
])
def test_names_are_split_and_transliterated(raw, first, last):
    name = parse_name(raw)
    assert (name.first, name.last) == (first, last)


@pytest.mark.parametrize("a, b", [("rachel", "rachael"), ("jon", "john"), ("catherine", "katherine")])
def test_phonetic_codes_survive_common_misspellings(a, b):
    # given two spellings of one name / when coded with NYSIIS / then the block keys agree
    assert phonetic(a) == phonetic(b) != ""


@pytest.mark.parametrize("raw, expected", [
    ("Rachel.Green+etsy@GMail.com", "rachelgreen@gmail.com"),
    ("r.green@googlemail.com", "rgreen@gmail.com"),
    ("R.Green+x@Example.com", "r.green@example.com"),
    ("abc123@marketplace.amazon.com", ""),
    ("not-an-email", ""), ("", ""),
])
def test_emails_normalise_and_relays_are_ignored(raw, expected):
    assert normalise_email(raw) == expected


@pytest.mark.parametrize("raw, country, expected", [
    ("(503) 555-0100", "US", "+15035550100"), ("503.555.0100", "", "+15035550100"),
    ("+1 503 555 0100", "GB", "+15035550100"), ("020 7946 0958", "GB", "+442079460958"),
    ("12", "US", ""), ("", "US", ""),
])
def test_phones_become_e164_using_address_country(raw, country, expected):
    assert normalise_phone(raw, country) == expected


def test_address_spellings_of_one_place_normalise_equal():
    # given the same address written as a billing and as a shipping address
    a = normalise_address("123 North Main Street", "Apt 4", "Portland", "97201-1234", "US")
    b = normalise_address("123 N. Main St. #4", "", "PORTLAND", "97201", "USA")
    # then house number, street, unit and zip agree
    assert (a.house, a.street, a.unit, a.postcode) == (b.house, b.street, b.unit, b.postcode) == ("123", "n main st", "4", "97201")


def test_different_house_number_stays_different():
    a = normalise_address("123 Main St", "", "Portland", "97201", "US")
    b = normalise_address("125 Main St", "", "Portland", "97201", "US")
    assert a.house != b.house


@pytest.mark.parametrize("raw", ["1-503-555-0100", "+1 (503) 555-0100", "503 555 0100", "(212) 867-5309",
                                 "+15035550100", "5035550100"])
def test_north_american_fast_path_agrees_with_phonenumbers(raw):
    import phonenumbers
    expected = phonenumbers.format_number(phonenumbers.parse(raw, "US"), phonenumbers.PhoneNumberFormat.E164)
    assert normalise_phone(raw, "US") == normalise_phone(raw, "CA") == expected


@pytest.mark.parametrize("raw, relay", [
    ("abc123@marketplace.amazon.com", True), ("x@privaterelay.appleid.com", True),
    ("rachel@example.com", False), ("not-an-email", False), ("", False),
])
def test_relay_addresses_are_recognised_though_never_compared(raw, relay):
    # given an e-mail as typed / when checked / then a marketplace relay address is told apart
    assert is_relay(raw) is relay
    if relay:
        assert normalise_email(raw) == ""
