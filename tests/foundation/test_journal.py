"""Journal: idempotent upserts, newer wins, Order IDs, and the sheet bookkeeping."""
import sqlite3

from core.journal import Journal
from core.models import Address, OrderState
from tests.foundation.factories import make_order


def test_same_order_twice_is_one_order(tmp_path):
    j = Journal(tmp_path / "j.db")
    first = j.upsert(make_order("1"))
    again = j.upsert(make_order("1"))
    assert first.created and not again.created and not again.changed
    assert j.count() == 1 and first.order_id == again.order_id == "TC-1"


def test_newer_version_updates_and_is_audited(tmp_path):
    j = Journal(tmp_path / "j.db")
    j.upsert(make_order("1"))
    moved = make_order("1", updated_minutes=5, ship_to=Address(line1="9 Elm Road", city="Salem", country="US"))
    result = j.upsert(moved)
    assert result.changed
    assert j.find("etsy", "1").order.ship_to.city == "Salem"
    kinds = [e["kind"] for e in j.audit_entries("TC-1")]
    assert "address changed on platform" in kinds


def test_older_version_never_overwrites_newer(tmp_path):
    j = Journal(tmp_path / "j.db")
    j.upsert(make_order("1", updated_minutes=10, state=OrderState.CANCELLED))
    stale = j.upsert(make_order("1", updated_minutes=1, state=OrderState.PAID))
    assert stale.stale and j.find("etsy", "1").order.state is OrderState.CANCELLED


def test_order_ids_increase_and_are_never_reused(tmp_path):
    j = Journal(tmp_path / "j.db")
    ids = [j.upsert(make_order(str(n))).order_id for n in range(3)]
    # even if the newest row is removed by hand, AUTOINCREMENT never hands its number out again
    j.execute("DELETE FROM orders WHERE seq=3")
    assert ids == ["TC-1", "TC-2", "TC-3"] and j.upsert(make_order("x")).order_id == "TC-4"


def test_journal_is_wal_and_durable(tmp_path):
    j = Journal(tmp_path / "j.db")
    assert j.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert j.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_pending_until_marked_written(tmp_path):
    j = Journal(tmp_path / "j.db")
    oid = j.upsert(make_order("1")).order_id
    [pending] = j.pending_sheet_rows()
    j.mark_written([(oid, pending.rev)])
    assert j.backlog() == 0
    j.set_fields(oid, source="test", status="ON HOLD")
    assert j.backlog() == 1


def test_upsert_many_is_all_or_nothing(tmp_path):
    j = Journal(tmp_path / "j.db")
    j.execute("CREATE TRIGGER boom BEFORE INSERT ON orders WHEN NEW.platform_order_id='bad' "
              "BEGIN SELECT RAISE(ABORT, 'boom'); END")
    try:
        j.upsert_many([make_order("ok"), make_order("bad")])
    except sqlite3.IntegrityError:
        pass
    assert j.count() == 0


def test_duplicate_events_are_stored_once(tmp_path):
    j = Journal(tmp_path / "j.db")
    assert j.record_event("shopify", "e1", "orders/create", "{}") is True
    assert j.record_event("shopify", "e1", "orders/create", "{}") is False
