"""batchUpdate dispatch (atomic, like Google) plus the smaller request handlers."""
from __future__ import annotations

import copy
import random

from tests.standin.fieldmask import apply_update

from tests.standin import sheets_batchupdate as bu
from tests.standin.sheets_model import ApiError, Spreadsheet, bad_request


def merge_cells(ss, req):
    """mergeCells: remember the merged box (values are not moved)."""
    rng = req["range"]
    sheet = ss.by_id(rng.get("sheetId", 0))
    r1, c1, r2, c2 = bu._box(sheet, rng)
    unmerge_cells(ss, req)  # a new merge replaces the ones it covers
    kind = req.get("mergeType", "MERGE_ALL")
    if kind == "MERGE_ROWS":
        boxes = [(r, c1, r, c2) for r in range(r1, r2 + 1)]
    elif kind == "MERGE_COLUMNS":
        boxes = [(r1, c, r2, c) for c in range(c1, c2 + 1)]
    else:
        boxes = [(r1, c1, r2, c2)]
    for r in range(r1, r2 + 1):  # Google keeps only each merge's top-left value
        for c in range(c1, c2 + 1):
            top = next(b for b in boxes if b[0] <= r <= b[2] and b[1] <= c <= b[3])
            if (r, c) != (top[0], top[1]):
                sheet.set_cell(r, c, {})
    for a, b, c, d in boxes:
        sheet.merges.append({"startRowIndex": a, "endRowIndex": c + 1, "startColumnIndex": b,
                             "endColumnIndex": d + 1} | ({"sheetId": sheet.sheet_id} if sheet.sheet_id else {}))
    return {}


def unmerge_cells(ss, req):
    """unmergeCells: drop merges inside the range."""
    rng = bu.public_range(req["range"])
    sheet = ss.by_id(req["range"].get("sheetId", 0))
    r1, c1, r2, c2 = bu._box(sheet, rng)
    sheet.merges = [m for m in sheet.merges
                    if not (r1 <= m.get("startRowIndex", 0) and m.get("endRowIndex", 0) - 1 <= r2
                            and c1 <= m.get("startColumnIndex", 0) and m.get("endColumnIndex", 0) - 1 <= c2)]
    return {}


def add_named_range(ss, req):
    """addNamedRange: Google's namedRangeId is a string."""
    named = copy.deepcopy(req["namedRange"])
    named["namedRangeId"] = named.get("namedRangeId") or str(random.randint(1, 2**31 - 1))
    named["range"] = bu.public_range(named.get("range", {}))
    out = {"namedRangeId": named["namedRangeId"], "name": named["name"], "range": named["range"]}
    ss.named_ranges.append(out)
    return {"addNamedRange": {"namedRange": copy.deepcopy(out)}}


def _named(ss, nid):
    """Find a named range by id or 400."""
    for named in ss.named_ranges:
        if named["namedRangeId"] == nid:
            return named
    raise bad_request(f"No named range with id: {nid}")


def delete_named_range(ss, req):
    """deleteNamedRange by id."""
    ss.named_ranges.remove(_named(ss, req.get("namedRangeId")))
    return {}


def update_named_range(ss, req):
    """updateNamedRange with a field mask."""
    named = _named(ss, req["namedRange"].get("namedRangeId"))
    apply_update(named, req["namedRange"], req.get("fields") or "*")
    named["range"] = bu.public_range(named.get("range", {}))
    return {}


def set_basic_filter(ss, req):
    """setBasicFilter: a range without bounds covers the grid."""
    flt = copy.deepcopy(req["filter"])
    sheet = ss.by_id(flt.get("range", {}).get("sheetId", 0))
    rng = bu.public_range(flt.get("range", {}))
    rng.setdefault("startRowIndex", 0)
    rng.setdefault("endRowIndex", sheet.rows)
    rng.setdefault("startColumnIndex", 0)
    rng.setdefault("endColumnIndex", sheet.cols)
    flt["range"] = rng
    sheet.basic_filter = flt
    return {}


def clear_basic_filter(ss, req):
    """clearBasicFilter."""
    ss.by_id(req.get("sheetId", 0)).basic_filter = None
    return {}


def _groups(sheet, dim):
    """The row or column group list of a sheet."""
    return sheet.row_groups if dim == "ROWS" else sheet.column_groups


def add_dimension_group(ss, req):
    """addDimensionGroup: depth 1 groups only (nesting is out of scope)."""
    sheet, dim, start, end = bu._dim(ss, req["range"])
    groups = _groups(sheet, dim)
    groups.append({"range": {"dimension": dim, "startIndex": start, "endIndex": end}, "depth": 1})
    # Google records where the +/- control sits once a sheet has had a group.
    sheet.grid["rowGroupControlAfter" if dim == "ROWS" else "columnGroupControlAfter"] = True
    return {"addDimensionGroup": {"dimensionGroups": copy.deepcopy(groups)}}


def delete_dimension_group(ss, req):
    """deleteDimensionGroup."""
    sheet, dim, start, end = bu._dim(ss, req["range"])
    groups = _groups(sheet, dim)
    groups[:] = [g for g in groups if (g["range"]["startIndex"], g["range"]["endIndex"]) != (start, end)]
    reply = {"dimensionGroups": copy.deepcopy(groups)} if groups else {}
    return {"deleteDimensionGroup": reply}


def update_dimension_properties(ss, req):
    """updateDimensionProperties: stored so tests can inspect hidden/pixelSize."""
    sheet, dim, start, end = bu._dim(ss, req["range"])
    for i in range(start, end):
        props = sheet.dimension_properties.setdefault((dim, i), {})
        apply_update(props, req.get("properties", {}), req.get("fields") or "*")
    return {}


def create_developer_metadata(ss, req):
    """createDeveloperMetadata: assigns metadataId; stored on the sheet or spreadsheet."""
    meta = copy.deepcopy(req["developerMetadata"])
    meta.setdefault("metadataId", random.randint(1, 2**31 - 1))
    loc = meta.get("location", {})
    if "sheetId" in loc:
        ss.by_id(loc["sheetId"]).developer_metadata.append(meta)
        loc["locationType"] = "SHEET"
    elif "dimensionRange" in loc:
        ss.by_id(loc["dimensionRange"].get("sheetId", 0)).developer_metadata.append(meta)
        loc["locationType"] = loc["dimensionRange"].get("dimension", "ROWS")
    else:
        loc["locationType"] = "SPREADSHEET"
        ss.developer_metadata.append(meta)
    return {"createDeveloperMetadata": {"developerMetadata": meta}}


def _paste(ss, src: dict, dest_sheet, r0: int, c0: int, cut: bool) -> None:
    """Copy (or move) values and formats of a source box to a destination corner."""
    sheet = ss.by_id(src.get("sheetId", 0))
    r1, c1, r2, c2 = bu._box(sheet, src)
    block = {(r - r1, c - c1): copy.deepcopy(sheet.cells.get((r, c)))
             for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
    if cut:
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                sheet.cells.pop((r, c), None)
    for (dr, dc), cell in block.items():
        if cell:
            dest_sheet.cells[(r0 + dr, c0 + dc)] = cell
        else:
            dest_sheet.cells.pop((r0 + dr, c0 + dc), None)


def copy_paste(ss, req):
    """copyPaste (PASTE_NORMAL semantics; the destination's top-left anchors the paste)."""
    dest = req["destination"]
    _paste(ss, req["source"], ss.by_id(dest.get("sheetId", 0)), dest.get("startRowIndex", 0),
           dest.get("startColumnIndex", 0), cut=False)
    return {}


def cut_paste(ss, req):
    """cutPaste to a GridCoordinate."""
    dest = req["destination"]
    _paste(ss, req["source"], ss.by_id(dest.get("sheetId", 0)), dest.get("rowIndex", 0),
           dest.get("columnIndex", 0), cut=True)
    return {}


HANDLERS = {
    "copyPaste": copy_paste, "cutPaste": cut_paste,
    "addSheet": bu.add_sheet, "deleteSheet": bu.delete_sheet,
    "updateSheetProperties": bu.update_sheet_properties,
    "updateSpreadsheetProperties": bu.update_spreadsheet_properties,
    "setDataValidation": bu.set_data_validation,
    "addConditionalFormatRule": bu.add_conditional_format_rule,
    "deleteConditionalFormatRule": bu.delete_conditional_format_rule,
    "addProtectedRange": bu.add_protected_range, "deleteProtectedRange": bu.delete_protected_range,
    "repeatCell": bu.repeat_cell, "updateCells": bu.update_cells,
    "insertDimension": bu.insert_dimension, "deleteDimension": bu.delete_dimension,
    "appendDimension": bu.append_dimension, "sortRange": bu.sort_range,
    "autoResizeDimensions": bu.noop, "updateBorders": bu.noop,
    "createDeveloperMetadata": create_developer_metadata,
    "updateDimensionProperties": update_dimension_properties,
    "mergeCells": merge_cells, "unmergeCells": unmerge_cells,
    "addNamedRange": add_named_range, "deleteNamedRange": delete_named_range,
    "updateNamedRange": update_named_range,
    "setBasicFilter": set_basic_filter, "clearBasicFilter": clear_basic_filter,
    "addDimensionGroup": add_dimension_group, "deleteDimensionGroup": delete_dimension_group,
}


def _unknown(name: str, i: int) -> ApiError:
    """Google's 400 for a request kind it does not know."""
    msg = f"Invalid JSON payload received. Unknown name \"{name}\" at 'requests[{i}]': Cannot find field."
    return ApiError(400, msg, [{"@type": "type.googleapis.com/google.rpc.BadRequest",
                                "fieldViolations": [{"field": f"requests[{i}]", "description": msg}]}])


def apply_batch(ss: Spreadsheet, body: dict, snapshot, restore) -> dict:
    """Apply all requests or none (Google's batchUpdate is atomic)."""
    requests = body.get("requests")
    if not isinstance(requests, list) or not requests:
        raise bad_request("Must specify at least one request.")
    for i, req in enumerate(requests):
        name = next(iter(req), "") if isinstance(req, dict) and len(req) == 1 else ""
        if name not in HANDLERS:
            raise _unknown(name or "request", i)
    saved = snapshot()
    replies = []
    try:
        for i, req in enumerate(requests):
            name = next(iter(req))
            try:
                replies.append(HANDLERS[name](ss, req[name]))
            except ApiError as err:
                if err.code == 400 and not err.message.startswith("Invalid"):
                    err.message = f"Invalid requests[{i}].{name}: {err.message}"
                raise
            except (KeyError, TypeError, ValueError, IndexError) as err:
                raise bad_request(f"Invalid requests[{i}].{name}: {err!r}") from err
    except ApiError:
        restore(saved)
        raise
    out = {"spreadsheetId": ss.id, "replies": replies}
    if body.get("includeSpreadsheetInResponse"):
        out["updatedSpreadsheet"] = ss.to_json()
    return out
