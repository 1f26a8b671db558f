"""Create or upgrade the workbook layout in an openpyxl Workbook — idempotent, never moves user data."""
from __future__ import annotations

from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from sheet_schema.dashboard import FEED_LABEL, dashboard_cells, rule_formula
from sheet_schema.schema import Tab, WorkbookSchema, col_letter
from sheet_schema.tabs import AUDIT_LOG, DASHBOARD, DUPLICATES, INVENTORY, ORDERS
from sheets.local_look import (set_colour_rules, set_filter, set_freeze, set_print, set_print_area, style_rows,
                               upgrade_times)
from sheets.rows import Layout

HEADER_FONT = Font(name="Calibri", bold=True, color="FFFFFF")
BOLD = Font(name="Calibri", bold=True)  # named: a font with no name prints in a serif fallback
HEADER_FILL = PatternFill("solid", fgColor="434343")
HEADER_ALIGN = Alignment(wrap_text=True, vertical="top")  # "Duplicate Score" reads whole in a narrow column
FEED_KEYS = ("received", "order_id", "platform", "total", "customer", "status")
FEED_HEADERS = ("Received", "Order ID", "Platform", "Total", "Customer", "Status")
FEED_FORMATS = {"received": "yyyy-mm-dd hh:mm", "total": '"$"#,##0.00'}


def apply_layout(wb, schema: WorkbookSchema, threshold: int) -> list[str]:
    """Bring every tab up to the schema; returns what changed in plain words (empty if nothing)."""
    done: list[str] = []
    if wb.sheetnames == ["Sheet"] and wb["Sheet"].max_row == 1 and wb["Sheet"]["A1"].value is None:
        wb["Sheet"].title = schema.tabs[0].name  # a brand-new workbook's blank tab becomes Orders
        done.append(f"created tab {schema.tabs[0].name}")
    positions: dict[str, dict[str, int]] = {}
    for tab in schema.tabs:
        if tab.name not in wb.sheetnames:
            wb.create_sheet(tab.name)
            done.append(f"created tab {tab.name}")
        ws = wb[tab.name]
        if tab.name != DASHBOARD:
            done += _headers(ws, tab)
            header = [c.value or "" for c in ws[1]] if ws.max_row >= 1 else []
            positions[tab.name] = Layout.from_header(tab, [str(h) for h in header]).positions
            done += _formats(ws, tab, positions[tab.name], threshold)
            done += set_freeze(ws, tab, positions[tab.name]) + set_filter(ws, tab, positions[tab.name])
            done += upgrade_times(ws, tab, positions[tab.name])
            style_rows(ws, tab, list(range(2, ws.max_row + 1)))
        done += set_print(ws, tab, positions.get(tab.name))
    done += _dashboard(wb[DASHBOARD], positions[ORDERS], positions[DUPLICATES], positions.get(AUDIT_LOG),
                       positions.get(INVENTORY))
    return done


def _headers(ws, tab: Tab) -> list[str]:
    """Add missing headers after the last used header column; existing columns stay where people put them."""
    header = [c.value for c in ws[1]] if ws.max_row >= 1 else []
    layout = Layout.from_header(tab, [str(h or "") for h in header])
    done = []
    next_col = len([h for h in header if h not in (None, "")])
    # Fill gaps only at the end: never overwrite a header a person typed.
    while next_col < len(header) and header[next_col] not in (None, ""):
        next_col += 1
    for col in layout.missing:
        cell = ws.cell(row=1, column=next_col + 1, value=col.header)
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, HEADER_ALIGN
        ws.column_dimensions[col_letter(next_col)].width = max(8, col.width // 7)
        next_col += 1
    if layout.missing:
        done.append(f"{tab.name}: added column(s) " + ", ".join(c.header for c in layout.missing))
        ws.row_dimensions[1].height = 2 * 13 + 3  # two lines: long headers wrap in narrow columns
    done += _notes(ws, tab)
    return done


def _notes(ws, tab: Tab) -> list[str]:
    """Header notes saying who fills a column in (a note is a comment in Excel and LibreOffice)."""
    layout = Layout.from_header(tab, [str(c.value or "") for c in ws[1]])
    added = []
    for col in tab.columns:
        cell = ws.cell(row=1, column=layout.positions[col.key] + 1) if col.key in layout.positions else None
        if col.note and cell is not None and (cell.comment is None or cell.comment.text != col.note):
            cell.comment = Comment(col.note, "TrueCraft", width=320, height=110)
            added.append(col.header)
    return [f"{tab.name}: note on {', '.join(added)}"] if added else []


def _formats(ws, tab: Tab, pos: dict[str, int], threshold: int) -> list[str]:
    """Dropdowns and row colours, each added once."""
    done = []
    for col in tab.columns:
        if col.number_format and col.key in pos:
            ws.column_dimensions[col_letter(pos[col.key])].number_format = col.number_format
    existing_dv = {(dv.formula1, str(dv.sqref)) for dv in ws.data_validations.dataValidation}
    for col in tab.columns:
        if not col.choices or col.key not in pos:
            continue
        letter = col_letter(pos[col.key])
        sqref = f"{letter}2:{letter}5000"
        formula = '"' + ",".join(col.choices) + '"'
        if (formula, sqref) in existing_dv:
            continue
        # Carrier, Country, Currency allow free text (one we don't list); Status and Decision don't.
        dv = DataValidation(type="list", formula1=formula, allow_blank=True,
                            showErrorMessage=col.strict,
                            error=f"Choose one of: {', '.join(col.choices)}",
                            errorTitle=f"Not a valid {col.header}")
        dv.add(sqref)
        ws.add_data_validation(dv)
        done.append(f"{tab.name}: dropdown on {col.header}")
    done += set_colour_rules(ws, tab, pos, threshold)
    return done


def restyle(wb, touched: dict[str, set[int]]) -> None:
    """Rows just written get their column formats, and each tab's filter grows to cover them."""
    from sheet_schema.tabs import WORKBOOK

    for tab in WORKBOOK.tabs:
        if tab.name in touched and tab.name in wb.sheetnames:
            ws = wb[tab.name]
            layout = Layout.from_header(tab, [str(c.value or "") for c in ws[1]])
            style_rows(ws, tab, sorted(touched[tab.name]), layout)
            if ws.auto_filter.ref:
                set_filter(ws, tab, layout.positions)
            if ws.print_area:
                set_print_area(ws, tab, layout.positions)


def _dashboard(ws, orders_pos: dict[str, int], dup_pos: dict[str, int],
               audit_pos: dict[str, int] | None = None, inv_pos: dict[str, int] | None = None) -> list[str]:
    """Figures as live formulas (saved with their results); the newest-first feed is refreshed on every write."""
    from openpyxl.worksheet.datavalidation import DataValidation

    from sheet_schema.dashboard import FEED_LABEL_ROW, FIGURES, LABELS_MARK, LABELS_TITLE, PRINTED, SERVICE_CELLS
    from sheet_schema.schema import money_format

    cells = dict(dashboard_cells(orders_pos, dup_pos, google=False, audit_pos=audit_pos, inv_pos=inv_pos))
    changed = False
    for row in range(2, FEED_LABEL_ROW + 1):  # an older layout's labels, figures and feed, where ours moved
        for col in range(1, 7):
            cell = ws.cell(row=row, column=col)
            if cell.coordinate not in cells and cell.coordinate not in SERVICE_CELLS and cell.value is not None:
                cell.value, changed = None, True
    for a1, value in cells.items():
        if ws[a1].value != value:
            ws[a1].value = value
            changed = True
    ws["A1"].font = Font(name="Calibri", bold=True, size=14)
    for row, _, key, kind in FIGURES:
        ws.cell(row=row, column=1).font = BOLD if not key or kind == "money" else Font(name="Calibri")
        if kind == "money":
            ws.cell(row=row, column=2).number_format = money_format("USD")
    ws.cell(row=FEED_LABEL_ROW, column=1).font = BOLD
    ws[LABELS_TITLE[0]].font = BOLD
    if not any(LABELS_MARK in str(v.sqref) for v in ws.data_validations.dataValidation):
        mark = DataValidation(type="list", formula1=f'"{PRINTED}"', allow_blank=True)
        mark.add(LABELS_MARK)  # the seller's "I printed the PDF"
        ws.add_data_validation(mark)
        changed = True
    for letter, width in zip("ABCDEF", (34, 16, 10, 11, 22, 13)):
        ws.column_dimensions[letter].width = width  # the feed's columns read whole (no "Rach Gree")
    return ["Dashboard: figures written"] if changed else []


def refresh_alerts(wb, limit: int = 5) -> None:
    """The last alerts sent, newest first, under "Last alerts sent" (from the Audit Log's lines)."""
    from sheet_schema.dashboard import ALERTS_LABEL
    from sheet_schema.tabs import AUDIT_LOG_TAB

    if AUDIT_LOG not in wb.sheetnames or wb[DASHBOARD]["H3"].value != ALERTS_LABEL:
        return
    log_ws, dash = wb[AUDIT_LOG], wb[DASHBOARD]
    layout = Layout.from_header(AUDIT_LOG_TAB, [str(c.value or "") for c in log_ws[1]])
    if any(k not in layout.positions for k in ("at", "kind", "new")):
        return
    sent = [r for r in log_ws.iter_rows(min_row=2, values_only=True)
            if r and len(r) > layout.positions["kind"] and r[layout.positions["kind"]] == "alert sent"]
    sent.sort(key=lambda r: str(r[layout.positions["at"]] or ""), reverse=True)
    for i in range(limit):
        row = sent[i] if i < len(sent) else None
        dash.cell(row=4 + i, column=8, value=str(row[layout.positions["at"]]) if row else ("none yet" if i == 0 else None))
        cell = dash.cell(row=4 + i, column=9, value=row[layout.positions["new"]] if row else None)
        cell.data_type = "s" if row else cell.data_type


def refresh_feed(wb, limit: int = 50) -> None:
    """Newest-first copy of the feed on the Dashboard (Excel has no QUERY(); we keep it current)."""
    if ORDERS not in wb.sheetnames or DASHBOARD not in wb.sheetnames:
        return
    refresh_alerts(wb)
    from sheet_schema.tabs import ORDERS_TAB

    orders, dash = wb[ORDERS], wb[DASHBOARD]
    header = [str(c.value or "") for c in orders[1]]
    layout = Layout.from_header(ORDERS_TAB, header)
    if any(k not in layout.positions for k in FEED_KEYS):
        return
    rows = [r for r in orders.iter_rows(min_row=2, values_only=True)
            if r and r[layout.positions["order_id"]]]
    rows.sort(key=lambda r: str(r[layout.positions["received"]] or ""), reverse=True)
    start = _feed_start(dash)
    for c, h in enumerate(FEED_HEADERS):
        dash.cell(row=start, column=c + 1, value=h).font = BOLD
    for i in range(limit):
        row = rows[i] if i < len(rows) else None
        for c, key in enumerate(FEED_KEYS):
            value = row[layout.positions[key]] if row else None
            cell = dash.cell(row=start + 1 + i, column=c + 1, value=value)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"
            if key in FEED_FORMATS:
                cell.number_format = FEED_FORMATS[key]


def _feed_start(dash) -> int:
    for row in range(1, 40):
        if dash.cell(row=row, column=1).value == FEED_LABEL:
            return row + 1
    return 20
