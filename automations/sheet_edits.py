"""Pure: compare what the sheet shows with what the journal knows, and say what people changed."""
from __future__ import annotations

from dataclasses import dataclass

from core.journal import StoredOrder
from sheet_schema.tabs import ORDERS_TAB
from sheets.rows import Layout, editable_values

EDITABLE_KEYS = tuple(c.key for c in ORDERS_TAB.columns if c.editable)


@dataclass(frozen=True)
class Edit:
    """A person changed an editable cell of an order's row."""

    order_id: str
    key: str
    old: str
    new: str


@dataclass(frozen=True)
class SheetDiff:
    """Everything one watch read revealed."""

    edits: tuple[Edit, ...]
    missing_rows: tuple[str, ...]  # orders the sheet should show but doesn't (deleted rows)
    unknown_ids: tuple[str, ...]  # Order IDs in the sheet the journal doesn't know (typed by hand)
    duplicate_ids: tuple[str, ...]  # an Order ID on two rows (copy-paste)


def diff_sheet(layout: Layout, rows: list[list[str]], stored: dict[str, StoredOrder],
               written: set[str], tz: str = "UTC", was_read=None) -> SheetDiff:
    """Edits people made, rows that went missing, and ids that make no sense.

    `was_read(row, col)` says whether a cell was read this cycle; cells that weren't are not edits.
    """
    edits: list[Edit] = []
    seen: set[str] = set()
    dupes: list[str] = []
    unknown: list[str] = []
    for r, row in enumerate(rows[1:], start=1):
        oid = layout.get(row, "order_id").strip()
        if not oid:
            continue
        if oid in seen:
            dupes.append(oid)
            continue
        seen.add(oid)
        s = stored.get(oid)
        if s is None:
            unknown.append(oid)
            continue
        if s.sheet_rev == 0:
            continue  # the service has not written this row yet; nothing a person did to it
        if was_read is not None and not any(was_read(r, layout.positions[k]) for k in EDITABLE_KEYS
                                            if k in layout.positions):
            continue  # none of this row's editable cells were read this cycle
        expected = editable_values(s)
        dirty = s.fields.get("_dirty", {})
        for key in EDITABLE_KEYS:
            if key not in layout.positions or key in dirty:
                continue
            if was_read is not None and not was_read(r, layout.positions[key]):
                continue  # not read this cycle (a shipped order's row between sweeps)
            shown = layout.get(row, key).strip()
            known = str(expected.get(key) or "").strip()
            if shown != known:
                edits.append(Edit(oid, key, known, shown))
    missing = tuple(sorted(written - seen, key=lambda o: int(o[3:])))
    return SheetDiff(tuple(edits), missing, tuple(unknown), tuple(dupes))
