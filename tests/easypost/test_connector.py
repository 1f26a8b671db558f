"""EasyPostConnector against the EasyPost stand-in: verify, buy once, refund, batch PDF, errors."""
from __future__ import annotations

import logging
from decimal import Decimal

import easypost as easypost_client
import pytest
import requests
from easypost.errors import JsonError

from connectors.base import ConnectorAuthError, ConnectorRejected, ConnectorTemporaryError
from connectors.easypost.connector import EasyPostConnector
from core.labels import Parcel
from core.models import Money
from tests.easypost.conftest import MUG, SHIP_FROM, SHIP_TO
from tests.standin.easypost import LIVE_KEY, TEST_KEY


def bought_shipment(connect, services=()):
    """A connector and one new (not yet bought) shipment."""
    connector = connect(services)
    return connector, connector.create_shipment("intent-7", SHIP_FROM, SHIP_TO, MUG)


# -- address verification -------------------------------------------------------------------------
def test_verify_accepts_an_address_easypost_only_restyles(connect, easypost):
    # given an address EasyPost finds (it answers in capitals, apartment on line 1, with ZIP+4)
    connector = connect()
    # when it is verified
    check = connector.verify(SHIP_TO)
    # then it is deliverable and not reported as corrected
    assert check.deliverable and check.corrected is None and check.message == ""
    sent = easypost.requests_to("POST", "/v2/addresses")[-1].body
    assert sent["verify"] is True and sent["address"]["street1"] == "500 Market St"


def test_verify_reports_a_real_correction(connect, easypost):
    # given EasyPost knows the ZIP of this street is 94103, not 94105
    easypost.corrections["500 MARKET"] = {"zip": "94103"}
    # when the Ship To is verified
    check = connect().verify(SHIP_TO)
    # then the corrected address comes back with words for Sync
    assert check.deliverable
    assert check.corrected is not None and check.corrected.postal_code.startswith("94103")
    assert check.corrected.name == "Ann Lee"
    assert "94103" in check.message and "BUY again" in check.message


def test_verify_says_in_plain_words_why_an_address_is_undeliverable(connect, easypost):
    # given EasyPost can't find the street
    easypost.undeliverable.append("500 MARKET")
    # when it is verified
    check = connect().verify(SHIP_TO)
    # then the message names the street and ZIP and what to check; nothing is created
    assert not check.deliverable and check.corrected is None
    assert check.message.startswith("EasyPost can't find 500 Market St Apt 9 in 94105 — check the ZIP")
    assert easypost.shipments == {}


def test_verify_names_a_missing_house_number(connect):
    # given a street with no house number
    check = connect().verify(SHIP_TO.__class__("Ann", "Market St", "", "San Francisco", "CA", "94105", "US"))
    # then the message says what is missing
    assert not check.deliverable and "house number" in check.message and "{" not in check.message


# -- shipments and buying ---------------------------------------------------------------------------
def test_create_sends_our_reference_parcel_and_label_format(connect, easypost):
    # given a connector set to PDF 4x6
    connector = connect()
    # when a shipment is created
    sid = connector.create_shipment("intent-7", SHIP_FROM, SHIP_TO, MUG)
    # then EasyPost got our intent id, the parcel in ounces/inches and the label options; nothing is bought
    body = easypost.requests_to("POST", "/v2/shipments")[-1].body["shipment"]
    assert body["reference"] == "intent-7"
    assert body["parcel"] == {"weight": 12.0, "length": 9.0, "width": 6.0, "height": 2.0}
    assert body["options"] == {"label_format": "PDF", "label_size": "4x6"}
    assert easypost.shipments[sid]["reference"] == "intent-7"
    assert connector.retrieve(sid) is None and easypost.total_purchases() == 0


@pytest.mark.parametrize("services, expected", [
    ((), ("USPS", "GroundAdvantage")),
    ((("USPS", "Priority"), ("UPS", "Ground")), ("UPS", "Ground")),
    ((("usps", "priority"),), ("USPS", "Priority")),
])
def test_buy_takes_the_cheapest_rate_among_the_allowed_services(connect, easypost, services, expected):
    # given a shipment with USPS, UPS and FedEx rates
    connector, sid = bought_shipment(connect, services)
    rates = easypost.shipments[sid]["rates"]
    allowed = [r for r in rates if not services or (r["carrier"].lower(), r["service"].lower())
               in {(c.lower(), s.lower()) for c, s in services}]
    cheapest = min(allowed, key=lambda r: Decimal(r["rate"]))
    # when it is bought
    label = connector.buy(sid)
    # then the cheapest allowed rate was bought, and the label says what it is
    assert (label.carrier, label.service) == expected == (cheapest["carrier"], cheapest["service"])
    assert easypost.requests_to("POST", "/buy")[-1].body == {"rate": {"id": cheapest["id"]}}
    assert label.postage == Money(Decimal(cheapest["rate"]), "USD")
    assert label.tracking == easypost.shipments[sid]["tracking_code"] and label.tracking
    assert label.label_url.endswith(".pdf") and label.shipment_id == sid
    assert label.postage_shown() == f"${Decimal(cheapest['rate']):.2f} {expected[0]} {expected[1]}"
    assert easypost.purchases == {sid: 1}


def test_buy_whose_answer_is_lost_returns_the_label_that_landed(connect, easypost):
    # given the purchase lands but its answer is lost on the way back
    connector, sid = bought_shipment(connect)
    easypost.lose_next_buy_reply()
    # when the connector buys
    label = connector.buy(sid)
    # then it looks the shipment up instead of resending, and one label exists
    assert label.tracking == easypost.shipments[sid]["tracking_code"]
    assert len(easypost.requests_to("POST", "/buy")) == 1 and easypost.purchases == {sid: 1}


def test_buy_after_a_crash_mid_purchase_never_buys_twice(connect, easypost):
    # given an earlier process sent the buy, the purchase landed, and the answer never came back
    _, sid = bought_shipment(connect)
    rate_id = easypost.shipments[sid]["rates"][0]["id"]
    easypost.lose_next_buy_reply()
    crashed = easypost_client.EasyPostClient(TEST_KEY, api_base=f"{easypost.url}/v2")
    with pytest.raises(JsonError):
        crashed.shipment.buy(sid, rate={"id": rate_id})
    # when a restarted connector buys the same shipment
    label = connect().buy(sid)
    # then it returns the existing label without a second purchase request
    assert label.tracking == easypost.shipments[sid]["tracking_code"]
    assert len(easypost.requests_to("POST", "/buy")) == 1 and easypost.purchases == {sid: 1}


def test_on_buy_runs_after_the_purchase_landed_and_env_points_at_the_standin(easypost):
    # given a connector built from the stand-in's settings, and a hook on purchases
    connector = EasyPostConnector.from_env(easypost.env())
    seen = []
    easypost.on_buy = lambda sid: seen.append(easypost.purchases.get(sid))
    sid = connector.create_shipment("intent-9", SHIP_FROM, SHIP_TO, MUG)
    # when it buys, then the hook saw the purchase already counted
    connector.buy(sid)
    assert seen == [1] and easypost.purchases_for_reference("intent-9") == 1


def test_buy_that_failed_before_landing_can_be_bought_next_time(connect, easypost):
    # given EasyPost is down for the first buy (nothing bought)
    connector, sid = bought_shipment(connect)
    easypost.fail_next(1, 503, when=lambda r: r.path.endswith("/buy"))
    # when the connector buys, then tries again on the next sync
    with pytest.raises(ConnectorTemporaryError, match="try again"):
        connector.buy(sid)
    assert easypost.purchases == {}
    label = connector.buy(sid)
    # then exactly one label is bought
    assert label.tracking and easypost.purchases == {sid: 1}


def test_buy_with_no_allowed_service_says_what_was_offered(connect, easypost):
    # given only a service EasyPost doesn't offer is allowed
    connector, sid = bought_shipment(connect, (("DHL", "Express"),))
    # when it is bought, then nothing is bought and the message lists the offers
    with pytest.raises(ConnectorRejected) as err:
        connector.buy(sid)
    assert "DHL Express" in str(err.value) and "USPS GroundAdvantage $" in str(err.value)
    assert "TRUECRAFT_LABEL_SERVICES" in str(err.value) and easypost.total_purchases() == 0


def test_quote_says_what_buy_would_buy_without_buying(connect, easypost):
    # given a shipment, when it is quoted (a dry run), then it names the cheapest rate and buys nothing
    connector, sid = bought_shipment(connect, (("UPS", "Ground"),))
    quote = connector.quote(sid)
    ups = next(r for r in easypost.shipments[sid]["rates"] if r["carrier"] == "UPS" and r["service"] == "Ground")
    assert quote == f"${Decimal(ups['rate']):.2f} UPS Ground" and easypost.total_purchases() == 0
    assert easypost.requests_to("POST", "/buy") == []


# -- refunds and printing --------------------------------------------------------------------------------
def test_refund_is_submitted_then_settled_by_the_carrier(connect, easypost):
    # given a bought label
    connector, sid = bought_shipment(connect)
    connector.buy(sid)
    # when it is voided
    status = connector.refund(sid)
    # then the refund is submitted, and later shows the carrier's decision
    assert status == "submitted" and connector.retrieve(sid).refund_status == "submitted"
    easypost.settle_refund(sid, "rejected")
    assert connector.retrieve(sid).refund_status == "rejected"


def test_print_batch_returns_one_pdf_for_all_labels(connect, easypost, sleeps):
    # given two bought labels and EasyPost needing three looks to render the PDF
    connector = connect()
    ids = [connector.create_shipment(f"intent-{i}", SHIP_FROM, SHIP_TO, MUG) for i in range(2)]
    for sid in ids:
        connector.buy(sid)
    easypost.label_polls_needed = 3
    # when the batch is printed
    url = connector.print_batch(ids)
    # then one PDF URL comes back, holding both shipments, after injected (not real) waits
    assert url.endswith(".pdf") and requests.get(url, timeout=5).content.startswith(b"%PDF")
    batch = next(iter(easypost.batches.values()))
    assert {e["id"] for e in batch["shipments"]} == set(ids)
    assert easypost.requests_to("POST", "/label")[-1].body == {"file_format": "PDF"}
    assert len(sleeps) == 2


def test_print_batch_that_never_finishes_says_to_try_again(connect, easypost, sleeps):
    # given EasyPost never finishes the PDF
    connector, sid = bought_shipment(connect)
    connector.buy(sid)
    easypost.label_polls_needed = 10_000
    # when printing, then a plain temporary error comes back after bounded waits
    with pytest.raises(ConnectorTemporaryError, match="still making the label PDF"):
        connector.print_batch([sid])
    assert 0 < sum(sleeps) <= 90


# -- errors --------------------------------------------------------------------------------------------
def test_a_422_becomes_plain_words(connect, easypost):
    # given a parcel with no weight
    connector = connect()
    # when a shipment is created, then EasyPost's 422 reads as a sentence, not JSON
    with pytest.raises(ConnectorRejected) as err:
        connector.create_shipment("intent-1", SHIP_FROM, SHIP_TO, Parcel(Decimal(0)))
    assert str(err.value) == "EasyPost refused the parcel: weight must be more than 0"
    assert easypost.requests_to("POST", "/v2/shipments")[-1].answered == 422


def test_a_422_with_only_a_message_uses_it(connect, easypost):
    # given EasyPost refuses the purchase with a message and no field errors
    connector, sid = bought_shipment(connect)
    easypost.reject_next("/buy", "Insufficient funds to purchase this label.", code="PAYMENT.INSUFFICIENT")
    # when buying, then the message is EasyPost's words, and nothing was bought
    with pytest.raises(ConnectorRejected) as err:
        connector.buy(sid)
    assert str(err.value) == "EasyPost refused to buy the label: Insufficient funds to purchase this label"
    assert easypost.total_purchases() == 0


def test_a_bad_key_gives_a_plain_auth_error_and_is_never_logged(connect, caplog):
    # given a revoked key
    connector = connect(key="EZAK_revoked_secret_123")
    # when it is checked, then the error says what to do, and the key appears nowhere
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(ConnectorAuthError) as err:
            connector.check_key()
    assert "EASYPOST_API_KEY" in str(err.value)
    assert "EZAK_revoked_secret_123" not in str(err.value) + caplog.text


def test_a_server_error_is_temporary(connect, easypost):
    # given EasyPost answers 500
    connector, sid = bought_shipment(connect)
    easypost.fail_next(1, 500)
    # when looking the shipment up, then it is a temporary error in plain words
    with pytest.raises(ConnectorTemporaryError, match="busy or unreachable"):
        connector.retrieve(sid)


@pytest.mark.parametrize("key, mode", [(TEST_KEY, "test"), (LIVE_KEY, "live")])
def test_check_key_says_test_or_live_with_one_read(connect, easypost, key, mode):
    # given a valid test or live key
    connector = connect(key=key)
    # when it is checked, then one read tells which kind it is
    assert connector.check_key() == mode
    assert [(r.method, r.path) for r in easypost.requests] == [("GET", "/v2/addresses")]


# -- settings ----------------------------------------------------------------------------------------------
def test_from_env_reads_the_key_url_services_and_format():
    # given the settings, when the connector is built, then each one is used
    assert EasyPostConnector.from_env({}) is None
    connector = EasyPostConnector.from_env({
        "EASYPOST_API_KEY": TEST_KEY, "EASYPOST_API_URL": "http://127.0.0.1:9/v2/",
        "TRUECRAFT_LABEL_SERVICES": "USPS:GroundAdvantage, UPS:Ground", "TRUECRAFT_LABEL_FORMAT": "zpl 4x6"})
    assert connector.http.client.api_base == "http://127.0.0.1:9/v2"
    assert connector.services == (("USPS", "GroundAdvantage"), ("UPS", "Ground"))
    assert (connector.label_format, connector.label_size, connector.mode) == ("ZPL", "4x6", "test")
    default = EasyPostConnector.from_env({"EASYPOST_API_KEY": LIVE_KEY})
    assert default.http.client.api_base == "https://api.easypost.com/v2"
    assert (default.services, default.label_format, default.label_size) == ((), "PDF", "4x6")


def test_from_env_explains_a_badly_written_service_list():
    # given a service written without its carrier, then the message shows the right form
    with pytest.raises(ConnectorRejected, match="USPS:GroundAdvantage"):
        EasyPostConnector.from_env({"EASYPOST_API_KEY": TEST_KEY, "TRUECRAFT_LABEL_SERVICES": "GroundAdvantage"})
