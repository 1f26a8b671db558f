"""Product identity: SKU map, type gate and variants."""
import pytest

from automations.duplicates.products import SkuMap, product_type, variant_conflict, view
from core.models import DomainError, LineItem, Money

FIXTURES = __import__("pathlib").Path(__file__).resolve().parents[1] / "fixtures" / "duplicates"


def item(title, sku="", variant="", listing_id=""):
    return LineItem(title, 1, Money("10"), sku=sku, variant=variant, listing_id=listing_id)


@pytest.mark.parametrize("title, ptype", [
    ("Silver Leaf Necklace", "necklace"), ("Silver Leaf Bracelet", "bracelet"),
    ("Ceramic Ring Dish", "dish"), ("Hand Painted Denim Jacket | Custom Portrait Art Jacket", "jacket"),
    ("Gift card", "card"), ("Mystery box", ""),
])
def test_product_type_is_the_last_type_word(title, ptype):
    assert product_type(title) == ptype


@pytest.mark.parametrize("a, b, conflict", [
    (item("Mug", variant="Blue"), item("Mug - Red"), "blue vs red"),
    (item("Silver Leaf Necklace (Gold)"), item("Silver Leaf Necklace (Rose)"), "gold vs rose"),
    (item("Silver Leaf Necklace"), item("Silver Leaf Necklace (Gold)"), ""),
    (item("Denim Jacket - M"), item("Denim Jacket", variant="Size: L"), "m vs l"),
    (item("Soy Lavender Candle - Red"), item("Soy Lavender Candle (Blue)"), "red vs blue"),
])
def test_variant_conflicts(a, b, conflict):
    assert variant_conflict(view(a, None), view(b, None)) == conflict


def test_sku_map_from_csv_maps_by_sku_title_and_wildcard():
    # given the fixture SKU map
    sku_map = SkuMap.from_csv(FIXTURES / "sku_map.csv")
    # then SKU, title and any-platform rows resolve; unknown items do not
    assert sku_map.internal_sku("etsy", item("whatever", sku="ET-LW-1")) == "LW-001"
    assert sku_map.internal_sku("square", item("custom DENIM jacket")) == "LW-001"
    assert sku_map.internal_sku("amazon", item("Silver Leaf Necklace")) == "NK-001"
    assert sku_map.internal_sku("shopify", item("Other", sku="ET-LW-1")) is None


def test_sku_map_listing_id_and_internal_sku_used_directly():
    sku_map = SkuMap.from_rows([("etsy", "98765", "", "LW-001")])
    assert sku_map.internal_sku("etsy", item("x", listing_id="98765")) == "LW-001"
    assert sku_map.internal_sku("shopify", item("x", sku="LW-001")) == "LW-001"


def test_suggest_is_gated_on_product_type():
    sku_map = SkuMap.from_rows([("etsy", "", "Silver Leaf Necklace", "NK-001")])
    assert sku_map.suggest("Handmade Silver Leaf Necklace, gift for her") == "NK-001"
    assert sku_map.suggest("Silver Leaf Bracelet") is None


def test_sku_map_csv_with_wrong_header_says_which_columns(tmp_path):
    bad = tmp_path / "map.csv"
    bad.write_text("platform,sku,internal\netsy,1,A\n")
    with pytest.raises(DomainError, match="platform_sku.*header must be"):
        SkuMap.from_csv(bad)


def test_colour_word_in_a_product_name_is_not_a_variant():
    # given "Lavender" naming the candle on one side and a colour variant on the other
    a = view(item("Handmade Soy Lavender Candle (Blue)", variant="Blue"), None)
    b = view(item("Custom lavender candle"), None)
    # then no variant conflict is claimed
    assert variant_conflict(a, b) == ""
