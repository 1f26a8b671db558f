"""Platform order exports (Etsy, Shopify, Square, Amazon): identity matches the API, bad rows are
reported by line, re-imports add nothing, and an export never overwrites a newer API version."""
from __future__ import annotations

import csv
import io
import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from connectors.amazon.mapping import to_order as amazon_order
from connectors.etsy.mapping import order_from_receipt
from connectors.shopify.mapping import order_from_rest
from connectors.square.mapping import to_order as square_order
from core.journal import Journal
from core.models import OrderState
from importers import read_export

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
EXPORTS = FIXTURES / "exports"
ETSY_ORDERS = EXPORTS / "etsy" / "EtsySoldOrders2025-11.csv"
ETSY_ITEMS = EXPORTS / "etsy" / "EtsySoldOrderItems2025-11.csv"
SHOPIFY = EXPORTS / "shopify_orders_export.csv"
SQUARE = EXPORTS / "square_items_export.csv"
AMAZON = EXPORTS / "amazon_unshipped_orders.txt"
ALL = [(ETSY_ORDERS, "etsy"), (ETSY_ITEMS, "etsy"), (SHOPIFY, "shopify"), (SQUARE, "square"), (AMAZON, "amazon")]


def _json(*parts: str):
    return json.loads((FIXTURES.joinpath(*parts)).read_text(encoding="utf-8"))


def _api_orders():
    """The same sales as the API connectors map them, from the recorded API payloads."""
    receipt = _json("etsy", "receipts.json")["receipts"]["paid_with_variations_no_email"]
    return {
        "etsy": order_from_receipt(receipt),
        "shopify": order_from_rest(_json("shopify", "rest_order_examples.json")["examples"]["test_8"]["order"]),
        "square": square_order(_json("square", "retrieve_order.json")["order"]),
        "amazon": amazon_order(_json("amazon", "get_order.json")["order"]),
    }


EXPORT_OF = {"etsy": ETSY_ORDERS, "shopify": SHOPIFY, "square": SQUARE, "amazon": AMAZON}


def _line_of(path: Path, marker: str, encoding: str = "utf-8-sig") -> int:
    """1-based physical line of the first line containing marker (what a seller sees in an editor)."""
    for number, text in enumerate(path.read_text(encoding=encoding).splitlines(), start=1):
        if marker in text:
            return number
    raise AssertionError(f"{marker} not in {path.name}")


def _by_key(orders):
    return {o.platform_order_id: o for o in orders}


# --- identity: an export of a sale that came in through the API is the same order -------------

@pytest.mark.parametrize("platform", ["etsy", "shopify", "square", "amazon"])
def test_export_row_has_the_same_key_as_the_api_order(platform):
    # given the API's version of a sale, and the platform's export containing the same sale
    api = _api_orders()[platform]
    # when the export is read
    orders, _ = read_export(EXPORT_OF[platform], platform)
    # then one exported order has exactly the API's identity, and it is older than the API's version
    same = [o for o in orders if o.key == api.key]
    assert len(same) == 1
    assert same[0].updated_at < api.updated_at
    assert same[0].total == api.total


@pytest.mark.parametrize("platform", ["etsy", "shopify", "square", "amazon"])
def test_importing_an_export_after_the_api_adds_and_changes_nothing(tmp_path, platform):
    # given a journal that already holds the sale from the API
    api = _api_orders()[platform]
    journal = Journal(tmp_path / "j.db")
    first = journal.upsert(api, source="api")
    # when the export is imported
    orders, _ = read_export(EXPORT_OF[platform], platform)
    results = journal.upsert_many(orders, source="import")
    # then the matching row is the same TC order, unchanged, and the stored data is still the API's
    hit = [r for o, r in zip(orders, results) if o.key == api.key][0]
    assert hit.order_id == first.order_id and not hit.created and not hit.changed
    assert journal.find(*api.key).order.items == api.items
    journal.close()


def test_the_api_version_replaces_an_earlier_import(tmp_path):
    # given a Shopify export imported before the connector ran
    journal = Journal(tmp_path / "j.db")
    orders, _ = read_export(SHOPIFY, "shopify")
    journal.upsert_many(orders, source="import")
    # when the API delivers the same order
    api = _api_orders()["shopify"]
    result = journal.upsert(api, source="api")
    # then the API's richer version wins (same TC id)
    assert not result.created and result.changed
    assert journal.find(*api.key).order.items[0].variant == "green"
    journal.close()


@pytest.mark.parametrize("path,fmt", ALL)
def test_reimporting_the_same_file_adds_nothing(tmp_path, path, fmt):
    # given an export already imported once
    journal = Journal(tmp_path / "j.db")
    orders, _ = read_export(path, fmt)
    first = journal.upsert_many(orders, source="import")
    # when the very same file is imported again
    again, _ = read_export(path, fmt)
    second = journal.upsert_many(again, source="import")
    # then every order maps to the same TC id and nothing is created or changed
    assert orders and [r.order_id for r in first] == [r.order_id for r in second]
    assert not any(r.created or r.changed for r in second)
    journal.close()


# --- bad rows: reported by line, the rest still loads ---------------------------------------

@pytest.mark.parametrize("path,fmt,marker,words,encoding", [
    (ETSY_ORDERS, "etsy", "2025-13-45", "Sale Date", "utf-8"),
    (ETSY_ORDERS, "etsy", "3.00E+09", "Excel", "utf-8"),
    (SHOPIFY, "shopify", "Linen Napkins", "Lineitem quantity 'two'", "utf-8-sig"),
    (SQUARE, "square", "Loose Lavender", "whole number", "cp1252"),
    (SQUARE, "square", "TxOrphanRefund", "refund of a sale that is not in this file", "cp1252"),
    (AMAZON, "amazon", "25/12/2024", "purchase-date", "utf-8"),
])
def test_a_bad_row_is_reported_by_line_and_good_rows_still_load(path, fmt, marker, words, encoding):
    # given an export with one bad row among good ones
    # when it is read
    orders, errors = read_export(path, fmt)
    # then the bad row is named by its line with the reason in plain words, and good orders load
    line = _line_of(path, marker, encoding)
    assert [e for e in errors if e.line == line and words in e.reason], errors
    assert len(orders) >= 2


@pytest.mark.parametrize("fmt", ["etsy", "shopify", "square", "amazon"])
def test_a_file_of_the_wrong_kind_is_refused_with_what_to_do(fmt):
    # given the unified duplicates fixture, which is no platform's export
    # when it is read as a platform export
    orders, errors = read_export(FIXTURES / "duplicates" / "orders.csv", fmt)
    # then nothing loads and line 1 explains which column is missing and where to get the file
    assert orders == [] and len(errors) == 1 and errors[0].line == 1
    assert "header row has no column" in errors[0].reason and "import that file" in errors[0].reason


# --- Etsy ---------------------------------------------------------------------------------

def _items_rows():
    with ETSY_ITEMS.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_etsy_orders_file_takes_line_items_from_the_items_file_beside_it():
    # given EtsySoldOrders and EtsySoldOrderItems downloaded into one folder
    # when the orders file is imported
    orders = _by_key(read_export(ETSY_ORDERS, "etsy")[0])
    # then each order's items are the item rows with that Order ID
    for oid in ("3001001001", "3001001002"):
        rows = [r for r in _items_rows() if r["Order ID"] == oid]
        got = [(i.title, i.quantity, i.unit_price.amount, i.sku, i.listing_id) for i in orders[oid].items]
        assert got == [(r["Item Name"], int(r["Quantity"]), Decimal(r["Price"]), r["SKU"], r["Listing ID"])
                       for r in rows]
    assert orders["3001001001"].items[0].variant == _api_orders()["etsy"].items[0].variant
    assert orders["3001001002"].state is OrderState.FULFILLED  # it has a Date Shipped


def test_etsy_orders_file_alone_gives_one_summary_line(tmp_path):
    # given only the orders file
    alone = tmp_path / ETSY_ORDERS.name
    shutil.copy(ETSY_ORDERS, alone)
    # when it is imported
    orders = _by_key(read_export(alone, "etsy")[0])
    # then each order has one line "N items" priced at the Order Value, and totals are the Order Total
    with ETSY_ORDERS.open(encoding="utf-8") as fh:
        rows = {r["Order ID"]: r for r in csv.DictReader(fh)}
    for oid, order in orders.items():
        assert [i.title for i in order.items] == [f"{rows[oid]['Number of Items']} items"]
    assert orders["3001001007"].items[0].unit_price.amount == Decimal("1180.00")
    assert orders["3001001007"].total.amount == Decimal("1234.50")
    assert orders["3001001007"].total.currency == "CAD"


def test_etsy_items_file_alone_builds_orders_from_items():
    # given only the items file is imported
    orders = _by_key(read_export(ETSY_ITEMS, "etsy")[0])
    # then orders are grouped by Order ID with the shipping name and the API's total
    api = _api_orders()["etsy"]
    assert orders[api.platform_order_id].total == api.total
    assert orders[api.platform_order_id].customer.name == api.customer.name


def test_formula_looking_customer_text_is_kept_as_text():
    # given buyer text a spreadsheet would run as a formula
    etsy = _by_key(read_export(ETSY_ORDERS, "etsy")[0])
    amazon = _by_key(read_export(AMAZON, "amazon")[0])
    # then it is kept exactly, as text (the sheet writer decides how to show it)
    assert etsy["3001001007"].customer.name == '=HYPERLINK("http://example.com","Click me")'
    assert etsy["3001001007"].ship_to.line1 == "+1 Harbour Rd"
    assert amazon["114-3941689-8772232"].customer.name == "=2+3"
    assert amazon["114-3941689-8772232"].ship_to.name == "@Sam Example"


# --- Shopify --------------------------------------------------------------------------------

def test_shopify_rows_of_one_order_become_one_order_with_every_line():
    # given an export with three line rows for #1001, order fields only on the first
    orders = _by_key(read_export(SHOPIFY, "shopify")[0])
    api = _api_orders()["shopify"]
    order = orders[api.platform_order_id]
    # then the lines, buyer and address match the API's view of the same order
    assert [(i.sku, i.quantity, i.unit_price) for i in order.items] == \
        [(i.sku, i.quantity, i.unit_price) for i in api.items]
    assert order.customer.email == api.customer.email and order.ship_to.postal_code == api.ship_to.postal_code


def test_shopify_export_reads_bom_apostrophe_zips_thousands_states_and_etsy_refs():
    # given the export (saved with a BOM, zips as '02134, totals as $1,204.00)
    orders = _by_key(read_export(SHOPIFY, "shopify")[0])
    fulfilled, cancelled = orders["5550000002"], orders["5550000003"]
    # then each is read as Shopify meant it
    assert fulfilled.ship_to.postal_code == "02134" and fulfilled.total.amount == Decimal("1204.00")
    assert fulfilled.state is OrderState.FULFILLED and fulfilled.external_refs == ("etsy:3001009999",)
    assert fulfilled.updated_at.isoformat() == "2026-11-29T14:11:59+00:00"  # just before Fulfilled at
    assert cancelled.state is OrderState.CANCELLED


def test_shopify_export_without_id_column_falls_back_to_the_order_name(tmp_path):
    # given an export whose Id column was removed
    with SHOPIFY.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[k for k in rows[0] if k != "Id"], extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    trimmed = tmp_path / "orders_export.csv"
    trimmed.write_text(out.getvalue(), encoding="utf-8")
    # when it is read
    orders, _ = read_export(trimmed, "shopify")
    # then orders are keyed by their name (#1001), the only id left
    assert {o.platform_order_id for o in orders} == {"#1001", "#1002", "#1003"}


# --- Square ---------------------------------------------------------------------------------

def test_square_items_group_by_transaction_and_times_use_the_time_zone():
    # given a Windows-1252 items export
    orders = _by_key(read_export(SQUARE, "square")[0])
    api = _api_orders()["square"]
    order = orders[api.platform_order_id]
    # then the sale has the API's items, and Date+Time in Pacific Time is the API's UTC time
    assert [(i.title, i.quantity, i.unit_price) for i in order.items] == \
        [(i.title, i.quantity, i.unit_price) for i in api.items]
    assert order.created_at == api.created_at.replace(microsecond=0)
    zoe = orders["Tx7ZoeCafe0000000000000001"]
    assert zoe.customer.name == "Zoë Café" and zoe.total.amount == Decimal("1166.40")
    assert zoe.created_at.isoformat() == "2026-11-27T19:05:00+00:00"  # 14:05 Eastern
    assert zoe.external_refs == ("Py7ZoeCafe0000000000000001",)
    assert orders["TxRefunded000000000000001"].state is OrderState.REFUNDED


# --- Amazon ---------------------------------------------------------------------------------

def test_amazon_item_price_is_for_the_whole_quantity():
    # given a report where item-price is the amount for all units of the row
    orders = _by_key(read_export(AMAZON, "amazon")[0])
    api = _api_orders()["amazon"]
    # then the unit price matches the API's unitPrice and the total its grandTotal
    assert orders[api.platform_order_id].items[0].unit_price == api.items[0].unit_price
    assert orders[api.platform_order_id].total == api.total
    assert orders["114-3941689-8772232"].total.amount == Decimal("44.00") + Decimal("3.96") + \
        Decimal("5.99") + Decimal("1034.00")


def test_amazon_all_orders_report_saved_as_comma_csv(tmp_path):
    # given an "All Orders" report (amazon-order-id, quantity, order-status) re-saved with commas
    report = tmp_path / "all_orders.csv"
    report.write_text(
        "amazon-order-id,merchant-order-id,purchase-date,last-updated-date,order-status,product-name,sku,"
        "asin,quantity,currency,item-price,item-promotion-discount\n"
        "111-2223334-4445556,MY-77,2026-11-20T10:00:00+00:00,2026-11-22T08:00:00+00:00,Shipped,"
        "Stoneware Mug,MUG-01,B0MUG,2,USD,44.00,-4.00\n", encoding="utf-8")
    # when it is read
    (order,), errors = read_export(report, "amazon")
    # then the order is shipped, versioned just before its last update, with the discount taken off
    assert errors == [] and order.state is OrderState.FULFILLED
    assert order.updated_at.isoformat() == "2026-11-22T07:59:59+00:00"
    assert order.total.amount == Decimal("40.00") and order.external_refs == ("MY-77",)
