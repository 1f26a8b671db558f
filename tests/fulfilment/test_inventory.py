"""Stock: shipping depletes SKUs, bundles deplete their components, duplicates deplete nothing."""
import pytest

from automations.fulfilment.inventory import (Movement, apply_movements, bundle_status, bundles_from_rows,
                                              depletion, unmapped_items)
from core.models import LineItem, Money, OrderState
from tests.foundation.factories import make_order

SKU_MAP = {("etsy", "L1"): "WRAP-BLUE", ("etsy", "L2"): "GIFT-SET", ("etsy", "L3"): "MUG"}
BUNDLES = {"GIFT-SET": [("MUG", 1), ("CARD", 2)], "MEGA": [("GIFT-SET", 2), ("WRAP-BLUE", 1)]}


def lookup(platform, item):
    return SKU_MAP.get((platform, item.listing_id))


def _order(*lines, **kw):
    items = tuple(LineItem(f"Item {lid}", qty, Money("10", "USD"), listing_id=lid) for lid, qty in lines)
    return make_order("E1", items=items, **kw)


def test_plain_items_deplete_their_sku():
    assert depletion(_order(("L1", 2)), lookup, BUNDLES, order_id="TC-4") == [
        Movement("WRAP-BLUE", -2, "TC-4 shipped")]


def test_bundle_depletes_components_times_quantity_and_merges_repeats():
    moves = depletion(_order(("L2", 2), ("L3", 1)), lookup, BUNDLES)
    assert sorted((m.internal_sku, m.delta) for m in moves) == [("CARD", -4), ("MUG", -3)]


def test_nested_bundles_expand_and_loops_do_not_hang():
    nested = depletion(_order(("L1", 1)), lambda p, i: "MEGA", BUNDLES)
    assert sorted((m.internal_sku, m.delta) for m in nested) == [("CARD", -4), ("MUG", -2), ("WRAP-BLUE", -1)]
    looped = depletion(_order(("L1", 1)), lambda p, i: "A", {"A": [("B", 1)], "B": [("A", 1)]})
    assert len(looped) == 1 and looped[0].delta == -1


@pytest.mark.parametrize("status, state", [("MERGED", OrderState.PAID), ("cancelled", OrderState.PAID),
                                           ("", OrderState.CANCELLED), ("", OrderState.REFUNDED)])
def test_merged_or_cancelled_deplete_nothing(status, state):
    assert depletion(_order(("L1", 1), state=state), lookup, BUNDLES, status=status) == []


def test_unmapped_lines_are_reported_not_guessed():
    order = _order(("L1", 1), ("ZZ", 1))
    assert [m.internal_sku for m in depletion(order, lookup, BUNDLES)] == ["WRAP-BLUE"]
    assert [i.listing_id for i in unmapped_items(order, lookup)] == ["ZZ"]


def test_apply_movements_updates_on_hand_and_flags_low_stock():
    rows = [{"internal_sku": "MUG", "name": "Mug", "on_hand": 5, "low_stock": 3},
            {"internal_sku": "CARD", "name": "Card", "on_hand": "20", "low_stock": 3}]
    new, low = apply_movements(rows, [Movement("MUG", -2, "TC-4 shipped"), Movement("CARD", -4, "TC-4 shipped")],
                               when="2026-11-27 14:51")
    assert [(r["internal_sku"], r["on_hand"]) for r in new] == [("MUG", 3), ("CARD", 16)]
    assert low == ["MUG"] and new[0]["last_movement"] == "2026-11-27 14:51: −2 (TC-4 shipped)"
    assert rows[0]["on_hand"] == 5  # pure: the input is untouched


def test_unknown_sku_gets_a_row_and_bad_on_hand_is_left_alone():
    rows = [{"internal_sku": "MUG", "on_hand": "ten", "low_stock": 3}]
    new, low = apply_movements(rows, [Movement("MUG", -1, "TC-4 shipped"), Movement("NEW", -1, "TC-4 shipped")])
    assert new[0]["on_hand"] == "ten" and "isn't a whole number" in new[0]["last_movement"]
    assert new[1]["internal_sku"] == "NEW" and new[1]["on_hand"] == -1 and low == []


def test_bundles_from_rows_reports_bad_rows():
    bundles, problems = bundles_from_rows([
        {"bundle_sku": "GIFT-SET", "component_sku": "MUG", "quantity": "1"},
        {"bundle_sku": "GIFT-SET", "component_sku": "CARD", "quantity": 2},
        {"bundle_sku": "GIFT-SET", "component_sku": "", "quantity": 1},
        {"bundle_sku": "", "component_sku": "", "quantity": ""},
        {"bundle_sku": "X", "component_sku": "Y", "quantity": "half"}])
    assert bundles == {"GIFT-SET": [("MUG", 1), ("CARD", 2)]}
    assert len(problems) == 2 and problems[0].startswith("Bundles row 4")


@pytest.mark.parametrize("shipped, complete, text", [
    ({"MUG": 2, "CARD": 4}, True, "GIFT-SET: all 2 part(s) shipped"),
    ({"MUG": 2, "CARD": 1}, False, "GIFT-SET: 1 of 2 part(s) shipped (waiting for CARD ×3)"),
    ({}, False, "GIFT-SET: 0 of 2 part(s) shipped (waiting for MUG ×2, CARD ×4)"),
])
def test_bundle_is_complete_only_when_every_component_shipped(shipped, complete, text):
    status = bundle_status("GIFT-SET", 2, BUNDLES, shipped)
    assert (status.complete, status.text) == (complete, text)
