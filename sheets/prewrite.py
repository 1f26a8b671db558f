"""The small read a Google write makes first: headers and row keys, so nothing lands in the wrong place.

A watch cycle no longer reads whole tabs (sheets/watch_read.py), and a person may
sort rows or drag a column between that read and the write. Right before writing,
the backend reads the header row and the key column of each big tab it will touch
(the small tabs whole, for stock deltas): rows are then re-aimed by key
(sheets/verify.py) and cells re-aimed by header text here.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from sheet_schema.schema import col_letter, normalise_header, quote_tab
from sheet_schema.tabs import AUDIT_LOG, CUSTOMERS, DUPLICATES, ORDERS, WORKBOOK
from sheets.base import CellRun, SheetUnavailable, TabData
from sheets.rows import Layout, runs_for_row

# Tabs that grow with the shop's history: read by key column, never whole, before a write.
BIG_TABS = frozenset({ORDERS, AUDIT_LOG, CUSTOMERS, DUPLICATES})
SCHEMA = {t.name: t for t in WORKBOOK.tabs}


class TabsChanged(SheetUnavailable):
    """A range named a tab that is gone (renamed or deleted): the tab list was refreshed, ask again."""


def fresh_for_write(backend: Any, tabs: list[str], _again: bool = True) -> dict[str, TabData]:
    """Header + key column of each big tab, small tabs whole; one values.batchGet."""
    titles = backend.tab_titles()
    out = {t: TabData(t, [], exists=False) for t in tabs if t not in titles}
    plan: list[tuple[str, int | None]] = []
    ranges: list[str] = []
    for tab in (t for t in tabs if t in titles):
        key_at = _key_position(tab, backend._headers.get(tab))
        plan.append((tab, key_at))
        if key_at is None:
            ranges.append(quote_tab(tab))
        else:
            letter = col_letter(key_at)
            ranges += [f"{quote_tab(tab)}!1:1", f"{quote_tab(tab)}!{letter}1:{letter}"]
    try:
        values = backend.read_ranges(ranges)
    except TabsChanged:
        if not _again:
            raise
        return fresh_for_write(backend, tabs, _again=False)
    i = 0
    for tab, key_at in plan:
        if key_at is None:
            out[tab] = TabData(tab, values[i])
            i += 1
            continue
        header = (values[i] or [[]])[0]
        keys = values[i + 1]
        i += 2
        if _key_position(tab, header) != key_at:  # the key column itself moved: read that tab whole
            out[tab] = TabData(tab, backend.read_ranges([quote_tab(tab)])[0])
            continue
        rows = [header] + [[""] * key_at + [r[0] if r else ""] for r in keys[1:]]
        out[tab] = TabData(tab, rows, read_cols=frozenset({key_at}))
    return out


def _key_position(tab: str, header: list[str] | None) -> int | None:
    schema = SCHEMA.get(tab)
    if tab not in BIG_TABS or schema is None or not schema.key_column or not header:
        return None
    return Layout.from_header(schema, header).positions.get(schema.key_column)


def remap_to_headers(updates: list[CellRun], appends: dict[str, list[list]], planned: dict[str, list[str]],
                     fresh: dict[str, TabData]) -> tuple[list[CellRun], dict[str, list[list]]]:
    """Cells planned against an older header row, moved to the column that has their header now.

    A cell whose header is gone is dropped (the next cycle sees the new layout and plans again).
    """
    moves: dict[str, dict[int, int]] = {}
    for tab, data in fresh.items():
        old, new = planned.get(tab), data.header if data.exists else []
        if old and new and [normalise_header(h) for h in old] != [normalise_header(h) for h in new]:
            moves[tab] = _column_moves(old, new)
    if not moves:
        return updates, appends
    out: list[CellRun] = []
    for run in updates:
        move = moves.get(run.tab)
        if move is None or run.row == 0:  # header writes say where they go themselves
            out.append(run)
            continue
        cells = {move[run.col + i]: v for i, v in enumerate(run.values) if run.col + i in move}
        deltas = {move[c]: d for c, d in run.deltas.items() if c in move}
        for piece in runs_for_row(run.tab, run.row, cells, key=run.key):
            mine = {c: d for c, d in deltas.items() if piece.col <= c < piece.col + len(piece.values)}
            out.append(replace(piece, deltas=mine))
    new_appends = {}
    for tab, rows in appends.items():
        move = moves.get(tab)
        if move is None:
            new_appends[tab] = rows
            continue
        width = max(move.values(), default=-1) + 1
        new_appends[tab] = [_moved_row(row, move, width) for row in rows]
    return out, new_appends


def _column_moves(old: list[str], new: list[str]) -> dict[int, int]:
    """Old column index -> new column index, matched by (non-blank) header text."""
    where: dict[str, int] = {}
    for i, text in enumerate(new):
        if normalise_header(text):
            where.setdefault(normalise_header(text), i)
    return {i: where[normalise_header(t)] for i, t in enumerate(old) if normalise_header(t) in where}


def _moved_row(row: list, move: dict[int, int], width: int) -> list:
    out: list = [""] * width
    for i, value in enumerate(row):
        if i in move:
            out[move[i]] = value
    return out
