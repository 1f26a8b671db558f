"""spreadsheets.batchUpdate request handlers; each returns the reply dict Google sends."""
from __future__ import annotations

import copy
import random

from tests.standin import cellvalues
from tests.standin.fieldmask import apply_update, parse_mask, plain_copy
from tests.standin.sheets_model import Sheet, bad_request

EDITOR_EMAIL = "standin@standin-project.iam.gserviceaccount.com"


def public_range(rng: dict) -> dict:
    """GridRange as Google echoes it: sheetId 0 is omitted (proto3 default)."""
    out = {k: v for k, v in rng.items() if not (k == "sheetId" and v == 0)}
    return out


_KEEP_ZERO = {"sheetId", "index", "rowCount", "columnCount", "startRowIndex", "startColumnIndex"}


def clean_props(obj: dict) -> dict:
    """Drop what proto3 JSON omits: nulls, false, zero (but not ids/sizes), and emptied objects."""
    out = {}
    for key, val in obj.items():
        if val is None or (val is False) or (val == 0 and not isinstance(val, bool) and key not in _KEEP_ZERO):
            continue
        if isinstance(val, dict):
            cleaned = clean_props(val)
            if val and not cleaned:
                continue  # e.g. tabColorStyle {"rgbColor": null} clears the colour
            val = cleaned
        out[key] = val
    return out


def _box(sheet: Sheet, rng: dict) -> tuple[int, int, int, int]:
    """Half-open GridRange -> inclusive (r1, c1, r2, c2) clipped to the grid."""
    r1 = rng.get("startRowIndex", 0)
    c1 = rng.get("startColumnIndex", 0)
    r2 = min(rng.get("endRowIndex", sheet.rows), sheet.rows) - 1
    c2 = min(rng.get("endColumnIndex", sheet.cols), sheet.cols) - 1
    return r1, c1, r2, c2


def _with_styles(fmt: dict) -> dict:
    """Google adds *ColorStyle twins for plain colours in stored formats."""
    fmt = plain_copy(fmt)
    if "backgroundColor" in fmt and "backgroundColorStyle" not in fmt:
        fmt["backgroundColorStyle"] = {"rgbColor": fmt["backgroundColor"]}
    text = fmt.get("textFormat")
    if isinstance(text, dict) and "foregroundColor" in text and "foregroundColorStyle" not in text:
        text["foregroundColorStyle"] = {"rgbColor": text["foregroundColor"]}
    return fmt


def _apply_cell(sheet: Sheet, r: int, c: int, data: dict, mask: str) -> None:
    """Apply one CellData under a field mask (userEnteredValue/Format, note, dataValidation)."""
    cell = dict(sheet.cells.get((r, c), {}))
    for path in parse_mask(mask):
        top = path[0]
        if top in ("*", "userEnteredValue"):
            uev = data.get("userEnteredValue")
            cell.pop("shown", None)
            cell.pop("date", None)
            if uev:
                cell["v"] = dict(uev)
            else:
                cell.pop("v", None)
        if top in ("*", "userEnteredFormat"):
            fmt = plain_copy(cell.get("fmt", {}))  # formats may be shared between cells (row inheritance)
            src = data.get("userEnteredFormat", {})
            sub = ".".join(path[1:]) if len(path) > 1 else "*"
            apply_update(fmt, src, sub)
            cell["fmt"] = _with_styles(fmt) if fmt else fmt
            if not cell["fmt"]:
                cell.pop("fmt")
        if top in ("*", "note"):
            cell["note"] = data.get("note", "")
        if top in ("*", "dataValidation"):
            _set_validation(sheet, r, c, data.get("dataValidation"))
            cell["dv"] = data.get("dataValidation")
    sheet.cells[(r, c)] = {k: v for k, v in cell.items() if v not in (None, "", {})}


def _set_validation(sheet: Sheet, r: int, c: int, rule) -> None:
    """Record (or drop) a validation rule for one cell."""
    if rule:
        sheet.data_validation[(r, c)] = copy.deepcopy(rule)
    else:
        sheet.data_validation.pop((r, c), None)


def add_sheet(ss, req):
    """addSheet -> {"addSheet": {"properties": ...}}."""
    sheet = ss.add_sheet(req.get("properties", {}))
    return {"addSheet": {"properties": copy.deepcopy(sheet.properties)}}


def delete_sheet(ss, req):
    """deleteSheet; Google refuses to remove the last sheet."""
    sheet = ss.by_id(req.get("sheetId"))
    if len(ss.sheets) == 1:
        raise bad_request("You can't remove all the sheets in a document.")
    ss.sheets.remove(sheet)
    ss.reindex()
    return {}


def update_sheet_properties(ss, req):
    """updateSheetProperties with a field mask (title, index, hidden, gridProperties.*)."""
    props = req.get("properties", {})
    sheet = ss.by_id(props.get("sheetId", 0))
    mask = req.get("fields") or ""
    if not mask:
        raise bad_request("At least one field must be updated, but none were specified.")
    new = copy.deepcopy(sheet.properties)
    apply_update(new, props, mask)
    new["sheetId"] = sheet.sheet_id
    new.setdefault("gridProperties", sheet.grid)
    if new.get("hidden") and all(s.properties.get("hidden") for s in ss.sheets if s is not sheet):
        raise bad_request("You can't hide all the sheets in a document.")
    if new["title"] != sheet.title and ss.find(new["title"]) not in (None, sheet):
        raise bad_request(f'A sheet with the name "{new["title"]}" already exists. Please enter another name.')
    new = clean_props(new)
    index = new.get("index", sheet.properties["index"])
    sheet.properties = new
    if index != ss.sheets.index(sheet):
        ss.sheets.remove(sheet)
        ss.sheets.insert(min(index, len(ss.sheets)), sheet)
    ss.reindex()
    return {}


def update_spreadsheet_properties(ss, req):
    """updateSpreadsheetProperties with a field mask."""
    apply_update(ss.properties, req.get("properties", {}), req.get("fields") or "*")
    return {}


def set_data_validation(ss, req):
    """setDataValidation: a rule per cell of the range (no rule = clear)."""
    rng = req["range"]
    sheet = ss.by_id(rng.get("sheetId", 0))
    r1, c1, r2, c2 = _box(sheet, rng)
    rule = copy.deepcopy(req.get("rule"))  # one copy, shared: rules are replaced, never changed in place
    for r in range(r1, r2 + 1):
        for c in range(c1, c2 + 1):
            if rule:
                sheet.data_validation[(r, c)] = rule
            else:
                sheet.data_validation.pop((r, c), None)
    return {}


def add_conditional_format_rule(ss, req):
    """addConditionalFormatRule at an index (Google's reply is empty)."""
    rule = copy.deepcopy(req["rule"])
    rule["ranges"] = [public_range(r) for r in rule.get("ranges", [])]
    sheet = ss.by_id(req["rule"].get("ranges", [{}])[0].get("sheetId", 0))
    sheet.conditional_formats.insert(req.get("index", 0), rule)
    return {}


def delete_conditional_format_rule(ss, req):
    """deleteConditionalFormatRule -> reply with the removed rule."""
    sheet = ss.by_id(req.get("sheetId", 0))
    index = req.get("index", 0)
    if index >= len(sheet.conditional_formats):
        raise bad_request(f"No conditional format on sheet: {sheet.sheet_id} at index: {index}")
    return {"deleteConditionalFormatRule": {"rule": sheet.conditional_formats.pop(index)}}


def add_protected_range(ss, req):
    """addProtectedRange; Google assigns an id and makes the caller an editor."""
    src = req["protectedRange"]
    sheet = ss.by_id(src.get("range", {}).get("sheetId", 0))
    out = {"protectedRangeId": random.randint(1, 2**31 - 1), "range": public_range(src.get("range", {}))}
    if src.get("description"):
        out["description"] = src["description"]
    if src.get("warningOnly"):
        out["warningOnly"] = True
    out["requestingUserCanEdit"] = True
    stored = copy.deepcopy(out)
    # Google lists the creator as editor even for warning-only ranges.
    users = list((src.get("editors") or {}).get("users") or [])
    stored["editors"] = {"users": sorted(set(users + [EDITOR_EMAIL]))}
    sheet.protected_ranges.append(stored)
    out["editors"] = {}
    return {"addProtectedRange": {"protectedRange": out}}


def delete_protected_range(ss, req):
    """deleteProtectedRange by id."""
    pid = req.get("protectedRangeId")
    for sheet in ss.sheets:
        for pr in sheet.protected_ranges:
            if pr["protectedRangeId"] == pid:
                sheet.protected_ranges.remove(pr)
                return {}
    raise bad_request(f"No protected range with id: {pid}")


def repeat_cell(ss, req):
    """repeatCell: apply one CellData to every cell of the range."""
    rng = req["range"]
    sheet = ss.by_id(rng.get("sheetId", 0))
    r1, c1, r2, c2 = _box(sheet, rng)
    data, mask = req.get("cell", {}), req.get("fields") or "*"
    if all(p[0] == "userEnteredFormat" for p in parse_mask(mask)):
        from tests.standin.sheets_repeat import repeat_format

        repeat_format(sheet, (r1, c1, r2, c2), data, mask)
        return {}
    for r in range(r1, r2 + 1):
        for c in range(c1, c2 + 1):
            _apply_cell(sheet, r, c, data, mask)
    return {}


def update_cells(ss, req):
    """updateCells from rows of CellData, at `start` or the range's top-left."""
    where = req.get("start") or req.get("range") or {}
    sheet = ss.by_id(where.get("sheetId", 0))
    r0 = where.get("rowIndex", where.get("startRowIndex", 0))
    c0 = where.get("columnIndex", where.get("startColumnIndex", 0))
    for i, row in enumerate(req.get("rows", [])):
        for j, data in enumerate(row.get("values", [])):
            if r0 + i >= sheet.rows or c0 + j >= sheet.cols:
                raise bad_request(f"Range ({sheet.a1(r0 + i, c0 + j, r0 + i, c0 + j)}) exceeds grid limits.")
            _apply_cell(sheet, r0 + i, c0 + j, data, req.get("fields") or "*")
    return {}


def _dim(ss, rng) -> tuple[Sheet, str, int, int]:
    """Unpack a DimensionRange."""
    sheet = ss.by_id(rng.get("sheetId", 0))
    return sheet, rng.get("dimension", "ROWS"), rng.get("startIndex", 0), rng.get("endIndex", 0)


def insert_dimension(ss, req):
    """insertDimension: shift cells and ranges, grow the grid."""
    sheet, dim, start, end = _dim(ss, req["range"])
    sheet.shift(dim, start, end - start)
    return {}


def delete_dimension(ss, req):
    """deleteDimension: Google refuses to delete every row/column, and every row below frozen ones.

    The second refusal is Google's HTTP 400 "Sorry, it is not possible to delete all non-frozen
    rows." (theoephraim/node-google-spreadsheet#186; the Sheets UI refuses the same).
    """
    sheet, dim, start, end = _dim(ss, req["range"])
    size = sheet.rows if dim == "ROWS" else sheet.cols
    end = min(end, size)
    if start == 0 and end >= size:
        raise bad_request("You can't delete all the rows on the sheet." if dim == "ROWS"
                          else "You can't delete all the columns on the sheet.")
    frozen = sheet.frozen_rows if dim == "ROWS" else sheet.frozen_columns
    if 0 < frozen < size and start <= frozen and end >= size:
        raise bad_request(f"Sorry, it is not possible to delete all non-frozen {dim.lower()}.")
    sheet.shift(dim, start, -(end - start))
    return {}


def append_dimension(ss, req):
    """appendDimension: add rows/columns at the end."""
    sheet = ss.by_id(req.get("sheetId", 0))
    key = "rowCount" if req.get("dimension", "ROWS") == "ROWS" else "columnCount"
    sheet.grid[key] += req.get("length", 0)
    return {}


def _sort_key(cell: dict, sheet: Sheet):
    """Sort like Sheets: numbers, then text, then booleans; empties always last."""
    val = cellvalues.effective(cell, sheet.lookup)
    if val is None:
        return (1, 0, 0)
    if isinstance(val, bool):
        return (0, 2, val)
    if isinstance(val, (int, float)):
        return (0, 0, val)
    return (0, 1, str(val).lower())


def sort_range(ss, req):
    """sortRange: stable multi-key sort of whole rows within the range's columns."""
    rng = req["range"]
    sheet = ss.by_id(rng.get("sheetId", 0))
    r1, c1, r2, c2 = _box(sheet, rng)
    rows = [{c: sheet.cells.get((r, c)) for c in range(c1, c2 + 1)} for r in range(r1, r2 + 1)]
    for spec in reversed(req.get("sortSpecs", [])):
        col = spec.get("dimensionIndex", 0)
        desc = spec.get("sortOrder") == "DESCENDING"
        filled = [r for r in rows if _sort_key(r.get(col) or {}, sheet)[0] == 0]
        empty = [r for r in rows if _sort_key(r.get(col) or {}, sheet)[0] == 1]
        filled.sort(key=lambda r: _sort_key(r.get(col) or {}, sheet)[1:], reverse=desc)
        rows = filled + empty
    for i, row in enumerate(rows):
        for c, cell in row.items():
            if cell:
                sheet.cells[(r1 + i, c)] = cell
            else:
                sheet.cells.pop((r1 + i, c), None)
    return {}


def noop(ss, req):
    """Accepted and ignored (e.g. autoResizeDimensions: no pixels here)."""
    return {}
