"""Pure decisions: what the seller's sheet edits and the platforms' updates mean for fulfilment.

Human input is checked, never trusted blindly: a status that isn't in the dropdown,
a FULFILLED without the tracking number the channel needs, a tracking number that
cannot belong to its carrier, shipping a merged or cancelled order, or undoing a
shipment the platform already has — each becomes a Reject that the Sync column
explains, and nothing a person typed is overwritten.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Iterable, Mapping

from automations.fulfilment.tracking import (canonical_carrier, guess_carrier, implausible_reason,
                                             normalise_number)
from core.journal import StoredOrder
from core.models import Order, OrderState, Platform
from sheet_schema.tabs import STATUSES
from sheets.rows import order_row

FULFILMENT_KEYS = ("status", "carrier", "tracking")
DONE_STATES = (OrderState.CANCELLED, OrderState.REFUNDED)
US = {"", "US", "USA", "UNITED STATES", "UNITED STATES OF AMERICA"}  # blank: assume the strict case


@dataclass(frozen=True)
class Push:
    """Tell the platform the order shipped."""

    order_id: str
    platform: str
    carrier: str
    tracking: str
    ship_to: str = ""


@dataclass(frozen=True)
class Reject:
    """Don't act on the row; the Sync column says why. `revert`: cells to restore (None: leave them)."""

    order_id: str
    message: str
    revert: dict | None = None


@dataclass(frozen=True)
class Record:
    """Accept a status (audit only); `push` rewrites the cell in canonical spelling."""

    order_id: str
    status: str
    previous: str = ""
    push: bool = False


@dataclass(frozen=True)
class SetFields:
    """Accept other cells as typed (push=False) or write cleaned-up values back (push=True)."""

    order_id: str
    values: dict = field(default_factory=dict)
    push: bool = False
    source: str = "sheet"


@dataclass(frozen=True)
class CancelOnPlatform:
    """Cancel the order on its platform (the seller chose CANCEL ON PLATFORM)."""

    order_id: str
    reason: str = "duplicate"


@dataclass(frozen=True)
class Merge:
    """The order is a duplicate folded into another one."""

    order_id: str
    into: str


@dataclass(frozen=True)
class AddressChanged:
    """Ship To was edited after the order came in."""

    order_id: str
    old: str
    new: str
    editor: str = ""


@dataclass(frozen=True)
class PlatformChanged:
    """The platform itself fulfilled or cancelled the order: show it, never push it back."""

    order_id: str
    status: str
    values: dict
    message: str
    deplete: bool = False


Decision = Push | Reject | Record | SetFields | CancelOnPlatform | Merge | AddressChanged | PlatformChanged


def canonical_status(text: str) -> str | None:
    """'fulfilled ' -> 'FULFILLED'; 'In  progress' -> 'IN PROGRESS'; 'shipped' -> None."""
    key = re.sub(r"\s+", " ", (text or "").strip()).upper()
    return key if key in STATUSES else None


def is_shipped(stored: StoredOrder) -> bool:
    """Has the platform got a fulfilment for this order (ours confirmed, or its own)?"""
    return bool(stored.fields.get("shipped")) or stored.order.state is OrderState.FULFILLED


def tracking_required(order: Order) -> str | None:
    """The channel's reason a tracking number is needed, or None when it can ship without one."""
    if order.platform is Platform.ETSY:
        if order.ship_to.country.strip().upper() in US and order.total.amount > Decimal("10"):
            return "Etsy needs a tracking number for US orders over $10"
        return None
    if order.platform in (Platform.SHOPIFY, Platform.AMAZON):
        return (f"{order.platform.label} needs a tracking number to mark this order shipped"
                " — type it in Tracking #")
    return None  # Square and craft-fair orders may ship untracked (then no tracking e-mail)


def decide(edits: Iterable, stored_orders: Mapping[str, StoredOrder], now: datetime | None = None,
           editor: str = "") -> list[Decision]:
    """Decisions for one batch of sheet edits (sheet_edits.Edit), in order of first appearance."""
    grouped: dict[str, dict[str, object]] = {}
    for e in edits:
        grouped.setdefault(e.order_id, {})[e.key] = e
    out: list[Decision] = []
    for oid, by_key in grouped.items():
        stored = stored_orders.get(oid)
        if stored is None:
            continue
        if "ship_to" in by_key:
            e = by_key["ship_to"]
            out.append(AddressChanged(oid, e.old, e.new, editor))
        other = {k: e.new for k, e in by_key.items() if k not in FULFILMENT_KEYS and k != "ship_to"}
        if other:
            out.append(SetFields(oid, other))
        if any(k in by_key for k in FULFILMENT_KEYS):
            out.extend(_fulfilment(stored, {k: by_key[k].new for k in FULFILMENT_KEYS if k in by_key}))
    return out


def _fulfilment(stored: StoredOrder, typed: dict[str, str]) -> list[Decision]:
    """Status / Carrier / Tracking # of one row, checked together."""
    oid, order = stored.order_id, stored.order
    row = order_row(stored)
    previous = canonical_status(str(row["status"])) or str(row["status"])
    status_text = typed.get("status", row["status"])
    status = canonical_status(str(status_text))
    if status is None:
        return [Reject(oid, f"‘{str(status_text).strip()}’ isn't a status — choose one from the dropdown")]
    shipped = is_shipped(stored)
    if shipped and status != "FULFILLED":
        where = order.platform.label
        return [Reject(oid, f"{oid} is already shipped on {where} — a shipment can't be undone from the "
                            f"sheet; set Status back to FULFILLED (or change it on {where})")]
    carrier_text = str(typed.get("carrier", row["carrier"]) or "")
    carrier = canonical_carrier(carrier_text)
    if carrier is None:
        return [Reject(oid, f"‘{carrier_text.strip()}’ isn't a carrier — choose one from the dropdown")]
    tracking_text = str(typed.get("tracking", row["tracking"]) or "").strip()
    tracking = normalise_number(tracking_text)
    if status != "FULFILLED":
        return _recorded(oid, status, previous, typed, carrier, carrier_text, tracking, tracking_text)
    if shipped:
        return _already_shipped(stored, typed, tracking)
    if status != previous or "tracking" in typed or "carrier" in typed:
        problem = _cannot_ship(stored, previous, carrier, tracking)
        if problem:
            return [Reject(oid, problem)]
    if tracking and not carrier:
        carrier = guess_carrier(tracking)
    decisions = _recorded(oid, status, previous, typed, carrier, carrier_text, tracking, tracking_text)
    if status != previous or "tracking" in typed or "carrier" in typed:
        decisions.append(Push(oid, order.platform.value, carrier, tracking,
                              str(row["ship_to"] or "")))
    return decisions


def _cannot_ship(stored: StoredOrder, previous: str, carrier: str, tracking: str) -> str | None:
    """Why this order must not be marked shipped, or None."""
    oid, order = stored.order_id, stored.order
    if previous == "MERGED":
        into = stored.fields.get("merged_into") or stored.fields.get("dup_of") or "the order it was merged into"
        return f"{oid} was merged into {into} — ship {into} instead"
    if order.state in DONE_STATES:
        return f"{oid} is cancelled on {order.platform.label} — it can't be shipped"
    if previous == "CANCELLED":
        return f"{oid} is CANCELLED — set Status to UNFULFILLED first if it really ships"
    if not tracking:
        return tracking_required(order)
    return implausible_reason(carrier, tracking)


def _already_shipped(stored: StoredOrder, typed: dict, tracking: str) -> list[Decision]:
    """FULFILLED on an order the platform has already: only a new tracking number needs saying no."""
    shipped = stored.fields.get("shipped") or {}
    known = normalise_number(shipped.get("tracking", "")) if isinstance(shipped, dict) else ""
    if "tracking" in typed and known and tracking != known:
        return [Reject(stored.order_id, f"{stored.order_id} already shipped with tracking {known} — add a "
                                        f"second tracking number on {stored.order.platform.label} itself")]
    if "status" in typed and canonical_status(typed["status"]) != typed["status"].strip():
        return [Record(stored.order_id, "FULFILLED", "FULFILLED", push=True)]
    return []


def _recorded(oid: str, status: str, previous: str, typed: dict, carrier: str, carrier_text: str,
              tracking: str, tracking_text: str) -> list[Decision]:
    """Accept status/carrier/tracking; cleaned-up spellings are written back to the sheet."""
    out: list[Decision] = []
    if "status" in typed or status != previous:
        out.append(Record(oid, status, previous, push=typed.get("status", status) != status))
    as_typed: dict[str, str] = {}
    cleaned: dict[str, str] = {}
    if "carrier" in typed:
        (as_typed if carrier == carrier_text.strip() else cleaned)["carrier"] = carrier
    elif carrier and carrier != carrier_text.strip():
        cleaned["carrier"] = carrier  # the carrier we recognised from the tracking number
    if "tracking" in typed:
        (as_typed if tracking == tracking_text else cleaned)["tracking"] = tracking
    if as_typed:
        out.append(SetFields(oid, as_typed))
    if cleaned:
        out.append(SetFields(oid, cleaned, push=True))
    return out


def decide_platform_changes(old_order: Order | None, new_order: Order, fields: Mapping,
                            order_id: str = "") -> list[Decision]:
    """The platform fulfilled or cancelled the order itself: update the row, never push back."""
    status = str(fields.get("status") or "")
    label = new_order.platform.label
    if new_order.state is OrderState.FULFILLED:
        if fields.get("shipped"):
            return []  # our own push coming back, or already shown (a person may have typed since)
        last = new_order.shipments[-1] if new_order.shipments else None
        values = {"status": "FULFILLED"}
        if last is not None:
            values.update({k: v for k, v in (("carrier", last.carrier), ("tracking", last.tracking_number)) if v})
        # Stock leaves once per order (the movement ledger enforces it); an order that was
        # already fulfilled before we saw it is history, not a shipment happening now.
        deplete = old_order is None or old_order.state is not OrderState.FULFILLED
        return [PlatformChanged(order_id, "FULFILLED", values, f"Shipped on {label} (marked there)", deplete)]
    if new_order.state in DONE_STATES and status not in ("CANCELLED", "MERGED"):
        if fields.get("shipped"):
            return [PlatformChanged(order_id, status or "FULFILLED", {},
                                    f"Refunded on {label} after it shipped — check the order there")]
        return [PlatformChanged(order_id, "CANCELLED", {"status": "CANCELLED"}, f"Cancelled on {label}")]
    return []


def decide_duplicate_decision(decision: str, keep: StoredOrder, duplicate: StoredOrder) -> list[Decision]:
    """The seller's choice on the Duplicates tab for the pair (keep, duplicate)."""
    choice = re.sub(r"\s+", " ", (decision or "").strip()).upper()
    oid = duplicate.order_id
    if choice in ("", "NOT DUPLICATE"):
        return []
    status = canonical_status(str(duplicate.fields.get("status") or "")) or ""
    if choice == "MERGE":
        if status == "MERGED":
            return []
        if is_shipped(duplicate):
            return [Reject(oid, f"{oid} has already shipped — it can't be merged into {keep.order_id}")]
        return [Merge(oid, keep.order_id), Record(oid, "MERGED", status, push=True)]
    if choice == "CANCEL ON PLATFORM":
        if status == "CANCELLED" or duplicate.order.state in DONE_STATES:
            return []
        if is_shipped(duplicate):
            return [Reject(oid, f"{oid} has already shipped — cancel it on "
                                f"{duplicate.order.platform.label} by hand if you must")]
        return [Record(oid, "CANCELLED", status, push=True), CancelOnPlatform(oid, f"duplicate of {keep.order_id}")]
    return [Reject(oid, f"‘{decision.strip()}’ isn't a decision — choose one from the dropdown")]
