"""The journal's in-memory orders follow every change, from this process or another (issue 16)."""
from __future__ import annotations

import pytest

from core import journal_cache
from core.journal import Journal
from sheets.watch_rows import is_hot
from tests.foundation.factories import make_order


def test_a_change_made_by_another_process_is_in_the_next_read(tmp_path):
    # given a service whose cache holds every order, and a second process (`import`) on the same journal
    serve = Journal(tmp_path / "j.db")
    oid = serve.upsert(make_order("E-1")).order_id
    assert serve.orders_by_id()[oid].fields.get("notes") is None
    other = Journal(tmp_path / "j.db")
    # when the other process changes that order and adds one
    other.set_fields(oid, source="sheet", notes="gift wrap")
    new = other.upsert(make_order("E-2", name="Someone Else")).order_id
    # then the service's next read shows both, in Order ID order
    seen = serve.orders_by_id()
    assert seen[oid].fields["notes"] == "gift wrap"
    assert list(seen) == [oid, new]
    # and the running sum of revs (the Customers tab's "anything changed?") agrees with the orders
    assert serve.cache.rev_sum == sum(s.rev for s in seen.values()) == sum(s.rev for s in other.all_orders())
    other.close()
    serve.close()


def test_a_change_rolled_back_never_reaches_the_cache(tmp_path):
    # given a cached order
    j = Journal(tmp_path / "j.db")
    oid = j.upsert(make_order("E-1")).order_id
    j.orders_by_id()
    # when a transaction changes it, is read inside, and then rolls back
    with pytest.raises(RuntimeError):
        with j.transaction():
            j.set_fields(oid, source="sheet", notes="never happened")
            assert j.orders_by_id()[oid].fields["notes"] == "never happened"  # seen inside
            raise RuntimeError("crash")
    # then reads afterwards show the order as stored, and later changes still arrive
    assert j.orders_by_id()[oid].fields.get("notes") is None
    j.set_fields(oid, source="sheet", notes="real")
    assert j.orders_by_id()[oid].fields["notes"] == "real"
    j.close()


def test_a_process_that_fell_behind_a_trimmed_log_reloads_everything(tmp_path, monkeypatch):
    # given a service that read its orders, and a change log kept to its last 3 lines
    monkeypatch.setattr(journal_cache, "KEEP", 3)
    serve = Journal(tmp_path / "j.db")
    oid = serve.upsert(make_order("E-1")).order_id
    serve.orders_by_id()
    other = Journal(tmp_path / "j.db")
    # when another process makes many changes and trims the log past where the service was
    for i in range(8):
        other.set_fields(oid, source="sheet", notes=f"note {i}")
        other.orders_by_id()
    assert other.execute("SELECT MIN(id) FROM order_changes").fetchone()[0] > serve.cache.mark + 1
    # then the service's next read is complete anyway
    assert serve.orders_by_id()[oid].fields["notes"] == "note 7"
    other.close()
    serve.close()


def test_the_open_orders_set_follows_a_status_set_and_set_back(tmp_path):
    # given an open order written to the sheet, tracked as open ("hot": its cells are read every cycle)
    j = Journal(tmp_path / "j.db")
    j.cache.track("hot", is_hot)
    oid = j.upsert(make_order("E-1")).order_id
    j.mark_written([(oid, j.get(oid).rev)])
    j.cache.refresh()
    assert oid in j.cache.members("hot")
    # when it is shipped and written, it is no longer read every cycle
    j.set_fields(oid, source="sheet", status="FULFILLED")
    j.mark_written([(oid, j.get(oid).rev)])
    j.cache.refresh()
    assert oid not in j.cache.members("hot")
    # then set back to its first status it is open again
    j.set_fields(oid, source="sheet", status="UNFULFILLED")
    j.mark_written([(oid, j.get(oid).rev)])
    j.cache.refresh()
    assert oid in j.cache.members("hot")
    assert j.written_order_ids() == {oid}
    j.close()
