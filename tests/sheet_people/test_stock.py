"""Stock that adds up: every shipped line moves stock through the SKU Map, and one that can't says so."""
from datetime import datetime, timezone

import pytest
from openpyxl import load_workbook

from automations.runner import Runner
from core.config import Settings
from core.journal import Journal
from demo.day import Buyer, etsy, square
from sheet_schema.tabs import INVENTORY, MANUAL_ENTRY, ORDERS, SKU_MAP, WORKBOOK
from sheets.local_backend import LocalWorkbookBackend
from tests.sheet_people.conftest import table

AT = datetime(2026, 11, 27, 15, 0, tzinfo=timezone.utc)


def test_the_square_catalogue_item_moves_stock_in_the_demo(workbook, demo_dir):
    # given the demo day, where TC-10 (Ceramic Earrings, a Square catalogue item) shipped
    stock = {r["Internal SKU"]: r for r in table(workbook, INVENTORY)}
    # then EAR-TC went from 6 to 5, and the movement names the order
    assert int(stock["EAR-TC"]["On Hand"]) == 5 and "TC-10 shipped" in stock["EAR-TC"]["Last Movement"]
    # and every Inventory row shows its product's name
    assert all(r["Name"] for r in stock.values()), stock
    assert stock["MUG-SPK"]["Name"] == "Stoneware Mug - Speckled"


def test_the_sku_map_says_what_the_seller_fills_in_and_suggests(workbook):
    ws = workbook[SKU_MAP]
    header = {c.value: c for c in ws[1]}
    assert "You fill this in" in header["Internal SKU"].comment.text
    rows = table(workbook, SKU_MAP)
    mug = next(r for r in rows if r["Platform SKU"] == "MUG-SPK")
    assert mug["Suggested SKU"] == "MUG-SPK" and "takes stock from MUG-SPK" in mug["Stock"]
    earrings = next(r for r in rows if r["Title"] == "Ceramic Earrings - Terracotta")
    # Square names the catalogue item by its object id; the SKU isn't on the order line
    assert earrings["Listing ID"] and not earrings["Platform SKU"] and earrings["Internal SKU"] == "EAR-TC"


def _type(path, tab, key_header, changes):
    wb = load_workbook(path)
    ws = wb[tab]
    header = [c.value for c in ws[1]]
    for r in range(2, ws.max_row + 1):
        key = ws.cell(row=r, column=header.index(key_header) + 1).value
        for col, value in changes.get(key, {}).items():
            ws.cell(row=r, column=header.index(col) + 1, value=value)
    wb.save(path)


@pytest.fixture()
def shop(tmp_path):
    path = tmp_path / "t.xlsx"
    runner = Runner(Settings(), Journal(tmp_path / "j.db"), LocalWorkbookBackend(path), connectors={})
    runner.backend.init_layout(WORKBOOK, 70)
    ana = Buyer("Ana", "Souza", "ana@example.com")
    runner.ingest([square("SQ-1", AT, ana, [("Ceramic Earrings - Terracotta", "EAR-TC", 1, "28.00", "")])])
    runner.ingest([etsy(3050000101, AT, Buyer("Maya", "Chen"), [("Stoneware Mug - Speckled", "MUG-SPK", 2, "32.00", "")])])
    runner.flush()
    runner.watch()
    wb = load_workbook(path)  # the seller lists her stock by SKU, without names
    ws = wb[INVENTORY]
    for r, (sku, qty) in enumerate((("EAR-TC", 6), ("MUG-SPK", 10)), start=2):
        ws.cell(row=r, column=1, value=sku)
        ws.cell(row=r, column=3, value=qty)
    wb.save(path)
    runner.watch()
    yield runner, path
    runner.close()


def _ship(runner, path):
    _type(path, ORDERS, "Order ID", {"TC-1": {"Status": "FULFILLED", "Carrier": "UPS", "Tracking #": "1Z999AA10123456784"},
                                     "TC-2": {"Status": "FULFILLED", "Carrier": "USPS",
                                              "Tracking #": "9400111899223817283900"}})
    runner.watch()
    runner.push_pending()
    runner.watch()
    runner.watch()


def test_a_line_that_cannot_be_mapped_says_so_on_the_row_and_in_the_sku_map(shop):
    runner, path = shop
    # given the Square earrings have no Internal SKU in the SKU Map (Square lines carry no SKU)
    # when both orders ship
    _ship(runner, path)
    wb = load_workbook(path)
    # then the mug's stock moved, the earrings' did not, and both the row and the SKU Map say why
    stock = {r["Internal SKU"]: r for r in table(wb, INVENTORY)}
    assert (int(stock["MUG-SPK"]["On Hand"]), int(stock["EAR-TC"]["On Hand"])) == (8, 6)
    orders = {r["Order ID"]: r for r in table(wb, ORDERS)}
    assert ("Stock not moved for ‘Ceramic Earrings - Terracotta’: no Internal SKU in the SKU Map"
            in orders["TC-1"]["Sync"])
    assert "Stock not moved" not in (orders["TC-2"]["Sync"] or "")
    earrings = next(r for r in table(wb, SKU_MAP) if r["Title"] == "Ceramic Earrings - Terracotta")
    assert earrings["Stock"].startswith("No Internal SKU, so shipping it moves no stock (TC-1 shipped without")
    assert any(e["kind"] == "stock not moved" for e in runner.journal.audit_entries("TC-1"))
    # and Inventory names the mug from its listing
    assert stock["MUG-SPK"]["Name"] == "Stoneware Mug - Speckled"


def test_mapping_the_line_afterwards_moves_its_stock_once(shop):
    runner, path = shop
    _ship(runner, path)
    # when the seller types the Internal SKU for the earrings' listing
    key = next(r["Listing Key"] for r in table(load_workbook(path), SKU_MAP) if r["Title"].startswith("Ceramic"))
    _type(path, SKU_MAP, "Listing Key", {key: {"Internal SKU": "EAR-TC"}})
    for _ in range(3):
        runner.watch()
    wb = load_workbook(path)
    # then the shipped earrings leave the shelf exactly once and the row stops complaining
    assert {r["Internal SKU"]: int(r["On Hand"]) for r in table(wb, INVENTORY)} == {"EAR-TC": 5, "MUG-SPK": 8}
    orders = {r["Order ID"]: r for r in table(wb, ORDERS)}
    assert "Stock not moved" not in orders["TC-1"]["Sync"]
    earrings = next(r for r in table(wb, SKU_MAP) if r["Listing Key"] == key)
    assert earrings["Stock"] == "Shipping it takes stock from EAR-TC"


def test_a_craft_fair_row_moves_stock_when_it_ships(shop):
    runner, path = shop
    # given a sale typed on the Manual Entry tab at a craft fair (SKU MUG-SPK, 3 mugs)
    wb = load_workbook(path)
    ws = wb[MANUAL_ENTRY]
    header = [c.value for c in ws[1]]
    for col, value in {"Date": "2026-11-28", "Customer": "Walk-up Wendy", "Item": "Stoneware Mug",
                       "SKU": "MUG-SPK", "Quantity": "3", "Unit Price": "30"}.items():
        ws.cell(row=2, column=header.index(col) + 1, value=value)
    wb.save(path)
    runner.watch()
    runner.watch()
    oid = next(r["Order ID"] for r in table(load_workbook(path), ORDERS) if r["Platform"] == "Manual")
    # when it is handed over (FULFILLED, no tracking needed for a craft fair)
    _type(path, ORDERS, "Order ID", {oid: {"Status": "FULFILLED"}})
    runner.watch()
    runner.push_pending()
    runner.watch()
    runner.watch()
    # then the mugs left the shelf through the same SKU lookup as every channel
    stock = {r["Internal SKU"]: r for r in table(load_workbook(path), INVENTORY)}
    assert int(stock["MUG-SPK"]["On Hand"]) == 7 and f"{oid} shipped" in stock["MUG-SPK"]["Last Movement"]
