"""Tracking e-mails: sent once over a real SMTP server on loopback, never when the platform notifies."""
import socket
from email import message_from_string, policy

import pytest
from aiosmtpd.controller import Controller

from automations.fulfilment.mailer import Mailer, MailTemporaryError
from automations.fulfilment.service import FulfilmentService
from core.journal import Journal
from core.models import Platform, Shipment
from tests.foundation.factories import make_order
from tests.fulfilment.helpers import NOW, USPS, Crash, FakePlatform, diff, fulfil_edits, square_order


class Inbox:
    """aiosmtpd handler that keeps what it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf8", "replace")))
        return "250 OK"

    def bodies(self):
        """Decoded bodies (transfer encoding undone), as a buyer's mail client shows them."""
        return [message_from_string(t, policy=policy.default).get_content() for _, t in self.messages]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield inbox, f"smtp://127.0.0.1:{controller.port}"
    finally:
        controller.stop()


def _stored(journal):
    return {s.order_id: s for s in journal.all_orders()}


def _ship(journal, svc, oid):
    svc.handle_edits(diff(*fulfil_edits(oid)), _stored(journal))
    return svc.push_pending()


def test_square_order_gets_one_tracking_email(tmp_path, smtp):
    # given a Square invoice order and a mail server
    inbox, url = smtp
    journal = Journal(tmp_path / "j.db")
    mailer = Mailer(url, "shop@truecraft.test", shop_name="Linen & Loom")
    svc = FulfilmentService(journal, {"square": FakePlatform(Platform.SQUARE, notifies=False)}, mailer,
                            clock=lambda: NOW)
    oid = journal.upsert(square_order()).order_id
    # when it ships, and the outbox runs again later
    outcomes = _ship(journal, svc, oid)
    svc.push_pending()
    # then exactly one e-mail went out, with the carrier's link, and the Sync says so
    assert [o.kind for o in outcomes] == ["push", "email"]
    [(rcpt, text)] = inbox.messages
    [body] = inbox.bodies()
    assert rcpt == ["rachel@example.com"]
    assert f"tLabels={USPS}" in body and "Hi Rachel" in body and "Linen & Loom" in body
    assert journal.get(oid).fields["sync"].endswith("tracking e-mail sent to the buyer")
    [entry] = svc.outbox.entries(oid, "email")
    assert entry.result["message_id"] == f"<{entry.key}@truecraft.test>"
    assert f"Message-ID: <{entry.key}@truecraft.test>" in text


@pytest.mark.parametrize("platform", [Platform.ETSY, Platform.SHOPIFY, Platform.AMAZON])
def test_no_second_email_when_the_platform_notifies(tmp_path, smtp, platform):
    inbox, url = smtp
    journal = Journal(tmp_path / "j.db")
    svc = FulfilmentService(journal, {platform.value: FakePlatform(platform, notifies=True)},
                            Mailer(url, "shop@truecraft.test"), clock=lambda: NOW)
    oid = journal.upsert(make_order("P1", platform=platform.value)).order_id
    outcomes = _ship(journal, svc, oid)
    assert [o.kind for o in outcomes] == ["push"] and inbox.messages == []
    assert journal.get(oid).fields["sync"].endswith("buyer notified")


def test_craft_fair_order_is_marked_shipped_and_emailed(tmp_path, smtp):
    inbox, url = smtp
    journal = Journal(tmp_path / "j.db")
    svc = FulfilmentService(journal, {}, Mailer(url, "shop@truecraft.test"), clock=lambda: NOW)
    oid = journal.upsert(make_order("M1", platform="manual")).order_id
    outcomes = _ship(journal, svc, oid)
    assert [o.state for o in outcomes] == ["dry_run", "confirmed"] and len(inbox.messages) == 1


def test_email_crash_after_send_resends_with_same_message_id(tmp_path, smtp, monkeypatch):
    # the one window SMTP can't make idempotent: the same Message-ID lets mailboxes fold the copy
    inbox, url = smtp
    path = tmp_path / "j.db"
    journal = Journal(path)
    mailer = Mailer(url, "shop@truecraft.test")
    svc = FulfilmentService(journal, {}, mailer, clock=lambda: NOW)
    oid = journal.upsert(square_order()).order_id
    svc.handle_edits(diff(*fulfil_edits(oid)), _stored(journal))
    real_confirm = svc.outbox.mark_confirmed
    monkeypatch.setattr(svc.outbox, "mark_confirmed", lambda key, *a: (
        (_ for _ in ()).throw(Crash()) if key.startswith("tc-email") else real_confirm(key, *a)))
    with pytest.raises(Crash):
        svc.push_pending()
    svc2 = FulfilmentService(Journal(path), {}, mailer, clock=lambda: NOW)
    svc2.push_pending()
    ids = {line for _, text in inbox.messages for line in text.splitlines() if line.startswith("Message-ID")}
    assert len(inbox.messages) == 2 and len(ids) == 1
    assert svc2.outbox.entries(oid, "email")[0].state == "confirmed"


def test_no_smtp_is_a_dry_run_that_returns_the_text(tmp_path):
    journal = Journal(tmp_path / "j.db")
    svc = FulfilmentService(journal, {}, Mailer("", ""), clock=lambda: NOW)
    oid = journal.upsert(square_order()).order_id
    outcomes = _ship(journal, svc, oid)
    assert outcomes[-1].state == "dry_run"
    assert "no mail server set up" in journal.get(oid).fields["sync"]
    [entry] = [e for e in journal.audit_entries(oid) if e["kind"] == "tracking e-mail dry run"]
    assert USPS in entry["detail"] and "Hi Rachel" in entry["detail"]


def test_no_email_address_or_no_tracking_means_no_email(tmp_path, smtp):
    inbox, url = smtp
    journal = Journal(tmp_path / "j.db")
    svc = FulfilmentService(journal, {}, Mailer(url, "shop@truecraft.test"), clock=lambda: NOW)
    no_mail = journal.upsert(square_order("SQ1", email="")).order_id
    untracked = journal.upsert(square_order("SQ2")).order_id
    svc.handle_edits(diff(*fulfil_edits(no_mail)), _stored(journal))
    from automations.sheet_edits import Edit
    svc.handle_edits(diff(Edit(untracked, "status", "UNFULFILLED", "FULFILLED")), _stored(journal))
    svc.push_pending()
    assert inbox.messages == []
    assert journal.get(no_mail).fields["sync"].endswith("no buyer e-mail address, so no tracking e-mail")
    assert journal.get(untracked).fields["sync"].endswith("no tracking number, so no tracking e-mail")


def test_unreachable_server_is_temporary(tmp_path):
    mailer = Mailer(f"smtp://127.0.0.1:{_free_port()}", "shop@truecraft.test", timeout=2)
    msg = mailer.compose(square_order(), Shipment("USPS", USPS), "<x@truecraft.test>")
    with pytest.raises(MailTemporaryError, match="couldn't reach the mail server"):
        mailer.send(msg)


def test_a_broken_template_falls_back_to_the_builtin_one(tmp_path):
    bad = tmp_path / "t.txt"
    bad.write_text("Subject: {order_id\nHello {customer_first_name}", encoding="utf-8")
    msg = Mailer("", "a@b.test", template_path=bad).compose(square_order(), Shipment("USPS", USPS), "<x@b>")
    assert "Your order SQ1 is on its way" == msg["Subject"]


def test_edited_template_is_used_and_unknown_placeholders_are_kept(tmp_path):
    mine = tmp_path / "t.txt"
    mine.write_text("Subject: Parcel {order_id}\n\nYo {customer_first_name}! {tracking_url} {oops}", "utf-8")
    msg = Mailer("", "a@b.test", template_path=mine).compose(square_order(), Shipment("USPS", USPS), "<x@b>")
    assert msg["Subject"] == "Parcel SQ1"
    assert msg.get_content().strip() == f"Yo Rachel! https://tools.usps.com/go/TrackConfirmAction?tLabels={USPS} {{oops}}"
