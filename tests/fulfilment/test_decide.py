"""decide(): the seller's edits are checked, never trusted blindly — one table per rule."""
from decimal import Decimal

import pytest

from automations.fulfilment.decide import (AddressChanged, CancelOnPlatform, Merge, PlatformChanged,
                                           Push, Record, Reject, SetFields, canonical_status, decide,
                                           decide_duplicate_decision, decide_platform_changes)
from automations.sheet_edits import Edit
from core.models import Address, LineItem, Money, OrderState, Shipment
from tests.foundation.factories import make_order
from tests.fulfilment.helpers import NOW, UPS, USPS, fulfil_edits, stored


def _one(decisions, kind):
    found = [x for x in decisions if isinstance(x, kind)]
    assert len(found) == 1, decisions
    return found[0]


@pytest.mark.parametrize("typed, expected", [
    ("fulfilled ", "FULFILLED"), ("In  progress", "IN PROGRESS"), ("on hold", "ON HOLD"),
    ("shipped", None), ("", None), ("done", None)])
def test_canonical_status(typed, expected):
    assert canonical_status(typed) == expected


def test_happy_path_pushes_with_carrier_and_tracking():
    # given an unshipped Etsy order / when the seller sets FULFILLED + USPS + tracking
    out = decide(fulfil_edits("TC-1"), {"TC-1": stored()}, NOW)
    # then the status is recorded and a push is decided with what they typed
    assert _one(out, Push) == Push("TC-1", "etsy", "USPS", USPS, "12 Oak Street, Portland, OR 97201, US")
    assert _one(out, Record).status == "FULFILLED"
    assert not any(isinstance(x, Reject) for x in out)


# --- every rejection rule, as a table: (order, fields, edits, message fragment) ---------------------
US_ETSY_25 = make_order("E1", platform="etsy", total="25.00")
US_ETSY_8 = make_order("E2", platform="etsy", total="8.00")
UK_ETSY_25 = make_order("E3", platform="etsy", total="25.00",
                        ship_to=Address(line1="1 High St", city="York", country="GB"))
SHOPIFY = make_order("S1", platform="shopify")
AMAZON = make_order("A1", platform="amazon")
CANCELLED_ON_ETSY = make_order("E4", platform="etsy", state=OrderState.CANCELLED)
FULFILLED_ON_ETSY = make_order("E5", platform="etsy", state=OrderState.FULFILLED)

REJECTIONS = [
    ("unknown status", US_ETSY_25, {}, [Edit("TC-1", "status", "UNFULFILLED", "shipped")],
     "‘shipped’ isn't a status — choose one from the dropdown"),
    ("unknown carrier", US_ETSY_25, {}, fulfil_edits("TC-1", carrier="Pigeon"),
     "‘Pigeon’ isn't a carrier"),
    ("etsy US over $10 needs tracking", US_ETSY_25, {}, [Edit("TC-1", "status", "UNFULFILLED", "FULFILLED")],
     "Etsy needs a tracking number for US orders over $10"),
    ("shopify needs tracking", SHOPIFY, {}, [Edit("TC-1", "status", "UNFULFILLED", "FULFILLED")],
     "Shopify needs a tracking number"),
    ("amazon needs tracking", AMAZON, {}, [Edit("TC-1", "status", "UNFULFILLED", "FULFILLED")],
     "Amazon needs a tracking number"),
    ("implausible for carrier", US_ETSY_25, {}, fulfil_edits("TC-1", tracking=USPS, carrier="UPS"),
     "doesn't look like a UPS tracking number"),
    ("too short for Other", US_ETSY_25, {}, fulfil_edits("TC-1", tracking="12", carrier="Other"),
     "too short to be a tracking number"),
    ("merged order", US_ETSY_25, {"status": "MERGED", "merged_into": "TC-9"},
     fulfil_edits("TC-1"), "TC-1 was merged into TC-9 — ship TC-9 instead"),
    ("cancelled row", US_ETSY_25, {"status": "CANCELLED"}, fulfil_edits("TC-1"),
     "TC-1 is CANCELLED — set Status to UNFULFILLED first"),
    ("cancelled on platform", CANCELLED_ON_ETSY, {}, fulfil_edits("TC-1"),
     "TC-1 is cancelled on Etsy — it can't be shipped"),
    ("undo a confirmed push", US_ETSY_25, {"status": "FULFILLED", "shipped": {"tracking": USPS}},
     [Edit("TC-1", "status", "FULFILLED", "UNFULFILLED")], "already shipped on Etsy"),
    ("undo a platform fulfilment", FULFILLED_ON_ETSY, {}, [Edit("TC-1", "status", "FULFILLED", "IN PROGRESS")],
     "a shipment can't be undone"),
    ("second tracking after shipping", US_ETSY_25, {"status": "FULFILLED", "shipped": {"tracking": USPS}},
     [Edit("TC-1", "tracking", USPS, UPS)], f"already shipped with tracking {USPS}"),
]


@pytest.mark.parametrize("case, order, fields, edits, message", REJECTIONS, ids=[r[0] for r in REJECTIONS])
def test_rejections(case, order, fields, edits, message):
    # given the row / when decided / then nothing is acted upon and the reason is plain
    out = decide(edits, {"TC-1": stored("TC-1", order, **fields)}, NOW)
    reject = _one(out, Reject)
    assert message in reject.message
    assert reject.revert is None  # nothing a person typed is overwritten
    assert not any(isinstance(x, (Push, Record, SetFields)) for x in out)


@pytest.mark.parametrize("order", [US_ETSY_8, UK_ETSY_25, make_order("Q1", platform="square"),
                                   make_order("M1", platform="manual")],
                         ids=["etsy-under-10", "etsy-outside-US", "square", "manual"])
def test_channels_that_may_ship_without_tracking(order):
    out = decide([Edit("TC-1", "status", "UNFULFILLED", "FULFILLED")], {"TC-1": stored("TC-1", order)}, NOW)
    push = _one(out, Push)
    assert push.tracking == "" and not any(isinstance(x, Reject) for x in out)


@pytest.mark.parametrize("status", ["IN PROGRESS", "ON HOLD", "CANCELLED", "UNFULFILLED"])
def test_other_statuses_are_recorded_only(status):
    out = decide([Edit("TC-1", "status", "FULFILLED" if status == "UNFULFILLED" else "UNFULFILLED", status)],
                 {"TC-1": stored("TC-1", status="FULFILLED" if status == "UNFULFILLED" else "")}, NOW)
    assert out == [Record("TC-1", status, "FULFILLED" if status == "UNFULFILLED" else "UNFULFILLED")]


def test_sloppy_spelling_is_accepted_and_written_back_clean():
    # given "fulfilled " and a tracking number pasted with spaces and a lower-case carrier
    edits = [Edit("TC-1", "status", "UNFULFILLED", "fulfilled"), Edit("TC-1", "carrier", "", "ups"),
             Edit("TC-1", "tracking", "", "1z999aa1 0123456784")]
    out = decide(edits, {"TC-1": stored()}, NOW)
    assert _one(out, Record) == Record("TC-1", "FULFILLED", "UNFULFILLED", push=True)
    assert _one(out, SetFields) == SetFields("TC-1", {"carrier": "UPS", "tracking": UPS}, push=True)
    assert _one(out, Push).tracking == UPS


def test_blank_carrier_is_recognised_from_the_number():
    edits = [Edit("TC-1", "status", "UNFULFILLED", "FULFILLED"), Edit("TC-1", "tracking", "", UPS)]
    out = decide(edits, {"TC-1": stored()}, NOW)
    assert _one(out, Push).carrier == "UPS"
    assert SetFields("TC-1", {"carrier": "UPS"}, push=True) in out


def test_ship_to_edit_is_an_address_change_and_notes_are_kept():
    edits = [Edit("TC-1", "ship_to", "12 Oak Street", "9 Elm Road, Salem"), Edit("TC-1", "notes", "", "gift")]
    out = decide(edits, {"TC-1": stored()}, NOW, editor="sam@example.com")
    assert out == [AddressChanged("TC-1", "12 Oak Street", "9 Elm Road, Salem", "sam@example.com"),
                   SetFields("TC-1", {"notes": "gift"})]


def test_the_fulfilment_uses_the_current_address():
    out = decide(fulfil_edits("TC-1"), {"TC-1": stored(ship_to="9 Elm Road, Salem")}, NOW)
    assert _one(out, Push).ship_to == "9 Elm Road, Salem"


def test_unknown_order_ids_are_ignored():
    assert decide(fulfil_edits("TC-77"), {"TC-1": stored()}, NOW) == []


def test_refulfilling_with_same_status_and_no_tracking_change_does_nothing_new():
    out = decide([Edit("TC-1", "notes", "", "x")], {"TC-1": stored(status="FULFILLED", tracking=USPS)}, NOW)
    assert not any(isinstance(x, Push) for x in out)


# --- platform-side changes never push back ------------------------------------------------------
def test_fulfilled_on_platform_updates_row_and_never_pushes():
    old = make_order("E5")
    new = make_order("E5", updated_minutes=5, state=OrderState.FULFILLED,
                     shipments=(Shipment("USPS", USPS),))
    [change] = decide_platform_changes(old, new, {}, "TC-1")
    assert isinstance(change, PlatformChanged)
    assert change.values == {"status": "FULFILLED", "carrier": "USPS", "tracking": USPS} and change.deplete


def test_cancelled_on_platform_updates_row():
    new = make_order("E5", state=OrderState.CANCELLED)
    assert decide_platform_changes(None, new, {"status": "UNFULFILLED"}, "TC-1") == [
        PlatformChanged("TC-1", "CANCELLED", {"status": "CANCELLED"}, "Cancelled on Etsy")]


@pytest.mark.parametrize("state, fields", [
    (OrderState.FULFILLED, {"status": "FULFILLED", "shipped": {"tracking": USPS}}),  # our own push echoed
    (OrderState.CANCELLED, {"status": "CANCELLED"}),
    (OrderState.PAID, {"status": "IN PROGRESS"}),
])
def test_nothing_to_do_when_row_already_agrees(state, fields):
    assert decide_platform_changes(None, make_order("E5", state=state), fields, "TC-1") == []


# --- Duplicates tab decisions ---------------------------------------------------------------------
def test_cancel_on_platform_decision():
    out = decide_duplicate_decision(" cancel on platform", stored("TC-1"), stored("TC-2"))
    assert out == [Record("TC-2", "CANCELLED", "", push=True), CancelOnPlatform("TC-2", "duplicate of TC-1")]


def test_merge_decision():
    out = decide_duplicate_decision("MERGE", stored("TC-1"), stored("TC-2"))
    assert out == [Merge("TC-2", "TC-1"), Record("TC-2", "MERGED", "", push=True)]


def test_shipped_duplicate_cannot_be_cancelled():
    dup = stored("TC-2", make_order("2", state=OrderState.FULFILLED))
    [reject] = decide_duplicate_decision("CANCEL ON PLATFORM", stored("TC-1"), dup)
    assert isinstance(reject, Reject) and "already shipped" in reject.message


def test_not_duplicate_does_nothing():
    assert decide_duplicate_decision("NOT DUPLICATE", stored("TC-1"), stored("TC-2")) == []


def test_etsy_threshold_is_exactly_over_ten_dollars():
    ten = make_order("E9", platform="etsy", total="10.00",
                     items=(LineItem("Card", 1, Money(Decimal("10.00"), "USD")),))
    out = decide([Edit("TC-1", "status", "UNFULFILLED", "FULFILLED")], {"TC-1": stored("TC-1", ten)}, NOW)
    assert _one(out, Push)
