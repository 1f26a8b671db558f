"""Pure: compare what the sheet shows with what the journal knows, and say what people changed."""
from __future__ import annotations

from dataclasses import dataclass

from core.journal import StoredOrder
from sheet_schema.tabs import ORDERS_TAB
from sheets.rows import Layout, editable_values
from sheets.watch_ids import row_index

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
               written: set[str], tz: str = "UTC", was_read=None, only_rows=None, ids=None) -> SheetDiff:
    """Edits people made, rows that went missing, and ids that make no sense.

    `was_read(row, col)` says whether a cell was read this cycle; cells that weren't are not edits.
    `only_rows` (row indexes) limits the search for edits to the rows whose editable cells were
    read: at 50,000 rows a cycle reads a few thousand, and looking at the rest cost most of its time.
    `ids` is each row's Order ID, stripped, when the read already has them.
    """
    edits: list[Edit] = []
    col = layout.positions.get("order_id")
    if ids is None or len(ids) != len(rows):
        ids = [(row[col].strip() if col is not None and col < len(row) else "") for row in rows]
    first_row, dupes = row_index(ids)  # kept between cycles while the rows stay as they were
    unknown = sorted(first_row.keys() - stored.keys(), key=first_row.__getitem__)
    check = range(1, len(rows)) if only_rows is None else sorted(r for r in only_rows if 0 < r < len(rows))
    keys = [(k, layout.positions[k]) for k in EDITABLE_KEYS if k in layout.positions]
    for r in check:
        oid = ids[r]
        if not oid or first_row.get(oid) != r:
            continue  # blank, or the second row of a copied Order ID (reported as a duplicate)
        s = stored.get(oid)
        if s is None or s.sheet_rev == 0:
            continue  # unknown, or the service has not written this row yet: nothing a person did to it
        if was_read is not None and not any(was_read(r, c) for _, c in keys):
            continue  # none of this row's editable cells were read this cycle
        row = rows[r]
        expected = editable_values(s)
        dirty = s.fields.get("_dirty", {})
        for key, c in keys:
            if key in dirty:
                continue
            if was_read is not None and not was_read(r, c):
                continue  # not read this cycle (a shipped order's row between sweeps)
            shown = (row[c] if c < len(row) else "").strip()
            known = str(expected.get(key) or "").strip()
            if shown != known:
                edits.append(Edit(oid, key, known, shown))
    missing = tuple(sorted(written - first_row.keys(), key=lambda o: int(o[3:])))
    return SheetDiff(tuple(edits), missing, tuple(unknown), tuple(dupes))
