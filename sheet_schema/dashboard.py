"""Dashboard tab content: live formulas built from where the columns sit right now."""
from __future__ import annotations

from sheet_schema.schema import ColourRule, col_letter, quote_tab
from sheet_schema.tabs import AUDIT_LOG, DUPLICATES, ORDERS

PLATFORM_LABELS = ("Shopify", "Etsy", "Square", "Amazon", "Manual")


ALERTS_LABEL = "Last alerts sent"


def dashboard_cells(orders_pos: dict[str, int], dup_pos: dict[str, int],
                    google: bool = True, audit_pos: dict[str, int] | None = None) -> list[tuple[str, str]]:
    """(A1, value) pairs for the Dashboard; formulas reference columns by their live letters."""
    o = {k: f"{quote_tab(ORDERS)}!{col_letter(i)}:{col_letter(i)}" for k, i in orders_pos.items()}
    d = {k: f"{quote_tab(DUPLICATES)}!{col_letter(i)}:{col_letter(i)}" for k, i in dup_pos.items()}
    today = 'TEXT(TODAY(),"yyyy-mm-dd")&"*"'
    # Merged duplicates and cancelled orders are not sales: they are counted on their own line.
    real = f',{o["status"]},"<>MERGED",{o["status"]},"<>CANCELLED"'
    cells: list[tuple[str, str]] = [("A1", "TrueCraft Dashboard"), ("A3", "Orders today")]
    row = 4
    for label in PLATFORM_LABELS:
        cells.append((f"A{row}", f"  {label}"))
        cells.append((f"B{row}", f'=COUNTIFS({o["platform"]},"{label}",{o["received"]},{today}{real})'))
        row += 1
    cells += [
        (f"A{row}", "  All channels"), (f"B{row}", f"=COUNTIFS({o['received']},{today}{real})"),
        (f"A{row + 1}", "  Merged or cancelled (not counted)"),
        (f"B{row + 1}", f'=COUNTIFS({o["received"]},{today},{o["status"]},"MERGED")'
                        f'+COUNTIFS({o["received"]},{today},{o["status"]},"CANCELLED")'),
        (f"A{row + 2}", "Unfulfilled"), (f"B{row + 2}", f'=COUNTIF({o["status"]},"UNFULFILLED")'),
        (f"A{row + 3}", "In progress"), (f"B{row + 3}", f'=COUNTIF({o["status"]},"IN PROGRESS")'),
        (f"A{row + 4}", "On hold"), (f"B{row + 4}", f'=COUNTIF({o["status"]},"ON HOLD")'),
        (f"A{row + 5}", "Duplicates awaiting review"),
        (f"B{row + 5}", f'=COUNTIFS({d["score"]},">0",{d["decision"]},"")'),
    ]
    feed_row = row + 8
    cells.append((f"A{feed_row - 1}", "Newest orders first"))
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
