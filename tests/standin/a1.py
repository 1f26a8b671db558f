"""A1-notation parsing and formatting, following the Sheets API's conventions."""
from __future__ import annotations

import re
from dataclasses import dataclass

_CELL = re.compile(r"^([A-Za-z]*)(\d*)$")
# Google's column limit is 18278 (ZZZ); a title like "Sheet1" is not a cell because SHEET > ZZZ.
_MAX_COL_LETTERS = 3


@dataclass
class A1Range:
    """A parsed range; None bounds mean 'unbounded' (whole column/row/sheet)."""

    title: str | None
    r1: int | None = None
    c1: int | None = None
    r2: int | None = None
    c2: int | None = None
    whole_sheet: bool = False


def col_to_letters(col: int) -> str:
    """Convert a 0-based column index to letters (0 -> A, 26 -> AA)."""
    out = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def letters_to_col(letters: str) -> int:
    """Convert column letters to a 0-based column index."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def looks_like_cell(text: str) -> bool:
    """True when text would be read as a cell reference (so a title must be quoted)."""
    m = re.match(r"^([A-Za-z]{1,3})(\d+)$", text)
    if m:
        return True
    return bool(re.match(r"^[Rr]\d*[Cc]\d*$", text))


def quote_title(title: str) -> str:
    """Quote a sheet title the way Google echoes it in ranges."""
    if re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", title) and not looks_like_cell(title):
        return title
    return "'" + title.replace("'", "''") + "'"


def _split_title(text: str) -> tuple[str | None, str | None, bool]:
    """Split 'Tab'!A1 into (title, cells, was_quoted)."""
    if text.startswith("'"):
        i, buf = 1, []
        while i < len(text):
            if text[i] == "'":
                if i + 1 < len(text) and text[i + 1] == "'":
                    buf.append("'")
                    i += 2
                    continue
                break
            buf.append(text[i])
            i += 1
        rest = text[i + 1:]
        if rest.startswith("!"):
            return "".join(buf), rest[1:], True
        return "".join(buf), None, True
    if "!" in text:
        title, cells = text.rsplit("!", 1)
        return title, cells, False
    return None, text, False


def _parse_cell(part: str) -> tuple[int | None, int | None] | None:
    """Parse 'B3', 'B', or '3' into (row, col) with None for a missing half."""
    m = _CELL.match(part.strip())
    if not m or not (m.group(1) or m.group(2)):
        return None
    letters, digits = m.group(1), m.group(2)
    if len(letters) > _MAX_COL_LETTERS:
        return None
    row = int(digits) - 1 if digits else None
    col = letters_to_col(letters) if letters else None
    if row is not None and row < 0:
        return None
    return row, col


def parse_cells(cells: str) -> tuple[int | None, ...] | None:
    """Parse the cell part of a range into (r1, c1, r2, c2) or None if it is not a range."""
    parts = cells.split(":")
    if len(parts) > 2:
        return None
    first = _parse_cell(parts[0])
    if first is None:
        return None
    if len(parts) == 1:
        if first[0] is None or first[1] is None:
            return None  # a bare 'A' or '3' is not a valid single-part range
        return first[0], first[1], first[0], first[1]
    second = _parse_cell(parts[1])
    if second is None:
        return None
    r1, c1 = first
    r2, c2 = second
    # 'A1:1' means row 1 from column A to the end; 'B1:B' means column B from row 1 down.
    if r1 is not None and r2 is not None and r1 > r2:
        r1, r2 = r2, r1
    if c1 is not None and c2 is not None and c1 > c2:
        c1, c2 = c2, c1
    return r1, c1, r2, c2


def parse_a1(text: str, titles: list[str]) -> A1Range | None:
    """Parse an A1 range; bare text matching a title means that whole sheet."""
    title, cells, quoted = _split_title(text)
    if cells is None:
        return A1Range(title=title, whole_sheet=True)
    if title is None:
        # Without '!', a known title wins over a cell reading, as in Google.
        if text in titles and not looks_like_cell(text):
            return A1Range(title=text, whole_sheet=True)
        bounds = parse_cells(cells)
        if bounds is None:
            return A1Range(title=text, whole_sheet=True)
        return A1Range(None, *bounds)
    bounds = parse_cells(cells)
    if bounds is None:
        return None
    return A1Range(title, *bounds)


def format_range(title: str, r1: int, c1: int, r2: int, c2: int) -> str:
    """Format bounded 0-based inclusive bounds as Google echoes them (Sheet1!A1:B2)."""
    start = f"{col_to_letters(c1)}{r1 + 1}"
    end = f"{col_to_letters(c2)}{r2 + 1}"
    cells = start if (r1, c1) == (r2, c2) else f"{start}:{end}"
    return f"{quote_title(title)}!{cells}"
