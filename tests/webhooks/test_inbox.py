"""The web process's inbox: acknowledged into its own file, copied into the journal once — crash or not."""
from __future__ import annotations

import sqlite3
import subprocess
import time
import sys
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.webhooks.conftest import ENV, events, shopify_body, shopify_headers
from webhooks import inbox as inbox_mod
from webhooks.app import create_app
from webhooks.inbox import Inbox, drain, inbox_path, uncopied
from webhooks.processor import process_pending_events

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def inbox(journal):
    box = Inbox(inbox_path(journal.path))
    yield box
    box.close()


@pytest.fixture
def inbox_client(journal, inbox):
    return create_app(journal, SimpleNamespace(env=dict(ENV)), inbox=inbox).test_client()


def deliver(client, n: int, event_id: str | None = None):
    body = shopify_body(7000 + n)
    return client.post("/webhooks/shopify", data=body, headers=shopify_headers(body, event_id or f"e-{n}"))


def inbox_rows(inbox) -> int:
    return inbox._db.execute("SELECT COUNT(*) FROM inbox").fetchone()[0]


def test_accepted_events_go_to_the_inbox_only_until_the_jobs_copy_them(inbox_client, journal, inbox):
    # given two deliveries acknowledged by an app with an inbox
    assert [deliver(inbox_client, n).status_code for n in (1, 2)] == [200, 200]
    # then the journal has not been written, and /healthz counts them as pending
    assert events(journal) == [] and inbox_rows(inbox) == 2
    assert inbox_client.get("/healthz").json["events_pending"] == 2
    # when the jobs copy the inbox
    assert drain(journal) == 2
    # then the journal holds them as new events, in arrival order, still pending (not counted twice)
    assert [(e["event_id"], e["state"]) for e in events(journal)] == [("event:e-1", "new"), ("event:e-2", "new")]
    assert inbox_client.get("/healthz").json["events_pending"] == 2
    assert uncopied(journal) == 0 and drain(journal) == 0


def test_duplicate_delivery_across_inbox_and_journal_is_stored_once(inbox_client, journal, inbox):
    # given an event the journal already has and has processed (stored before the inbox existed)
    body = shopify_body(7001)
    journal.record_event("shopify", "event:e-1", "orders/create", body.decode())
    journal.finish_event("shopify", "event:e-1", "done", "stored")
    # when the platform redelivers it twice, plus one new event, and the jobs copy the inbox
    answers = [deliver(inbox_client, 1).json["duplicate"], deliver(inbox_client, 1).json["duplicate"]]
    deliver(inbox_client, 2)
    copied = drain(journal)
    # then the inbox answered the repeat as a duplicate, the journal kept one row (still done) and
    # only the new event was added
    assert answers == [False, True] and copied == 1
    assert [(e["event_id"], e["state"]) for e in events(journal)] == [("event:e-1", "done"),
                                                                       ("event:e-2", "new")]


_CRASH = """
import os, sys
from core.journal import Journal
from webhooks import inbox
journal = Journal(sys.argv[1])
real = journal.kv_set
def crash(key, value):
    if key.startswith("inbox:cursor:"):
        os._exit(9)  # killed after the events were inserted, before the cursor moved or the commit
    real(key, value)
journal.kv_set = crash
inbox.drain(journal)
"""


def test_a_crash_between_copy_and_cursor_advance_neither_loses_nor_doubles(inbox_client, journal, inbox):
    # given three acknowledged events in the inbox
    for n in (1, 2, 3):
        deliver(inbox_client, n)
    # when a jobs process dies in the middle of copying them (rows inserted, cursor not advanced)
    crashed = subprocess.run([sys.executable, "-c", _CRASH, journal.path], cwd=REPO, timeout=30)
    assert crashed.returncode == 9
    # then nothing of that copy is in the journal, the next copy brings each event exactly once
    assert events(journal) == [] and uncopied(journal) == 3
    assert drain(journal) == 3 and drain(journal) == 0
    assert sorted(e["event_id"] for e in events(journal)) == ["event:e-1", "event:e-2", "event:e-3"]


def test_a_rewound_cursor_copies_again_without_doubling(inbox_client, journal, inbox):
    # given events already copied, then the cursor lost (a journal restored from an older backup)
    for n in (1, 2):
        deliver(inbox_client, n)
    drain(journal)
    journal.execute("DELETE FROM kv WHERE key LIKE 'inbox:cursor:%'")
    # when the jobs copy again, then the journal's own dedupe keeps one row per event
    assert drain(journal) == 0
    assert len(events(journal)) == 2


def test_a_new_inbox_file_is_copied_from_its_start_whatever_the_old_cursor(journal, tmp_path):
    # given an inbox whose rows were all copied, then deleted and recreated (new file, ids from 1)
    old = Inbox(inbox_path(journal.path))
    old.record_events([("shopify", f"event:old-{n}", "orders/create", "{}") for n in range(5)])
    drain(journal)
    old.close()
    for suffix in ("", "-wal", "-shm"):
        Path(inbox_path(journal.path) + suffix).unlink(missing_ok=True)
    new = Inbox(inbox_path(journal.path))
    new.record_event("shopify", "event:new-1", "orders/create", "{}")
    # when the jobs copy, then the new file's first row is not skipped by the old cursor
    assert drain(journal) == 1
    new.close()


def test_processing_copies_the_inbox_first(inbox_client, journal):
    # given an acknowledged order that only the inbox holds
    deliver(inbox_client, 5)
    # when the jobs run an event pass
    report = process_pending_events(journal, {})
    # then the order is stored and the event finished, and nothing is pending any more
    assert report.done == 1 and journal.find("shopify", "7005") is not None
    assert inbox_client.get("/healthz").json["events_pending"] == 0


def test_without_an_inbox_the_app_stores_in_the_journal_as_before(client, journal, tmp_path):
    # given the app built without an inbox (in-process serve, tests)
    assert deliver(client, 1).status_code == 200
    # then the event is in the journal and no inbox file appeared
    assert len(events(journal)) == 1 and not Path(inbox_path(journal.path)).exists()
    assert drain(journal) == 0


def test_prune_removes_only_old_copied_rows(inbox_client, journal, inbox, monkeypatch):
    # given four rows, the first three copied, all received "now"
    for n in (1, 2, 3):
        deliver(inbox_client, n)
    drain(journal)
    deliver(inbox_client, 4)
    # when a copy runs more than KEEP later, with a cursor stopped before the 4th row
    later = inbox_mod.now_utc() + inbox_mod.KEEP + timedelta(minutes=1)
    key = next(k for (k,) in journal.execute("SELECT key FROM kv WHERE key LIKE 'inbox:cursor:%'")
               if not k.endswith("pruned_at"))
    journal.kv_set(key, "3")
    journal.kv_set(key + ":pruned_at", (later - inbox_mod.PRUNE_EVERY).isoformat())
    with monkeypatch.context() as patch:
        patch.setattr(inbox_mod, "_copy", lambda *a: 0)  # hold the cursor at 3 for this pass
        drain(journal, now=later)
    # then the copied rows are gone, the uncopied one stays, and it is still copied afterwards
    assert [r[0] for r in inbox._db.execute("SELECT event_id FROM inbox")] == ["event:e-4"]
    assert drain(journal) == 1 and len(events(journal)) == 4


def test_checkpoints_run_off_the_acknowledgement_path(tmp_path, monkeypatch):
    # given an inbox whose commits never checkpoint, with a quick background checkpointer
    monkeypatch.setattr(Inbox, "checkpoint_every", 0.05)
    box = Inbox(tmp_path / "j.db-inbox")
    try:
        assert box._db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
        empty = (tmp_path / "j.db-inbox").stat().st_size
        # when a burst is acknowledged
        box.record_events([("shopify", f"event:{n}", "orders/create", "x" * 8000) for n in range(50)])
        # then the thread copies the WAL into the inbox file soon after, without any further commit
        deadline = time.monotonic() + 5
        while (tmp_path / "j.db-inbox").stat().st_size <= empty and time.monotonic() < deadline:
            time.sleep(0.02)
        assert (tmp_path / "j.db-inbox").stat().st_size > empty
    finally:
        box.close()
    assert not box._checkpointer.is_alive()


def test_one_group_is_one_durable_commit_and_a_repeat_inside_it_is_a_duplicate(inbox):
    # given a group in which one event appears twice, and one already stored
    assert inbox.record_events([("shopify", "old", "orders/create", "{}")]) == [True]
    group = [("shopify", "a", "orders/create", "{}"), ("shopify", "old", "orders/create", "{}"),
             ("shopify", "b", "orders/create", "{}"), ("shopify", "a", "orders/create", "{}")]
    # when it is recorded
    new = inbox.record_events(group)
    # then only the first copy of each new event is new, and another connection already sees them
    assert new == [True, False, True, False]
    assert not inbox._db.in_transaction
    with sqlite3.connect(inbox.path) as other:
        ids = [r[0] for r in other.execute("SELECT event_id FROM inbox ORDER BY id")]
    assert ids == ["old", "a", "b"]
