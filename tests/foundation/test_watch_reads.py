"""A watch cycle on Google reads only what people can change (issue 16), and still sees every edit.

The real gspread against the Sheets stand-in on loopback. The stand-in records each
request's query, so the test reads the ranges a cycle asked for straight off the wire.
"""
from __future__ import annotations

import pytest

from automations.runner import Runner
from core.config import Settings
from core.http import RetryPolicy
from core.journal import Journal
from sheet_schema.schema import col_letter
from sheet_schema.tabs import AUDIT_LOG, CUSTOMERS, DUPLICATES, ORDERS, ORDERS_TAB, WORKBOOK
from sheets.google_backend import GoogleSheetsBackend
from tests.foundation.factories import make_order
from tests.standin.sheets_batchdispatch import cut_paste

EDITS = {"status": "ON HOLD", "carrier": "UPS", "tracking": "1Z999AA10123456784",
         "ship_to": "Rachel Green, 99 Elm Road, Salem, OR 97301, US", "linked_orders": "TC-2",
         "notes": "gift wrap please"}
SMALL_TABS = {"SKU Map", "Inventory", "Bundles", "Manual Entry"}


class Clock:
    """A clock the test moves by hand (the slower check runs on time)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def g(tmp_path):
    from tests.standin.sheets_server import SheetsStandin

    standin = SheetsStandin().start()
    sid = standin.create_spreadsheet("TrueCraft")
    cred = standin.write_service_account_file(tmp_path / "sa.json")
    backend = GoogleSheetsBackend(sid, str(cred), standin.url, budget_per_minute=10**4,
                                  policy=RetryPolicy(attempts=3, base=0.01, cap=0.05, timeout=10))
    runner = Runner(Settings(), Journal(tmp_path / "j.db"), backend)
    clock = Clock()
    runner.sync.reader.clock = runner.sync.check.clock = clock
    runner.sync.check.last = clock.now
    backend.init_layout(WORKBOOK)
    runner.ingest([make_order(str(1000 + i), name=f"Buyer {i}", minutes=i * 600) for i in range(6)])
    runner.flush()
    runner.watch()  # the first cycle reads headers and fills Customers and SKU Map

    class Env:
        pass
    env = Env()
    env.standin, env.sid, env.runner, env.clock = standin, sid, runner, clock
    env.rows = lambda tab=ORDERS: standin.values(sid, tab)
    yield env
    runner.close()
    standin.stop()


def read_ranges(standin) -> list[str]:
    """Every range named by the values.batchGet requests recorded since the last reset."""
    out: list[str] = []
    for method, path, query in standin.requests:
        if method == "GET" and path.endswith("values:batchGet"):
            ranges = query.get("ranges", [])
            out += [ranges] if isinstance(ranges, str) else list(ranges)
    return out


def header_at(rows: list[list[str]], a1: str) -> str:
    """The header text above a column range like Orders!L1:N (first column)."""
    cells = a1.split("!", 1)[1].split(":")[0]
    letters = "".join(ch for ch in cells if ch.isalpha())
    idx = next(i for i in range(len(rows[0]) + 1) if col_letter(i) == letters)
    return rows[0][idx]


def cell(g, order_id: str, header: str, tab: str = ORDERS) -> str:
    rows = g.rows(tab)
    col, key = rows[0].index(header), rows[0].index("Order ID")
    return next(r[col] if col < len(r) else "" for r in rows[1:] if r[key] == order_id)


def type_into(g, order_id: str, header: str, value: str) -> None:
    """A person types into the cell of this order's row under this header."""
    rows = g.rows()
    r = next(i for i, row in enumerate(rows) if row[rows[0].index("Order ID")] == order_id)
    g.standin.human_set(g.sid, ORDERS, f"{col_letter(rows[0].index(header))}{r + 1}", value)


def move_column(g, header: str, to: int, tab: str = ORDERS) -> None:
    """Drag a column (found by header) to 0-based position `to`, as the Sheets UI does."""
    src = g.rows(tab)[0].index(header)
    with g.standin._state.lock:  # noqa: SLF001 - the stand-in's model lock, like tests/reliability/tamper.py
        sheet = g.standin.sheet(g.sid, tab)
        rows = sheet.data_extent()[0] + 1
        sheet.shift("COLUMNS", to, 1)
        src = src + 1 if src >= to else src
        cut_paste(g.standin.spreadsheet(g.sid), {
            "source": {"sheetId": sheet.sheet_id, "startRowIndex": 0, "endRowIndex": rows,
                       "startColumnIndex": src, "endColumnIndex": src + 1},
            "destination": {"sheetId": sheet.sheet_id, "rowIndex": 0, "columnIndex": to},
            "pasteType": "PASTE_NORMAL"})
        sheet.shift("COLUMNS", src, -1)


def test_a_steady_cycle_reads_only_the_ranges_people_can_change(g):
    # given a sheet that is up to date
    g.standin.reset_counts()
    # when a watch cycle runs with nothing new
    g.runner.watch()
    # then it made one request, a batchGet
    assert len(g.standin.requests) == 1
    ranges = read_ranges(g.standin)
    by_tab: dict[str, list[str]] = {}
    for a1 in ranges:
        by_tab.setdefault(a1.split("!")[0].strip("'"), []).append(a1)
    # and it never read the service-owned tabs
    assert AUDIT_LOG not in by_tab and CUSTOMERS not in by_tab and "Dashboard" not in by_tab
    # and from Orders only the Order ID and the editable columns, each range starting at its header cell
    editable = {"Order ID"} | {c.header for c in ORDERS_TAB.columns if c.editable}
    orders_rows = g.rows()
    seen = set()
    for a1 in by_tab[ORDERS]:
        first, last = a1.split("!")[1].split(":")
        assert first.endswith("1") and not any(ch.isdigit() for ch in last), a1  # e.g. L1:N
        start = orders_rows[0].index(header_at(orders_rows, a1))
        end = next(i for i in range(len(orders_rows[0])) if col_letter(i) == last)
        seen |= set(orders_rows[0][start:end + 1])
    assert seen == editable
    # and from Duplicates only Pair and Decision
    dup_header = g.rows(DUPLICATES)[0]
    assert {header_at([dup_header], a1) for a1 in by_tab[DUPLICATES]} == {"Pair", "Decision"}
    # and the small tabs people type into are read whole
    assert SMALL_TABS <= {t for t, rs in by_tab.items() if rs == [f"'{t}'"] or rs == [t]}


@pytest.mark.parametrize("moved", [False, True])
def test_a_persons_edit_in_each_editable_column_is_seen(g, moved):
    # given (optionally) a person dragged columns around: Notes first, Status after Tracking #
    if moved:
        move_column(g, "Notes", 0)
        move_column(g, "Status", g.rows()[0].index("Tracking #"))
        move_column(g, "Customer", 2)  # a service column too: writes must follow it
    # when she types into every editable column of TC-1 and a cycle runs
    for key, value in EDITS.items():
        type_into(g, "TC-1", ORDERS_TAB.column(key).header, value)
    report = g.runner.watch()
    # then every edit reached the journal
    fields = g.runner.journal.get("TC-1").fields
    assert {k: fields.get(k) for k in EDITS} == EDITS, report
    # and what she typed is still in the sheet, and the service columns still hold their own values
    for key, value in EDITS.items():
        assert cell(g, "TC-1", ORDERS_TAB.column(key).header) == value
    assert cell(g, "TC-1", "Customer") == "Buyer 0"
    assert cell(g, "TC-2", "Linked Orders") == "TC-1"  # the link was written back on the other row


def test_a_new_order_after_columns_moved_lands_under_the_right_headers(g):
    # given a person swapped two service columns no cycle reads (no column a cycle reads moves)
    move_column(g, "Platform", g.rows()[0].index("Received"))
    assert g.rows()[0][:3] == ["Order ID", "Platform", "Received"]
    # when a new order arrives and a cycle runs
    g.runner.ingest([make_order("2000", name="Late Buyer", minutes=9000)])
    g.runner.watch()
    # then its row has every value under its own header
    assert cell(g, "TC-7", "Customer") == "Late Buyer"
    assert cell(g, "TC-7", "Received").startswith("2026-12-03")
    assert cell(g, "TC-7", "Platform Order #") == "2000" and cell(g, "TC-7", "Platform") == "Etsy"
    # and an existing order's changed cells land under their headers too
    g.runner.journal.set_fields("TC-3", source="test", sync="Shipped ✓")
    g.runner.watch()
    assert cell(g, "TC-3", "Sync") == "Shipped ✓" and cell(g, "TC-3", "Received") == "2026-11-28 07:00"


def test_a_decision_typed_in_duplicates_is_seen(g):
    # given a likely duplicate of TC-1 (same customer, same item, minutes apart)
    g.runner.ingest([make_order("3000", name="Buyer 1", platform="square", minutes=605)])
    g.runner.watch()
    rows = g.rows(DUPLICATES)
    assert len(rows) == 2, rows
    # when the seller types MERGE into the Decision cell
    g.standin.human_set(g.sid, DUPLICATES, f"{col_letter(rows[0].index('Decision'))}2", "MERGE")
    g.runner.watch()
    # then the later order is merged and the Result says so
    assert g.runner.journal.get("TC-7").fields.get("status") == "MERGED"
    assert g.rows(DUPLICATES)[1][rows[0].index("Result")].startswith("Merged")


def test_deleted_audit_lines_and_a_cleared_customers_header_are_repaired_on_the_slower_check(g):
    lines = len(g.rows(AUDIT_LOG))
    customers = g.rows(CUSTOMERS)
    # given a person deletes three Audit Log lines and clears the Customers header row
    g.standin.human_delete_rows(g.sid, AUDIT_LOG, 2, 5)
    for i in range(len(customers[0])):
        g.standin.human_set(g.sid, CUSTOMERS, f"{col_letter(i)}1", "")
    # when cycles run before the check is due, they don't read those tabs (so nothing is repaired yet)
    g.standin.reset_counts()
    g.runner.watch()
    assert not any(AUDIT_LOG in r or CUSTOMERS in r for r in read_ranges(g.standin))
    assert len(g.rows(AUDIT_LOG)) == lines - 3
    # and once the check is due (TRUECRAFT_SHEET_CHECK_MINUTES, 15 by default) the next cycle repairs both
    g.clock.now += 15 * 60
    g.runner.watch()
    g.runner.watch()  # the audit lines about the repair itself
    audit = g.rows(AUDIT_LOG)
    entries = [r[0] for r in audit[1:]]
    assert len(set(entries)) == len(entries) and len(entries) >= lines - 1
    assert "audit lines restored" in [r[audit[0].index("What")] for r in audit[1:]]
    assert g.rows(CUSTOMERS)[0] == customers[0]
    assert g.rows(CUSTOMERS)[1:] == customers[1:]


def test_a_crash_after_audit_lines_landed_does_not_double_them(g, monkeypatch):
    # given new audit lines are written, and the process dies before the journal marks them written
    g.runner.journal.set_fields("TC-2", source="sheet", notes="call before shipping")
    real = g.runner.journal.mark_audit_written

    def crash(ids):
        raise KeyboardInterrupt("killed")
    monkeypatch.setattr(g.runner.journal, "mark_audit_written", crash)
    with pytest.raises(KeyboardInterrupt):
        g.runner.watch()
    monkeypatch.setattr(g.runner.journal, "mark_audit_written", real)
    # when a restarted service (which does not read the Audit Log each cycle) runs its cycles
    again = Runner(Settings(), g.runner.journal, g.runner.backend)
    again.watch()
    again.watch()
    # then every audit line is in the tab exactly once
    entries = [r[0] for r in g.rows(AUDIT_LOG)[1:]]
    assert len(entries) == len(set(entries))
    assert {str(e["id"]) for e in g.runner.journal.audit_entries()} == set(entries)


def test_the_cheap_editable_values_match_the_full_row_for_every_editable_column(g):
    # given every stored order (shipped, linked, noted, plain)
    from sheets.rows import editable_values, order_row

    g.runner.journal.set_fields("TC-2", source="sheet", notes="n", linked_orders="TC-1", carrier="UPS")
    for stored in g.runner.journal.all_orders():
        # when the watch computes what the editable cells should show
        cheap = editable_values(stored)
        # then it is exactly what a full row shows in every editable column of the schema
        full = order_row(stored)
        assert {c.key: full[c.key] for c in ORDERS_TAB.columns if c.editable} == cheap


def test_the_standin_leaves_out_indentation_only_when_asked_like_google(g):
    # given the same batchGet asked with and without prettyPrint=false (a Google system parameter)
    url = f"{g.standin.url}/v4/spreadsheets/{g.sid}/values:batchGet"
    session = g.runner.backend.session
    pretty = session.get(url, params={"ranges": "Orders!A1:A"})
    compact = session.get(url, params={"ranges": "Orders!A1:A", "prettyPrint": "false"})
    # then both say the same, and only the default answer is indented
    assert pretty.json() == compact.json()
    assert "\n" in pretty.text and "\n" not in compact.text


@pytest.fixture()
def long_tab(g):
    """20 more orders, all shipped, so the tab is longer than a (test-sized) sweep of 4 rows and tail of 2."""
    from core.models import OrderState, Shipment

    g.runner.ingest([make_order(str(5000 + i), name=f"Old {i}", minutes=-100000 + i * 600,
                                state=OrderState.FULFILLED, shipments=(Shipment("USPS", f"94001118992231{i:08d}"),))
                     for i in range(20)])
    g.runner.watch()
    g.runner.sync.reader.sweep_rows = 4
    g.runner.sync.reader.tail_rows = 2
    g.runner.watch()  # the Order IDs of every row are known: windows from now on
    return g


def _rows_named(a1: str) -> tuple[int, int | None]:
    cells = a1.split("!", 1)[1]
    first, _, last = cells.partition(":")
    digits = lambda t: int("".join(ch for ch in t if ch.isdigit())) if any(ch.isdigit() for ch in t) else None
    return digits(first), digits(last)


def test_on_a_long_tab_a_cycle_reads_editable_cells_of_open_orders_and_a_sweep_only(long_tab, monkeypatch):
    g = long_tab
    monkeypatch.setattr("sheets.watch_rows.GAP", 1)  # rows a few apart stay separate windows on this short tab
    rows = g.rows()
    open_rows = {i + 1 for i, r in enumerate(rows) if r[rows[0].index("Status")] != "FULFILLED" and i > 0}
    g.standin.reset_counts()
    # when a steady cycle runs
    g.runner.watch()
    ranges = [a for a in read_ranges(g.standin) if a.startswith(ORDERS)]
    id_col = col_letter(rows[0].index("Order ID"))
    # then the Order ID and the editable columns are read only on some rows, the same rows for both
    covered: dict[bool, set[int]] = {True: set(), False: set()}
    for a1 in ranges:
        first, last = _rows_named(a1)
        assert first is not None and (first > 1 or last == 1), a1  # never every row from the header down
        covered[a1.split("!")[1].startswith(id_col)] |= set(range(first, (last or len(rows)) + 1))
    assert covered[True] == covered[False]
    assert open_rows <= covered[True]  # every open order's row
    assert {len(rows) - 1, len(rows)} <= covered[True]  # and the last rows (the tail)
    assert len(covered[True] - {1}) < len(rows) - 1 - 4  # but not every row


def test_on_a_long_tab_an_edit_on_a_shipped_order_is_seen_within_one_sweep_and_nothing_else_is_invented(long_tab):
    g = long_tab
    # given a person notes a shipped order, and an open one
    type_into(g, "TC-20", "Notes", "returned, refund sent")
    type_into(g, "TC-3", "Notes", "call first")
    # when cycles run: the open order's edit is seen by the first
    g.runner.watch()
    assert g.runner.journal.get("TC-3").fields.get("notes") == "call first"
    # and the shipped one within rows / sweep cycles, with no other edit made up from unread cells
    rows = len(g.rows()) - 1
    for _ in range(rows // 4 + 1):
        g.runner.watch()
    assert g.runner.journal.get("TC-20").fields.get("notes") == "returned, refund sent"
    changed = [(e["order_id"], e["kind"]) for e in g.runner.journal.audit_entries() if e["source"] == "sheet"]
    assert sorted(changed) == [("TC-20", "notes changed"), ("TC-3", "notes changed")], changed


def test_on_a_long_tab_edits_after_a_sort_belong_to_the_right_orders(long_tab):
    g = long_tab
    # given a person sorts Orders by Customer (every row moves) and then types a note on TC-2
    g.standin.human_sort(g.sid, ORDERS, g.rows()[0].index("Customer"), False)
    type_into(g, "TC-2", "Notes", "sorted then noted")
    # when two cycles run (the first may aim at the old rows; the Order IDs read with it say whose they are)
    g.runner.watch()
    g.runner.watch()
    # then the note is TC-2's and nobody else got one
    assert g.runner.journal.get("TC-2").fields.get("notes") == "sorted then noted"
    noted = {e["order_id"] for e in g.runner.journal.audit_entries() if e["kind"] == "notes changed"}
    assert noted == {"TC-2"}
