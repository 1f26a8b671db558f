"""How a local workbook tab looks and prints: frozen panes, filter, wrapping, colour-rule order, page setup.

Everything here is a default TrueCraft sets once and then leaves alone where a
person changed it (a pane she froze elsewhere, a filter she set): only what is
missing, or what an older TrueCraft set, is put right.
"""
from __future__ import annotations

from openpyxl.formatting.formatting import ConditionalFormattingList
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, PatternFill
from openpyxl.worksheet.properties import PageSetupProperties

from sheet_schema.dashboard import rule_formula
from sheet_schema.schema import Tab, col_letter, money_format
from sheets.rows import Layout, sheet_time

WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
LAST_RULE_ROW = 5000


def freeze_cell(tab: Tab, pos: dict[str, int]) -> str:
    """Where the panes split: under the header, and right of Order ID when it sits near the left."""
    key = pos.get(tab.key_column)
    if tab.frozen_key and key is not None and key <= 2:  # freezing a column far right would hide the sheet
        return f"{col_letter(key + 1)}2"
    return "A2"


def set_freeze(ws, tab: Tab, pos: dict[str, int]) -> list[str]:
    """Freeze the header (and Order ID); a pane a person set elsewhere stays."""
    wanted = freeze_cell(tab, pos)
    if ws.freeze_panes in (None, "A2") and ws.freeze_panes != wanted:
        ws.freeze_panes = wanted
        return [f"{tab.name}: froze the header row" + (" and Order ID" if wanted != "A2" else "")]
    return []


def set_filter(ws, tab: Tab, pos: dict[str, int]) -> list[str]:
    """A filter on the header row, covering every row below (kept as wide and long as the data)."""
    if not pos:
        return []
    last = col_letter(max(max(pos.values()), ws.max_column - 1))
    ref = f"A1:{last}{max(ws.max_row, 2)}"
    had = bool(ws.auto_filter.ref)
    if ws.auto_filter.ref != ref:
        ws.auto_filter.ref = ref
    return [] if had else [f"{tab.name}: filter on the header row"]


def set_print(ws, tab: Tab, pos: dict[str, int] | None = None) -> list[str]:
    """Landscape, one page wide, header row on every page (Orders, Duplicates, Dashboard).

    Orders prints its working columns (Order ID to Match Reasons): all 21 on one
    page wide would be too small to read.
    """
    if not tab.print_landscape or ws.page_setup.orientation == "landscape":
        return []
    set_print_area(ws, tab, pos or {})
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    if ws.sheet_properties.pageSetUpPr is None:
        ws.sheet_properties.pageSetUpPr = PageSetupProperties()
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    return [f"{tab.name}: print setup (landscape, one page wide, header on every page)"]


def upgrade_times(ws, tab: Tab, pos: dict[str, int]) -> list[str]:
    """Times an older TrueCraft wrote as text ('2026-11-27 14:05') become real date-times."""
    changed = 0
    for col in tab.columns:
        if col.kind != "datetime" or col.key not in pos:
            continue
        for (cell,) in ws.iter_rows(min_row=2, min_col=pos[col.key] + 1, max_col=pos[col.key] + 1):
            when = sheet_time(cell.value) if isinstance(cell.value, str) else None
            if when is not None:
                cell.value, changed = when, changed + 1
    return [f"{tab.name}: {changed} time(s) stored as text made real date-times"] if changed else []


def set_print_area(ws, tab: Tab, pos: dict[str, int]) -> None:
    """The printed columns (A to the last working one) down to the last row, kept as long as the data."""
    if tab.print_through in pos:
        ws.print_area = f"A1:{col_letter(pos[tab.print_through])}{max(ws.max_row, 2)}"


def set_colour_rules(ws, tab: Tab, pos: dict[str, int], threshold: int) -> list[str]:
    """TrueCraft's colour rules first and in schema order (first match wins); a person's own rules stay after."""
    if not pos or not tab.colour_rules:
        return []
    wanted = [rule_formula(r, pos, threshold).lstrip("=") for r in tab.colour_rules]
    ours = set(wanted) | {rule_formula(r, pos, threshold).lstrip("=") for r in tab.retired_rules}
    existing = [(cf.sqref, r) for cf in ws.conditional_formatting for r in cf.rules]
    shown = [r.formula[0] for _, r in sorted(existing, key=lambda e: e[1].priority or 0)
             if r.formula and r.formula[0] in ours]
    if shown == wanted:
        return []
    last = col_letter(max(max(pos.values()), ws.max_column - 1))
    rebuilt = ConditionalFormattingList()
    for rule, formula in zip(tab.colour_rules, wanted):
        rebuilt.add(f"A2:{last}{LAST_RULE_ROW}", FormulaRule(
            formula=[formula], fill=PatternFill("solid", bgColor=rule.background), stopIfTrue=False))
    for sqref, rule in existing:
        if not (rule.formula and rule.formula[0] in ours):
            rule.priority = None
            rebuilt.add(str(sqref), rule)
    ws.conditional_formatting = rebuilt
    return [f"{tab.name}: colour rules set (resolved rows first, then duplicates)"]


LINE_POINTS = 13  # one line of 10-11 pt text
CHAR_PX = 6.4  # an average character of the default font, in pixels (widths are ~7 px per unit)


def fit_height(ws, r: int, wrapped: list[tuple[int, object]]) -> None:
    """Make a row tall enough for its wrapped text to show whole.

    LibreOffice doesn't recompute row heights when it opens a workbook written by
    another program, so wrapped text would overlap the next row: TrueCraft sets them.
    """
    lines = 1
    for c, _ in wrapped:
        text = str(ws.cell(row=r, column=c).value or "")
        width = ws.column_dimensions[col_letter(c - 1)].width or 13
        per_line = max(4, int(width * 7 / CHAR_PX) - 2)  # words don't fill a line to the last pixel
        lines = max(lines, sum(max(1, -(-len(part) // per_line)) for part in text.split("\n")))
    height = LINE_POINTS * min(lines, 8) + 3
    current = ws.row_dimensions[r].height
    if lines > 1 or current:
        ws.row_dimensions[r].height = height


def style_rows(ws, tab: Tab, rows: list[int], layout: Layout | None = None) -> None:
    """Give data rows (1-based row numbers) their column formats: wrapping, number and currency formats.

    Every cell gets its format (not only the column), so a copied or sorted cell keeps it;
    an amount shows the currency of its own row when the tab has a Currency column.
    """
    layout = layout or Layout.from_header(tab, [str(c.value or "") for c in ws[1]])
    styled = [(tab.column(k), i + 1) for k, i in layout.positions.items()]
    currency = layout.positions.get("currency")
    for r in rows:
        if r < 2:
            continue
        fit_height(ws, r, [(c, col) for col, c in styled if col.wrap])
        for col, c in styled:
            cell = ws.cell(row=r, column=c)
            cell.alignment = WRAP if col.wrap else TOP  # a tall row still reads across from the top
            if col.kind == "money" and currency is not None and ws.cell(row=r, column=currency + 1).value:
                cell.number_format = money_format(str(ws.cell(row=r, column=currency + 1).value))
            elif col.number_format:
                cell.number_format = col.number_format
