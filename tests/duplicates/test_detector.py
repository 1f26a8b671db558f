"""DuplicateDetector: the Rachel case, hard positives and hard negatives."""
import pytest

from automations.duplicates.detector import DuplicateDetector, SkuMap
from automations.duplicates.scoring import comparison
from tests.duplicates.builders import order

PHONE = "(503) 555-0100"
JACKET_ETSY = "Hand Painted Denim Jacket | Custom Portrait Art Jacket"
SKU_MAP = SkuMap.from_rows([("etsy", "LW-1-BLUE", "", "LW-001"), ("square", "", "Custom denim jacket", "LW-001")])


def flagged(*orders, **kw):
    det = DuplicateDetector(window_minutes=120, threshold=70, **kw)
    return det.scan(orders)


def test_rachel_case_is_flagged_with_plain_reasons():
    # given an Etsy order at 11:00 and a Square invoice from an Instagram DM 58 minutes later
    etsy = order("etsy", "3051", 0, "Rachael Green", phone=PHONE, title=JACKET_ETSY, sku="LW-1-BLUE", price="200.00")
    square = order("square", "SQ-88", 58, "Rach Green", email="rachel.g.art@gmail.com", phone="503-555-0100",
                   address=("123 N Main St #4", "", "Portland", "OR", "97201", "USA"),
                   title="Custom denim jacket", price="195.80")
    # when scanned
    pairs = flagged(etsy, square, sku_map=SKU_MAP)
    # then one pair, earlier order first, with the evidence spelled out
    assert len(pairs) == 1
    pair = pairs[0]
    assert (pair.key_a, pair.key_b, pair.band) == ("etsy:3051", "square:SQ-88", "flag")
    assert pair.score >= 85
    assert pair.reasons == ("same name (Rachael Green / Rach Green)", "same address", "same product (SKU LW-001)",
                            "same phone", "$200.00 vs $195.80", "58 min apart")
    assert pair.alert_text() == (f"Potential duplicate — {pair.score} % match. Same name (Rachael Green / Rach Green), "
                                 "same address, same product (SKU LW-001), same phone, $200.00 vs $195.80, 58 min apart.")


def test_invoice_without_address_is_a_check_that_says_what_was_not_compared():
    # given the story: Etsy order, then a DM invoice with a first name and an initial, no address
    etsy = order("etsy", "1", 0, "Sarah Miller", title="Embroidered Denim Jacket", price="250.00")
    square = order("square", "2", 58, "Sarah M.", email="sarah.m.art@gmail.com", address=("", "", "", "", "", ""),
                   title="custom denim jacket, embroidered, for Sarah", price="240.00")
    # when scanned
    [pair] = flagged(etsy, square)
    # then it is shown in the lower band, with what agreed and what could not be compared
    assert pair.band == "check" and 40 <= pair.score < 70
    assert pair.alert_text() == (
        f"Check: possible duplicate — {pair.score} % match. Same name (Sarah Miller / Sarah M), similar item "
        "(Embroidered Denim Jacket / custom denim jacket, embroidered, for Sarah), $250.00 vs $240.00, 58 min apart. "
        "The Square invoice has no address to compare: ask the customer.")


def test_rachel_case_without_sku_map_still_flagged_by_title():
    etsy = order("etsy", "1", 0, "Rachel Green", title=JACKET_ETSY, price="200.00")
    square = order("square", "2", 61, "Rachel Green", title="Custom denim jacket", price="180.00")
    pairs = flagged(etsy, square)
    assert [p.score >= 70 for p in pairs] == [True]
    assert f"similar item ({JACKET_ETSY} / Custom denim jacket)" in pairs[0].reasons


def test_double_submit_minutes_apart():
    a = order("shopify", "1001", 0, email="rach@example.com", buyer="77", sku="MUG-B")
    b = order("shopify", "1002", 3, email="rach@example.com", buyer="77", sku="MUG-B")
    [pair] = flagged(a, b)
    assert pair.score >= 90 and "3 min apart" in pair.reasons


@pytest.mark.parametrize("name_b", ["Bill Smithe", "Smith William", "william smith", "Will Smith"])
def test_nickname_typo_and_swapped_names(name_b):
    # given the same buyer and address on two channels, name written differently
    a = order("etsy", "1", 0, "William Smith")
    b = order("shopify", "2", 40, name_b, address=("123 N. Main St.", "#4", "Portland", "OR", "97201", "US"))
    # then flagged
    assert len(flagged(a, b)) == 1


def test_gap_near_window_edge_is_still_flagged():
    a = order("shopify", "1", 0, email="r@example.com", phone=PHONE)
    b = order("square", "2", 118, email="r@example.com")
    assert len(flagged(a, b)) == 1


def test_pair_straddling_midnight_and_hour_boundaries():
    # given orders 2 minutes apart across 12:00 and across midnight
    a = order("etsy", "1", 59, email="r@example.com")
    b = order("shopify", "2", 61, email="r@example.com")
    c = order("etsy", "3", 13 * 60 - 1, email="q@example.com", name="Quinn Adams")
    d = order("shopify", "4", 13 * 60 + 1, email="q@example.com", name="Quinn Adams")
    assert {p.keys for p in flagged(a, b, c, d)} == {frozenset({"etsy:1", "shopify:2"}), frozenset({"etsy:3", "shopify:4"})}


@pytest.mark.parametrize("name_b, title_b, variant_b, minute_b, ship_name", [
    ("Anna Green", "Silver Leaf Necklace", "", 10, None),              # household member
    ("Rachel Green", "Silver Leaf Necklace", "Gold", 10, None),          # same buyer, another variant
    ("Rachel Green", "Silver Leaf Bracelet", "Silver", 10, None),        # necklace vs bracelet
    ("Rachel Green", "Silver Leaf Necklace", "Silver", 60 * 24 * 21, None),  # reorder weeks later
    ("Mark Jones", "Silver Leaf Necklace", "Silver", 20, "Rachel Green"),    # gift giver to the same recipient
])
def test_hard_negatives_are_not_flagged(name_b, title_b, variant_b, minute_b, ship_name):
    # given a first order that any of these could be confused with
    a = order("etsy", "1", 0, "Rachel Green", phone=PHONE, variant="Silver",
              ship_name="Rachel Green")
    b = order("shopify", "2", minute_b, name_b, phone=PHONE if name_b != "Mark Jones" else "",
              title=title_b, variant=variant_b, ship_name=ship_name)
    # then nothing is flagged
    assert flagged(a, b) == []


def test_flash_sale_strangers_are_not_flagged():
    # given 60 strangers (some sharing a very common name) buying one SKU within 15 minutes
    orders = [order("shopify", str(n), n / 4, name=("James Smith" if n % 6 == 0 else f"Buyer{n} Person{n}"),
                    phone=f"503555{n:04d}", sku="NK-1",
                    address=(f"{100 + n} Oak St", "", "Portland", "OR", "97201", "US")) for n in range(60)]
    assert flagged(*orders) == []


def test_name_alone_is_never_more_than_a_check():
    # given two James Smiths minutes apart with nothing but a name to compare
    a = order("etsy", "1", 0, "James Smith", address=("", "", "", "", "", ""))
    b = order("shopify", "2", 5, "James Smith", address=("", "", "", "", "", ""), price="40.00")
    # then at most the lower band: strangers share names
    assert [p.band for p in flagged(a, b)] in ([], ["check"])


def test_mirrored_etsy_order_in_shopify_scores_100():
    # given an Etsy order copied into Shopify by a marketplace app, hours later
    etsy = order("etsy", "123", 0)
    shop = order("shopify", "#1009", 300, refs=("etsy:123",), title="Silver Leaf Necklace - imported")
    [pair] = flagged(etsy, shop)
    assert pair.score == 100
    assert pair.reasons == ("same sale seen on two channels (Etsy receipt 123)",)


def test_dismissed_pair_is_never_flagged_again():
    a = order("etsy", "1", 0, phone=PHONE)
    b = order("square", "2", 5, phone=PHONE)
    det = DuplicateDetector(window_minutes=120, threshold=70, dismissed={frozenset({"etsy:1", "square:2"})})
    det.add_history([a])
    assert det.check(b) == []
    assert det.scan([a, b]) == []
    det.dismissed.clear()
    assert len(det.scan([a, b])) == 1


def test_check_uses_history_in_both_time_directions_and_indexes_new_orders():
    # given history holding a later order (late sync) and a new earlier one arriving
    later = order("shopify", "2", 30, email="r@example.com")
    det = DuplicateDetector(window_minutes=120, threshold=70)
    det.add_history([later])
    pairs = det.check(order("etsy", "1", 0, email="r@example.com"))
    assert [(p.key_a, p.key_b) for p in pairs] == [("etsy:1", "shopify:2")]
    # then the checked order is indexed for the next one
    assert [p.key_b for p in det.check(order("square", "3", 45, email="r@example.com"))] == ["square:3", "square:3"]


def test_threshold_and_window_come_from_environment(monkeypatch):
    monkeypatch.setenv("TRUECRAFT_DUPLICATE_THRESHOLD", "95")
    monkeypatch.setenv("TRUECRAFT_DUPLICATE_WINDOW_MINUTES", "30")
    det = DuplicateDetector()
    assert (det.threshold, det.window_minutes) == (95, 30)
    a, b = order("etsy", "1", 0, phone=PHONE), order("square", "2", 40, phone=PHONE)
    assert det.scan([a, b]) == []


def test_clearly_different_quantity_lowers_the_score():
    # given the same buyer buying 1 and then 5 of the item
    a = order("etsy", "1", 0, phone=PHONE)
    b1, b5 = order("square", "2", 10, phone=PHONE), order("square", "3", 10, phone=PHONE, qty=5)
    # when scored with no threshold
    det = DuplicateDetector(window_minutes=120, threshold=0)
    [same], [more] = det.scan([a, b1]), det.scan([a, b5])
    # then the quantity difference is a reason and costs weight
    assert det.model.weight(_vector(det, a, b5)) < det.model.weight(_vector(det, a, b1))
    assert "quantity differs (1 vs 5)" in more.reasons


def _vector(det, a, b):
    return comparison(det.features(a), det.features(b), det.window_minutes)
