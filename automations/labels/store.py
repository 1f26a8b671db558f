"""Label purchases in the journal: one row per purchase attempt, so one label per order whatever happens.

The intent is recorded before EasyPost is called, the shipment id as soon as EasyPost answers
the create, and the state 'buying' right before the buy is sent. After a crash or a lost answer
a row in 'buying' is finished by looking the shipment up (the connector returns the label it
already has) instead of buying again. Unbought shipments cost nothing, so a crash before the
shipment id was recorded only leaves an unused shipment at EasyPost.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from core.journal import Journal, now_utc
from core.labels import Label
from core.models import Money

SCHEMA = """
CREATE TABLE IF NOT EXISTS labels (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id TEXT NOT NULL,
    state TEXT NOT NULL,
    ship_to TEXT NOT NULL DEFAULT '',
    confirmed_to TEXT NOT NULL DEFAULT '',
    shipment_id TEXT NOT NULL DEFAULT '',
    label TEXT NOT NULL DEFAULT '',
    refund_status TEXT NOT NULL DEFAULT '',
    printed INTEGER NOT NULL DEFAULT 0,
    message TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS labels_by_order ON labels (order_id, id);
CREATE INDEX IF NOT EXISTS labels_by_state ON labels (state);
"""
# requested -> (confirm) -> shipment -> buying -> bought -> voiding -> voided | rejected
#                                   \-> failed (nothing bought: the seller may set BUY again)
OPEN = ("requested", "shipment", "buying")


@dataclass(frozen=True)
class LabelRow:
    """One purchase attempt for an order."""

    id: int
    order_id: str
    state: str
    ship_to: str  # the Ship To the seller asked for, as the row showed it
    confirmed_to: str  # the corrected address she confirmed, when EasyPost corrected hers
    shipment_id: str
    label: Label | None
    refund_status: str
    printed: bool
    message: str

    @property
    def bought_for(self) -> str:
        """The address the label was bought for."""
        return self.confirmed_to or self.ship_to


class LabelStore:
    """The labels table."""

    def __init__(self, journal: Journal) -> None:
        self.j = journal
        with journal.transaction():
            for statement in SCHEMA.strip().split(";"):
                if statement.strip():
                    journal.execute(statement)

    def _rows(self, where: str, args: tuple = ()) -> list[LabelRow]:
        cur = self.j.execute(f"SELECT id, order_id, state, ship_to, confirmed_to, shipment_id, label, "
                             f"refund_status, printed, message FROM labels {where}", args)
        return [LabelRow(r[0], r[1], r[2], r[3], r[4], r[5], _label(r[6]), r[7], bool(r[8]), r[9])
                for r in cur.fetchall()]

    def latest(self, order_id: str) -> LabelRow | None:
        """The order's newest purchase attempt."""
        rows = self._rows("WHERE order_id = ? ORDER BY id DESC LIMIT 1", (order_id,))
        return rows[0] if rows else None

    def open_rows(self) -> list[LabelRow]:
        """Attempts still to be carried out (or finished after a crash), oldest first."""
        return self._rows(f"WHERE state IN ({','.join('?' * len(OPEN))}) ORDER BY id", OPEN)

    def bought(self) -> list[LabelRow]:
        """Labels bought and not voided, oldest first."""
        return self._rows("WHERE state = 'bought' ORDER BY id")

    def voiding(self) -> list[LabelRow]:
        """Labels whose refund is still being decided."""
        return self._rows("WHERE state = 'voiding' ORDER BY id")

    def request(self, order_id: str, ship_to: str, confirmed_to: str = "") -> int:
        """Record the intent to buy (before EasyPost hears of it)."""
        now = now_utc().isoformat()
        cur = self.j.execute("INSERT INTO labels (order_id, state, ship_to, confirmed_to, created_at, updated_at) "
                             "VALUES (?, 'requested', ?, ?, ?, ?)", (order_id, ship_to, confirmed_to, now, now))
        return int(cur.lastrowid)

    def update(self, row_id: int, **values) -> None:
        """Change some columns of one attempt (label= takes a Label)."""
        if "label" in values:
            values["label"] = _dump(values["label"])
        values["updated_at"] = now_utc().isoformat()
        cols = ", ".join(f"{k} = ?" for k in values)
        self.j.execute(f"UPDATE labels SET {cols} WHERE id = ?", (*values.values(), row_id))

    def unprinted(self) -> list[LabelRow]:
        """Bought labels not yet printed, oldest first."""
        return self._rows("WHERE state = 'bought' AND printed = 0 ORDER BY id")

    def mark_printed(self, ids: list[int]) -> None:
        """These labels are in a printed PDF."""
        for row_id in ids:
            self.update(row_id, printed=1)


def _dump(label: Label | None) -> str:
    if label is None:
        return ""
    return json.dumps({"shipment_id": label.shipment_id, "carrier": label.carrier, "service": label.service,
                       "tracking": label.tracking, "label_url": label.label_url,
                       "amount": str(label.postage.amount), "currency": label.postage.currency,
                       "refund_status": label.refund_status})


def _label(text: str) -> Label | None:
    if not text:
        return None
    d = json.loads(text)
    return Label(d["shipment_id"], d["carrier"], d["service"], d["tracking"], d["label_url"],
                 Money(d["amount"], d["currency"]), d.get("refund_status", ""))
