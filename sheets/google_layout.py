"""`init` for Google Sheets: tabs, headers, dropdowns, colours, protections, Dashboard — in ~6 requests.

Idempotent: a rule, tab or header that is already there is not added again,
and nothing a person added (columns, tabs, rows) is moved or deleted.
"""
from __future__ import annotations

from typing import Any

from sheet_schema.dashboard import (FEED_LABEL_ROW, FIGURES, LABELS_MARK, LABELS_TITLE, PRINTED, SERVICE_CELLS,
                                    dashboard_cells, print_url, rule_formula, whole_column_formula)
from sheet_schema.schema import any_locale, money_format, same_formula, with_commas
from sheet_schema.schema import Tab, WorkbookSchema, col_letter, quote_tab
from sheet_schema.tabs import AUDIT_LOG, DASHBOARD, DUPLICATES, INVENTORY, ORDERS
from sheets.google_rows import api_value, column_requests, data_row_requests, runs, split_by_size
from sheets.rows import Layout, sheet_time

PROTECT_PREFIX = "TrueCraft: filled in by the service"


def _rgb(hex_colour: str) -> dict:
    return {k: int(hex_colour[i:i + 2], 16) / 255 for k, i in (("red", 0), ("green", 2), ("blue", 4))}


def dashboard_look(sheet_id: int) -> list[dict]:
    """Money figures in their currency, bold titles, columns wide enough for the feed (same each time)."""
    def cell(row: int, col: int, fmt: dict, fields: str) -> dict:
        return {"repeatCell": {"range": {"sheetId": sheet_id, "startRowIndex": row - 1, "endRowIndex": row,
                                         "startColumnIndex": col, "endColumnIndex": col + 1},
                               "cell": {"userEnteredFormat": fmt}, "fields": fields}}
    out = [cell(1, 0, {"textFormat": {"bold": True, "fontSize": 14}}, "userEnteredFormat.textFormat")]
    for row, _, key, kind in FIGURES:
        if not key or kind == "money":
            out.append(cell(row, 0, {"textFormat": {"bold": True}}, "userEnteredFormat.textFormat"))
        if kind == "money":
            out.append(cell(row, 1, {"numberFormat": {"type": "CURRENCY", "pattern": money_format("USD")}},
                            "userEnteredFormat.numberFormat"))
    out.append(cell(FEED_LABEL_ROW, 0, {"textFormat": {"bold": True}}, "userEnteredFormat.textFormat"))
    title_row, title_col = int(LABELS_TITLE[0][1:]), ord(LABELS_TITLE[0][0]) - 65
    out.append(cell(title_row, title_col, {"textFormat": {"bold": True}}, "userEnteredFormat.textFormat"))
    mark_row, mark_col = int(LABELS_MARK[1:]) - 1, ord(LABELS_MARK[0]) - 65
    out.append({"setDataValidation": {  # the seller's "I printed the PDF" (read each cycle while labels wait)
        "range": {"sheetId": sheet_id, "startRowIndex": mark_row, "endRowIndex": mark_row + 1,
                  "startColumnIndex": mark_col, "endColumnIndex": mark_col + 1},
        "rule": {"condition": {"type": "ONE_OF_LIST", "values": [{"userEnteredValue": PRINTED}]},
                 "showCustomUi": True, "strict": False}}})
    for i, px in enumerate((240, 110, 75, 80, 150, 95)):
        out.append({"updateDimensionProperties": {"range": {"sheetId": sheet_id, "dimension": "COLUMNS",
                                                            "startIndex": i, "endIndex": i + 1},
                                                  "properties": {"pixelSize": px}, "fields": "pixelSize"}})
    return out


class GoogleLayout:
    """Plans and sends the requests that bring a Google Sheet up to the schema."""

    def __init__(self, backend: Any, threshold: int) -> None:
        self.b, self.threshold = backend, threshold
        self.done: list[str] = []
        self.widths: list[dict] = []

    def apply(self, schema: WorkbookSchema) -> list[str]:
        """Run every step; returns what changed in plain words."""
        sh = self.b.spreadsheet
        missing_tabs = [t for t in schema.tabs if t.name not in self.b._titles]
        if missing_tabs:
            sh.batch_update({"requests": [{"addSheet": {"properties": {
                "title": t.name, "gridProperties": {"rowCount": 1000, "columnCount": max(26, len(t.columns) + 2)},
                **({"tabColor": _rgb(t.tab_colour)} if t.tab_colour else {})}}} for t in missing_tabs]})
            self.done += [f"created tab {t.name}" for t in missing_tabs]
        meta = self.b.refresh_metadata()
        props = {s["properties"]["title"]: s for s in meta.get("sheets", [])}
        data_tabs = [t for t in schema.tabs if t.name != DASHBOARD]
        resp = sh.values_batch_get([f"{quote_tab(t.name)}!1:1" for t in data_tabs] + [quote_tab(DASHBOARD)],
                                   params={"valueRenderOption": "FORMULA"})
        ranges = resp.get("valueRanges", [])
        headers = {t.name: [str(v) for v in (ranges[i].get("values") or [[]])[0]] for i, t in enumerate(data_tabs)}
        dash_values = ranges[-1].get("values", []) if ranges else []
        header_writes, grow = self._headers(data_tabs, headers, props)
        if grow:
            sh.batch_update({"requests": grow})
        if header_writes:
            sh.values_batch_update({"valueInputOption": "RAW", "data": header_writes})
        positions = {t.name: Layout.from_header(t, headers[t.name]).positions for t in data_tabs}
        self._upgrade_times(data_tabs, positions)
        header_look = self._header_look_rows(data_tabs)
        requests = list(self.widths)
        for t in data_tabs:
            requests += self._format_tab(t, props[t.name], positions[t.name])
            requests += self._repair_rows(t, props[t.name], positions[t.name], header_look.get(t.name, []))
        if DASHBOARD in props:
            requests += dashboard_look(props[DASHBOARD]["properties"]["sheetId"])
        if requests:
            sh.batch_update({"requests": requests})
        self._dashboard(positions[ORDERS], positions[DUPLICATES], dash_values, positions.get(AUDIT_LOG),
                        positions.get(INVENTORY))
        return self.done

    def _headers(self, tabs: list[Tab], headers: dict[str, list[str]], props: dict) -> tuple[list, list]:
        """Missing headers go after the last header; returns value writes and grid growth requests."""
        writes, grow = [], []
        for t in tabs:
            row = headers[t.name]
            layout = Layout.from_header(t, row)
            if not layout.missing:
                continue
            start = len(row)
            new = [c.header for c in layout.missing]
            need = start + len(new)
            have = props[t.name]["properties"]["gridProperties"].get("columnCount", 26)
            if need > have:
                grow.append({"appendDimension": {"sheetId": props[t.name]["properties"]["sheetId"],
                                                 "dimension": "COLUMNS", "length": need - have}})
            writes.append({"range": f"{quote_tab(t.name)}!{col_letter(start)}1", "values": [new]})
            # Widths are a default for columns TrueCraft adds; a column a person resized keeps her width.
            sid = props[t.name]["properties"]["sheetId"]
            self.widths += [{"updateDimensionProperties": {
                "range": {"sheetId": sid, "dimension": "COLUMNS", "startIndex": start + i, "endIndex": start + i + 1},
                "properties": {"pixelSize": c.width}, "fields": "pixelSize"}} for i, c in enumerate(layout.missing)]
            row.extend(new)
            self.done.append(f"{t.name}: added column(s) " + ", ".join(new))
        return writes, grow

    def _format_tab(self, t: Tab, sheet: dict, pos: dict[str, int]) -> list[dict]:
        sid = sheet["properties"]["sheetId"]
        out: list[dict] = []
        out += self._freeze(t, sheet, pos)
        if "basicFilter" not in sheet:  # a filter a person set (with her criteria) is left alone
            out.append({"setBasicFilter": {"filter": {"range": {"sheetId": sid}}}})
            self.done.append(f"{t.name}: filter on the header row")
        out.append({"repeatCell": {"range": {"sheetId": sid, "startRowIndex": 0, "endRowIndex": 1},
                                   "cell": {"userEnteredFormat": {
                                       "textFormat": {"bold": True}, "backgroundColor": _rgb("D9D9D9"),
                                       "wrapStrategy": "WRAP", "verticalAlignment": "TOP"}},
                                   "fields": "userEnteredFormat(textFormat,backgroundColor,wrapStrategy,"
                                             "verticalAlignment)"}})
        # Plain-text columns keep long digit strings (USPS tracking, phones) exactly as typed;
        # dropdowns on every row below the header, including rows already there.
        out += column_requests(t, sid, pos, start=1)
        out += [{"updateCells": {"range": {"sheetId": sid, "startRowIndex": 0, "endRowIndex": 1,
                                           "startColumnIndex": pos[c.key], "endColumnIndex": pos[c.key] + 1},
                                 "rows": [{"values": [{"note": c.note}]}], "fields": "note"}}
                for c in t.columns if c.note and c.key in pos]  # who fills the column in
        out += self._rules(t, sheet, pos)
        if t.protect_service_columns:
            out += self._protections(t, sheet, pos)
        return out

    def _freeze(self, t: Tab, sheet: dict, pos: dict[str, int]) -> list[dict]:
        """Header row frozen (and Order ID, when it sits near the left); panes a person set stay."""
        grid = sheet["properties"].get("gridProperties", {})
        have = (grid.get("frozenRowCount", 0), grid.get("frozenColumnCount", 0))
        key = pos.get(t.key_column)
        wanted = (1, key + 1 if t.frozen_key and key is not None and key <= 2 else 0)
        if have == wanted or have not in ((0, 0), (1, 0)):
            return []
        self.done.append(f"{t.name}: froze the header row" + (" and Order ID" if wanted[1] else ""))
        return [{"updateSheetProperties": {"properties": {"sheetId": sheet["properties"]["sheetId"], "gridProperties": {
            "frozenRowCount": wanted[0], "frozenColumnCount": wanted[1]}},
            "fields": "gridProperties.frozenRowCount,gridProperties.frozenColumnCount"}}]

    def _rules(self, t: Tab, sheet: dict, pos: dict[str, int]) -> list[dict]:
        """TrueCraft's colour rules first, in schema order (Google applies the first that matches).

        They cover whole columns, so appended rows stay covered. Rules an older
        version added (row-2 ranges, the old duplicate-first order) are replaced;
        a person's own rules stay, after ours.
        """
        sid = sheet["properties"]["sheetId"]
        formulas = [[str(v.get("userEnteredValue")) for v in rule.get("booleanRule", {}).get(
            "condition", {}).get("values", [])] for rule in sheet.get("conditionalFormats", [])]
        wanted = [whole_column_formula(r, pos, self.threshold) for r in t.colour_rules]
        ours = set(wanted)
        for r in t.colour_rules + t.retired_rules:
            ours |= {rule_formula(r, pos, self.threshold), whole_column_formula(r, pos, self.threshold)}
        ours = {with_commas(f) for f in ours}
        mine = [i for i, fs in enumerate(formulas) if any(with_commas(f) in ours for f in fs)]
        if mine == list(range(len(wanted))) and all(same_formula(formulas[i][0], w) for i, w in zip(mine, wanted)):
            return []
        out: list[dict] = [{"deleteConditionalFormatRule": {"sheetId": sid, "index": i}}
                           for i in reversed(mine)]  # highest index first, so the others stay put
        for index, (formula, rule) in enumerate(zip(wanted, t.colour_rules)):
            out.append({"addConditionalFormatRule": {"index": index, "rule": {
                "ranges": [{"sheetId": sid, "startRowIndex": 0}],
                "booleanRule": {"condition": {"type": "CUSTOM_FORMULA",
                                              "values": [{"userEnteredValue": any_locale(formula)}]},
                                "format": {"backgroundColor": _rgb(rule.background)}}}}})
        self.done.append(f"{t.name}: colour rules set (resolved rows first, then duplicates)")
        return out

    def _upgrade_times(self, tabs: list[Tab], positions: dict[str, dict[str, int]]) -> None:
        """Times an older TrueCraft wrote as text become real date-times (one read; a write only if any)."""
        where = [(t.name, col_letter(positions[t.name][c.key])) for t in tabs for c in t.columns
                 if c.kind == "datetime" and c.key in positions[t.name]]
        if not where:
            return
        resp = self.b.spreadsheet.values_batch_get([f"{quote_tab(n)}!{L}2:{L}" for n, L in where],
                                                   params={"valueRenderOption": "UNFORMATTED_VALUE"})
        data = []
        for (name, letter), vr in zip(where, resp.get("valueRanges", [])):
            for i, row in enumerate(vr.get("values", [])):
                when = sheet_time(row[0]) if row and isinstance(row[0], str) else None
                if when is not None:
                    data.append({"range": f"{quote_tab(name)}!{letter}{i + 2}", "values": [[api_value(when)]]})
        for chunk in split_by_size(data):
            self.b.spreadsheet.values_batch_update({"valueInputOption": "RAW", "data": chunk})
        if data:
            self.done.append(f"{len(data)} time(s) stored as text made real date-times")

    def _header_look_rows(self, tabs: list[Tab]) -> dict[str, list[int]]:
        """Rows below the header that look like it (bold on grey): left by older versions' appends."""
        resp = self.b.spreadsheet.fetch_sheet_metadata(params={
            "ranges": [f"{quote_tab(t.name)}!A2:A" for t in tabs],
            "fields": "sheets(properties.title,data(startRow,rowData.values.userEnteredFormat(textFormat.bold,backgroundColor)))"})
        out: dict[str, list[int]] = {}
        for sheet in resp.get("sheets", []):
            title = sheet["properties"]["title"]
            for data in sheet.get("data", []):
                start = data.get("startRow", 0)
                for i, row in enumerate(data.get("rowData", [])):
                    fmt = (row.get("values") or [{}])[0].get("userEnteredFormat", {})
                    if fmt.get("textFormat", {}).get("bold") and fmt.get("backgroundColor") == _rgb("D9D9D9"):
                        out.setdefault(title, []).append(start + i)
        return out

    def _repair_rows(self, t: Tab, sheet: dict, pos: dict[str, int], rows: list[int]) -> list[dict]:
        """Give rows that copied the header's look the data-row look (values are not touched)."""
        sid = sheet["properties"]["sheetId"]
        out = []
        for start, end in runs(r for r in rows if r >= 1):
            out += data_row_requests(t, sid, pos, start, end)
        if rows:
            self.done.append(f"{t.name}: {len(rows)} row(s) given the normal data-row look")
        return out

    def _protections(self, t: Tab, sheet: dict, pos: dict[str, int]) -> list[dict]:
        """Warning-only protection on each service-owned column (people can still override)."""
        sid = sheet["properties"]["sheetId"]
        have = {p.get("description"): p for p in sheet.get("protectedRanges", [])}
        out = []
        for col in t.columns:
            if col.editable or col.key not in pos:
                continue
            desc = f"{PROTECT_PREFIX} ({col.header})"
            rng = {"sheetId": sid, "startRowIndex": 1, "startColumnIndex": pos[col.key],
                   "endColumnIndex": pos[col.key] + 1}
            current = have.get(desc)
            if current is None:
                out.append({"addProtectedRange": {"protectedRange": {
                    "range": rng, "description": desc, "warningOnly": True}}})
            elif current.get("range", {}).get("startColumnIndex") != pos[col.key]:
                # The column moved: replace the protection (delete + add keeps one per column).
                out.append({"deleteProtectedRange": {"protectedRangeId": current["protectedRangeId"]}})
                out.append({"addProtectedRange": {"protectedRange": {
                    "range": rng, "description": desc, "warningOnly": True}}})
        if out:
            self.done.append(f"{t.name}: warning on {len(out)} service column(s)")
        return out

    def _dashboard(self, orders_pos: dict[str, int], dup_pos: dict[str, int], shown: list[list],
                   audit_pos: dict[str, int] | None = None, inv_pos: dict[str, int] | None = None) -> None:
        links = {t: print_url(self.b.sheet_id, self.b._titles[t]) for t in (ORDERS, DUPLICATES, DASHBOARD)
                 if t in self.b._titles}  # Sheets keeps print settings out of its API: a link carries them
        cells = dashboard_cells(orders_pos, dup_pos, google=True, audit_pos=audit_pos, inv_pos=inv_pos,
                                print_links=links)
        current = {}
        for r, row in enumerate(shown):
            for c, v in enumerate(row):
                current[(r, c)] = str(v)
        ours = {a1 for a1, _ in cells}
        # An older layout's labels and figures, where ours moved: cleared (above the feed, columns A-F).
        data = [{"range": f"{quote_tab(DASHBOARD)}!{chr(65 + c)}{r + 1}", "values": [[""]]}
                for (r, c), v in current.items()
                if 0 < r < FEED_LABEL_ROW - 1 and c < 6 and v and f"{chr(65 + c)}{r + 1}" not in ours
                and f"{chr(65 + c)}{r + 1}" not in SERVICE_CELLS]
        for a1, value in cells:
            col = ord(a1[0]) - 65
            row = int(a1[1:]) - 1
            value = any_locale(value) if value.startswith("=") else value
            if not same_formula(current.get((row, col), ""), value):
                data.append({"range": f"{quote_tab(DASHBOARD)}!{a1}", "values": [[value]]})
        if data:
            # USER_ENTERED on purpose: these are our own formulas, never customer text.
            self.b.spreadsheet.values_batch_update({"valueInputOption": "USER_ENTERED", "data": data})
            self.done.append("Dashboard: formulas written")

