"""The local Dashboard's stored results: each live formula is saved with the number it gives now.

Excel and LibreOffice recompute the formulas when the file is opened, but a phone's
preview (or any viewer that doesn't calculate) shows a formula's stored result,
and openpyxl stores none. So TrueCraft works the figures out from the same rows,
the same way the formulas do, and writes them beside the formulas in the saved file.
"""
from __future__ import annotations

import re
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path

from sheet_schema.dashboard import ARCHIVED_SAVED, FIGURES, PLATFORM_LABELS
from sheet_schema.tabs import DASHBOARD, DUPLICATES, DUPLICATES_TAB, INVENTORY, INVENTORY_TAB, ORDERS, ORDERS_TAB
from sheets.rows import Layout, sheet_time

NOT_SALES = ("MERGED", "CANCELLED")


def _rows(wb, tab) -> list[dict]:
    """Every data row of a tab as {column key: cell value}."""
    if tab.name not in wb.sheetnames:
        return []
    ws = wb[tab.name]
    layout = Layout.from_header(tab, [str(c.value or "") for c in ws[1]])
    out = []
    for row in ws.iter_rows(min_row=2, values_only=True):
        values = {k: row[i] if i < len(row) else None for k, i in layout.positions.items()}
        if any(v not in (None, "") for v in values.values()):
            out.append(values)
    return out


def _number(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _when(value) -> datetime | None:
    return value if isinstance(value, datetime) else sheet_time(value or "")


def figure_values(wb, today: date) -> dict[str, float]:
    """Figure key -> what its formula gives on `today` (same rules as sheet_schema.dashboard)."""
    orders = _rows(wb, ORDERS_TAB)
    status = [str(o.get("status") or "") for o in orders]
    when = [_when(o.get("received")) for o in orders]
    total = [_number(o.get("total")) or 0.0 for o in orders]
    is_today = [w is not None and w.date() == today for w in when]
    sale = [s not in NOT_SALES for s in status]
    caught = [bool(o.get("dup_of")) and s in NOT_SALES for o, s in zip(orders, status)]
    month, monday = today.replace(day=1), today - timedelta(days=today.weekday())
    out = {
        "saved_all": sum(t for t, c in zip(total, caught) if c),
        "saved_month": sum(t for t, c, w in zip(total, caught, when) if c and w and w.date() >= month),
        "revenue_week": sum(t for t, s, w in zip(total, sale, when) if s and w and w.date() >= monday),
        "today_all": sum(1 for t, s in zip(is_today, sale) if t and s),
        "today_excluded": sum(1 for t, s in zip(is_today, sale) if t and not s),
        "unfulfilled": status.count("UNFULFILLED"), "on_hold": status.count("ON HOLD"),
        "in_progress": status.count("IN PROGRESS"),
    }
    for label in PLATFORM_LABELS:
        out[f"today:{label}"] = sum(1 for o, t, s in zip(orders, is_today, sale) if t and s and o.get("platform") == label)
    pairs = _rows(wb, DUPLICATES_TAB)
    out["dups_waiting"] = sum(1 for p in pairs if (_number(p.get("score")) or 0) > 0 and not p.get("decision"))
    stock = [(_number(i.get("on_hand")), _number(i.get("low_stock"))) for i in _rows(wb, INVENTORY_TAB)]
    out["low_stock"] = sum(1 for have, low in stock if have is not None and low is not None and have <= low)
    return out


def stored_results(wb, today: date | None = None) -> dict[str, float]:
    """A1 of each Dashboard figure that holds a formula -> its value now."""
    if DASHBOARD not in wb.sheetnames or ORDERS not in wb.sheetnames or DUPLICATES not in wb.sheetnames:
        return {}
    values = figure_values(wb, today or date.today())  # TODAY() is the computer's own date too
    dash = wb[DASHBOARD]
    values["saved_all"] += _number(dash[ARCHIVED_SAVED].value) or 0.0  # the formula's +N(C5)
    out = {}
    for row, _, key, _ in FIGURES:
        cell = dash.cell(row=row, column=2)
        if key in values and isinstance(cell.value, str) and cell.value.startswith("="):
            out[f"B{row}"] = values[key]
    return out


def write_results(path: Path, sheet_index: int, results: dict[str, float]) -> None:
    """Put each formula's result into the saved file (openpyxl writes the formula with an empty <v/>)."""
    if not results:
        return
    name = f"xl/worksheets/sheet{sheet_index + 1}.xml"
    with zipfile.ZipFile(path) as src:
        items = [(info, src.read(info.filename)) for info in src.infolist()]
    # Rewritten in place: the file keeps the private permissions it was created with (0600).
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info, data in items:
            if info.filename == name:
                text = data.decode("utf-8")
                for a1, value in results.items():
                    shown = f"{value:.10g}"
                    text = re.sub(rf'(<c r="{a1}"[^>]*>\s*<f>.*?</f>\s*)<v\s*/>', lambda m: f"{m.group(1)}<v>{shown}</v>",
                                  text, count=1, flags=re.S)
                data = text.encode("utf-8")
            dst.writestr(info, data)
