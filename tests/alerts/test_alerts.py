"""Alerts (issue 15): one per event, a digest for a burst, quiet hours, never lost, never a flood."""
from __future__ import annotations

import email
import socket
import time
from datetime import datetime, timedelta, timezone

import pytest

import automations.alerts as alerts_mod
from automations import alert_store as store
from automations.alert_store import Alert
from automations.alerts import parse_quiet, plan
from automations.runner import Runner
from core.config import Settings
from core.journal import Journal
from core.models import Address, Customer
from sheets.local_backend import LocalWorkbookBackend
from tests.alerts.receiver import NtfyReceiver
from tests.foundation.factories import make_order

NOW = datetime(2026, 11, 27, 22, 30, tzinfo=timezone.utc)


def _alert(i, kind="duplicate", age=60, state="pending"):
    return Alert(i, f"{kind}:{i}", kind, f"text {i}", (NOW - timedelta(seconds=age)).isoformat(), state, 0)


# -- decisions (pure) ----------------------------------------------------------------------------
def test_a_burst_becomes_one_digest_and_a_few_go_one_by_one():
    few = plan([_alert(1), _alert(2, "low_stock")], NOW, None, "UTC", set())
    assert [m.alert_ids for m in few.messages] == [(1,), (2,)]
    burst = plan([_alert(i) for i in range(10)] + [_alert(20, "low_stock")], NOW, None, "UTC", set())
    [digest] = burst.messages
    assert digest.title.startswith("TrueCraft: 11 things need you: 10 possible duplicates, 1 low-stock item")
    assert len(digest.alert_ids) == 11


def test_quiet_hours_hold_everything_but_duplicates():
    quiet = parse_quiet("21:00-07:00")
    out = plan([_alert(1, "low_stock"), _alert(2, "duplicate")], NOW, quiet, "UTC", set())
    assert [m.alert_ids for m in out.messages] == [(2,)] and out.held == 1
    morning = plan([_alert(1, "low_stock")], NOW + timedelta(hours=10), quiet, "UTC", set())
    assert [m.alert_ids for m in morning.messages] == [(1,)]


def test_a_decided_pair_is_not_alerted_and_a_repeat_says_so():
    out = plan([_alert(1), _alert(2, state="sending")], NOW, None, "UTC", {"duplicate:1"})
    assert out.drop == (1,)
    assert [m.alert_ids for m in out.messages] == [(2,)] and "repeat" in out.messages[0].body


def test_new_alerts_wait_a_moment_so_a_burst_is_gathered():
    assert plan([_alert(1, age=2)], NOW, None, "UTC", set()).messages == ()
    assert plan([_alert(1, age=2), _alert(2, age=50)], NOW, None, "UTC", set()).messages


# -- end to end, in one process -----------------------------------------------------------------
@pytest.fixture
def shop(tmp_path, monkeypatch):
    monkeypatch.setattr(alerts_mod, "GATHER_SECONDS", 0)
    receiver = NtfyReceiver()

    def runner(urls=None, **env):
        settings = Settings(db=str(tmp_path / "j.db"), workbook=str(tmp_path / "t.xlsx"),
                            env={"TRUECRAFT_ALERT_URLS": urls or receiver.url, **env})
        return Runner(settings, Journal(settings.db), LocalWorkbookBackend(settings.workbook), {})
    yield receiver, runner
    receiver.stop()


def _rachel(pid, platform, minutes, total):
    return make_order(pid, platform=platform, minutes=minutes, total=total,
                      customer=Customer(name="Rachel Green", email="rachel@example.com"))


def test_a_flagged_duplicate_gives_one_alert_with_both_orders(shop):
    receiver, runner = shop
    r = runner()
    r.ingest([_rachel("E-1", "etsy", 0, "200.00")])
    r.ingest([_rachel("SQ-1", "square", 58, "210.00")])
    r.watch()
    r.watch()
    [msg] = receiver.messages
    assert "TC-1" in msg["message"] and "TC-2" in msg["message"]
    assert "$200.00" in msg["message"] and "$210.00" in msg["message"] and "58 min apart" in msg["message"]
    assert "Why:" in msg["message"] and msg["title"] == "TrueCraft: possible duplicate order"
    assert r.journal.audit_entries() and store.pending_count(r.journal) == 0
    # and the Dashboard shows it among the last alerts sent
    from openpyxl import load_workbook

    dash = load_workbook(r.backend.path)["Dashboard"]
    assert dash["H3"].value == "Last alerts sent" and dash["I4"].value == "TrueCraft: possible duplicate order"
    r.close()


def test_killed_after_sending_before_recording_repeats_at_most_once(shop, monkeypatch):
    receiver, runner = shop
    r = runner()
    r.ingest([_rachel("E-1", "etsy", 0, "200.00")])
    r.ingest([_rachel("SQ-1", "square", 58, "210.00")])
    monkeypatch.setattr(store, "mark_sent", lambda *a, **k: (_ for _ in ()).throw(SystemExit("kill -9")))
    with pytest.raises(SystemExit):
        r.watch()
    r.close()
    monkeypatch.undo()
    monkeypatch.setattr(alerts_mod, "GATHER_SECONDS", 0)
    again = runner()
    again.watch()
    again.watch()
    assert len(receiver.messages) == 2
    assert "repeat" in receiver.messages[1]["message"] and "repeat" not in receiver.messages[0]["message"]
    again.close()


def test_a_burst_of_200_orders_with_10_duplicates_is_one_digest(shop):
    receiver, runner = shop
    r = runner()
    orders = []
    for i in range(190):
        orders.append(make_order(f"F-{i}", platform="shopify", minutes=i % 50, name=f"Buyer {i}",
                                 customer=Customer(name=f"Buyer Number{i}", email=f"b{i}@example.com"),
                                 ship_to=Address(name=f"Buyer Number{i}", line1=f"{i} Elm Street", city="Austin",
                                                 region="TX", postal_code=f"{78700 + i}", country="US")))
    for i in range(10):  # ten buyers who ordered twice, on two channels
        orders.append(make_order(f"D-{i}", platform="etsy", minutes=(i % 50) + 5, name=f"Buyer {i}",
                                 customer=Customer(name=f"Buyer Number{i}", email=f"b{i}@example.com"),
                                 ship_to=Address(name=f"Buyer Number{i}", line1=f"{i} Elm Street", city="Austin",
                                                 region="TX", postal_code=f"{78700 + i}", country="US")))
    r.ingest(orders)
    r.watch()
    r.watch()
    [digest] = receiver.messages
    assert "10 possible duplicates" in digest["title"], digest["title"]
    r.close()


def test_an_unreachable_destination_retries_later_and_never_holds_up_the_cycle(shop):
    receiver, runner = shop
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"ntfy://127.0.0.1:{s.getsockname()[1]}/shop-alerts"
    r = runner(urls=dead)
    r.ingest([_rachel("E-1", "etsy", 0, "200.00"), _rachel("SQ-1", "square", 58, "210.00")])
    began = time.monotonic()
    r.watch()
    assert time.monotonic() - began < 5
    assert store.pending_count(r.journal) == 1  # kept, with its next try set
    row = r.journal.execute("SELECT attempts, next_try FROM alerts").fetchone()
    assert row[0] == 1 and row[1]
    r.close()


def test_quiet_hours_hold_low_stock_and_let_a_duplicate_through(shop):
    receiver, runner = shop
    now = datetime.now(timezone.utc)
    window = f"{(now - timedelta(hours=1)):%H:%M}-{(now + timedelta(hours=1)):%H:%M}"
    r = runner(TRUECRAFT_ALERT_QUIET=window)
    store.raise_alert(r.journal, "low_stock", "MUG-1:1", "Low stock: MUG-1 has 1 left")
    r.ingest([_rachel("E-1", "etsy", 0, "200.00"), _rachel("SQ-1", "square", 58, "210.00")])
    r.watch()
    assert [m["title"] for m in receiver.messages] == ["TrueCraft: possible duplicate order"]
    assert store.pending_count(r.journal) == 1
    r.close()


def test_an_email_destination_gets_the_duplicate_alert_through_an_smtp_sink(tmp_path, monkeypatch):
    from aiosmtpd.controller import Controller

    class Sink:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
            self.messages.append(envelope.content.decode("utf8", "replace"))
            return "250 OK"

    monkeypatch.setattr(alerts_mod, "GATHER_SECONDS", 0)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sink = Sink()
    smtp = Controller(sink, hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        # the seller's own mailbox, written the apprise way (a relay on this computer, no login)
        url = f"mailto://127.0.0.1:{port}?from=shop@maker.example&to=seller@maker.example&mode=insecure"
        settings = Settings(db=str(tmp_path / "j.db"), workbook=str(tmp_path / "t.xlsx"),
                            env={"TRUECRAFT_ALERT_URLS": url})
        r = Runner(settings, Journal(settings.db), LocalWorkbookBackend(settings.workbook), {})
        r.ingest([_rachel("E-1", "etsy", 0, "200.00")])
        r.ingest([_rachel("SQ-1", "square", 58, "210.00")])
        r.watch()
        r.watch()
        [mail] = sink.messages
        assert "Subject: TrueCraft: possible duplicate order" in mail and "seller@maker.example" in mail
        message = email.message_from_string(mail)
        body = next(part.get_payload(decode=True).decode() for part in message.walk()
                    if part.get_content_type() == "text/plain")  # decoded: long lines are soft-wrapped
        assert "TC-1" in body and "TC-2" in body
        r.close()
    finally:
        smtp.stop()
