"""Orders another process stored are seen by a running process (issue 17.6 and 17.9)."""
from __future__ import annotations

from automations.duplicates_flow import DuplicatesFlow
from core.journal import Journal
from tests.foundation.factories import make_order


def test_serve_flags_a_duplicate_of_an_order_that_sync_or_import_stored(tmp_path):
    # given serve running (its duplicate index built at start-up, from an empty journal)
    serve_journal = Journal(tmp_path / "j.db")
    flow = DuplicatesFlow(serve_journal, window=120, threshold=70, tz="UTC")
    # when `import` (another process, another connection) stores Rachel's Etsy order
    other = Journal(tmp_path / "j.db")
    other.upsert(make_order("E-1", platform="etsy", minutes=0))
    other.close()
    # and then Rachel's second order reaches serve by webhook eight minutes later
    second = make_order("SQ-1", platform="square", minutes=8)
    result = serve_journal.upsert(second)
    flagged = flow.on_ingest([second], [result])
    # then serve flags the pair, against the order it never saw arrive
    assert flagged, "the order stored by the other process was not in serve's duplicate index"
    assert serve_journal.get(result.order_id).fields.get("dup_of") == "TC-1"
    serve_journal.close()


def test_a_cached_order_drops_the_service_mark_once_the_sheet_shows_it(tmp_path):
    # given an order the platform cancelled (the service marks Status as its own change to write)
    journal = Journal(tmp_path / "j.db")
    oid = journal.upsert(make_order("E-1")).order_id
    journal.set_fields(oid, source="etsy", push=True, status="CANCELLED")
    assert journal.orders_by_id()[oid].fields.get("_dirty") == {"status": True}
    # when the flush has written it (the mark is cleared without a new revision)
    journal.mark_written([(oid, journal.get(oid).rev)])
    # then the running process's cached copy no longer carries the mark, so a person's next
    # edit of Status is taken as hers instead of being overwritten as "ours"
    assert not journal.orders_by_id()[oid].fields.get("_dirty")
    journal.close()
