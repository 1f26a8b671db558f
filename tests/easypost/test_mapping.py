"""EasyPost payload -> domain objects and plain words (connectors/easypost/mapping.py)."""
from __future__ import annotations

from connectors.easypost.mapping import address_check, address_fields, error_message, label_from_shipment
from core.models import Address

SENT = Address("Ann Lee", "500 Market Street", "Apartment 9", "San Francisco", "CA", "94105", "US")


def verified(**changes):
    """A verified address answer shaped like test_address_create_verify_strict.yaml."""
    answer = {"street1": "500 MARKET ST APT 9", "street2": "", "city": "SAN FRANCISCO", "state": "CA",
              "zip": "94105-1804", "country": "US",
              "verifications": {"delivery": {"success": True, "errors": []}}}
    return {**answer, **changes}


def test_capitals_abbreviations_and_zip4_are_not_a_correction():
    # given EasyPost's restyled form of the same address, then it is deliverable and uncorrected
    assert address_check(SENT, verified()).corrected is None


def test_a_different_street_number_or_city_is_a_correction():
    # given EasyPost changed the house number or the city, then the corrected form comes back
    assert address_check(SENT, verified(street1="510 MARKET ST APT 9")).corrected.line1 == "510 MARKET ST APT 9"
    assert address_check(SENT, verified(city="DALY CITY")).corrected.city == "DALY CITY"


def test_error_messages_are_sentences_for_every_recorded_error_shape():
    # given the field-error shape (test_error.yaml) and the string shape (test_error_alternative_format.yaml)
    fields = {"code": "PARAMETER.REQUIRED", "message": "Missing required parameter.",
              "errors": [{"field": "shipment", "message": "cannot be blank"}]}
    strings = {"code": "NOT_FOUND", "errors": ["No eligible insurance found with provided tracking code."],
               "message": "The requested resource could not be found."}
    # then each reads as a sentence without braces or quotes
    assert error_message("create the shipment", fields, 422) == \
        "EasyPost refused to create the shipment: shipment cannot be blank"
    assert error_message("file the claim", strings, 404) == \
        "EasyPost refused to file the claim: No eligible insurance found with provided tracking code."
    assert error_message("buy the label", {}, 422) == "EasyPost refused to buy the label: it answered 422"


def test_an_unbought_shipment_has_no_label():
    # given a shipment without postage (test_shipment_create.yaml), then there is no label
    assert label_from_shipment({"id": "shp_1", "postage_label": None, "selected_rate": None}) is None


def test_a_country_written_in_words_is_sent_as_its_code():
    # given Ship To countries as sheets and CSV imports write them, then EasyPost gets the two-letter code
    assert address_fields(Address(line1="1 Main St", country="United States"))["country"] == "US"
    assert address_fields(Address(line1="1 Main St", country=""))["country"] == "US"
    assert address_fields(Address(line1="1 Main St", country="ca"))["country"] == "CA"
    # and a verified 'US' for a sent 'USA' is not a correction
    assert address_check(Address("A", "500 Market St", "", "San Francisco", "CA", "94105", "USA"),
                         verified(street1="500 MARKET ST")).corrected is None
