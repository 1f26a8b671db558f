"""Plan writes for keyed tabs (Duplicates, Customers, SKU Map, Inventory) from desired rows."""
from __future__ import annotations

from typing import Any

from sheet_schema.schema import Tab
from sheets.base import TabData, WriteBatch
from sheets.rows import Layout, cell_value, runs_for_row, same_value


def plan_keyed(tab: Tab, data: TabData, desired: dict[str, dict[str, Any]],
               force: frozenset[str] = frozenset()) -> WriteBatch:
    """Rows found by their key column: update service-owned cells that differ, append missing rows.

    Editable cells are written only on new rows, or when named in `force`
    (e.g. On Hand after a fulfilment depleted stock).
    """
    batch = WriteBatch()
    layout = Layout.from_header(tab, data.header)
    if tab.key_column not in layout.positions:
        return batch  # header not set up yet: init runs first, we try again next cycle
    index = layout.index_rows(data.rows)
    appends = []
    for key, values in desired.items():
        row_idx = index.get(key)
        if row_idx is None:
            appends.append(layout.full_row({**values, tab.key_column: key}))
            continue
        shown = data.rows[row_idx]
        cells = {}
        for col_key, idx in layout.positions.items():
            column = tab.column(col_key)
            if col_key == tab.key_column or col_key not in values:
                continue
            if column.editable and col_key not in force:
                continue
            wanted = cell_value(column, values[col_key])
            current = shown[idx] if idx < len(shown) else ""
            if not same_value(column, current, wanted):
                cells[idx] = wanted
        if cells:
            batch.updates.extend(runs_for_row(tab.name, row_idx, cells, key=key))
    if appends:
        batch.appends[tab.name] = appends
    return batch


def read_keyed(tab: Tab, data: TabData) -> dict[str, dict[str, str]]:
    """Every row of a keyed tab as {key: {column key: text}}."""
    layout = Layout.from_header(tab, data.header)
    out: dict[str, dict[str, str]] = {}
    if tab.key_column not in layout.positions:
        return out
    for row in data.rows[1:]:
        key = layout.get(row, tab.key_column).strip()
        if key and key not in out:
            out[key] = {k: layout.get(row, k).strip() for k in layout.positions}
    return out


def read_rows(tab: Tab, data: TabData) -> list[tuple[int, dict[str, str]]]:
    """Every non-empty row as (0-based row index, {column key: text})."""
    layout = Layout.from_header(tab, data.header)
    out = []
    for r, row in enumerate(data.rows[1:], start=1):
        values = {k: layout.get(row, k).strip() for k in layout.positions}
        if any(values.values()):
            out.append((r, values))
    return out


def merge(*batches: WriteBatch) -> WriteBatch:
    """Combine batches into one (one write request set per cycle)."""
    out = WriteBatch()
    for b in batches:
        out.updates.extend(b.updates)
        for tab, rows in b.appends.items():
            out.appends.setdefault(tab, []).extend(rows)
        out.on_written.extend(b.on_written)
    return out
