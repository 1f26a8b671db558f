"""What a cycle no longer recomputes at 50,000 orders still sees every change (issue 16).

A cycle looks for edits only on the rows whose editable cells it read, keeps the open
orders as a set updated when orders change, and the slower check plans Customers against
the rows last worked out instead of clustering every order again.
"""
from __future__ import annotations

from sheet_schema.schema import col_letter
from sheet_schema.tabs import CUSTOMERS, ORDERS
from tests.foundation.test_watch_reads import g, long_tab, type_into  # noqa: F401 - fixtures


def test_a_note_typed_and_then_cleared_again_is_recorded_both_times(long_tab):
    g = long_tab
    # given a person notes an open order and the cycle records it
    type_into(g, "TC-3", "Notes", "call first")
    g.runner.watch()
    assert g.runner.journal.get("TC-3").fields.get("notes") == "call first"
    # when she clears the cell again, back to what it was before any edit
    type_into(g, "TC-3", "Notes", "")
    g.runner.watch()
    # then the journal follows her back, and both changes are in the audit trail
    assert g.runner.journal.get("TC-3").fields.get("notes") == ""
    notes = [e["new"] for e in g.runner.journal.audit_entries("TC-3") if e["kind"] == "notes changed"]
    assert notes == ["call first", ""]


def test_an_order_shipped_and_reopened_by_a_person_is_watched_every_cycle_again(long_tab):
    g = long_tab
    # given a person ships an open order (it leaves the rows read every cycle once written)
    type_into(g, "TC-3", "Status", "FULFILLED")
    type_into(g, "TC-3", "Tracking #", "9400111899223100000001")
    g.runner.watch()
    g.runner.watch()
    assert "TC-3" not in g.runner.sync.reader.hot()
    # when, before the sweep comes round, she sets it back to IN PROGRESS and then adds a note
    type_into(g, "TC-3", "Status", "IN PROGRESS")
    for _ in range(len(g.rows()) // 4 + 1):
        g.runner.watch()
    type_into(g, "TC-3", "Notes", "reopened: wrong parcel")
    g.runner.watch()
    # then the reopening was seen, and the note is seen by the very next cycle
    assert g.runner.journal.get("TC-3").fields.get("status") == "IN PROGRESS"
    assert g.runner.journal.get("TC-3").fields.get("notes") == "reopened: wrong parcel"


def test_a_row_deleted_outside_the_rows_read_is_put_back_by_the_next_cycle(long_tab):
    g = long_tab
    # given a person deletes a shipped order's row that no window covers this cycle
    rows = g.rows()
    r = next(i for i, row in enumerate(rows) if row[rows[0].index("Order ID")] == "TC-20")
    g.standin.human_delete_rows(g.sid, ORDERS, r, r + 1)
    # when the next cycle runs
    g.runner.watch()
    # then the row is back, once
    ids = [row[rows[0].index("Order ID")] for row in g.rows()[1:]]
    assert ids.count("TC-20") == 1


def test_the_slower_check_repairs_a_changed_customers_row_without_clustering_every_order_again(g, monkeypatch):
    import automations.duplicates_flow as flow

    g.runner.watch()  # the second cycle plans SKU Map suggestions against the listings it wrote
    rows = g.rows(CUSTOMERS)
    col = rows[0].index("Name")
    # given a person types over a name in the service-owned Customers tab
    g.standin.human_set(g.sid, CUSTOMERS, f"{col_letter(col)}2", "Someone Else")
    calls = []
    real = flow.cluster_customers
    monkeypatch.setattr(flow, "cluster_customers", lambda orders: calls.append(1) or real(orders))
    # when the slower check comes due and its cycle runs (no order changed since the rows were worked out)
    g.clock.now += 15 * 60
    g.runner.watch()
    # then the row shows the name again, and the customers were not worked out from scratch
    assert g.rows(CUSTOMERS)[1][col] == rows[1][col]
    assert calls == []
