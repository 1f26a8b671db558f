"""Counting honestly: merged duplicates and cancelled orders are shown as what they are, never counted."""
from decimal import Decimal

from sheet_schema.dashboard import dashboard_cells
from sheet_schema.tabs import CUSTOMERS, ORDERS, ORDERS_TAB, DUPLICATES_TAB
from tests.sheet_people.conftest import table


def test_a_merged_duplicate_does_not_make_a_repeat_customer(workbook):
    # given the demo day, where TC-5 (Rachel, $210) and TC-7 (Tom, $65) were merged as duplicates
    customers = {c["Name"]: c for c in table(workbook, CUSTOMERS)}
    # then Rachel and Tom each have one real order, and the money of the duplicate is not theirs
    rachel, tom = customers["Rachel Green"], customers["Tom Baker"]
    assert (int(rachel["Orders"]), Decimal(str(rachel["Total Spent"])), rachel["Repeat"]) == (1, 200, None)
    assert (int(tom["Orders"]), Decimal(str(tom["Total Spent"])), tom["Repeat"]) == (1, 65, None)
    # and the merged orders are still listed, as what they are
    assert rachel["Order IDs"] == "TC-4, TC-5 (merged)" and tom["Order IDs"] == "TC-6, TC-7 (merged)"
    # while a real repeat buyer (Priya: Amazon, then Shopify) still is one
    priya = customers["Priya Patel"]
    assert (int(priya["Orders"]), priya["Repeat"]) == (2, "Yes")


def test_customer_history_on_rows_leaves_merged_orders_out(workbook):
    orders = {r["Order ID"]: r for r in table(workbook, ORDERS)}
    assert not orders["TC-4"]["Customer History"]  # one real order: not a repeat customer
    assert orders["TC-5"]["Customer History"] == "Merged duplicate of TC-4 — not counted in orders or spend"
    assert orders["TC-3"]["Customer History"] == "Repeat customer — 2 orders, $84.00 spent"


def test_dashboard_order_counts_leave_merged_and_cancelled_out():
    # given the Dashboard's formulas for the live column letters
    positions = {c.key: i for i, c in enumerate(ORDERS_TAB.columns)}
    cells = dict(dashboard_cells(positions, {c.key: i for i, c in enumerate(DUPLICATES_TAB.columns)}))
    labels = {v.strip(): k for k, v in cells.items() if not str(v).startswith("=")}
    # then every "orders today" figure excludes MERGED and CANCELLED rows
    for label in ("Shopify", "Etsy", "Square", "Amazon", "Manual", "All channels"):
        formula = cells["B" + labels[label][1:]]
        assert '"<>MERGED"' in formula and '"<>CANCELLED"' in formula, label
    # and they are counted on a line of their own
    assert '"MERGED"' in cells["B" + labels["Merged or cancelled (not counted)"][1:]]
