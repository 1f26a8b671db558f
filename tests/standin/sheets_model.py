"""In-memory spreadsheet model: spreadsheets, sheets (tabs) and sparse cells."""
from __future__ import annotations

import copy
import random

from tests.standin import cellvalues
from tests.standin.a1 import A1Range, format_range
from tests.standin.sheets_defaults import _DEFAULT_FORMAT, _THEME

class ApiError(Exception):
    """An error to answer with Google's JSON error body."""

    STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
              404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}

    def __init__(self, code: int, message: str, details: list | None = None):
        super().__init__(message)
        self.code, self.message, self.details = code, message, details

    def body(self) -> dict:
        """Google's error envelope."""
        err = {"code": self.code, "message": self.message, "status": self.STATUS.get(self.code, "UNKNOWN")}
        if self.details:
            err["details"] = self.details
        return {"error": err}


def bad_request(message: str) -> ApiError:
    """A 400 INVALID_ARGUMENT error."""
    return ApiError(400, message)


class Sheet:
    """One tab: properties plus sparse cells keyed by 0-based (row, col)."""

    def __init__(self, props: dict):
        self.properties = props
        self.cells: dict[tuple[int, int], dict] = {}
        self.conditional_formats: list = []
        self.protected_ranges: list = []
        self.data_validation: dict = {}
        self.merges: list = []
        self.basic_filter: dict | None = None
        self.developer_metadata: list = []
        self.row_groups: list = []
        self.column_groups: list = []
        self.dimension_properties: dict = {}

    @property
    def title(self) -> str:
        """The tab title."""
        return self.properties["title"]

    @property
    def sheet_id(self) -> int:
        """The numeric sheetId."""
        return self.properties["sheetId"]

    @property
    def grid(self) -> dict:
        """The gridProperties dict (rowCount, columnCount, frozen counts)."""
        return self.properties.setdefault("gridProperties", {"rowCount": 1000, "columnCount": 26})

    @property
    def rows(self) -> int:
        """Current row count of the grid."""
        return self.grid["rowCount"]

    @property
    def cols(self) -> int:
        """Current column count of the grid."""
        return self.grid["columnCount"]

    @property
    def frozen_rows(self) -> int:
        """Frozen header rows (0 when unset)."""
        return self.grid.get("frozenRowCount", 0)

    @property
    def frozen_columns(self) -> int:
        """Frozen columns (0 when unset)."""
        return self.grid.get("frozenColumnCount", 0)

    def lookup(self, r: int, c: int) -> dict:
        """The cell dict at (r, c), or {} when empty (used by the evaluator)."""
        return self.cells.get((r, c), {})

    def set_cell(self, r: int, c: int, cell: dict) -> None:
        """Replace the value of a cell, keeping its format/note/validation."""
        old = self.cells.get((r, c), {})
        new = {k: v for k, v in old.items() if k in ("fmt", "note", "dv")}
        new.update(cell)
        if new:
            self.cells[(r, c)] = new
        else:
            self.cells.pop((r, c), None)

    def inherit_rows(self, source: int, start: int, count: int) -> None:
        """Give rows [start, start+count) the format and validation of row `source` (values stay empty)."""
        # Looked up column by column: a scan of every cell cost seconds per append on a 250,000-row tab.
        for c in range(self.cols):
            cell = self.cells.get((source, c))
            if cell is None:
                continue
            copied = {k: cell[k] for k in ("fmt", "dv") if k in cell}
            for row in range(start, start + count):
                if copied:
                    # Shared, not copied: every writer copies a cell's format before changing it.
                    self.cells[(row, c)] = {**self.cells.get((row, c), {}), **copied}
        for c in range(self.cols):
            rule = self.data_validation.get((source, c))
            if rule is not None:
                for row in range(start, start + count):
                    self.data_validation[(row, c)] = rule  # rules are replaced, never changed in place

    def clear_values(self, r1: int, c1: int, r2: int, c2: int) -> None:
        """Clear values (not formats) in an inclusive box."""
        for key in [k for k in self.cells if r1 <= k[0] <= r2 and c1 <= k[1] <= c2]:
            self.set_cell(*key, {})

    def has_value(self, r: int, c: int) -> bool:
        """True when the cell holds a value."""
        return bool(self.cells.get((r, c), {}).get("v"))

    def data_extent(self) -> tuple[int, int]:
        """(last row, last col) holding a value, or (-1, -1) when the tab is empty."""
        keys = [k for k, v in self.cells.items() if v.get("v")]
        if not keys:
            return -1, -1
        return max(k[0] for k in keys), max(k[1] for k in keys)

    def bounds(self, rng: A1Range, clip: bool = True) -> tuple[int, int, int, int]:
        """Resolve an A1Range's open ends against the grid; clip to the grid if asked."""
        r1 = rng.r1 if rng.r1 is not None else 0
        c1 = rng.c1 if rng.c1 is not None else 0
        r2 = rng.r2 if rng.r2 is not None else self.rows - 1
        c2 = rng.c2 if rng.c2 is not None else self.cols - 1
        if clip:
            r2, c2 = min(r2, self.rows - 1), min(c2, self.cols - 1)
        return r1, c1, r2, c2

    def a1(self, r1: int, c1: int, r2: int, c2: int) -> str:
        """Format bounds in this tab as Google echoes them."""
        return format_range(self.title, r1, c1, r2, c2)

    def render_grid(self, r1, c1, r2, c2, option="FORMATTED_VALUE", date_opt="SERIAL_NUMBER"):
        """Row-major rendered values in a box, trailing empty cells and rows trimmed."""
        rows = []
        for r in range(r1, r2 + 1):
            row = [cellvalues.render(self.lookup(r, c), option, self.lookup, date_opt)
                   for c in range(c1, c2 + 1)]
            while row and row[-1] == "":
                row.pop()
            rows.append(row)
        while rows and not rows[-1]:
            rows.pop()
        return rows

    def shift(self, dimension: str, start: int, delta: int) -> None:
        """Move cells at or after `start` along a dimension by delta (negative deletes)."""
        axis = 0 if dimension == "ROWS" else 1
        end = start - delta if delta < 0 else start  # cells in [start, start-delta) are deleted

        def move(keyed: dict) -> dict:
            out = {}
            for key, val in keyed.items():
                pos = key[axis]
                if delta < 0 and start <= pos < end:
                    continue
                if pos >= start:
                    key = (pos + delta, key[1]) if axis == 0 else (key[0], pos + delta)
                out[key] = val
            return out

        self.cells = move(self.cells)
        self.data_validation = move(self.data_validation)
        # FACTS 2: ranges of colour rules and protections move like A1 references: rows inserted
        # before a range's first row push it down, rows inserted strictly inside make it grow, and
        # an open-ended range (no end index, like A2:A) stays open-ended.
        for holder in self.protected_ranges + self.conditional_formats:
            for rng in holder.get("ranges", [holder.get("range")]):
                if rng:
                    _shift_grid_range(rng, axis, start, delta)
        for rng in self.merges:
            _shift_grid_range(rng, axis, start, delta)
        key = "rowCount" if axis == 0 else "columnCount"
        self.grid[key] = self.grid[key] + delta

    def to_json(self) -> dict:
        """The sheets[] entry of spreadsheets.get (without grid data)."""
        out = {"properties": copy.deepcopy(self.properties)}
        if self.merges:
            out["merges"] = copy.deepcopy(self.merges)
        if self.conditional_formats:
            out["conditionalFormats"] = copy.deepcopy(self.conditional_formats)
        if self.basic_filter:
            out["basicFilter"] = copy.deepcopy(self.basic_filter)
        if self.protected_ranges:
            out["protectedRanges"] = copy.deepcopy(self.protected_ranges)
        if self.developer_metadata:
            out["developerMetadata"] = copy.deepcopy(self.developer_metadata)
        if self.row_groups:
            out["rowGroups"] = copy.deepcopy(self.row_groups)
        if self.column_groups:
            out["columnGroups"] = copy.deepcopy(self.column_groups)
        return out

    def grid_data(self, r1: int, c1: int, r2: int, c2: int) -> dict:
        """A GridData object for a box: rowData trimmed like Google, metadata per row/col."""
        data = {}
        if r1:
            data["startRow"] = r1
        if c1:
            data["startColumn"] = c1
        rows = []
        for r in range(r1, r2 + 1):
            vals = [cellvalues.cell_data(self.lookup(r, c), self.lookup) for c in range(c1, c2 + 1)]
            while vals and not vals[-1]:
                vals.pop()
            rows.append({"values": vals} if vals else {})
        while rows and not rows[-1]:
            rows.pop()
        if rows:
            data["rowData"] = rows
        data["rowMetadata"] = [{"pixelSize": 21} for _ in range(r1, r2 + 1)]
        data["columnMetadata"] = [{"pixelSize": 100} for _ in range(c1, c2 + 1)]
        return data


def _shift_grid_range(rng: dict, axis: int, start: int, delta: int) -> None:
    """Adjust a GridRange dict for an inserted/deleted block, as Google does."""
    lo, hi = ("startRowIndex", "endRowIndex") if axis == 0 else ("startColumnIndex", "endColumnIndex")
    for key in (lo, hi):
        if key in rng and rng[key] >= start + (1 if key == hi and delta > 0 else 0):
            rng[key] = max(start, rng[key] + delta)


class Spreadsheet:
    """A spreadsheet: properties, ordered sheets, named ranges, developer metadata."""

    def __init__(self, spreadsheet_id: str, title: str):
        self.id = spreadsheet_id
        self.properties = {"title": title, "locale": "en_US", "autoRecalc": "ON_CHANGE",
                           "timeZone": "Etc/GMT", "defaultFormat": copy.deepcopy(_DEFAULT_FORMAT),
                           "spreadsheetTheme": copy.deepcopy(_THEME)}
        self.sheets: list[Sheet] = []
        self.named_ranges: list = []
        self.developer_metadata: list = []
        self.add_sheet({"sheetId": 0, "title": "Sheet1"})

    def new_id(self) -> int:
        """A random unused 31-bit id, like Google's sheetIds."""
        used = {s.sheet_id for s in self.sheets}
        while True:
            candidate = random.randint(1, 2**31 - 1)
            if candidate not in used:
                return candidate

    def add_sheet(self, props: dict) -> Sheet:
        """Add a tab; fills Google's defaults and reindexes."""
        props = copy.deepcopy(props)
        title = props.get("title") or f"Sheet{len(self.sheets) + 1}"
        if self.find(title):
            raise bad_request(f'Invalid requests[0].addSheet: A sheet with the name "{title}" '
                              "already exists. Please enter another name.")
        grid = {"rowCount": 1000, "columnCount": 26}
        grid.update(props.get("gridProperties") or {})
        out = {"sheetId": props.get("sheetId", self.new_id() if self.sheets else 0), "title": title,
               "index": min(props.get("index", len(self.sheets)), len(self.sheets)),
               "sheetType": props.get("sheetType", "GRID"), "gridProperties": grid}
        for extra in ("hidden", "tabColorStyle", "rightToLeft"):
            if extra in props:
                out[extra] = props[extra]
        sheet = Sheet(out)
        self.sheets.insert(out["index"], sheet)
        self.reindex()
        return sheet

    def reindex(self) -> None:
        """Keep sheets[].properties.index equal to the list position."""
        for i, sheet in enumerate(self.sheets):
            sheet.properties["index"] = i

    def find(self, title: str) -> Sheet | None:
        """The sheet with this title (case-insensitive, as Google), or None."""
        for sheet in self.sheets:
            if sheet.title == title:
                return sheet
        for sheet in self.sheets:
            if sheet.title.lower() == title.lower():
                return sheet
        return None

    def by_id(self, sheet_id: int) -> Sheet:
        """The sheet with this sheetId, or a 400 like Google."""
        for sheet in self.sheets:
            if sheet.sheet_id == sheet_id:
                return sheet
        raise bad_request(f"No grid with id: {sheet_id}")

    def url(self) -> str:
        """The spreadsheetUrl Google reports."""
        return f"https://docs.google.com/spreadsheets/d/{self.id}/edit"

    def to_json(self) -> dict:
        """The full spreadsheets.get body (includeGridData=false)."""
        out = {"spreadsheetId": self.id, "properties": copy.deepcopy(self.properties),
               "sheets": [s.to_json() for s in self.sheets]}
        if self.named_ranges:
            out["namedRanges"] = copy.deepcopy(self.named_ranges)
        if self.developer_metadata:
            out["developerMetadata"] = copy.deepcopy(self.developer_metadata)
        out["spreadsheetUrl"] = self.url()
        return out
