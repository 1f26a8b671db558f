"""Batching on both sides of the ack: group commit at intake, chunked upserts after it, coalesced wake-ups."""
from __future__ import annotations

import sqlite3
import threading
from types import SimpleNamespace

import pytest

from core.journal import Journal
from tests.webhooks.conftest import shopify_body
from webhooks import processor
from webhooks.intake import GroupCommitter
from webhooks.jobs import Jobs
from webhooks.processor import process_pending_events

pytest.importorskip("connectors.shopify.mapping")


class SlowJournal:
    """Wraps a Journal; record_events waits on a gate so deliveries pile up behind the first commit."""

    def __init__(self, journal: Journal, gate: threading.Event, fail_ids: set[str] = frozenset()) -> None:
        self.journal, self.gate, self.fail_ids, self.batches = journal, gate, set(fail_ids), []

    def record_events(self, items):
        self.gate.wait(5)
        self.batches.append([i[1] for i in items])
        if any(i[1] in self.fail_ids for i in items):
            raise sqlite3.OperationalError("disk I/O error")
        return self.journal.record_events(items)


def _deliver(writer: GroupCommitter, ids: list[str], db_path: str) -> dict:
    """Record each id from its own thread; note the result and whether a second connection saw it then."""
    outcome: dict = {}

    def one(event_id: str) -> None:
        try:
            new = writer.record("shopify", event_id, "orders/create", "{}")
        except sqlite3.Error as exc:
            outcome[event_id] = ("error", type(exc).__name__)
            return
        # At the moment of the ack the event must already be committed (visible to another connection).
        with sqlite3.connect(db_path) as other:
            seen = other.execute("SELECT COUNT(*) FROM events WHERE event_id=?", (event_id,)).fetchone()[0]
        outcome[event_id] = (new, seen)

    threads = [threading.Thread(target=one, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    return outcome


def test_concurrent_deliveries_share_commits_and_each_ack_follows_its_own_commit(tmp_path):
    # given a journal whose first commit is held until 8 deliveries are waiting
    journal, gate = Journal(tmp_path / "j.db"), threading.Event()
    slow = SlowJournal(journal, gate)
    writer = GroupCommitter(slow)
    ids = [f"e{i}" for i in range(8)] + ["e0"]  # e0 delivered twice
    threading.Timer(0.3, gate.set).start()
    # when they arrive together
    outcome = _deliver(writer, ids, str(tmp_path / "j.db"))
    # then they took fewer commits than deliveries, every ack saw its row committed, e0 is new once
    assert len(slow.batches) < len(ids)
    assert all(seen == 1 for _, seen in outcome.values())
    assert journal.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 8
    journal.close()


def test_a_failing_group_is_retried_one_by_one_so_only_the_bad_delivery_fails(tmp_path):
    # given the journal refuses anything containing event 'bad'
    journal, gate = Journal(tmp_path / "j.db"), threading.Event()
    slow = SlowJournal(journal, gate, fail_ids={"bad"})
    writer = GroupCommitter(slow)
    threading.Timer(0.3, gate.set).start()
    # when 'bad' arrives with others
    outcome = _deliver(writer, ["a", "bad", "b", "c"], str(tmp_path / "j.db"))
    # then only 'bad' is refused (the app answers 503 and the sender retries); the rest are stored
    assert outcome["bad"] == ("error", "OperationalError")
    assert {k: v for k, v in outcome.items() if k != "bad"} == {"a": (True, 1), "b": (True, 1), "c": (True, 1)}
    journal.close()


class CountingJournal(Journal):
    """A real journal that counts batch upserts and can refuse one order inside them."""

    poison: str | None = None
    batch_calls = 0

    def upsert_many(self, orders, source=""):
        self.batch_calls += 1
        return super().upsert_many(orders, source)

    def _upsert(self, order, source):
        if order.platform_order_id == self.poison:
            raise ValueError("the order total is not a number")
        return super()._upsert(order, source)


def _record_orders(journal: Journal, ids: list[int]) -> None:
    for i in ids:
        journal.record_event("shopify", f"event:{i}", "orders/create", shopify_body(i).decode())


def test_pending_events_are_upserted_one_transaction_per_chunk(tmp_path):
    # given 25 pending Shopify events
    journal = CountingJournal(tmp_path / "j.db")
    _record_orders(journal, list(range(1, 26)))
    seen: list[int] = []
    # when processed in chunks of 10
    report = process_pending_events(journal, {}, chunk=10, on_stored=lambda o, r: seen.append(len(o)))
    # then three transactions stored all 25, the automations ran once per chunk, all events are done
    assert journal.batch_calls == 3 and journal.count() == 25
    assert seen == [10, 10, 5] and report.done == 25 and len(report.stored) == 25
    assert journal.execute("SELECT COUNT(*) FROM events WHERE state='done'").fetchone()[0] == 25
    journal.close()


def test_a_bad_order_in_a_chunk_fails_alone_and_the_rest_are_stored(tmp_path):
    # given a chunk where one order cannot be stored
    journal = CountingJournal(tmp_path / "j.db")
    journal.poison = "3"
    _record_orders(journal, [1, 2, 3, 4])
    # when processed
    report = process_pending_events(journal, {}, chunk=10)
    # then the other three are stored, the bad one is failed with a plain reason and quarantined
    assert journal.count() == 3 and report.done == 3 and report.failed == 1
    state, error = journal.execute("SELECT state, error FROM events WHERE event_id='event:3'").fetchone()
    assert state == "failed" and "not a number" in error
    assert [q["platform_order_id"] for q in journal.quarantined()] == ["event:event:3"]
    journal.close()


@pytest.mark.parametrize("pending, more", [(5, False), (processor.LIMIT, True), (processor.LIMIT + 3, True)])
def test_a_full_pass_says_more_may_be_waiting(tmp_path, pending, more):
    # given some pending events
    journal = Journal(tmp_path / "j.db")
    journal.record_events([("sheet", f"edit:{i}", "edit", "{}") for i in range(pending)])
    # when one pass runs
    report = process_pending_events(journal, {})
    # then it says whether it stopped at the limit
    assert report.more is more
    journal.close()


def test_jobs_go_again_right_after_a_full_pass_and_flush_after_each(tmp_path):
    # given a runner whose first pass reads a full batch and the second finds the rest
    calls: list[str] = []
    reports = iter([SimpleNamespace(more=True), SimpleNamespace(more=False)])
    runner = SimpleNamespace(process_events=lambda: calls.append("process") or next(reports),
                             flush=lambda: calls.append("flush"), watch=lambda push=False: calls.append("watch"),
                             poll_platforms=lambda: None)
    jobs = Jobs(runner, SimpleNamespace(poll_seconds=3600, platform_poll_seconds=3600))
    # when one webhook wakes it
    jobs.wake("shopify")
    jobs.run_once()
    jobs.run_once()
    # then it processed, flushed, and went again at once because of the backlog
    assert calls == ["process", "flush", "process", "flush"]
    jobs.run_once()
    assert calls[4:] == []  # nothing woke it a third time
