"""Verified writes: a cell planned for an Order ID lands on the row that holds that ID at write time.

Rows are located when a cycle reads the sheet, and written after pushes that can take
seconds. A person may sort, filter, insert or delete rows in between. Writing by the
old row number would put one order's tracking number on another order's row. So
every keyed cell run is re-aimed from a read made just before the write. A run whose
key is gone is dropped; the next cycle restores the row.
"""
from __future__ import annotations

from dataclasses import replace

from sheets.base import CellRun, TabData
from sheets.rows import Layout


def keyed_tabs(updates: list[CellRun]) -> list[str]:
    """Tabs that have runs planned for a key."""
    return sorted({u.tab for u in updates if u.key})


def reaim(updates: list[CellRun], fresh: dict[str, TabData]) -> tuple[list[CellRun], int, int]:
    """(runs aimed at where their keys are now, how many moved, how many dropped)."""
    from sheet_schema.tabs import WORKBOOK

    schema = {t.name: t for t in WORKBOOK.tabs}
    where: dict[str, dict[str, int]] = {}
    for name, data in fresh.items():
        tab = schema.get(name)
        if tab is not None and tab.key_column:
            where[name] = Layout.from_header(tab, data.header).index_rows(data.rows)
    out, moved, dropped = [], 0, 0
    for run in updates:
        if not run.key or run.tab not in where:
            out.append(run)
            continue
        row = where[run.tab].get(run.key)
        if row is None:
            dropped += 1
        elif row != run.row:
            moved += 1
            out.append(replace(run, row=row))
        else:
            out.append(run)
    return out, moved, dropped


def apply_deltas(updates: list[CellRun], fresh: dict[str, TabData]) -> list[CellRun]:
    """Runs whose stock cells are recomputed from the number each cell holds now (plus the delta)."""
    out = []
    for run in updates:
        if not run.deltas or run.tab not in fresh:
            out.append(run)
            continue
        rows = fresh[run.tab].rows
        current = rows[run.row] if run.row < len(rows) else []
        values = list(run.values)
        for col, delta in run.deltas.items():
            text = str(current[col]).strip() if col < len(current) else ""
            try:
                values[col - run.col] = int(float(text.replace(",", "") or 0)) + delta
            except ValueError:
                pass  # not a number now: keep what was planned (the row says why)
        out.append(replace(run, values=values))
    return out
