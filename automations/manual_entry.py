"""Manual Entry tab: craft-fair and phone orders typed by a person become orders in the feed.

Each row is validated; a good row gets an Order ID beside it, a bad one gets a
plain message saying what to fix. What the person typed is never changed.
A new row first gets an Entry ID (its identity, and the order's platform number);
the order is stored on the next cycle. So a crash, or an Order ID write refused
because the workbook is open, followed by a corrected price, updates the same
order instead of creating a second one. Sheets set up before Entry IDs existed
keep the old identity (a hash of the row) until `init` adds the column.
"""
from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timezone

from core.journal import now_utc
from core.models import (Address, Customer, DomainError, LineItem, Money, Order, Platform,
                         parse_time, to_decimal)
from sheet_schema.tabs import MANUAL_ENTRY_TAB
from sheets.base import TabData, WriteBatch
from sheets.rows import Layout, runs_for_row
from sheets.tabsync import read_rows

INPUT_KEYS = ("date", "customer", "email", "phone", "address", "city", "region", "postal_code",
              "country", "item", "sku", "quantity", "unit_price", "currency", "notes")
DATE_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d", "%m/%d/%Y %H:%M", "%m/%d/%Y", "%d.%m.%Y", "%m/%d/%y")


def row_fingerprint(values: dict[str, str]) -> str:
    """Stable id for a typed row: same content, same order."""
    text = "\x1f".join(values.get(k, "") for k in INPUT_KEYS)
    return "ME-" + hashlib.sha256(text.encode()).hexdigest()[:10].upper()


def parse_date(text: str, first_seen: datetime) -> datetime:
    """A date as people type it; blank means when we first saw the row."""
    text = text.strip()
    if not text:
        return first_seen
    try:
        return parse_time(text)
    except DomainError:
        pass
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=timezone.utc)
        except ValueError:
            continue
    raise DomainError(f"Date '{text}' isn't a date TrueCraft understands — type it like 2026-11-27")


def new_entry_id() -> str:
    """A fresh Manual Entry identity, e.g. ME-3F9A0C21B7."""
    return "ME-" + uuid.uuid4().hex[:10].upper()


def order_from_row(values: dict[str, str], first_seen: datetime, entry_id: str = "") -> Order:
    """Validate a typed row and build the order; DomainError says what to fix."""
    if not values.get("item") and not values.get("sku"):
        raise DomainError("Add what was sold in the Item column")
    if not values.get("unit_price"):
        raise DomainError("Add the Unit Price, like 25.00")
    qty_text = values.get("quantity") or "1"
    if not qty_text.isdigit() or int(qty_text) < 1:
        raise DomainError(f"Quantity '{qty_text}' should be a whole number like 1 or 2")
    currency = values.get("currency") or "USD"
    price = Money(to_decimal(values["unit_price"], "Unit Price"), currency)
    if price.amount < 0:
        raise DomainError("Unit Price can't be negative")
    name = values.get("customer") or "Walk-up customer"
    item = LineItem(values.get("item") or values["sku"], int(qty_text), price, sku=values.get("sku", ""))
    return Order(
        platform=Platform.MANUAL, platform_order_id=entry_id or row_fingerprint(values),
        created_at=parse_date(values.get("date", ""), first_seen),
        customer=Customer(name=name, email=values.get("email", ""), phone=values.get("phone", "")),
        ship_to=Address(name=name, line1=values.get("address", ""), city=values.get("city", ""),
                        region=values.get("region", ""), postal_code=values.get("postal_code", ""),
                        country=values.get("country", "")),
        items=(item,), total=item.total, notes=values.get("notes", ""),
        raw={"source": "manual_entry", "row": values})


class ManualEntryFlow:
    """Reads the Manual Entry tab once per cycle and answers each new row."""

    def __init__(self, runner) -> None:
        self.runner = runner

    def on_cycle(self, data: TabData | None) -> WriteBatch:
        """Ingest valid new rows; plan Order ID / message cells next to each."""
        batch = WriteBatch()
        if data is None or not data.exists:
            return batch
        layout = Layout.from_header(MANUAL_ENTRY_TAB, data.header)
        if "order_id" not in layout.positions or "message" not in layout.positions:
            return batch
        j = self.runner.journal
        with_ids = "entry_id" in layout.positions
        for row_idx, values in read_rows(MANUAL_ENTRY_TAB, data):
            if values.get("order_id") or not any(values.get(k) for k in INPUT_KEYS):
                continue
            entry_id = values.get("entry_id", "")
            if with_ids and not entry_id:
                # Identity first; the order is stored next cycle, under this id.
                batch.updates.extend(runs_for_row(MANUAL_ENTRY_TAB.name, row_idx, {
                    layout.positions["entry_id"]: new_entry_id(),
                    layout.positions["message"]: "Checking this row…"}))
                continue
            fp = entry_id or row_fingerprint(values)
            seen = j.kv_get(f"manual:{fp}")
            if seen is None:
                seen = now_utc().isoformat()
                j.kv_set(f"manual:{fp}", seen)
            try:
                order = order_from_row(values, datetime.fromisoformat(seen), entry_id)
            except DomainError as exc:
                message = f"Not added yet: {exc}"
                if values.get("message") != message:
                    batch.updates.extend(runs_for_row(MANUAL_ENTRY_TAB.name, row_idx,
                                                      {layout.positions["message"]: message}, key=entry_id))
                continue
            [result] = self.runner.ingest([order], source="manual entry")
            cells = {layout.positions["order_id"]: result.order_id,
                     layout.positions["message"]: f"Added to Orders as {result.order_id}"}
            batch.updates.extend(runs_for_row(MANUAL_ENTRY_TAB.name, row_idx, cells, key=entry_id))
        return batch
