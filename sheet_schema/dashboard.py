"""Dashboard tab content: live formulas built from where the columns sit right now."""
from __future__ import annotations

from sheet_schema.schema import ColourRule, col_letter, quote_tab
from sheet_schema.tabs import AUDIT_LOG, DUPLICATES, INVENTORY, ORDERS

PLATFORM_LABELS = ("Shopify", "Etsy", "Square", "Amazon", "Manual")


ALERTS_LABEL = "Last alerts sent"
# Archive (issue 16): a person types Order IDs into BRING_BACK_CELL; column H is never cleared by init.
BRING_BACK_LABEL = "Bring back from the archive: type Order IDs in the cell below (e.g. TC-123)"
BRING_BACK_CELL = "H11"
# What archived orders saved, worked out from the journal by the archive run (the archive sheet is never
# read): "All time" adds it, because the SUMIFS only see the rows still in Orders. Its label is written by
# the archive run too, so a shop without an archive never sees an empty "archived" figure.
ARCHIVED_SAVED, ARCHIVED_SAVED_LABEL = "C5", ("C4", "Archived part ↓")

# "Labels to print" (issue 13): a title written by the layout; the count, the link to the one PDF, the
# hint and the PRINTED cell are kept by automations/labels/printing.py, so the layout never clears them.
LABELS_TITLE = ("D8", "Labels to print")
LABELS_COUNT, LABELS_LINK, LABELS_HINT, LABELS_MARK = "D9", "D10", "D11", "D12"
PRINTED = "PRINTED"
SERVICE_CELLS = frozenset({LABELS_COUNT, LABELS_LINK, LABELS_HINT, LABELS_MARK, ARCHIVED_SAVED,
                           ARCHIVED_SAVED_LABEL[0]})


# (row, label, figure key, kind). Labels in column A, live formulas in column B; money first:
# what TrueCraft saved is the number it is bought for (issue 14.7).
FIGURES = (
    (3, "Saved by caught duplicates", "", ""),
    (4, "  This month", "saved_month", "money"),
    (5, "  All time", "saved_all", "money"),
    (6, "Revenue this week (from Monday)", "revenue_week", "money"),
    (8, "Orders today", "", ""),
    *((9 + i, f"  {label}", f"today:{label}", "count") for i, label in enumerate(PLATFORM_LABELS)),
    (14, "  All channels", "today_all", "count"),
    (15, "  Merged or cancelled (not counted)", "today_excluded", "count"),
    (16, "Unfulfilled", "unfulfilled", "count"),
    (17, "On hold", "on_hold", "count"),
    (18, "In progress", "in_progress", "count"),
    (19, "Duplicates awaiting review", "dups_waiting", "count"),
    (20, "Low-stock items", "low_stock", "count"),
)
FEED_LABEL_ROW = 22
FEED_LABEL = "Newest orders first"
STOCK_ROWS = 5000  # SUMPRODUCT needs bounded ranges


def figure_formulas(orders_pos: dict[str, int], dup_pos: dict[str, int],
                    inv_pos: dict[str, int] | None = None) -> dict[str, str]:
    """Figure key -> live formula, with the columns' current letters.

    Times are real date-times, so "today" and "this week" compare numbers
    (TODAY(), DATE()): no date text, no format codes, nothing that depends on
    the sheet's locale. Merged and cancelled orders are not sales.
    """
    o = {k: f"{quote_tab(ORDERS)}!{col_letter(i)}:{col_letter(i)}" for k, i in orders_pos.items()}
    d = {k: f"{quote_tab(DUPLICATES)}!{col_letter(i)}:{col_letter(i)}" for k, i in dup_pos.items()}
    today = f'{o["received"]},">="&TODAY(),{o["received"]},"<"&(TODAY()+1)'
    real = f'{o["status"]},"<>MERGED",{o["status"]},"<>CANCELLED"'
    month = f'{o["received"]},">="&DATE(YEAR(TODAY()),MONTH(TODAY()),1)'

    def saved(extra: str = "") -> str:  # orders merged or cancelled as someone's duplicate
        return "+".join(f'SUMIFS({o["total"]},{o["dup_of"]},"<>",{o["status"]},"{s}"{extra})'
                        for s in ("MERGED", "CANCELLED"))
    out = {
        "saved_month": "=" + saved("," + month), "saved_all": "=" + saved() + f"+N({ARCHIVED_SAVED})",
        "revenue_week": f'=SUMIFS({o["total"]},{o["received"]},">="&(TODAY()-WEEKDAY(TODAY(),3)),{real})',
        "today_all": f"=COUNTIFS({today},{real})",
        "today_excluded": f'=COUNTIFS({today},{o["status"]},"MERGED")+COUNTIFS({today},{o["status"]},"CANCELLED")',
        "unfulfilled": f'=COUNTIF({o["status"]},"UNFULFILLED")',
        "on_hold": f'=COUNTIF({o["status"]},"ON HOLD")',
        "in_progress": f'=COUNTIF({o["status"]},"IN PROGRESS")',
        "dups_waiting": f'=COUNTIFS({d["score"]},">0",{d["decision"]},"")',
    }
    for label in PLATFORM_LABELS:
        out[f"today:{label}"] = f'=COUNTIFS({o["platform"]},"{label}",{today},{real})'
    if inv_pos and "on_hand" in inv_pos and "low_stock" in inv_pos:
        def rng(key: str) -> str:
            letter = col_letter(inv_pos[key])
            return f"{quote_tab(INVENTORY)}!{letter}2:{letter}{STOCK_ROWS}"
        out["low_stock"] = (f'=SUMPRODUCT(ISNUMBER({rng("on_hand")})*ISNUMBER({rng("low_stock")})'
                            f'*({rng("on_hand")}<={rng("low_stock")}))')
    return out


PRINT_LABEL = "Print (PDF: landscape, one page wide, header on every page)"


def print_url(spreadsheet_id: str, gid: int) -> str:
    """Google's PDF export of one tab with the print setup the API can't store (landscape, fit to width,
    frozen header rows repeated)."""
    return (f"https://docs.google.com/spreadsheets/d/{spreadsheet_id}/export?format=pdf&gid={gid}"
            "&portrait=false&fitw=true&fzr=true&gridlines=false")


def dashboard_cells(orders_pos: dict[str, int], dup_pos: dict[str, int],
                    google: bool = True, audit_pos: dict[str, int] | None = None,
                    inv_pos: dict[str, int] | None = None,
                    print_links: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """(A1, value) pairs for the Dashboard; formulas reference columns by their live letters."""
    formulas = figure_formulas(orders_pos, dup_pos, inv_pos)
    cells: list[tuple[str, str]] = [("A1", "TrueCraft Dashboard")]
    if print_links:
        cells.append(("D3", PRINT_LABEL))
        for i, (tab, url) in enumerate(print_links.items()):
            cells.append((f"D{4 + i}", f'=HYPERLINK("{url}","{tab}")'))
    cells.append(LABELS_TITLE)
    for row, label, key, _ in FIGURES:
        if key and key not in formulas:
            continue
        cells.append((f"A{row}", label))
        if key:
            cells.append((f"B{row}", formulas[key]))
    feed_row = FEED_LABEL_ROW + 1
    cells.append((f"A{FEED_LABEL_ROW}", FEED_LABEL))
    if google:
        keys = ["received", "order_id", "platform", "total", "customer", "status"]
        letters = ",".join(col_letter(orders_pos[k]) for k in keys)
        last = col_letter(max(orders_pos.values()))
        cells.append((f"A{feed_row}", (
            f'=QUERY({quote_tab(ORDERS)}!A1:{last},"select {letters} where '
            f'{col_letter(orders_pos["order_id"])} is not null order by '
            f'{col_letter(orders_pos["received"])} desc limit 50",1)')))
    a = audit_pos or {}
    if all(k in a for k in ("at", "kind", "new")):
        cells.append(("H3", ALERTS_LABEL))
        if google:  # the Audit Log keeps one "alert sent" line per message; newest five here
            cells.append(("H4", (f"=IFERROR(QUERY({quote_tab(AUDIT_LOG)}!A:{col_letter(max(a.values()))},"
                                 f"\"select {col_letter(a['at'])}, {col_letter(a['new'])} where "
                                 f"{col_letter(a['kind'])} = 'alert sent' order by {col_letter(a['at'])} desc "
                                 f"limit 5\",0),\"none yet\")")))
    cells.append(("H10", BRING_BACK_LABEL))
    return cells


def rule_formula(rule: ColourRule, positions: dict[str, int], threshold: int, row: int = 2) -> str:
    """A colour rule's formula with live column letters ($-anchored so it colours the whole row).

    `row` is the first row of the rule's range: relative references start there.
    """
    values = {k: f"${col_letter(i)}" for k, i in positions.items()}
    values["threshold"] = str(threshold)
    values["row"] = str(row)
    return rule.formula.format(**values)


def whole_column_formula(rule: ColourRule, positions: dict[str, int], threshold: int) -> str:
    """The formula for a rule whose range is whole columns (from row 1), skipping the header row.

    Google moves rule ranges like references (FACTS 2): rows inserted right under the
    header would push a range that starts on row 2 below them; one that starts on row 1
    grows instead, so every appended row stays covered.
    """
    return "=AND(ROW()>1," + rule_formula(rule, positions, threshold, row=1)[1:] + ")"
