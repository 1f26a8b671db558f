"""Archive what's done (issue 16) on Google: the real gspread against the Sheets stand-in, two spreadsheets."""
from __future__ import annotations

import pytest

from sheet_schema.tabs import AUDIT_LOG, ORDERS, ORDERS_TAB
from sheets.archive_tabs import archive_tab
from sheets.audit_lines import sheet_line
from tests.archive.conftest import FORMULA, make_due, old_and_new, seed
from tests.foundation.test_google_new_rows import _problems

LONG_AGO = "2026-01-02T10:00:00+00:00"


def test_closed_orders_past_the_window_move_once_with_their_look(g):
    # given five orders: three closed and old, one old but still open, one new
    r = g.runner
    seed(r)
    r.journal.set_fields("TC-3", source="truecraft", push=True, status="MERGED")
    r.journal.execute("UPDATE audit SET at=? WHERE order_id IN ('TC-1', 'TC-4')", (LONG_AGO,))
    r.watch()
    old_lines = [str(e["id"]) for e in r.journal.audit_entries()
                 if e["at"] == LONG_AGO and sheet_line(e, "UTC") is not None]  # lines the Audit Log shows
    # when the daily archive run comes round
    make_due(r)
    report = r.watch().archive
    # then the closed old ones are in the archive, once, and gone from Orders; the rest stay
    assert sorted(g.archived()) == ["TC-1", "TC-2", "TC-3"], report.summary()
    assert g.orders() == ["TC-4", "TC-5"]
    # and Audit Log lines older than the window moved to "Audit Log 2026", and only those
    moved = g.ids(g.aid, "Audit Log 2026")
    assert sorted(moved) == sorted(old_lines) and report.audit_lines == len(old_lines)
    assert not set(moved) & set(g.ids(g.sid, AUDIT_LOG))
    # and the archive rows look like Orders rows: dropdowns, plain-text columns, colour rules, frozen header
    tab = archive_tab(ORDERS, 2026)
    assert _problems(g.standin, g.aid, tab.name, tab, [1, 2, 3]) == []
    sheet = g.standin.sheet(g.aid, tab.name)
    assert sheet.properties["gridProperties"]["frozenRowCount"] == 1
    assert len(sheet.conditional_formats) == len(ORDERS_TAB.colour_rules)
    assert g.standin.values(g.aid, tab.name)[0] == ORDERS_TAB.headers
    # and customer text that looks like a formula is text there too
    row = g.archived().index("TC-3") + 2
    assert g.standin.values(g.aid, tab.name)[row - 1][3] == FORMULA
    assert not g.standin.is_formula(g.aid, tab.name, f"D{row}")
    # when the next cycles run (and the next day's archive run)
    r.watch()
    make_due(r)
    again = r.watch()
    # then nothing moves twice and nothing archived comes back to Orders by itself
    assert sorted(g.archived()) == ["TC-1", "TC-2", "TC-3"] and g.orders() == ["TC-4", "TC-5"]
    assert again.restored == 0 and again.archive.archived == []


def test_archived_is_not_deleted_by_a_person(g):
    # given archived orders, and a person who then deletes a live row by hand
    r = g.runner
    seed(r)
    make_due(r)
    r.watch()
    g.standin.human_delete_rows(g.sid, ORDERS, 1, 2)  # TC-4
    # when the next cycle runs
    report = r.watch()
    # then the deleted row is put back, and the archived ones are not
    assert report.restored == 1 and sorted(g.orders()) == ["TC-4", "TC-5"]
    assert sorted(g.archived()) == ["TC-1", "TC-2", "TC-3"]


def test_an_edit_not_seen_yet_waits_for_the_next_run(g):
    # given an old shipped order whose Notes a person changed just before the run
    r = g.runner
    seed(r)
    row = g.orders().index("TC-1") + 2
    notes = ORDERS_TAB.headers.index("Notes")
    g.standin.human_set(g.sid, ORDERS, f"{chr(65 + notes)}{row}", "refund the postage")
    # when the archive runs before a cycle has read that cell
    report = r.archiver.run()
    # then that order stays (with her note) for the next run, the others move
    assert report.waiting == ["TC-1"] and "TC-1" in g.orders()
    assert sorted(g.archived()) == ["TC-2", "TC-3"]


class Killed(BaseException):
    """The process dies here (BaseException: nothing on the way catches it)."""


@pytest.mark.parametrize("step", ["archive.append", "main.delete", "journal.set_archive_state"])
def test_killed_half_way_every_order_ends_in_exactly_one_place(g, monkeypatch, step):
    # given orders due for the archive
    r = g.runner
    seed(r)
    make_due(r)
    part, name = step.split(".")
    target = {"archive": r.archiver.archive, "main": r.archiver.main, "journal": r.journal}[part]
    real = getattr(target, name)

    def die(*args, **kwargs):
        if name == "set_archive_state" and args[1] != "archived":
            return real(*args, **kwargs)
        if name == "delete":  # the rows reached the archive and are still in Orders: in both, for now
            assert sorted(g.archived()) == ["TC-1", "TC-2", "TC-3"] and "TC-1" in g.orders()
        raise Killed()  # for set_archive_state: the rows left Orders, and the journal never heard
    monkeypatch.setattr(target, name, die)
    # when the service is killed at that step
    with pytest.raises(Killed):
        r.watch()
    monkeypatch.undo()
    # then after a restart, the first cycle finishes the move
    r2 = g.start()
    r2.watch()
    r2.watch()
    # and every order is in exactly one place
    everywhere = g.orders() + g.archived()
    assert sorted(everywhere) == ["TC-1", "TC-2", "TC-3", "TC-4", "TC-5"]
    assert sorted(g.archived()) == ["TC-1", "TC-2", "TC-3"]
    assert set(r2.journal.archive_records("archived")) == {"TC-1", "TC-2", "TC-3"}


def test_an_archived_orders_duplicate_is_still_flagged_against_it(g):
    # given TC-1 (Etsy, Ada Byron) archived
    r = g.runner
    seed(r)
    make_due(r)
    r.watch()
    assert "TC-1" in g.archived()
    # when last season's Square export arrives with the same purchase 20 minutes later
    from tests.archive.conftest import OLD
    from tests.foundation.factories import make_order

    twin = make_order("sq-1", platform="square", name="Ada Byron", minutes=OLD + 20)
    again = make_order("6", name="Ada Byron", minutes=0, total="35.00")  # and she orders again today
    r.ingest([twin, again])
    r.watch()
    # then the new order is flagged as a duplicate of the archived one
    twin_row = r.journal.find("square", "sq-1")
    assert twin_row.fields.get("dup_of") == "TC-1", twin_row.fields
    # and customer history still counts the archived order ("Repeat customer")
    newest = r.journal.find("etsy", "6")
    assert "Repeat customer" in newest.fields.get("customer_history", ""), newest.fields


def test_bring_back_through_the_dashboard_cell_within_the_cycles_one_read(g):
    # given archived orders
    r = g.runner
    seed(r)
    make_due(r)
    r.watch()
    # when a person types two Order IDs (and one that doesn't exist) into the Bring back cell
    g.standin.human_set(g.sid, "Dashboard", "H11", "tc-2, TC-3 TC-99")
    g.standin.reset_counts()
    r.watch()
    # then the cycle read the cell in its one values.batchGet, with the editable ranges of Orders
    reads = [q.get("ranges", []) for m, p, q in g.standin.requests if m == "GET" and "values:batchGet" in p]
    cycle = [r for r in reads if "Orders!A1:A" in r]
    assert cycle and "Dashboard!H11" in cycle[0]
    # and both orders are back in Orders, once, and gone from the archive
    assert sorted(g.orders()) == ["TC-2", "TC-3", "TC-4", "TC-5"] and g.archived() == ["TC-1"]
    # and the cell is empty again, with a plain message under it
    dash = g.standin.values(g.sid, "Dashboard")
    assert len(dash[10]) < 8 or dash[10][7] == ""
    assert "TC-2, TC-3 back in Orders" in dash[11][7] and "no order TC-99" in dash[11][7]
    # and the next day's run leaves the brought-back orders in Orders
    make_due(r)
    r.watch()
    assert sorted(g.orders()) == ["TC-2", "TC-3", "TC-4", "TC-5"]


def test_bring_back_with_the_command(g):
    from argparse import Namespace

    from cli.archive_cmd import run

    # given an archived order
    r = g.runner
    seed(r)
    make_due(r)
    r.watch()
    lines: list[str] = []
    # when the seller runs `archive restore TC-1`, and then asks for an order that doesn't exist
    rc = run(Namespace(action="restore", order_ids=["TC-1"]), r.settings, out=lines.append, runner=r)
    bad = run(Namespace(action="restore", order_ids=["TC-404"]), r.settings, out=lines.append, runner=r)
    # then TC-1 is back in Orders and out of the archive, and the unknown one is named in plain words
    assert rc == 0 and "TC-1" in g.orders() and "TC-1" not in g.archived()
    assert bad == 1 and any("There is no order TC-404" in x for x in lines)
    # and the next cycle keeps it there once
    r.watch()
    assert g.orders().count("TC-1") == 1


def test_nothing_is_archived_without_an_archive_sheet(g):
    # given the service with no TRUECRAFT_ARCHIVE_SHEET_ID
    r = g.start(archive=False)
    seed(r)
    g.standin.reset_counts()
    # when cycles run (a day apart)
    make_due(r)
    r.watch()
    # then nothing moved, nothing touched a second spreadsheet, and the cycle reads no Bring back cell
    assert r.archiver is None and sorted(g.orders()) == ["TC-1", "TC-2", "TC-3", "TC-4", "TC-5"]
    assert not any(g.aid in p for _, p, _ in g.standin.requests)
    assert not any("Dashboard" in str(q) for _, _, q in g.standin.requests)


def test_an_archived_order_the_platform_changes_comes_back(g):
    # given an archived shipped order, and a customer who ordered again (her history changes on every order)
    r = g.runner
    seed(r)
    make_due(r)
    r.watch()
    r.journal.set_fields("TC-3", audit=False, customer_history="Repeat customer — 2 orders, $400.00 spent")
    r.watch()
    assert "TC-3" in g.archived()  # bookkeeping alone doesn't bring a row back
    # when the platform refunds TC-1 months later (TrueCraft sets its Status on purpose)
    r.journal.set_fields("TC-1", source="etsy", push=True, status="CANCELLED", sync="Refunded on Etsy")
    r.watch()
    # then TC-1 is back in Orders showing the change, once, and out of the archive
    assert g.orders().count("TC-1") == 1 and "TC-1" not in g.archived()
    row = g.standin.values(g.sid, ORDERS)[g.orders().index("TC-1") + 1]
    assert "CANCELLED" in row and "Refunded on Etsy" in row


def test_every_row_of_a_full_grid_can_move(g):
    # given Orders whose grid has no blank row left under the last order (all of them old and shipped)
    r = g.runner
    seed(r, old_and_new()[:3])
    sheet_id = g.standin.sheet(g.sid, ORDERS).properties["sheetId"]
    r.backend.spreadsheet.batch_update({"requests": [{"updateSheetProperties": {"properties": {
        "sheetId": sheet_id, "gridProperties": {"rowCount": 4}}, "fields": "gridProperties.rowCount"}}]})
    # when the archive moves all three (Google refuses to delete every row below the frozen header)
    make_due(r)
    report = r.watch().archive
    # then they moved anyway, and Orders keeps its header and a blank row
    assert sorted(report.archived) == ["TC-1", "TC-2", "TC-3"] and g.orders() == []
    assert g.standin.values(g.sid, ORDERS)[0][0] == "Order ID"
