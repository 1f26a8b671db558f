"""Perform what the outbox holds: platform pushes, platform cancels, tracking e-mails.

Each entry goes decided -> sent (committed BEFORE the call) -> confirmed, so a crash
mid-call leaves 'sent', and the next run repeats the call with the same idempotency
key — the connectors answer already_done instead of creating a second fulfilment.
No sleeping: a temporary failure sets retry_at and a later run picks it up.
"""
from __future__ import annotations

import json
import logging
from datetime import timedelta

from automations.fulfilment.mailer import MailAuthError, MailRejected, MailTemporaryError
from automations.alert_store import raise_alert
from automations.fulfilment.outbox import Entry
from automations.fulfilment.service import FulfilmentService, PushOutcome
from automations.fulfilment.tracking import tracking_url
from connectors.base import (ConnectorAuthError, ConnectorRejected, ConnectorTemporaryError,
                             FulfilmentNotSupported, PushResult)
from core.journal import StoredOrder
from core.models import Order, Platform, Shipment

log = logging.getLogger("truecraft.fulfilment")
SELF_NOTIFY = (Platform.SQUARE, Platform.MANUAL)  # platforms that never send buyers the tracking
AUTH_RETRY = timedelta(minutes=15)
BACKOFF_BASE, BACKOFF_CAP = timedelta(minutes=1), timedelta(hours=1)


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes, at most an hour, after the n-th failed attempt."""
    return min(BACKOFF_CAP, BACKOFF_BASE * (2 ** max(0, attempts - 1)))


def push_pending(svc: FulfilmentService) -> list[PushOutcome]:
    """Run every due entry once; e-mails created by this run's pushes go out in the same run."""
    outcomes: list[PushOutcome] = []
    seen: set[str] = set()
    for _ in range(3):  # pushes, then the e-mails they created, then nothing new
        due = [e for e in svc.outbox.claim_due(svc.now()) if e.key not in seen]
        if not due:
            break
        for entry in due:
            seen.add(entry.key)
            outcomes.append(_run(svc, entry))
    try:
        svc.deliver_movements()
    except Exception:  # the inventory keeper failing must not lose pushes; movements stay undelivered
        log.exception("handing stock movements to the Inventory tab failed; will retry")
    return outcomes


def _run(svc: FulfilmentService, entry: Entry) -> PushOutcome:
    stored = svc.journal.get(entry.order_id)
    if stored is None:
        svc.outbox.mark_failed(entry.key, "order not found", None, svc.now())
        return PushOutcome(entry.order_id, entry.kind, "failed", "order not found", entry.key)
    handler = {"push": _push, "cancel": _cancel, "email": _email, "retrack": _retrack}[entry.kind]
    try:
        return handler(svc, entry, stored)
    except Exception as exc:  # a bug or an unexpected library error: keep the entry, try later
        log.exception("outbox entry %s failed unexpectedly", entry.key)
        label = stored.order.platform.label
        return _retry(svc, entry, f"Something went wrong talking to {label} ({type(exc).__name__})")


def _push(svc: FulfilmentService, entry: Entry, stored: StoredOrder) -> PushOutcome:
    order, p = stored.order, entry.payload
    shipment = Shipment(p["carrier"], p["tracking"], svc.now(), tracking_url(p["carrier"], p["tracking"]))
    connector = svc.connectors.get(order.platform.value)
    label = order.platform.label
    if connector is None or order.platform is Platform.MANUAL:
        request = _describe(order, shipment, entry, p.get("ship_to", ""))
        text = ("Marked shipped in TrueCraft ✓ (craft-fair order — no platform to update)"
                if order.platform is Platform.MANUAL
                else f"Marked shipped in TrueCraft ({label} not connected — dry run)")
        return _confirm_push(svc, entry, stored, shipment, PushResult(ok=True, message=text, request=request),
                             text, dry_run=True)
    svc.outbox.mark_sent(entry.key, svc.now())
    try:
        result = connector.push_fulfilment(order, shipment, entry.key)
    except ConnectorAuthError as exc:
        return _attention(svc, entry, f"Not sent yet — {exc} (TrueCraft will send it once reconnected)")
    except ConnectorTemporaryError as exc:
        return _retry(svc, entry, f"{label} didn't answer ({exc})")
    except FulfilmentNotSupported as exc:
        return _failed(svc, entry, stored, shipment, str(exc), email_anyway=True)
    except ConnectorRejected as exc:
        return _failed(svc, entry, stored, shipment, str(exc))
    if not result.ok:
        return _failed(svc, entry, stored, shipment, result.message, request=dict(result.request))
    notified = " — buyer notified" if result.buyer_notified_by_platform else ""
    return _confirm_push(svc, entry, stored, shipment, result,
                         f"Shipped on {label} {svc.local_time()} ✓{notified}", dry_run=False)


def _retrack(svc: FulfilmentService, entry: Entry, stored: StoredOrder) -> PushOutcome:
    from automations.fulfilment.retrack import run_retrack  # it uses this module's helpers

    return run_retrack(svc, entry, stored)


def _confirm_push(svc: FulfilmentService, entry: Entry, stored: StoredOrder, shipment: Shipment,
                  result: PushResult, text: str, dry_run: bool) -> PushOutcome:
    now, oid = svc.now(), entry.order_id
    with svc.journal.transaction():  # confirmation, e-mail entry, Sync, audit and stock move together
        svc.outbox.mark_confirmed(entry.key, {
            "message": result.message, "platform_fulfilment_id": result.platform_fulfilment_id,
            "buyer_notified": result.buyer_notified_by_platform, "already_done": result.already_done,
            "dry_run": dry_run, "request": dict(result.request)}, now)
        if not dry_run:
            svc.journal.set_fields(oid, source="truecraft", audit=False, shipped={
                "platform": stored.order.platform.value, "carrier": shipment.carrier,
                "tracking": shipment.tracking_number, "at": now.isoformat(), "by": "truecraft"})
        kind = "fulfilment dry run" if dry_run else "fulfilment pushed"
        detail = json.dumps(dict(result.request), default=str)[:4000]
        if result.already_done:
            detail = "the platform already had it (retry after an interruption); " + detail
        svc.journal.audit(oid, kind, "", f"{shipment.carrier} {shipment.tracking_number}".strip(),
                          "truecraft", detail=detail)
        text += _email_step(svc, stored, shipment, result.buyer_notified_by_platform, text)
        svc.set_sync(oid, text)
        svc.deplete(svc.journal.get(oid))
    return PushOutcome(oid, "push", "dry_run" if dry_run else "confirmed", text, entry.key)


def _email_step(svc: FulfilmentService, stored: StoredOrder, shipment: Shipment, notified: bool,
                base: str) -> str:
    """Queue our own tracking e-mail where nobody else sends one; the Sync suffix says which."""
    order = stored.order
    if notified or order.platform not in SELF_NOTIFY:
        return ""
    if not shipment.tracking_number:
        return " — no tracking number, so no tracking e-mail"
    if not order.customer.email:
        return " — no buyer e-mail address, so no tracking e-mail"
    svc.outbox.enqueue(stored.order_id, "email", {
        "carrier": shipment.carrier, "tracking": shipment.tracking_number, "base": base},
        svc.now(), tracking=shipment.tracking_number)
    return " — sending the tracking e-mail"


def _failed(svc: FulfilmentService, entry: Entry, stored: StoredOrder, shipment: Shipment, message: str,
            email_anyway: bool = False, request: dict | None = None) -> PushOutcome:
    """The platform won't take it: say so plainly; the parcel still shipped, so still tell the buyer."""
    with svc.journal.transaction():
        svc.outbox.mark_failed(entry.key, message, None, svc.now(), result={"request": request or {}})
        svc.journal.audit(entry.order_id, "fulfilment refused by platform", "", message, "truecraft")
        raise_alert(svc.journal, "push_failed", entry.key,
                    f"{stored.order.platform.label} refused the shipment of {entry.order_id} "
                    f"({stored.order.customer.name}, #{stored.order.platform_order_id}): {message}. "
                    "See its Sync cell in the Orders tab.")
        text = message
        if email_anyway:
            text += _email_step(svc, stored, shipment, False, message)
        svc.set_sync(entry.order_id, text)
    return PushOutcome(entry.order_id, entry.kind, "failed", text, entry.key)


def _retry(svc: FulfilmentService, entry: Entry, why: str) -> PushOutcome:
    attempts = (svc.outbox.get(entry.key) or entry).attempts or 1
    at = svc.now() + backoff(attempts)
    text = f"{why} — will try again at {svc.local_time(at)}"
    with svc.journal.transaction():
        svc.outbox.mark_failed(entry.key, why, at, svc.now())
        svc.set_sync(entry.order_id, text)
    return PushOutcome(entry.order_id, entry.kind, "retry", text, entry.key)


def _attention(svc: FulfilmentService, entry: Entry, text: str) -> PushOutcome:
    with svc.journal.transaction():
        svc.outbox.mark_failed(entry.key, text, svc.now() + AUTH_RETRY, svc.now(), state="needs_attention")
        if svc.set_sync(entry.order_id, text):
            svc.journal.audit(entry.order_id, "needs attention", "", text, "truecraft")
    return PushOutcome(entry.order_id, entry.kind, "needs_attention", text, entry.key)


def _cancel(svc: FulfilmentService, entry: Entry, stored: StoredOrder) -> PushOutcome:
    order, label = stored.order, stored.order.platform.label
    connector = svc.connectors.get(order.platform.value)
    if connector is None or order.platform is Platform.MANUAL:
        text = (f"Cancelled in TrueCraft ({label} not connected — dry run; cancel "
                f"#{order.platform_order_id} there)")
        result = PushResult(ok=True, message=text, request={"cancel": order.platform_order_id,
                                                             "reason": entry.payload.get("reason", "")})
        state = "dry_run"
    else:
        svc.outbox.mark_sent(entry.key, svc.now())
        try:
            result = connector.cancel_order(order, entry.payload.get("reason", "duplicate"))
        except ConnectorAuthError as exc:
            return _attention(svc, entry, f"Not cancelled yet — {exc}")
        except ConnectorTemporaryError as exc:
            return _retry(svc, entry, f"{label} didn't answer ({exc})")
        except ConnectorRejected as exc:
            result = PushResult(ok=False, message=str(exc))
        text, state = result.message, "confirmed" if result.ok else "failed"
    with svc.journal.transaction():
        if result.ok:
            svc.outbox.mark_confirmed(entry.key, {"message": result.message, "request": dict(result.request),
                                                  "dry_run": state == "dry_run"}, svc.now())
        else:
            svc.outbox.mark_failed(entry.key, result.message, None, svc.now())
        svc.journal.audit(entry.order_id, "cancel on platform", "", text, "truecraft",
                          detail=json.dumps(dict(result.request), default=str)[:4000])
        svc.set_sync(entry.order_id, text)
    return PushOutcome(entry.order_id, "cancel", state, text, entry.key)


def _email(svc: FulfilmentService, entry: Entry, stored: StoredOrder) -> PushOutcome:
    p, order = entry.payload, stored.order
    shipment = Shipment(p["carrier"], p["tracking"], None, tracking_url(p["carrier"], p["tracking"]))
    domain = (svc.mailer.mail_from.rpartition("@")[2] or "truecraft.local") if svc.mailer.mail_from else "truecraft.local"
    msg = svc.mailer.compose(order, shipment, f"<{entry.key}@{domain}>")
    svc.outbox.mark_sent(entry.key, svc.now())
    try:
        result = svc.mailer.send(msg)
    except MailTemporaryError as exc:
        return _retry(svc, entry, f"{p['base']} — tracking e-mail not sent yet: {exc}")
    except MailAuthError as exc:
        return _attention(svc, entry, f"{p['base']} — tracking e-mail not sent: {exc}")
    except MailRejected as exc:
        text = f"{p['base']} — tracking e-mail not sent: {exc}"
        with svc.journal.transaction():
            svc.outbox.mark_failed(entry.key, str(exc), None, svc.now())
            svc.journal.audit(entry.order_id, "tracking e-mail refused", "", str(exc), "truecraft")
            svc.set_sync(entry.order_id, text)
        return PushOutcome(entry.order_id, "email", "failed", text, entry.key)
    with svc.journal.transaction():
        svc.outbox.mark_confirmed(entry.key, {"message_id": result.message_id, "dry_run": result.dry_run,
                                              "note": result.note}, svc.now())
        if result.dry_run:
            text = f"{p['base']} — tracking e-mail not sent: {result.note}"
            svc.journal.audit(entry.order_id, "tracking e-mail dry run", "", order.customer.email,
                              "truecraft", detail=result.text[:4000])
        else:
            text = f"{p['base']} — tracking e-mail sent to the buyer"
            svc.journal.audit(entry.order_id, "tracking e-mail sent", "", order.customer.email, "truecraft",
                              detail=f"Message-ID {result.message_id}")
        svc.set_sync(entry.order_id, text)
    return PushOutcome(entry.order_id, "email", "dry_run" if result.dry_run else "confirmed", text, entry.key)


def _describe(order: Order, shipment: Shipment, entry: Entry, ship_to: str) -> dict:
    """The request we would send, for a dry run the seller can check."""
    from connectors.preview import fulfilment_request

    described = {"platform": order.platform.value, "platform_order_id": order.platform_order_id,
                 "carrier": shipment.carrier, "tracking_number": shipment.tracking_number,
                 "tracking_url": shipment.tracking_url, "ship_to": ship_to or order.ship_to.one_line(),
                 "idempotency_key": entry.key}
    try:
        described["would_send"] = fulfilment_request(order, shipment, entry.key)
    except Exception as exc:  # a preview must never block marking the order shipped
        described["would_send"] = {"note": f"request preview unavailable ({type(exc).__name__})"}
    return described

