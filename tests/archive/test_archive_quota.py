"""An archive run of 2,000 orders stays within Google's quota and request size (issue 16, part 3)."""
from __future__ import annotations

from core.models import Address, Customer, OrderState
from sheet_schema.tabs import AUDIT_LOG
from sheets.google_rows import MAX_BODY_BYTES
from tests.archive.conftest import DAY, OLD, make_due, seed
from tests.foundation.factories import make_order

N = 2000


def test_two_thousand_orders_move_in_a_few_requests(g):
    # given 2,000 shipped orders from last spring, each with its Audit Log lines, and today's few
    r = g.runner
    old = [make_order(str(10_000 + i), minutes=OLD + i * 7, state=OrderState.FULFILLED,
                      customer=Customer(f"Buyer {i}", f"b{i}@example.com"),
                      ship_to=Address(name=f"Buyer {i}", line1=f"{i} Elm St", city=f"Town {i % 97}",
                                      postal_code=f"{10000 + i}", country="US"))
           for i in range(N)]
    seed(r, old + [make_order("1", minutes=-DAY)])
    r.journal.execute("UPDATE audit SET at='2026-03-01T00:00:00+00:00' WHERE order_id <> 'TC-2001'")
    lines = len(g.ids(g.sid, AUDIT_LOG))
    g.standin.reset_counts()
    # when the daily run moves them
    make_due(r)
    report = r.watch().archive
    # then all of them moved, each once
    assert len(report.archived) == N and len(set(g.archived())) == len(g.archived()) == N
    assert g.orders() == ["TC-2001"]
    assert report.audit_lines >= N and len(g.ids(g.sid, AUDIT_LOG)) == lines - report.audit_lines
    # and the whole cycle, archive run included, took a bounded number of requests, each under 10 MiB
    sent = g.standin.requests
    assert len(sent) <= 20, [(m, p.rsplit("/", 1)[-1]) for m, p, _ in sent]
    assert max(g.standin.body_sizes) < MAX_BODY_BYTES
