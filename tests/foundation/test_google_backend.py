"""The Google Sheets path: the real gspread over HTTP against the Sheets stand-in on loopback."""
import time

import pytest

from core.config import Settings
from core.http import RetryPolicy
from core.journal import Journal
from sheet_schema.tabs import ORDERS, ORDERS_TAB, WORKBOOK
from sheets.google_backend import GoogleSheetsBackend
from sheets.sync import SheetSync
from tests.foundation.factories import make_order
from tests.standin.sheets_server import SheetsStandin

EVIL = '=IMPORTXML("http://x","//a")'


@pytest.fixture()
def g(tmp_path):
    standin = SheetsStandin()
    standin.start()
    sid = standin.create_spreadsheet("TrueCraft")
    cred = standin.write_service_account_file(tmp_path / "sa.json")
    journal = Journal(tmp_path / "j.db")
    policy = RetryPolicy(attempts=6, base=0.01, cap=0.05, timeout=10)
    backend = GoogleSheetsBackend(sid, str(cred), standin.url, budget_per_minute=1000, policy=policy)

    class Env:
        pass
    env = Env()
    env.standin, env.sid, env.journal, env.backend = standin, sid, journal, backend
    env.sync = SheetSync(journal, backend)
    env.rows = lambda: standin.values(sid, ORDERS)
    yield env
    journal.close()
    standin.stop()


def _api_calls(env):
    return len(env.standin.requests)


@pytest.mark.parametrize("n", [10, 500])
def test_flushing_many_orders_costs_a_bounded_number_of_requests(g, n):
    g.backend.init_layout(WORKBOOK)
    g.journal.upsert_many([make_order(str(i), minutes=i) for i in range(n)])
    g.standin.reset_counts()
    g.sync.flush()
    # the header rows (first read of this process) + one read (Order ID and editable columns)
    # + the header check right before writing + one append for orders + one append for the audit
    # lines + one batchUpdate giving the new rows the data-row look (FACTS 1)
    assert _api_calls(g) <= 6
    assert len(g.rows()) == n + 1


def test_a_steady_watch_cycle_is_one_read_request(g):
    from automations.runner import Runner

    runner = Runner(Settings(), g.journal, g.backend)
    runner.ingest([make_order(str(i)) for i in range(50)])
    runner.flush()
    g.standin.reset_counts()
    runner.watch()  # first cycle also fills Customers and SKU Map: one write per tab at most
    assert _api_calls(g) <= 8
    g.standin.reset_counts()
    runner.watch()
    reads = [r for r in g.standin.requests if r[0] == "GET"]
    assert len(reads) == 1 and _api_calls(g) == 1


def test_customer_text_is_never_evaluated(g):
    g.journal.upsert(make_order("1", name=EVIL))
    g.sync.flush()
    header, row = g.rows()[0], g.rows()[1]
    col = header.index("Customer")
    assert row[col] == EVIL
    assert not g.standin.is_formula(g.sid, ORDERS, f"{chr(65 + col)}2")


@pytest.mark.parametrize("tamper", ["sort", "insert_rows", "insert_columns"])
def test_writes_land_in_the_right_row_and_column_after_people_rearrange(g, tamper):
    g.journal.upsert_many([make_order(str(i), name=f"Buyer {i}", minutes=i) for i in range(5)])
    g.sync.flush()
    if tamper == "sort":
        g.standin.human_sort(g.sid, ORDERS, g.rows()[0].index("Customer"), ascending=False)
    elif tamper == "insert_rows":
        g.standin.human_insert_rows(g.sid, ORDERS, 2, 3)
    else:
        g.standin.human_insert_columns(g.sid, ORDERS, 0, 2)
        g.standin.human_set(g.sid, ORDERS, "A1", "Priority")
    # when the platform changes Buyer 3's total
    g.journal.upsert(make_order("3", name="Buyer 3", minutes=3, total="333.00", updated_minutes=9))
    g.sync.flush()
    rows = g.rows()
    h = rows[0]
    by_id = {r[h.index("Order ID")]: r for r in rows[1:] if len(r) > h.index("Order ID") and r[h.index("Order ID")]}
    assert by_id["TC-4"][h.index("Total")] == "$333.00"  # a number, shown in its currency
    assert by_id["TC-4"][h.index("Customer")] == "Buyer 3"
    assert all(by_id[f"TC-{i}"][h.index("Total")] == "$200.00" for i in (1, 2, 3, 5))
    assert len(by_id) == 5


def test_init_is_idempotent_and_keeps_what_people_added(g):
    first = g.backend.init_layout(WORKBOOK)
    assert any("created tab Orders" in line for line in first)
    g.standin.human_set(g.sid, ORDERS, "Z1", "My Column")
    g.standin.human_set(g.sid, ORDERS, "Z2", "mine")
    before = g.standin.sheet(g.sid, ORDERS)
    rules, protections = len(before.conditional_formats), len(before.protected_ranges)
    second = g.backend.init_layout(WORKBOOK)
    after = g.standin.sheet(g.sid, ORDERS)
    assert second == []
    assert len(after.conditional_formats) == rules == len(ORDERS_TAB.colour_rules)
    assert len(after.protected_ranges) == protections > 0
    assert all(p.get("warningOnly") for p in after.protected_ranges)
    assert after.frozen_rows == 1
    assert g.rows()[0].count("Order ID") == 1 and g.rows()[0][25] == "My Column" and g.rows()[1][25] == "mine"


def test_quota_storm_backs_off_then_writes_everything_once(g):
    g.backend.init_layout(WORKBOOK)
    g.journal.upsert_many([make_order(str(i)) for i in range(20)])
    # given Google answers 429 (with Retry-After) to the next 4 requests
    g.standin.fail_next(4, status=429, retry_after=0)
    g.sync.flush()
    ids = [r[0] for r in g.rows()[1:]]
    assert sorted(ids, key=lambda s: int(s[3:])) == [f"TC-{i}" for i in range(1, 21)]
    assert g.journal.backlog() == 0


def test_storm_longer_than_our_retries_leaves_orders_owed_not_lost(g):
    from sheets.base import SheetUnavailable

    g.backend.init_layout(WORKBOOK)
    g.journal.upsert_many([make_order(str(i)) for i in range(5)])
    g.standin.fail_until(time.time() + 1.0, statuses=(429, 500, 503))
    with pytest.raises(SheetUnavailable, match="Google"):
        g.sync.flush()
    assert g.journal.backlog() == 5
    time.sleep(1.1)
    g.sync.flush()
    assert len(g.rows()) == 6 and g.journal.backlog() == 0


def test_budget_keeps_us_under_the_per_minute_quota():
    from core.http import RequestBudget

    clock = {"t": 0.0}
    slept = []
    budget = RequestBudget(60, clock=lambda: clock["t"], sleep=lambda s: (slept.append(s), clock.__setitem__("t", clock["t"] + s)))
    stamps = []
    for _ in range(150):
        budget.acquire()
        stamps.append(clock["t"])
    # in any 60-second window there are at most 60 requests
    assert max(sum(1 for s in stamps if t <= s < t + 60) for t in stamps) == 60
    assert slept
