"""Duplicates in the sheet: flagged rows, the Duplicates tab, decisions, customers, SKU map, links."""
import pytest
from openpyxl import load_workbook

from automations.runner import Runner
from core.config import Settings
from core.journal import Journal
from demo.day import demo_day
from sheet_schema.tabs import CUSTOMERS, DUPLICATES, ORDERS, SKU_MAP
from sheets.local_backend import LocalWorkbookBackend


@pytest.fixture()
def day(tmp_path):
    path = tmp_path / "t.xlsx"
    runner = Runner(Settings(), Journal(tmp_path / "j.db"), LocalWorkbookBackend(path), connectors={})
    for order in sorted(demo_day(), key=lambda o: o.created_at):
        runner.ingest([order])
    runner.flush()
    runner.watch()
    yield runner, path
    runner.close()


def table(path, tab):
    ws = load_workbook(path)[tab]
    header = [c.value for c in ws[1]]
    return [dict(zip(header, r)) for r in ws.iter_rows(min_row=2, values_only=True) if any(r)]


def type_cell(path, tab, key_header, key, header, value):
    """Do what a person does: change one cell and save."""
    wb = load_workbook(path)
    ws = wb[tab]
    hdr = [c.value for c in ws[1]]
    for r in range(2, ws.max_row + 1):
        if ws.cell(row=r, column=hdr.index(key_header) + 1).value == key:
            ws.cell(row=r, column=hdr.index(header) + 1, value=value)
    wb.save(path)


def test_rachel_and_the_double_submit_are_flagged_on_the_orders_rows(day):
    runner, path = day
    orders = {r["Order ID"]: r for r in table(path, ORDERS)}
    assert orders["TC-5"]["Duplicate Of"] == "TC-4" and orders["TC-5"]["Duplicate Score"] >= 70
    assert "same name (Rachel Green / Rach Green)" in orders["TC-5"]["Match Reasons"]
    assert orders["TC-7"]["Duplicate Of"] == "TC-6"
    flagged = {oid for oid, r in orders.items() if r["Duplicate Score"] not in (None, "")}
    assert flagged == {"TC-5", "TC-7"}  # household Chens, repeat Priya: not duplicates


def test_duplicates_tab_shows_both_orders_and_the_alert(day):
    runner, path = day
    rows = {r["Pair"]: r for r in table(path, DUPLICATES)}
    assert set(rows) == {"TC-4+TC-5", "TC-6+TC-7"}
    rachel = rows["TC-4+TC-5"]
    assert rachel["Alert"].startswith("Potential duplicate — ")
    assert "% match. Same name (Rachel Green / Rach Green), same address, similar item" in rachel["Alert"]
    assert "Etsy #3050000102" in rachel["Order A Details"] and "Square #SQ-ORD-77A1" in rachel["Order B Details"]


def test_merge_decision_marks_the_other_order_merged(day):
    runner, path = day
    type_cell(path, DUPLICATES, "Pair", "TC-6+TC-7", "Decision", "MERGE")
    runner.watch()
    runner.watch()
    orders = {r["Order ID"]: r for r in table(path, ORDERS)}
    assert orders["TC-7"]["Status"] == "MERGED" and orders["TC-7"]["Linked Orders"] == "TC-6"
    assert orders["TC-6"]["Status"] == "UNFULFILLED"
    result = {r["Pair"]: r for r in table(path, DUPLICATES)}["TC-6+TC-7"]["Result"]
    assert "kept TC-6" in result


def test_not_duplicate_is_never_flagged_again(day):
    runner, path = day
    type_cell(path, DUPLICATES, "Pair", "TC-4+TC-5", "Decision", "not duplicate")
    runner.watch()
    runner.watch()
    orders = {r["Order ID"]: r for r in table(path, ORDERS)}
    assert orders["TC-5"]["Duplicate Score"] in (None, "")
    # the same two orders seen again (e.g. re-polled) are not flagged again
    assert runner.pipeline.duplicates.detector.check(runner.journal.get("TC-5").order) == []


def test_unknown_decision_gets_a_plain_message(day):
    runner, path = day
    type_cell(path, DUPLICATES, "Pair", "TC-6+TC-7", "Decision", "keep both")
    runner.watch()
    runner.watch()
    result = {r["Pair"]: r for r in table(path, DUPLICATES)}["TC-6+TC-7"]
    assert "isn't a decision" in result["Result"] and result["Decision"] == "keep both"


def test_customers_tab_and_repeat_flag(day):
    runner, path = day
    runner.watch()
    customers = table(path, CUSTOMERS)
    rachel = [c for c in customers if "TC-4" in (c["Order IDs"] or "")]
    assert rachel and "TC-5" in rachel[0]["Order IDs"] and rachel[0]["Repeat"] == "Yes"
    orders = {r["Order ID"]: r for r in table(path, ORDERS)}
    assert orders["TC-4"]["Customer History"].startswith("Repeat customer — 2 orders")


def test_sku_map_lists_every_listing_and_seller_mapping_is_used(day):
    runner, path = day
    listings = table(path, SKU_MAP)
    assert len(listings) == 8 and all(r["Listing Key"] for r in listings)  # 8 distinct listings in the day
    key = next(r["Listing Key"] for r in listings if r["Platform SKU"] == "LW-001")
    type_cell(path, SKU_MAP, "Listing Key", key, "Internal SKU", "JACKET-SAGE")
    runner.watch()
    assert runner.pipeline.duplicates.detector.sku_map.internal_sku("etsy", runner.journal.get("TC-4").order.items[0]) == "JACKET-SAGE"


def test_linked_orders_show_on_both_rows(day):
    runner, path = day
    type_cell(path, ORDERS, "Order ID", "TC-1", "Linked Orders", "TC-12")
    runner.watch()
    runner.watch()
    orders = {r["Order ID"]: r for r in table(path, ORDERS)}
    assert orders["TC-12"]["Linked Orders"] == "TC-1" and orders["TC-1"]["Linked Orders"] == "TC-12"
    assert any(e["kind"] == "orders linked" for e in runner.journal.audit_entries("TC-1"))
