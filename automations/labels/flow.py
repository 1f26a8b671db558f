"""Buy, void and watch shipping labels from the Orders tab's Label column (issue 13).

BUY: verify the current Ship To with EasyPost, build the parcel from the Inventory tab's Parcel
column (bundles add up, TRUECRAFT_DEFAULT_PARCEL fills gaps), buy the cheapest allowed rate, write
Carrier / Tracking # / Label Link / Postage, then mark the row FULFILLED through the same path a
person's edit takes (one platform push, the tracking e-mail, stock). VOID asks for a refund.
Every step is recorded in the labels table first (store.py), so a crash never buys twice.
"""
from __future__ import annotations

import json
import logging

from automations.fulfilment.retrack import queue_retrack
from automations.fulfilment.tracking import canonical_carrier
from automations.labels.parcel import parcel_for, parse_address, ship_from, ship_from_phone
from automations.labels.store import LabelRow, LabelStore
from automations.sheet_edits import Edit, SheetDiff
from connectors.base import ConnectorError, ConnectorTemporaryError
from core.labels import Label
from core.models import Address
from sheets.rows import editable_values

log = logging.getLogger("truecraft.labels")
OLD_ADDRESS = "Label was bought for the old address"
# EasyPost codes that are not the dropdown's own names (canonical_carrier knows those).
_EASYPOST_CODES = {"upsdap": "UPS", "fedexdefault": "FedEx", "dhlexpress": "DHL", "dhlecommerce": "DHL"}


def carrier_name(easypost_carrier: str) -> str:
    """EasyPost's carrier code as the Carrier dropdown says it ('USPS', 'FedEx', …, else 'Other')."""
    return (canonical_carrier(easypost_carrier)
            or _EASYPOST_CODES.get(easypost_carrier.replace(" ", "").lower(), "Other"))


class LabelFlow:
    """The Label column's actions and the labels they bought."""

    def __init__(self, journal, connector, fulfilment, env) -> None:
        self.j, self.connector, self.fulfilment = journal, connector, fulfilment
        self.store = LabelStore(journal)
        self.env = env
        self.marks_shipped = str(env.get("TRUECRAFT_LABEL_MARKS_SHIPPED", "yes")).strip().lower() not in ("no", "0", "false")

    # -- the seller's edits ----------------------------------------------------
    def handle_edits(self, edits) -> list[str]:
        """Label cells people set this cycle: record what to do (EasyPost is called in perform)."""
        out = []
        for e in (e for e in edits if e.key == "label"):
            action = e.new.strip().upper()
            with self.j.transaction():
                self.j.set_fields(e.order_id, source="truecraft", push=True, audit=False, label="")
                self.j.mark_dirty(e.order_id, "label")  # the cell empties again, ready for the next action
                if action == "BUY":
                    out.append(self._request(e.order_id))
                elif action == "VOID":
                    out.append(self._void(e.order_id))
                elif action:
                    out.append(self._sync(e.order_id, f"‘{e.new.strip()}’ isn't a label action — choose BUY or VOID"))
        return [m for m in out if m]

    def _request(self, oid: str) -> str:
        stored = self.j.get(oid)
        latest = self.store.latest(oid)
        if self.connector is None:
            return self._sync(oid, "Label buying is off: add EASYPOST_API_KEY to the settings (README, Shipping labels)")
        if latest is not None and latest.state in ("requested", "shipment", "buying"):
            return self._sync(oid, "Already buying a label for this order…")
        if latest is not None and latest.state in ("bought", "rejected"):
            tracking = latest.label.tracking if latest.label else ""
            return self._sync(oid, f"A label was already bought (tracking {tracking}) — set Label to VOID first, "
                                   "then BUY")
        shown = editable_values(stored)
        status, ship_to = str(shown["status"]), str(shown["ship_to"])
        if status in ("MERGED", "CANCELLED"):
            return self._sync(oid, f"{oid} is {status} — no label bought")
        confirmed = latest.confirmed_to if latest is not None and latest.state == "confirm" \
            and latest.ship_to == ship_to else ""
        self.store.request(oid, ship_to, confirmed)
        self.j.audit(oid, "label requested", "", ship_to, "sheet")
        return self._sync(oid, "Buying a label…")

    def _void(self, oid: str) -> str:
        latest = self.store.latest(oid)
        if latest is None or latest.state not in ("bought", "rejected") or latest.label is None:
            return self._sync(oid, "There is no bought label to void on this order")
        if self.connector is None:
            return self._sync(oid, "Label buying is off: add EASYPOST_API_KEY to void a label")
        try:
            status = self.connector.refund(latest.shipment_id)
        except ConnectorError as exc:
            return self._sync(oid, f"Couldn't void the label: {exc}")
        self.store.update(latest.id, state="voiding" if status != "refunded" else "voided", refund_status=status)
        self.j.audit(oid, "label void requested", latest.label.tracking, status, "sheet")
        self.j.set_fields(oid, source="truecraft", push=True, audit=False, postage=f"refund {status}")
        return self._sync(oid, f"Label voided: EasyPost refund {status}. Set Label to BUY for a new one")

    # -- each cycle ---------------------------------------------------------------
    def perform(self) -> list[str]:
        """Carry out recorded purchases, follow refunds, warn when an address changed after a purchase."""
        if self.connector is None:
            return []
        out = []
        for row in self.store.open_rows():
            out.append(self._advance(row))
        for row in self.store.voiding():
            out.append(self._follow_refund(row))
        out += self._check_addresses()
        return [m for m in out if m]

    def _advance(self, row: LabelRow) -> str:
        oid = row.order_id
        stored = self.j.get(oid)
        try:
            if row.state == "requested":
                message = self._prepare(row, stored)
                if message:
                    return message
                row = self.store.latest(oid)
                if getattr(self.connector, "dry_run", False):
                    return self._dry_run(row, stored)
            self.store.update(row.id, state="buying")  # from here on, a retry looks the shipment up first
            label = self.connector.buy(row.shipment_id)
        except ConnectorTemporaryError as exc:
            return self._sync(oid, f"EasyPost didn't answer ({exc}); trying again next cycle")
        except ConnectorError as exc:
            self.store.update(row.id, state="failed", message=str(exc))
            self.j.audit(oid, "label not bought", "", str(exc), "truecraft")
            return self._sync(oid, f"No label bought: {exc}")
        with self.j.transaction():
            self.store.update(row.id, state="bought", label=label)
            self._bought(oid, label, row)
        return f"{oid}: label bought ({label.postage_shown()})"

    def _prepare(self, row: LabelRow, stored) -> str:
        """Verify the address and create the shipment; a message when nothing may be bought."""
        oid = row.order_id
        to = _address(row.confirmed_to) if row.confirmed_to else parse_address(row.ship_to, stored.order)
        if not row.confirmed_to:
            check = self.connector.verify(to)
            if not check.deliverable:
                return self._fail(row, f"{check.message} — no label bought")
            if check.corrected is not None:
                self.store.update(row.id, state="confirm", confirmed_to=_dump(check.corrected))
                return self._sync(oid, f"EasyPost suggests: {check.corrected.one_line()} — set Label to BUY again "
                                       "to buy for this address")
        parcel, missing = parcel_for(stored, self.fulfilment, self.env)
        if parcel is None:
            return self._fail(row, f"No parcel size for {missing}: fill its Parcel cell on the Inventory tab "
                                   "(e.g. 12 oz 9x6x2 in) or set TRUECRAFT_DEFAULT_PARCEL — no label bought")
        origin = ship_from(self.env)
        if origin is None:
            return self._fail(row, "Set TRUECRAFT_SHIP_FROM (your return address) to buy labels — no label bought")
        # The buyer's phone (platforms give it with the order) lets the carrier call about a delivery.
        shipment_id = self.connector.create_shipment(f"{oid}-L{row.id}", origin, to, parcel,
                                                     from_phone=ship_from_phone(self.env),
                                                     to_phone=stored.order.customer.phone)
        self.store.update(row.id, state="shipment", shipment_id=shipment_id)
        return ""

    def _dry_run(self, row: LabelRow, stored) -> str:
        parcel, _ = parcel_for(stored, self.fulfilment, self.env)
        self.store.update(row.id, state="dry_run")
        text = (f"Dry run (no EasyPost key): would buy the cheapest allowed label for a {parcel.shown()} parcel "
                f"to {row.bought_for}")
        self.j.audit(row.order_id, "label dry run", "", text, "truecraft")
        return self._sync(row.order_id, text)

    def _fail(self, row: LabelRow, message: str) -> str:
        self.store.update(row.id, state="failed", message=message)
        self.j.audit(row.order_id, "label not bought", "", message, "truecraft")
        return self._sync(row.order_id, message)

    def _bought(self, oid: str, label: Label, row: LabelRow) -> None:
        stored = self.j.get(oid)
        carrier = carrier_name(label.carrier)
        self.j.set_fields(oid, source="truecraft", push=True, audit=False, label_link=label.label_url,
                          postage=label.postage_shown())
        self.j.audit(oid, "label bought", "", f"{label.postage_shown()} · tracking {label.tracking}", "truecraft",
                     detail=f"for {row.bought_for}")
        shipped = stored.fields.get("shipped")
        if shipped:  # a replacement label for an order the platform already has as shipped
            self.j.set_fields(oid, source="truecraft", push=True, carrier=carrier, tracking=label.tracking)
            if self.fulfilment is None:
                self._sync(oid, f"New label bought (tracking {label.tracking}). {stored.order.platform.label} still "
                                "shows the old tracking number: change it there by hand")
                return
            # Queued in this transaction, sent by the outbox exactly once (automations/fulfilment/retrack.py).
            step = queue_retrack(self.fulfilment, oid, carrier, label.tracking)
            self._sync(oid, f"New label bought (tracking {label.tracking}) — {step}")
            return
        if not self.marks_shipped or self.fulfilment is None:
            self.j.set_fields(oid, source="truecraft", push=True, carrier=carrier, tracking=label.tracking)
            self._sync(oid, f"Label bought: {label.postage_shown()} — set Status to FULFILLED when it ships")
            return
        now = editable_values(stored)
        edits = tuple(Edit(oid, k, str(now[k] or ""), v) for k, v in
                      (("status", "FULFILLED"), ("carrier", carrier), ("tracking", label.tracking)))
        self.fulfilment.handle_edits(SheetDiff(edits, (), (), ()), {oid: stored})
        # The seller's path records typed values without rewriting the cells; nobody typed these.
        self.j.mark_dirty(oid, "status", "carrier", "tracking")

    def _follow_refund(self, row: LabelRow) -> str:
        try:
            current = self.connector.retrieve(row.shipment_id)
        except ConnectorError:
            return ""
        status = current.refund_status if current is not None else row.refund_status
        if status == row.refund_status:
            return ""
        state = {"refunded": "voided", "rejected": "rejected"}.get(status, "voiding")
        self.store.update(row.id, state=state, refund_status=status)
        self.j.audit(row.order_id, "label refund", row.refund_status, status, "easypost")
        self.j.set_fields(row.order_id, source="truecraft", push=True, audit=False, postage=f"refund {status}")
        if status == "rejected":
            return self._sync(row.order_id, "EasyPost refused the refund (the parcel may already be scanned): "
                                            "the label stays valid")
        return self._sync(row.order_id, f"Label refund {status}")

    def _check_addresses(self) -> list[str]:
        out = []
        for row in self.store.bought():
            stored = self.j.get(row.order_id)
            now = str(editable_values(stored)["ship_to"])
            corrected = _address(row.confirmed_to).one_line() if row.confirmed_to else ""
            if now in (row.ship_to, corrected):  # the Ship To asked for, or the correction she confirmed
                continue
            warning = f"{OLD_ADDRESS} ({row.bought_for}). Set Label to VOID, then BUY"
            if warning in str(stored.fields.get("sync", "")):
                continue
            self.j.audit(row.order_id, "address changed after label", row.bought_for, now, "truecraft")
            out.append(self._sync(row.order_id, warning))
        return out

    def _sync(self, oid: str, text: str) -> str:
        self.j.set_fields(oid, source="truecraft", audit=False, sync=text)
        return f"{oid}: {text}"


def _dump(address: Address) -> str:
    return json.dumps(address.__dict__)


def _address(text: str) -> Address:
    return Address(**json.loads(text))
