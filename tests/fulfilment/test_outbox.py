"""Outbox: deciding twice is one entry; a crash at any step neither loses nor repeats a push."""
import pytest

from automations.fulfilment.outbox import Outbox, idempotency_key
from automations.fulfilment.service import FulfilmentService
from connectors.base import ConnectorAuthError, ConnectorTemporaryError
from core.journal import Journal
from core.models import Platform
from tests.foundation.factories import make_order
from tests.fulfilment.helpers import NOW, USPS, Crash, FakePlatform, diff, fulfil_edits, later


def _setup(path, platform=None, clock=lambda: NOW):
    journal = Journal(path)
    oid = journal.upsert(make_order("E1")).order_id
    platform = platform or FakePlatform()
    return journal, oid, platform, FulfilmentService(journal, {"etsy": platform}, clock=clock)


def _stored(journal):
    return {s.order_id: s for s in journal.all_orders()}


def test_deciding_twice_creates_one_entry(tmp_path):
    journal, oid, _, svc = _setup(tmp_path / "j.db")
    svc.handle_edits(diff(*fulfil_edits(oid)), _stored(journal))
    svc.handle_edits(diff(*fulfil_edits(oid)), _stored(journal))  # the same edit read again
    entries = svc.outbox.entries(oid)
    assert [(e.kind, e.state) for e in entries] == [("push", "decided")]
    assert entries[0].key == idempotency_key(oid, "push", USPS)


def test_enqueue_is_unique_per_order_kind_tracking(tmp_path):
    box = Outbox(Journal(tmp_path / "j.db"))
    first, created = box.enqueue("TC-1", "push", {"a": 1}, NOW, tracking="X1")
    again, created_again = box.enqueue("TC-1", "push", {"a": 2}, NOW, tracking="X1")
    other, created_other = box.enqueue("TC-1", "push", {"a": 3}, NOW, tracking="X2")
    assert created and not created_again and created_other
    assert first.key == again.key != other.key and len(box.entries("TC-1")) == 2


def test_crash_while_deciding_leaves_nothing_half_done(tmp_path, monkeypatch):
    journal, oid, _, svc = _setup(tmp_path / "j.db")

    def dying(*a, **kw):
        raise Crash()
    monkeypatch.setattr(svc.outbox, "enqueue", dying)
    with pytest.raises(Crash):
        svc.handle_edits(diff(*fulfil_edits(oid)), _stored(journal))
    # status was not recorded without its outbox entry, so the next read decides again
    assert "status" not in journal.get(oid).fields
    monkeypatch.undo()
    svc.handle_edits(diff(*fulfil_edits(oid)), _stored(journal))
    assert len(svc.outbox.entries(oid)) == 1


@pytest.mark.parametrize("step", ["before_sent", "platform_stored_answer_lost", "before_confirmed"])
def test_crash_at_any_step_pushes_exactly_once_after_restart(tmp_path, monkeypatch, step):
    # given a decided fulfilment
    path = tmp_path / "j.db"
    journal, oid, platform, svc = _setup(path)
    svc.handle_edits(diff(*fulfil_edits(oid)), _stored(journal))
    # when the process dies at `step`
    if step == "before_sent":
        monkeypatch.setattr(svc.outbox, "mark_sent", lambda *a: (_ for _ in ()).throw(Crash()))
    elif step == "platform_stored_answer_lost":
        platform.crash_after_store = True
    else:
        monkeypatch.setattr(svc.outbox, "mark_confirmed", lambda *a: (_ for _ in ()).throw(Crash()))
    with pytest.raises(Crash):
        svc.push_pending()
    journal.close()
    # then a new service over the same journal file finishes it, with the same key, once
    journal2 = Journal(path)
    svc2 = FulfilmentService(journal2, {"etsy": platform}, clock=lambda: NOW)
    outcomes = svc2.push_pending()
    assert [o.state for o in outcomes] == ["confirmed"]
    assert len(platform.fulfilments) == 1
    assert set(platform.calls) == {idempotency_key(oid, "push", USPS)}
    assert svc2.outbox.entries(oid)[0].state == "confirmed"
    assert svc2.push_pending() == []  # nothing left; no third call
    assert len(platform.calls) == (1 if step == "before_sent" else 2)


def test_temporary_error_retries_later_with_backoff_and_no_sleep(tmp_path):
    clock = {"now": NOW}
    platform = FakePlatform(fail_with=ConnectorTemporaryError("Etsy is busy"))
    journal, oid, _, svc = _setup(tmp_path / "j.db", platform, clock=lambda: clock["now"])
    svc.handle_edits(diff(*fulfil_edits(oid)), _stored(journal))
    [first] = svc.push_pending()
    assert first.state == "retry" and "will try again at" in first.message
    assert svc.push_pending() == []  # not due yet
    clock["now"] = later(1)
    platform.fail_with = None
    [second] = svc.push_pending()
    assert second.state == "confirmed" and len(platform.fulfilments) == 1
    assert len(set(platform.calls)) == 1  # the retry used the same key


def test_backoff_grows_and_is_capped(tmp_path):
    from automations.fulfilment.pusher import backoff
    assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [60, 120, 240]
    assert backoff(30).total_seconds() == 3600


def test_auth_error_asks_to_reconnect_and_stays_pending(tmp_path):
    clock = {"now": NOW}
    platform = FakePlatform(fail_with=ConnectorAuthError("reconnect Etsy: the access was revoked or expired"))
    journal, oid, _, svc = _setup(tmp_path / "j.db", platform, clock=lambda: clock["now"])
    svc.handle_edits(diff(*fulfil_edits(oid)), _stored(journal))
    [outcome] = svc.push_pending()
    assert outcome.state == "needs_attention"
    assert "reconnect Etsy" in journal.get(oid).fields["sync"]
    platform.fail_with = None
    clock["now"] = later(20)
    assert [o.state for o in svc.push_pending()] == ["confirmed"]


def test_changing_status_back_before_sending_withdraws_the_push(tmp_path):
    from automations.sheet_edits import Edit
    journal, oid, platform, svc = _setup(tmp_path / "j.db")
    svc.handle_edits(diff(*fulfil_edits(oid)), _stored(journal))
    svc.handle_edits(diff(Edit(oid, "status", "FULFILLED", "ON HOLD")), _stored(journal))
    assert svc.push_pending() == [] and platform.calls == []
    assert svc.outbox.entries(oid)[0].state == "withdrawn"


def test_corrected_tracking_replaces_the_unsent_one(tmp_path):
    from automations.sheet_edits import Edit
    journal, oid, platform, svc = _setup(tmp_path / "j.db")
    svc.handle_edits(diff(*fulfil_edits(oid, tracking="9400111899223197428491")), _stored(journal))
    svc.handle_edits(diff(Edit(oid, "tracking", "9400111899223197428491", USPS)), _stored(journal))
    svc.push_pending()
    assert [s.tracking_number for s in platform.fulfilments.values()] == [USPS]


def test_platform_refusal_is_final_with_plain_message(tmp_path):
    from connectors.base import FulfilmentNotSupported
    msg = "Square can't update orders created in the Dashboard — mark it shipped there"
    platform = FakePlatform(Platform.SQUARE, notifies=False, fail_with=FulfilmentNotSupported(msg))
    journal = Journal(tmp_path / "j.db")
    oid = journal.upsert(make_order("Q1", platform="square")).order_id
    svc = FulfilmentService(journal, {"square": platform}, clock=lambda: NOW)
    svc.handle_edits(diff(*fulfil_edits(oid)), _stored(journal))
    outcomes = svc.push_pending()
    assert outcomes[0].state == "failed" and outcomes[0].message.startswith(msg)
    assert svc.outbox.entries(oid, "push")[0].state == "failed"
    assert svc.push_pending() == []  # final: not retried
