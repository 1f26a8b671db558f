"""What a person does to the Orders tab by hand, applied to the stand-in's model as the Sheets UI would."""
from __future__ import annotations

from tests.reliability.harness import ORDERS, Sheet
from tests.standin.sheets_batchdispatch import cut_paste
from tests.standin.sheets_batchupdate import update_sheet_properties


def _lock(sheet: Sheet):
    # The stand-in's human_* helpers cover sort/insert/delete/set; moves and renames need its model lock.
    return sheet.standin._state.lock  # noqa: SLF001 - test helper reaching into the stand-in


def header_index(sheet: Sheet, header: str) -> int:
    """0-based column of a header in the Orders tab."""
    return sheet.rows()[0].index(header)


def delete_rows(sheet: Sheet, first: int, count: int) -> None:
    """Select rows first..first+count-1 (1-based sheet rows) and delete them."""
    sheet.standin.human_delete_rows(sheet.sid, ORDERS, first - 1, first - 1 + count)


def sort_by(sheet: Sheet, header: str, ascending: bool = False) -> None:
    """Data > Sort range by one column."""
    sheet.standin.human_sort(sheet.sid, ORDERS, header_index(sheet, header), ascending)


def insert_rows(sheet: Sheet, before_row: int, count: int) -> None:
    """Insert blank rows above a 1-based sheet row."""
    sheet.standin.human_insert_rows(sheet.sid, ORDERS, before_row - 1, count)


def insert_column(sheet: Sheet, at: int, header: str) -> None:
    """Insert a column before 0-based `at` and give it a header of the person's own."""
    sheet.standin.human_insert_columns(sheet.sid, ORDERS, at, 1)
    sheet.standin.human_set(sheet.sid, ORDERS, f"{chr(65 + at)}1", header)


def move_column(sheet: Sheet, header: str, to: int = 0) -> None:
    """Drag a column (found by header) to 0-based position `to`: insert, cut-paste, remove the gap."""
    src = header_index(sheet, header)
    with _lock(sheet):
        tab = sheet.standin.sheet(sheet.sid, ORDERS)
        ss = sheet.standin.spreadsheet(sheet.sid)
        rows = tab.data_extent()[0] + 1
        tab.shift("COLUMNS", to, 1)
        src = src + 1 if src >= to else src
        cut_paste(ss, {"source": {"sheetId": tab.sheet_id, "startRowIndex": 0, "endRowIndex": rows,
                                  "startColumnIndex": src, "endColumnIndex": src + 1},
                       "destination": {"sheetId": tab.sheet_id, "rowIndex": 0, "columnIndex": to},
                       "pasteType": "PASTE_NORMAL"})
        tab.shift("COLUMNS", src, -1)


def rename_tab(sheet: Sheet, new_title: str, old_title: str = ORDERS) -> None:
    """Double-click the tab and type a new name."""
    with _lock(sheet):
        ss = sheet.standin.spreadsheet(sheet.sid)
        tab = sheet.standin.sheet(sheet.sid, old_title)
        update_sheet_properties(ss, {"properties": {"sheetId": tab.sheet_id, "title": new_title},
                                     "fields": "title"})


def clear_header(sheet: Sheet) -> None:
    """Select row 1 and press Delete."""
    width = len(sheet.rows()[0])
    with _lock(sheet):
        sheet.standin.sheet(sheet.sid, ORDERS).clear_values(0, 0, 0, width - 1)
