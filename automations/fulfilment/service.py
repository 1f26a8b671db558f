"""The integration the pipeline calls: sheet edits and platform updates in, outbox entries and Sync text out.

handle_edits / handle_platform_update / handle_duplicate_decision decide (pure, decide.py)
and record the result — fields, outbox entries, Sync text and audit — in ONE journal
transaction per order. push_pending (pusher.py) then performs what the outbox holds.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Iterable, Mapping
from zoneinfo import ZoneInfo

from automations.fulfilment import decide as d
from automations.fulfilment.inventory import Bundles, Movement, SkuLookup, depletion, unmapped_items
from automations.fulfilment.mailer import Mailer
from automations.fulfilment.outbox import MovementLedger, Outbox, idempotency_key
from core.journal import Journal, StoredOrder, UpsertResult, now_utc
from core.models import Order, Platform

log = logging.getLogger("truecraft.fulfilment")


@dataclass(frozen=True)
class PushOutcome:
    """What one outbox entry came to in this run."""

    order_id: str
    kind: str  # push | cancel | email
    state: str  # confirmed | dry_run | retry | needs_attention | failed
    message: str
    key: str


def _item_sku(platform: str, item) -> str | None:
    return item.sku or None


class FulfilmentService:
    """Fulfilment for one journal; connectors keyed by platform value ('etsy', ...)."""

    def __init__(self, journal: Journal, connectors: Mapping[str, object], mailer: Mailer | None = None,
                 clock: Callable[[], datetime] = now_utc, *, tz: str = "UTC",
                 on_movements: Callable[[list[Movement]], None] | None = None,
                 sku_lookup: SkuLookup | None = None,
                 bundles: Bundles | Callable[[], Bundles] | None = None) -> None:
        self.journal, self.connectors, self.clock, self.tz = journal, dict(connectors), clock, tz
        self.mailer = mailer or Mailer()
        self.on_movements = on_movements
        self.sku_lookup = sku_lookup or _item_sku
        self._bundles = bundles or {}
        self.editor_for: Callable[[str], str] = lambda order_id: ""  # who edited a row (Apps Script)
        self.tracks_stock = False  # the Inventory tab lists SKUs: unmapped shipped lines are reported
        self.outbox = Outbox(journal)
        self.ledger = MovementLedger(journal)

    @classmethod
    def for_runner(cls, runner) -> "FulfilmentService":
        """Built from the Runner: its journal and connectors, mail settings from env, the seller's timezone."""
        s = runner.settings
        return cls(runner.journal, runner.connectors, Mailer.from_env(s.env), tz=s.timezone)

    def on_cycle(self, tabs: Mapping) -> object:
        """Once per watch: read SKU Map/Bundles, and plan the Inventory tab writes for stock that moved."""
        from automations.fulfilment.sheet_tabs import inventory_cycle

        return inventory_cycle(self, tabs)

    # -- inputs ----------------------------------------------------------------
    def handle_edits(self, diff, stored: Mapping[str, StoredOrder], editor: str = "") -> list[str]:
        """Check and record the seller's edits (all editable columns); queue the fulfilments."""
        return self.apply(d.decide(diff.edits, stored, self.now(), editor))

    def handle_platform_update(self, old_stored: StoredOrder | None, new_order: Order) -> list[str]:
        """A platform fulfilled/cancelled the order itself: show it on the row, never push back."""
        current = self.journal.find(*new_order.key)
        if current is None:
            return []
        old = old_stored.order if old_stored is not None else None
        if old is not None and old.updated_at >= new_order.updated_at:
            old = None  # handed the already-updated copy: the previous state is unknown
        return self.apply(d.decide_platform_changes(old, new_order, current.fields, current.order_id))

    def handle_ingested(self, orders: Iterable[Order], results: Iterable[UpsertResult]) -> list[str]:
        """After Journal.upsert_many: react to changed (not new, not stale) orders."""
        out: list[str] = []
        for order, result in zip(orders, results):
            if result.changed and not result.created and not result.stale:
                out += self.handle_platform_update(None, order)
        return out

    def handle_duplicate_decision(self, decision: str, keep_id: str, duplicate_id: str) -> list[str]:
        """The Duplicates tab's Decision for a pair: MERGE, CANCEL ON PLATFORM or NOT DUPLICATE."""
        keep, dup = self.journal.get(keep_id), self.journal.get(duplicate_id)
        if keep is None or dup is None:
            return [f"{keep_id}/{duplicate_id}: unknown order"]
        return self.apply(d.decide_duplicate_decision(decision, keep, dup))

    def push_pending(self) -> list[PushOutcome]:
        """Perform due outbox entries (see pusher.py)."""
        from automations.fulfilment.pusher import push_pending

        return push_pending(self)

    # -- applying decisions ------------------------------------------------------
    def apply(self, decisions: list) -> list[str]:
        """Record decisions; everything for one order commits together."""
        messages: list[str] = []
        by_order: dict[str, list] = {}
        for decision in decisions:
            by_order.setdefault(decision.order_id, []).append(decision)
        for oid, group in by_order.items():
            with self.journal.transaction():
                for decision in group:
                    message = getattr(self, "_on_" + type(decision).__name__)(decision)
                    if message:
                        messages.append(f"{oid}: {message}")
        return messages

    def _on_AddressChanged(self, x: d.AddressChanged) -> str:
        editor = x.editor or self.editor_for(x.order_id)
        self.journal.set_fields(x.order_id, source="sheet", editor=editor, audit=False, ship_to=x.new)
        self.journal.audit(x.order_id, "address changed after order", x.old, x.new, "sheet", editor)
        self.set_sync(x.order_id, "Address changed after order — it ships to the new address")
        return "address changed after order"

    def _on_SetFields(self, x: d.SetFields) -> str:
        editor = self.editor_for(x.order_id) if x.source == "sheet" else ""
        self.journal.set_fields(x.order_id, source=x.source, editor=editor, push=x.push, **x.values)
        return ""

    def _on_Record(self, x: d.Record) -> str:
        self.journal.set_fields(x.order_id, source="sheet", editor=self.editor_for(x.order_id), push=x.push,
                                status=x.status)
        if x.status != "FULFILLED" and self.outbox.withdraw(x.order_id, "push", self.now()):
            self.journal.audit(x.order_id, "fulfilment withdrawn", "FULFILLED", x.status, "sheet")
            self.set_sync(x.order_id, f"Not shipped: Status changed to {x.status} before it was sent")
        return f"status {x.status}"

    def _on_Reject(self, x: d.Reject) -> str:
        if self.set_sync(x.order_id, x.message):
            self.journal.audit(x.order_id, "edit not accepted", "", x.message, "truecraft")
        if x.revert:
            self.journal.set_fields(x.order_id, source="truecraft", push=True, **x.revert)
        return x.message

    def _on_Push(self, x: d.Push) -> str:
        now, label = self.now(), Platform(x.platform).label
        key = idempotency_key(x.order_id, "push", x.tracking)
        self.outbox.withdraw(x.order_id, "push", now, keep_key=key)  # a corrected tracking # replaces the old
        payload = {"carrier": x.carrier, "tracking": x.tracking, "ship_to": x.ship_to}
        entry, created = self.outbox.enqueue(x.order_id, "push", payload, now, tracking=x.tracking)
        if entry.state != "decided":
            return ""  # already sent or confirmed with this tracking number
        self.journal.audit(x.order_id, "fulfilment decided", "", f"{x.carrier} {x.tracking}".strip(),
                           "truecraft", detail=f"to {x.ship_to}" if x.ship_to else "")
        self.set_sync(x.order_id, f"Queued for {label}…" if x.platform != Platform.MANUAL.value
                      else "Queued…")
        return f"queued for {label}"

    def _on_CancelOnPlatform(self, x: d.CancelOnPlatform) -> str:
        stored = self.journal.get(x.order_id)
        self.outbox.withdraw(x.order_id, "push", self.now())
        self.outbox.enqueue(x.order_id, "cancel", {"reason": x.reason}, self.now())
        label = stored.order.platform.label if stored else "the platform"
        self.journal.audit(x.order_id, "cancel on platform decided", "", label, "sheet", detail=x.reason)
        self.set_sync(x.order_id, f"Cancelling on {label}…")
        return f"cancel queued on {label}"

    def _on_Merge(self, x: d.Merge) -> str:
        self.journal.set_fields(x.order_id, source="sheet", audit=False, merged_into=x.into)
        self.outbox.withdraw(x.order_id, "push", self.now())
        self.journal.audit(x.order_id, "merged", "", x.into, "sheet")
        self.set_sync(x.order_id, f"Merged into {x.into}")
        return f"merged into {x.into}"

    def _on_PlatformChanged(self, x: d.PlatformChanged) -> str:
        stored = self.journal.get(x.order_id)
        source = stored.order.platform.value if stored else "platform"
        if x.values:
            self.journal.set_fields(x.order_id, source=source, push=True, **x.values)
        if x.status == "FULFILLED" and x.values:
            self.journal.set_fields(x.order_id, source=source, audit=False, shipped={
                "platform": source, "carrier": x.values.get("carrier", ""),
                "tracking": x.values.get("tracking", ""), "at": self.now().isoformat(), "by": "platform"})
        for kind in ("push", "cancel"):
            self.outbox.withdraw(x.order_id, kind, self.now())  # the platform did it; never push back
        if self.set_sync(x.order_id, x.message):
            self.journal.audit(x.order_id, "changed on platform", "", x.message, source)
        if x.deplete and stored is not None:
            self.deplete(self.journal.get(x.order_id))
        return x.message

    # -- shared helpers --------------------------------------------------------------
    def now(self) -> datetime:
        """The clock, in UTC."""
        return self.clock().astimezone(timezone.utc)

    def local_time(self, at: datetime | None = None) -> str:
        """'2:51 pm' in the seller's timezone."""
        t = (at or self.now()).astimezone(ZoneInfo(self.tz))
        return f"{t.hour % 12 or 12}:{t.minute:02d} {'am' if t.hour < 12 else 'pm'}"

    def set_sync(self, order_id: str, text: str) -> bool:
        """Write the row's Sync cell (service-owned; audit entries say what happened)."""
        return self.journal.set_fields(order_id, source="truecraft", audit=False, sync=text)

    def bundles(self) -> Bundles:
        """Current bundle definitions."""
        return self._bundles() if callable(self._bundles) else self._bundles

    def deplete(self, stored: StoredOrder) -> list[Movement]:
        """Record the order's stock movements once (ledger) and audit them; delivery happens later.

        Lines the SKU Map can't place are named on the row (and counted in the SKU Map's Stock
        column); once the seller maps them, the next cycle moves their stock (inventory_cycle).
        """
        status = str(stored.fields.get("status") or "")
        moved = []
        for m in depletion(stored.order, self.sku_lookup, self.bundles(), status, stored.order_id):
            if self.ledger.record(stored.order_id, m.internal_sku, m.delta, m.reason, self.now()):
                self.journal.audit(stored.order_id, "stock moved", "", f"{m.internal_sku} {m.delta:+d}",
                                   "truecraft", detail=m.reason)
                moved.append(m)
        if self.tracks_stock and status.strip().upper() not in ("MERGED", "CANCELLED"):
            self._report_unmapped(stored)
        return moved

    def _report_unmapped(self, stored: StoredOrder) -> None:
        """Say on the row which shipped lines moved no stock, and why, in plain words."""
        from automations.fulfilment.sheet_tabs import listing_key

        lines = unmapped_items(stored.order, self.sku_lookup)
        platform = stored.order.platform.value
        keys = list(dict.fromkeys(listing_key(platform, i) for i in lines))
        note = ""
        if lines:
            names = ", ".join(f"‘{t}’" for t in list(dict.fromkeys(i.title for i in lines))[:3])
            note = (f"Stock not moved for {names}: no Internal SKU in the SKU Map — fill it in there "
                    f"and TrueCraft moves it")
        if keys != (stored.fields.get("stock_unmapped") or []) and lines:
            self.journal.audit(stored.order_id, "stock not moved", "", note, "truecraft")
        self.journal.set_fields(stored.order_id, source="truecraft", audit=False, stock_unmapped=keys,
                                stock_note=note)

    def deliver_movements(self) -> list[Movement]:
        """Hand recorded movements to on_movements (Inventory tab keeper); re-delivered after a crash."""
        rows = self.ledger.undelivered()
        if not rows or self.on_movements is None:
            return []
        movements = [Movement(r["internal_sku"], r["delta"], r["reason"]) for r in rows]
        self.on_movements(movements)
        self.ledger.mark_delivered([r["id"] for r in rows])
        return movements
