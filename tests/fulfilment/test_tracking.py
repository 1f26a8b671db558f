"""Tracking numbers: plausible for their carrier, or a plain explanation; and the buyer's link."""
import pytest

from automations.fulfilment.tracking import (canonical_carrier, guess_carrier, implausible_reason,
                                             normalise_number, tracking_url)


@pytest.mark.parametrize("carrier, number, ok", [
    ("USPS", "9400111899223197428490", True),
    ("USPS", "9400 1118 9922 3197 4284 90", True),  # pasted with spaces
    ("USPS", "92055901755477000000000", False),  # 23 digits
    ("USPS", "EA123456789US", True),
    ("USPS", "1Z999AA10123456784", False),
    ("UPS", "1Z999AA10123456784", True),
    ("UPS", "1z999aa10123456784", True),
    ("UPS", "1Z999AA1012345678", False),  # 17 characters
    ("UPS", "9400111899223197428490", False),
    ("FedEx", "123456789012", True),
    ("FedEx", "123456789012345", True),
    ("FedEx", "12345678901234567890", True),
    ("FedEx", "1234567890123", False),
    ("DHL", "1234567890", True),
    ("DHL", "123456789", False),
    ("Royal Mail", "AB123456789GB", True),
    ("Royal Mail", "AB123456789US", False),
    ("Canada Post", "1234567890123456", True),
    ("Canada Post", "AB123456789CA", True),
    ("Canada Post", "123456789012", False),
    ("Other", "ABC12", True),
    ("Other", "AB1", False),
    ("", "XYZ-99", True),
])
def test_plausibility_table(carrier, number, ok):
    # given a carrier and what the seller typed / when checked / then plausible or explained
    reason = implausible_reason(carrier, number)
    assert (reason is None) is ok
    if not ok:
        assert "check it" in reason and number.strip() in reason


def test_explanation_names_the_carrier_rule():
    reason = implausible_reason("UPS", "12345")
    assert "UPS numbers start with 1Z" in reason


@pytest.mark.parametrize("text, expected", [
    ("usps", "USPS"), (" Royal mail ", "Royal Mail"), ("fedex", "FedEx"), ("canadapost", "Canada Post"),
    ("", ""), ("Pigeon", None)])
def test_carrier_names_are_matched_leniently(text, expected):
    assert canonical_carrier(text) == expected


@pytest.mark.parametrize("number, carrier", [
    ("1Z999AA10123456784", "UPS"), ("9400111899223197428490", "USPS"), ("AB123456789GB", "Royal Mail"),
    ("AB123456789CA", "Canada Post"), ("123456789012", "Other")])
def test_guess_carrier_only_when_unmistakable(number, carrier):
    assert guess_carrier(number) == carrier


@pytest.mark.parametrize("carrier, host", [
    ("USPS", "tools.usps.com"), ("UPS", "www.ups.com"), ("FedEx", "www.fedex.com"), ("DHL", "www.dhl.com"),
    ("Royal Mail", "www.royalmail.com"), ("Canada Post", "canadapost"), ("Australia Post", "auspost.com.au")])
def test_tracking_url_per_carrier(carrier, host):
    url = tracking_url(carrier, "ab 12-34")
    assert url.startswith("https://") and host in url and url.endswith("AB1234")


def test_no_url_for_other_or_blank_number():
    assert tracking_url("Other", "ABC12345") == "" and tracking_url("USPS", "") == ""


def test_normalise_strips_spaces_and_dashes():
    assert normalise_number(" 1z-999 aa1 ") == "1Z999AA1"
