"""What happens after intake and after each sheet read: duplicates, links, manual entry, fulfilment."""
from __future__ import annotations

import logging

from automations.duplicates_flow import DuplicatesFlow
from automations.labels.flow import LabelFlow
from automations.labels.printing import LabelPrints
from automations.manual_entry import ManualEntryFlow
from sheet_schema.tabs import BUNDLES, CUSTOMERS, DASHBOARD, DUPLICATES, INVENTORY, MANUAL_ENTRY, SKU_MAP
from sheets.base import WriteBatch
from sheets.tabsync import merge

log = logging.getLogger("truecraft.pipeline")


class Pipeline:
    """The automations the runner performs, in order."""

    base_tabs = (DUPLICATES, CUSTOMERS, SKU_MAP, INVENTORY, BUNDLES, MANUAL_ENTRY)

    def __init__(self, runner) -> None:
        self.runner = runner
        s = runner.settings
        self.fulfilment = _fulfilment_service(runner)
        if self.fulfilment is not None:
            self.fulfilment.editor_for = self.editor_for  # sheet edits are audited with who made them
        self.duplicates = DuplicatesFlow(runner.journal, s.duplicate_window_minutes,
                                         s.duplicate_threshold, s.timezone, cancel=self._cancel)
        self.duplicates.editor = self.editor_for
        self.manual = ManualEntryFlow(runner)
        self.labels = LabelFlow(runner.journal, _label_connector(runner), self.fulfilment, s.env)
        self.prints = LabelPrints(runner.journal, self.labels.connector, s.env)
        self.last_flags: list[str] = []

    @property
    def extra_tabs(self) -> tuple[str, ...]:
        """Tabs a cycle reads besides Orders and the Audit Log; the Dashboard only while labels wait to print
        (its PRINTED cell), as one more range in the same read."""
        return self.base_tabs + ((DASHBOARD,) if self.prints.wants_dashboard() else ())

    def after_ingest(self, orders, results) -> None:
        """New orders are scored for duplicates; platform-side changes update their rows.

        The journal recorded each change as owed in the same transaction that stored it;
        it is marked paid only after these reactions ran, so a crash in between is paid
        on the next cycle (pay_owed), once.
        """
        self.last_flags = self.duplicates.on_ingest(list(orders), list(results))
        if self.fulfilment is not None:
            for order, result in zip(orders, results):
                if result.changed and not result.created:
                    self.fulfilment.handle_platform_update(self.runner.journal.get(result.order_id), order)
        else:
            _default_platform_update(self.runner.journal, orders, results)
        self.runner.journal.paid(r.order_id for r in results if r.changed)

    def pay_owed(self) -> int:
        """Run the reactions a crash left owed (stored changes whose automations never ran)."""
        from core.journal import UpsertResult

        owed = self.runner.journal.owed()
        if owed:
            self.after_ingest([s.order for s, _ in owed],
                              [UpsertResult(s.order_id, created=created, changed=True) for s, created in owed])
        return len(owed)

    def after_edits(self, diff, stored, snapshot) -> WriteBatch:
        """Record what people changed, act on it, and plan the other tabs' writes."""
        j = self.runner.journal
        for e in diff.edits:
            # With fulfilment on, it checks and saves Status/Carrier/Tracking #/Ship To/Notes itself,
            # so rejected values never reach the journal.
            if e.key == "label":
                continue  # the label flow records BUY/VOID itself and clears the cell
            if self.fulfilment is None or e.key == "linked_orders":
                j.set_fields(e.order_id, source="sheet", editor=self.editor_for(e.order_id), **{e.key: e.new})
            if e.key == "linked_orders":
                self._link(e.order_id, e.new)
        label_edits = [e for e in diff.edits if e.key == "label"]
        if self.fulfilment is not None and len(label_edits) < len(diff.edits):
            rest = tuple(e for e in diff.edits if e.key != "label")
            self.fulfilment.handle_edits(type(diff)(rest, diff.missing_rows, diff.unknown_ids, diff.duplicate_ids),
                                         stored)
        if label_edits:
            self.labels.handle_edits(label_edits)
        self.labels.perform()  # buy what was asked (this cycle or before a crash), follow refunds
        if getattr(snapshot, "checked", False):
            self.duplicates.replan()  # the slower check read Customers whole: plan it against that
        self.prints.connector = self.labels.connector  # the demo swaps in its dry run after start-up
        batches = [self.manual.on_cycle(snapshot.tabs.get(MANUAL_ENTRY)),
                   self.prints.on_cycle(snapshot.tabs.get(DASHBOARD))]
        batches.append(self.duplicates.on_cycle(snapshot.tabs))
        if self.fulfilment is not None and hasattr(self.fulfilment, "on_cycle"):
            batches.append(self.fulfilment.on_cycle(snapshot.tabs))
        return merge(*[b for b in batches if b is not None])

    def editor_for(self, order_id: str = "") -> str:
        """Who made the latest edit: the e-mail the Apps Script reported for this row, else who saved the file."""
        reported = self.runner.journal.kv_get(f"editor:{order_id}", "") if order_id else ""
        return reported or getattr(self.runner.backend, "last_editor", "") or ""

    def push_pending(self) -> list:
        """Send queued fulfilments/e-mails; nothing to do without the fulfilment service."""
        return self.fulfilment.push_pending() if self.fulfilment is not None else []

    def _link(self, order_id: str, text: str) -> None:
        """Typing another Order ID links both rows."""
        j = self.runner.journal
        for other in {t.strip().upper() for t in text.replace(";", ",").split(",") if t.strip()}:
            target = j.get(other)
            if target is None or other == order_id:
                j.set_fields(order_id, source="truecraft", sync=f"Linked Orders: there is no order {other}")
                continue
            current = {x.strip() for x in str(target.fields.get("linked_orders", "")).split(",") if x.strip()}
            if order_id not in current:
                j.set_fields(other, source="sheet", push=True,
                             linked_orders=", ".join(sorted(current | {order_id}, key=lambda x: int(x[3:]))))
                j.audit(order_id, "orders linked", "", other, "sheet")

    def _cancel(self, stored) -> str:
        """CANCEL ON PLATFORM for the duplicate of a pair."""
        connector = self.runner.connectors.get(stored.order.platform.value)
        label = stored.order.platform.label
        if connector is None:
            return (f"{label} isn't connected: cancel #{stored.order.platform_order_id} in your {label} "
                    f"dashboard, then set Status to CANCELLED")
        try:
            result = connector.cancel_order(stored.order, reason="duplicate")
        except Exception as exc:  # connector errors are plain words
            return f"Couldn't cancel on {label}: {exc}"
        if result.ok:
            self.runner.journal.set_fields(stored.order_id, source="truecraft", push=True, status="CANCELLED",
                                           sync=result.message)
        return result.message


def _default_platform_update(journal, orders, results) -> None:
    """Without the fulfilment service: mirror platform cancellations/fulfilments into Status."""
    from core.models import OrderState

    for order, result in zip(orders, results):
        if not result.changed or result.created:
            continue
        status = {OrderState.CANCELLED: "CANCELLED", OrderState.REFUNDED: "CANCELLED",
                  OrderState.FULFILLED: "FULFILLED"}.get(order.state)
        if status:
            journal.set_fields(result.order_id, source=order.platform.value, push=True, status=status,
                               sync=f"{status.title()} on {order.platform.label}")


def _fulfilment_service(runner):
    from automations.fulfilment.service import FulfilmentService

    try:
        return FulfilmentService.for_runner(runner)
    except Exception as exc:  # a broken optional part must not stop intake
        log.warning("Fulfilment is off: %s", exc)
        return None


def _label_connector(runner):
    """EasyPost when EASYPOST_API_KEY is set (or a connector the runner was given), else None (labels off)."""
    given = getattr(runner, "label_connector", None)
    if given is not None:
        return given
    try:
        from connectors.easypost.connector import EasyPostConnector
    except ImportError:
        return None
    try:
        return EasyPostConnector.from_env(runner.settings.env)
    except Exception as exc:  # a broken optional part must not stop intake
        log.warning("Label buying is off: %s", exc)
        return None
