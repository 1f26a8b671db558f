"""A cycle reads the Order IDs of its row windows only, and still sees deleted and sorted rows (issue 16).

The real gspread against the Sheets stand-in. The long tab (tests/foundation/test_watch_reads.py)
has 6 open orders on top and 20 shipped ones below, a sweep of 4 rows and a tail of 2.
"""
from __future__ import annotations

from collections import Counter

import pytest

from sheet_schema.tabs import ORDERS
from sheets.watch_rows import windows
from tests.foundation.test_watch_reads import cell, g, long_tab, read_ranges, type_into  # noqa: F401
from tests.standin.sheets_batchupdate import sort_range


@pytest.fixture(autouse=True)
def separate_windows(monkeypatch):
    """Rows a few apart stay separate windows on this short tab (50,000 rows have room for GAP=25)."""
    monkeypatch.setattr("sheets.watch_rows.GAP", 1)


def order_ids(g) -> list[str]:
    """The Order IDs the sheet shows, top to bottom."""
    rows = g.rows()
    col = rows[0].index("Order ID")
    return [r[col] for r in rows[1:] if col < len(r) and r[col]]


def each_order_once(g) -> bool:
    """Every order the journal holds is in the sheet exactly once, and nothing else is."""
    shown = Counter(order_ids(g))
    return set(shown) == {s.order_id for s in g.runner.journal.all_orders()} and set(shown.values()) == {1}


def next_windows(g) -> set[int]:
    """0-based rows whose Order IDs the next cycle reads."""
    reader = g.runner.sync.reader
    ids = reader.ids.rows
    wins, _ = windows(ids, reader.hot(), reader.sweep_at, reader.sweep_rows, reader.tail_rows)
    return {r for a, b in wins for r in range(a, (len(ids) - 1 if b < 0 else b) + 1)}


def whole_id_read(g) -> bool:
    """Did the requests since the last reset read the Order ID column whole?"""
    return "Orders!A1:A" in read_ranges(g.standin)


def person_sorts_rows(g, first: int, last: int, by: str, descending: bool = True) -> None:
    """Data > Sort range on rows first..last (0-based, inclusive) of Orders, as a person does."""
    with g.standin._state.lock:  # noqa: SLF001 - the stand-in's model lock, like move_column
        sheet = g.standin.sheet(g.sid, ORDERS)
        width = sheet.data_extent()[1] + 1
        sort_range(g.standin.spreadsheet(g.sid), {
            "range": {"sheetId": sheet.sheet_id, "startRowIndex": first, "endRowIndex": last + 1,
                      "startColumnIndex": 0, "endColumnIndex": width},
            "sortSpecs": [{"dimensionIndex": g.rows()[0].index(by),
                           "sortOrder": "DESCENDING" if descending else "ASCENDING"}]})


def test_a_steady_cycle_on_a_long_tab_reads_no_order_id_column_whole_and_sends_one_request(long_tab):
    g = long_tab
    whole = g.runner.sync.reader.ids.whole_reads
    g.standin.reset_counts()
    # when cycles run and nobody changed anything
    g.runner.watch()
    g.runner.watch()
    # then each cycle was one batchGet, and neither read the Order ID column whole
    assert [m for m, _, _ in g.standin.requests] == ["GET", "GET"]
    assert not whole_id_read(g) and g.runner.sync.reader.ids.whole_reads == whole


def test_a_row_deleted_outside_every_window_is_seen_by_the_next_cycle_and_put_back_once(long_tab):
    g = long_tab
    # given a person deletes a shipped order's row that no window of the next cycle covers
    r = min(set(range(7, len(g.rows()))) - next_windows(g))
    gone = g.rows()[r][0]
    g.standin.human_delete_rows(g.sid, ORDERS, r, r + 1)
    g.standin.reset_counts()
    # when the next cycle runs
    g.runner.watch()
    # then the tail no longer matched, so the same cycle read the Order ID column whole
    assert whole_id_read(g)
    # and the row is back, once, with every other order still there once
    assert order_ids(g).count(gone) == 1 and each_order_once(g)
    # and once the "row restored" audit lines are written, cycles trust the Order IDs again: one request each
    g.runner.watch()
    g.standin.reset_counts()
    g.runner.watch()
    assert not whole_id_read(g) and len(g.standin.requests) == 1


def test_a_sorted_sheet_is_seen_by_the_next_cycle_and_writes_and_edits_stay_with_their_orders(long_tab):
    g = long_tab
    # given a person sorts Orders by Customer (every row moves, the open ones too)
    g.standin.human_sort(g.sid, ORDERS, g.rows()[0].index("Customer"), False)
    g.standin.reset_counts()
    # when the next cycle runs
    g.runner.watch()
    # then it read the Order ID column whole, and invented no edit
    assert whole_id_read(g)
    assert not [e for e in g.runner.journal.audit_entries() if e["source"] == "sheet"]
    # and when a person then notes an open order, and TrueCraft changes another one's Sync cell
    type_into(g, "TC-3", "Notes", "after the sort")
    g.runner.journal.set_fields("TC-4", source="test", sync="Shipped ✓")
    g.runner.watch()
    g.runner.watch()
    # then the note is TC-3's, the Sync value is on TC-4's row, and every order is there once
    assert g.runner.journal.get("TC-3").fields.get("notes") == "after the sort"
    assert {e["order_id"] for e in g.runner.journal.audit_entries() if e["kind"] == "notes changed"} == {"TC-3"}
    assert cell(g, "TC-4", "Sync") == "Shipped ✓" and cell(g, "TC-5", "Sync") != "Shipped ✓"
    assert each_order_once(g)


def test_two_rows_swapped_in_the_tail_are_seen_at_once_and_an_edit_on_them_goes_to_the_right_order(long_tab):
    g = long_tab
    reader = g.runner.sync.reader
    reader.sweep_at = 7  # the sweep is elsewhere: only the tail covers the last rows
    last = len(g.rows()) - 1
    a, b = g.rows()[last - 1][0], g.rows()[last][0]
    # given a person sorts just the last two rows (they swap) and notes the one now last
    person_sorts_rows(g, last - 1, last, "Order ID", descending=a < b)
    assert g.rows()[last][0] == a
    type_into(g, a, "Notes", "swapped")
    g.standin.reset_counts()
    # when the next cycle runs
    g.runner.watch()
    # then the tail did not match, so the Order ID column was read whole in the same cycle
    assert whole_id_read(g)
    # and the note went to the order on that row now, nobody else's; every order is there once
    assert g.runner.journal.get(a).fields.get("notes") == "swapped"
    assert g.runner.journal.get(b).fields.get("notes", "") == ""
    assert each_order_once(g)


def test_rows_sorted_where_no_window_looks_are_seen_within_one_sweep(long_tab):
    g = long_tab
    reader = g.runner.sync.reader
    # given a person sorts two shipped rows that neither the next window nor the tail covers
    reader.sweep_at = 1
    rows = len(g.rows()) - 1
    r = min(set(range(7, rows - reader.tail_rows)) - next_windows(g))
    a = g.rows()[r][0]
    person_sorts_rows(g, r, r + 1, "Order ID", descending=a < g.rows()[r + 1][0])
    type_into(g, a, "Notes", "moved one down")
    # when cycles run: within rows / sweep cycles the sweep reaches them
    seen_at = None
    for i in range(rows // reader.sweep_rows + 1):
        g.standin.reset_counts()
        g.runner.watch()
        if whole_id_read(g):
            seen_at = i
            break
    # then the Order ID column was read whole by then, and the note is the moved order's only
    assert seen_at is not None
    assert g.runner.journal.get(a).fields.get("notes") == "moved one down"
    assert {e["order_id"] for e in g.runner.journal.audit_entries() if e["kind"] == "notes changed"} == {a}
    assert each_order_once(g)


def test_rows_truecraft_appends_keep_the_order_ids_trusted(long_tab):
    g = long_tab
    from tests.foundation.factories import make_order

    # given a new order arrives and a cycle appends its row
    g.runner.ingest([make_order("7000", name="New Buyer", minutes=9000)])
    g.runner.watch()
    g.standin.reset_counts()
    # when the next cycle runs
    g.runner.watch()
    # then it trusted what it wrote: one request, no whole Order ID column, the new row known at the end
    assert len(g.standin.requests) == 1 and not whole_id_read(g)
    assert g.runner.sync.reader.ids.rows[-1] == order_ids(g)[-1] == "TC-27"
    assert each_order_once(g)


def test_the_slower_check_reads_the_order_id_column_whole(long_tab):
    g = long_tab
    # given the slower check is due (TRUECRAFT_SHEET_CHECK_MINUTES)
    g.clock.now += 15 * 60
    g.standin.reset_counts()
    # when its cycle runs
    g.runner.watch()
    # then that cycle read the Order ID column whole
    assert whole_id_read(g)
