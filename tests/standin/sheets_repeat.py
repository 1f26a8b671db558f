"""repeatCell of formats only, in bulk: what applying the CellData cell by cell gives, computed once per
distinct starting format. Appended rows share their inherited row's format (FACTS.md: appended rows inherit the
previous row's format; sheets_model.inherit_rows), so a 40,000-row format pass is a few hundred distinct cases."""
from __future__ import annotations

from tests.standin.sheets_batchupdate import _apply_cell as apply_cell
from tests.standin.sheets_model import Sheet


def repeat_format(sheet: Sheet, box: tuple, data: dict, mask: str) -> None:
    """repeatCell of formats only: the same result as _apply_cell per cell, worked out once per distinct
    starting format (appended rows share their inherited row's format) and shared, as inherit_rows does."""
    r1, c1, r2, c2 = box
    done: dict = {}  # id(old format) -> (old format kept alive so its id is not reused, new format)
    for r in range(r1, r2 + 1):
        for c in range(c1, c2 + 1):
            cell = dict(sheet.cells.get((r, c), {}))
            old = cell.get("fmt")
            hit = done.get(id(old))
            if hit is None:
                probe = Sheet.__new__(Sheet)
                probe.cells = {(0, 0): {"fmt": old}} if old else {}
                apply_cell(probe, 0, 0, data, mask)
                hit = done[id(old)] = (old, probe.cells[(0, 0)].get("fmt"))
            if hit[1]:
                cell["fmt"] = hit[1]
            else:
                cell.pop("fmt", None)
            sheet.cells[(r, c)] = {k: v for k, v in cell.items() if v not in (None, "", {})}
