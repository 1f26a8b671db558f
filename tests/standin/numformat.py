"""Render a number through a cell's number format, as Google's FORMATTED_VALUE does.

Source: the Sheets API guide "Date and number formats"
(developers.google.com/sheets/api/guides/formats): `0` and `#` digit
placeholders, `,` grouping, `.` decimals, text in double quotes shown as is;
date-time tokens `yyyy`, `yy`, `mm` (month, or minutes right after an hour
token), `dd`, `hh`, `ss`, with the value a serial number of days since
1899-12-30. And ValueRenderOption.FORMATTED_VALUE: "values will be calculated &
formatted in the response according to the cell's formatting" (en_US here, the
stand-in's locale). Only the pattern shapes TrueCraft and its tests use are
covered; anything else falls back to the Automatic rendering.
"""
from __future__ import annotations

import datetime as dt
import re

_EPOCH = dt.datetime(1899, 12, 30)
_TOKENS = re.compile(r'"[^"]*"|yyyy|yy|mm|m|dd|d|hh|h|ss|[#0,.]+|.', re.IGNORECASE)


def render_number(value, number_format: dict | None) -> str | None:
    """The text a number shows under a numberFormat, or None to use the Automatic rendering."""
    fmt = number_format or {}
    kind, pattern = fmt.get("type"), fmt.get("pattern") or ""
    if kind in ("DATE", "TIME", "DATE_TIME") and pattern:
        return _date(value, pattern)
    if kind in ("NUMBER", "CURRENCY", "PERCENT") and pattern and re.search(r"[#0]", pattern):
        return _number(value, pattern)
    return None


def _date(value, pattern: str) -> str:
    when = _EPOCH + dt.timedelta(days=float(value))
    when = when.replace(microsecond=0) + dt.timedelta(seconds=round(when.microsecond / 1e6))
    out, after_hour = [], False
    for tok in _TOKENS.findall(pattern):
        low = tok.lower()
        if tok.startswith('"'):
            out.append(tok[1:-1])
        elif low == "yyyy":
            out.append(f"{when.year:04d}")
        elif low == "yy":
            out.append(f"{when.year % 100:02d}")
        elif low in ("mm", "m"):
            part = when.minute if after_hour else when.month
            out.append(f"{part:02d}" if low == "mm" else str(part))
        elif low in ("dd", "d"):
            out.append(f"{when.day:02d}" if low == "dd" else str(when.day))
        elif low in ("hh", "h"):
            out.append(f"{when.hour:02d}" if low == "hh" else str(when.hour))
        elif low == "ss":
            out.append(f"{when.second:02d}")
        else:
            out.append(tok)
        if low not in (":", " "):
            after_hour = low in ("hh", "h")
    return "".join(out)


def _number(value, pattern: str) -> str:
    number = float(value)
    out = []
    for tok in _TOKENS.findall(pattern):
        if tok.startswith('"'):
            out.append(tok[1:-1])
        elif re.fullmatch(r"[#0,.]+", tok) and re.search(r"[#0]", tok):
            decimals = len(tok.split(".", 1)[1]) if "." in tok else 0
            text = f"{abs(number):{',' if ',' in tok else ''}.{decimals}f}"
            out.append(text)
        else:
            out.append(tok)
    text = "".join(out)
    return ("-" + text) if number < 0 and round(abs(number), 10) else text
