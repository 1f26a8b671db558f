"""A replacement label on an order the platform already shows as shipped: put its tracking there.

After VOID then BUY (a new label, e.g. for a corrected address), the platform still shows the old
tracking number. The new one goes down the same outbox as every push ("retrack" entries, one per
new tracking number, so it is sent exactly once and a crash resends it with the same key):
- Shopify replaces the fulfilment's tracking (fulfillmentTrackingInfoUpdate) and tells the buyer;
- Etsy adds it as a second shipment entry and e-mails the buyer (its API can't remove the old one);
- Square replaces it while the order is open (UpdateOrder), and TrueCraft e-mails the buyer;
- Amazon, a closed Square order, or anything the platform refuses: Sync says what to do by hand.
"""
from __future__ import annotations

import json

from automations.fulfilment.outbox import Entry
from automations.fulfilment.service import FulfilmentService, PushOutcome
from automations.fulfilment.tracking import tracking_url
from connectors.base import ConnectorAuthError, ConnectorRejected, ConnectorTemporaryError
from core.journal import StoredOrder
from core.models import Platform, Shipment

KIND = "retrack"


def queue_retrack(svc: FulfilmentService, order_id: str, carrier: str, tracking: str) -> str:
    """Record (in the caller's transaction) that the platform must get this new tracking; plain words."""
    stored = svc.journal.get(order_id)
    shipped = stored.fields.get("shipped") if stored is not None else None
    old = shipped if isinstance(shipped, dict) else {}
    payload = {"carrier": carrier, "tracking": tracking, "old_carrier": old.get("carrier", ""),
               "old_tracking": old.get("tracking", "")}
    svc.outbox.enqueue(order_id, KIND, payload, svc.now(), tracking=tracking)
    return f"telling {stored.order.platform.label} the new tracking number…" if stored is not None else ""


def run_retrack(svc: FulfilmentService, entry: Entry, stored: StoredOrder) -> PushOutcome:
    """Send one retrack entry; Sync says what happened, or what to do by hand."""
    from automations.fulfilment.pusher import _attention, _email_step, _retry

    order, p = stored.order, entry.payload
    label, old = order.platform.label, p.get("old_tracking", "")
    new = Shipment(p["carrier"], p["tracking"], svc.now(), tracking_url(p["carrier"], p["tracking"]))
    connector = svc.connectors.get(order.platform.value)
    if connector is None or order.platform is Platform.MANUAL:
        where = ("craft-fair order — no platform to update" if order.platform is Platform.MANUAL
                 else f"{label} isn't connected: replace {old or 'the old number'} with {new.tracking_number} there")
        return _done(svc, entry, stored, new, f"New tracking {new.tracking_number} recorded ({where})",
                     {"would_send": {"old_tracking": old, "tracking": new.tracking_number}}, by_hand=True)
    svc.outbox.mark_sent(entry.key, svc.now())
    try:
        result = connector.update_tracking(order, old, new, entry.key)
    except ConnectorAuthError as exc:
        return _attention(svc, entry, f"New tracking not sent to {label} yet — {exc}")
    except ConnectorTemporaryError as exc:
        return _retry(svc, entry, f"{label} didn't answer ({exc}) while changing the tracking number")
    except ConnectorRejected as exc:  # FulfilmentNotSupported included: the platform can't, say how by hand
        text = f"New label bought (tracking {new.tracking_number}), but {exc}"
        with svc.journal.transaction():
            svc.outbox.mark_failed(entry.key, str(exc), None, svc.now())
            svc.journal.audit(entry.order_id, "tracking update by hand", old, new.tracking_number, "truecraft",
                              detail=str(exc))
            text += _email_step(svc, stored, new, False, text)
            svc.set_sync(entry.order_id, text)
        return PushOutcome(entry.order_id, KIND, "failed", text, entry.key)
    return _done(svc, entry, stored, new, result.message, dict(result.request),
                 notified=result.buyer_notified_by_platform, already=result.already_done)


def _done(svc: FulfilmentService, entry: Entry, stored: StoredOrder, new: Shipment, text: str, request: dict,
          notified: bool = False, already: bool = False, by_hand: bool = False) -> PushOutcome:
    from automations.fulfilment.pusher import _email_step

    now, oid = svc.now(), entry.order_id
    with svc.journal.transaction():
        svc.outbox.mark_confirmed(entry.key, {"message": text, "already_done": already, "dry_run": by_hand,
                                              "request": request}, now)
        shipped = stored.fields.get("shipped")
        if isinstance(shipped, dict) and not by_hand:  # the platform now shows the new number
            svc.journal.set_fields(oid, source="truecraft", audit=False, shipped={
                **shipped, "carrier": new.carrier, "tracking": new.tracking_number, "at": now.isoformat()})
        detail = json.dumps(request, default=str)[:4000]
        if already:
            detail = "the platform already had it (retry after an interruption); " + detail
        svc.journal.audit(oid, "tracking recorded, change it by hand" if by_hand else "tracking updated on platform",
                          entry.payload.get("old_tracking", ""), new.tracking_number, "truecraft", detail=detail)
        text += _email_step(svc, stored, new, notified, text)
        svc.set_sync(oid, text)
    return PushOutcome(oid, KIND, "dry_run" if by_hand else "confirmed", text, entry.key)
