"""spreadsheets.values.* handlers over the in-memory model (shapes follow the real API)."""
from __future__ import annotations

from tests.standin import cellvalues
from tests.standin.a1 import A1Range, parse_a1
from tests.standin.sheets_model import ApiError, Sheet, Spreadsheet, bad_request


def resolve(ss: Spreadsheet, text: str):
    """Resolve an A1 string to (sheet, A1Range); 400 'Unable to parse range' like Google."""
    for named in ss.named_ranges:
        if text == named["name"] or text.endswith("!" + named["name"]):  # stands for its grid range
            sheet = ss.by_id(named["range"].get("sheetId", 0))
            grid = named["range"]
            return sheet, A1Range(sheet.title, grid.get("startRowIndex"), grid.get("startColumnIndex"),
                                  _last(grid.get("endRowIndex")), _last(grid.get("endColumnIndex")))
    rng = parse_a1(text, [s.title for s in ss.sheets])
    if rng is None:
        raise bad_request(f"Unable to parse range: {text}")
    if rng.title is None:
        return ss.sheets[0], rng
    sheet = ss.find(rng.title)
    if sheet is None:
        raise bad_request(f"Unable to parse range: {text}")
    return sheet, rng


def _last(end):
    """Half-open end index -> inclusive, keeping None (unbounded)."""
    return None if end is None else end - 1


def _transpose(rows: list) -> list:
    """Turn rows into columns (or back), padding ragged rows with ''."""
    width = max((len(r) for r in rows), default=0)
    return [[r[i] if i < len(r) else "" for r in rows] for i in range(width)]


def _trim_columns(cols: list) -> list:
    """Trim trailing '' in each column and trailing empty columns."""
    out = []
    for col in cols:
        col = list(col)
        while col and col[-1] == "":
            col.pop()
        out.append(col)
    while out and not out[-1]:
        out.pop()
    return out


def value_range(ss: Spreadsheet, text: str, params) -> dict:
    """A ValueRange for values.get / batchGet."""
    sheet, rng = resolve(ss, text)
    r1, c1, r2, c2 = sheet.bounds(rng)
    option = params.get("valueRenderOption") or "FORMATTED_VALUE"
    date_opt = params.get("dateTimeRenderOption") or "SERIAL_NUMBER"
    major = params.get("majorDimension") or "ROWS"
    rows = sheet.render_grid(r1, c1, r2, c2, option, date_opt)
    if major == "COLUMNS":
        rows = _trim_columns(_transpose(rows))
    out = {"range": sheet.a1(r1, c1, r2, c2), "majorDimension": major}
    if rows:
        out["values"] = rows
    return out


def _check_values(values, field: str = "data.values") -> list:
    """Reject a non-list payload with Google's protobuf ListValue message."""
    if not isinstance(values, list) or any(not isinstance(r, list) for r in values):
        shown = values if isinstance(values, str) else str(values)
        msg = f"Invalid value at '{field}' (type.googleapis.com/google.protobuf.ListValue), \"{shown}\""
        raise ApiError(400, msg, [{"@type": "type.googleapis.com/google.rpc.BadRequest",
                                   "fieldViolations": [{"field": field, "description": msg}]}])
    return values


def _write(sheet: Sheet, r0: int, c0: int, rows: list, option: str, limit=None) -> dict:
    """Write a block at (r0, c0); None entries leave cells untouched. Returns counts."""
    height = len(rows)
    width = max((len(r) for r in rows), default=0)
    if limit is not None:
        lr2, lc2 = limit
        if r0 + height - 1 > lr2 or c0 + width - 1 > lc2:
            raise bad_request(
                f"Requested writing within range [{sheet.a1(r0, c0, lr2, lc2)}], but tried writing "
                f"to {'row' if r0 + height - 1 > lr2 else 'column'} "
                f"[{sheet.a1(r0 + height - 1, c0 + width - 1, r0 + height - 1, c0 + width - 1).split('!')[1]}]")
    if height and (r0 + height > sheet.rows or c0 + width > sheet.cols):
        cell = sheet.a1(r0 + height - 1, c0 + width - 1, r0 + height - 1, c0 + width - 1)
        raise bad_request(f"Range ({_quoted(sheet, cell)}) "
                          f"exceeds grid limits. Max rows: {sheet.rows}, max columns: {sheet.cols}")
    touched = []
    for i, row in enumerate(rows):
        for j, val in enumerate(row):
            if val is not None:  # null leaves the cell alone and is not counted by Google
                touched.append((i, j))
                # USER_ENTERED input goes through the cell's number format (FACTS 3).
                fmt = sheet.lookup(r0 + i, c0 + j).get("fmt")
                sheet.set_cell(r0 + i, c0 + j, cellvalues.parse_input(val, option, fmt))
    return {"updatedRange": sheet.a1(r0, c0, r0 + max(height, 1) - 1, c0 + max(width, 1) - 1),
            "updatedRows": len({t[0] for t in touched}), "updatedColumns": len({t[1] for t in touched}),
            "updatedCells": len(touched)}


def _quoted(sheet: Sheet, a1: str) -> str:
    """Google's grid-limit message always quotes the title: 'Sheet1'!A1001."""
    return "'" + sheet.title.replace("'", "''") + "'!" + a1.split("!", 1)[1]


def _input_option(params) -> str:
    """valueInputOption is required by Google for writes."""
    option = params.get("valueInputOption")
    if option not in ("RAW", "USER_ENTERED"):
        raise bad_request("Invalid valueInputOption: INPUT_VALUE_OPTION_UNSPECIFIED")
    return option


def _rows_of(body: dict, field: str = "data.values") -> list:
    """The row-major values of a ValueRange body (transposing COLUMNS input)."""
    rows = _check_values(body.get("values", []), field)
    if body.get("majorDimension") == "COLUMNS":
        rows = [[col[i] if i < len(col) else None for col in rows]
                for i in range(max((len(c) for c in rows), default=0))]
    return rows


def update(ss: Spreadsheet, text: str, body: dict, params) -> dict:
    """values.update: write at the range's top-left, within the range if bounded."""
    option = _input_option(params)
    rows = _rows_of(body)
    sheet, rng = resolve(ss, text)
    r1, c1, r2, c2 = sheet.bounds(rng, clip=False)
    bounded = not rng.whole_sheet and rng.r2 is not None and rng.c2 is not None
    result = _write(sheet, r1, c1, rows, option, (r2, c2) if bounded and (r1, c1) != (r2, c2) else None)
    if not rows:
        result = {"updatedRange": sheet.a1(r1, c1, min(r2, sheet.rows - 1), min(c2, sheet.cols - 1))}
    out = {"spreadsheetId": ss.id, **result}
    if params.get("includeValuesInResponse") in ("true", "True"):
        out["updatedData"] = value_range(ss, out["updatedRange"], params)
    return out


def batch_update(ss: Spreadsheet, body: dict) -> dict:
    """values.batchUpdate: several updates with totals."""
    params = {"valueInputOption": body.get("valueInputOption")}
    responses = [update(ss, item["range"], item, params) for item in body.get("data", [])]
    sheets = {r["updatedRange"].rsplit("!", 1)[0] for r in responses}
    out = {"spreadsheetId": ss.id}
    for key in ("Rows", "Columns", "Cells"):
        out[f"totalUpdated{key}"] = sum(r.get(f"updated{key}", 0) for r in responses)
    out["totalUpdatedSheets"] = len(sheets)
    out["responses"] = responses
    return out


def _find_table(sheet: Sheet, rng, box):
    """Google's table detection: the block connected to the range's first (or last) data cell."""
    r1, c1, r2, c2 = box
    in_box = [k for k, v in sheet.cells.items() if v.get("v") and r1 <= k[0] <= r2 and c1 <= k[1] <= c2]
    if not in_box:
        return None
    if not rng.whole_sheet and sheet.has_value(r1, c1):
        seed = (r1, c1)
    else:
        seed = max(in_box)
    seen, todo = {seed}, [seed]
    while todo:
        r, c = todo.pop()
        for nr, nc in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
            if (nr, nc) not in seen and c1 <= nc <= c2 and nr >= 0 and sheet.has_value(nr, nc):
                seen.add((nr, nc))
                todo.append((nr, nc))
    rows = [k[0] for k in seen]
    cols = [k[1] for k in seen]
    return min(rows), min(cols), max(rows), max(cols)


def append(ss: Spreadsheet, text: str, body: dict, params) -> dict:
    """values.append: write after the detected table, growing the grid as Google does."""
    option = _input_option(params)
    rows = _rows_of(body)
    sheet, rng = resolve(ss, text)
    box = sheet.bounds(rng)
    table = _find_table(sheet, rng, box)
    out = {"spreadsheetId": ss.id}
    if table is None:
        r0, c0 = box[0], box[1]
    else:
        out["tableRange"] = sheet.a1(*table)
        r0, c0 = table[2] + 1, table[1]
    height = len(rows)
    width = max((len(r) for r in rows), default=0)
    if params.get("insertDataOption") == "INSERT_ROWS" and height:
        sheet.shift("ROWS", r0, height)
        # FACTS 1: inserted rows take the format and data validation of the row before them
        # (pygsheets #285/#573; InsertDimensionRequest.inheritFromBefore). On a header-only tab
        # that row is the header, so the first orders come out bold and grey, with no dropdown.
        if r0 > 0:
            sheet.inherit_rows(r0 - 1, r0, height)
    if r0 + height > sheet.rows:
        sheet.grid["rowCount"] = r0 + height
    if c0 + width > sheet.cols:
        sheet.grid["columnCount"] = c0 + width
    updates = {"spreadsheetId": ss.id, **_write(sheet, r0, c0, rows, option)}
    if params.get("includeValuesInResponse") in ("true", "True"):
        updates["updatedData"] = value_range(ss, updates["updatedRange"], params)
    out["updates"] = updates
    return out


def clear(ss: Spreadsheet, text: str) -> dict:
    """values.clear: clear values in the range (formats stay)."""
    sheet, rng = resolve(ss, text)
    r1, c1, r2, c2 = sheet.bounds(rng)
    sheet.clear_values(r1, c1, r2, c2)
    return {"spreadsheetId": ss.id, "clearedRange": sheet.a1(r1, c1, r2, c2)}


def batch_clear(ss: Spreadsheet, body: dict) -> dict:
    """values.batchClear."""
    ranges = [clear(ss, text)["clearedRange"] for text in body.get("ranges", [])]
    return {"spreadsheetId": ss.id, "clearedRanges": ranges}


def batch_get(ss: Spreadsheet, ranges: list, params) -> dict:
    """values.batchGet."""
    return {"spreadsheetId": ss.id, "valueRanges": [value_range(ss, t, params) for t in ranges]}
