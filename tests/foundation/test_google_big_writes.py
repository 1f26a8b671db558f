"""Big writes stay under Google's 10,485,760-byte request limit (issue 11.4; shared/specs/FACTS.md 5)."""
import math

import pytest

from sheet_schema.tabs import AUDIT_LOG, ORDERS, WORKBOOK
from sheets.google_rows import MAX_BODY_BYTES, json_size, split_by_size
from tests.foundation.factories import make_order
from tests.foundation.test_google_new_rows import g  # noqa: F401 - fixture


def test_the_standin_refuses_a_body_over_the_limit_like_google(g):  # noqa: F811
    # given a sheet, when one append carries more than 10,485,760 bytes
    g.backend.init_layout(WORKBOOK)
    rows = [["TC-%d" % i, "x" * 1000] for i in range(11_000)]
    import gspread

    with pytest.raises(gspread.exceptions.APIError) as err:
        g.backend.spreadsheet.values_append(f"{ORDERS}!A1", {"valueInputOption": "RAW"}, {"values": rows})
    # then Google's 400 and its exact words come back, and nothing was written
    assert err.value.code == 400
    assert "Request payload size exceeds the limit: 10485760 bytes." in str(err.value)
    assert len(g.standin.values(g.sid, ORDERS)) == 1


def test_split_by_size_makes_the_fewest_chunks_under_the_budget():
    rows = [["TC-%d" % i, "y" * (i % 700)] for i in range(5000)]
    chunks = split_by_size(rows, budget=200_000)
    assert [r for c in chunks for r in c] == rows
    assert all(json_size(c) <= 200_000 for c in chunks)
    assert len(chunks) == math.ceil(json_size(rows) / 200_000) or len(chunks) == math.ceil(
        json_size(rows) / 200_000) + 1


def test_import_of_40000_orders_lands_whole_in_the_fewest_requests(g):  # noqa: F811
    # given 40,000 orders waiting (a backfill, an import, a busy shop's first sync)
    from core.http import RetryPolicy
    from sheets.google_backend import GoogleSheetsBackend
    from sheets.sync import SheetSync

    # the stand-in is far slower than Google at formatting 40,000 rows: give it time to answer
    g.backend = GoogleSheetsBackend(g.sid, str(g.tmp / "sa.json"), g.standin.url, budget_per_minute=1000,
                                    policy=RetryPolicy(attempts=2, base=0, cap=0, timeout=300))
    g.sync = SheetSync(g.journal, g.backend)
    g.backend.init_layout(WORKBOOK)
    orders = [make_order(str(i), minutes=i, notes="Embroidered initials on the left cuff, gift wrap " * 4)
              for i in range(40_000)]
    g.journal.upsert_many(orders)
    g.standin.reset_counts()
    # when they are flushed to the sheet
    g.sync.flush()
    # then every order is there once, and every request stayed under the limit
    assert len(g.standin.values(g.sid, ORDERS)) == 40_001
    sizes = g.standin.body_sizes
    assert max(sizes) <= MAX_BODY_BYTES
    order_appends = [s for (m, p, q), s in zip(g.standin.requests, sizes) if ":append" in p and ORDERS in p]
    audit_appends = [s for (m, p, q), s in zip(g.standin.requests, sizes) if ":append" in p and AUDIT_LOG in p]
    # in the fewest appends the limit allows (what one request would have sent, divided by the limit)
    assert len(order_appends) == math.ceil(sum(order_appends) / MAX_BODY_BYTES) >= 2
    assert len(audit_appends) == math.ceil(sum(audit_appends) / MAX_BODY_BYTES)
