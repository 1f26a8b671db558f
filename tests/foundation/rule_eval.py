"""Evaluate TrueCraft's colour-rule formulas on one row, the way Sheets/Excel would, to see which colour wins.

Only the small formula language the rules use: AND, OR, NOT, ISNUMBER, LEFT, ROW(),
comparisons, $-anchored cell references and quoted text. Comparisons follow
Sheets: a number is always less than text, and an empty cell equals "".
"""
from __future__ import annotations

import re

_REF = re.compile(r"\$([A-Z]{1,3})\$?(\d+)")


class Value:
    """A cell value that compares like Sheets does across types."""

    def __init__(self, v):
        self.v = "" if v is None else v

    def _key(self):
        return (0, self.v) if isinstance(self.v, (int, float)) and not isinstance(self.v, bool) else (1, str(self.v))

    def _other(self, o):
        return o if isinstance(o, Value) else Value(o)

    def __eq__(self, o):
        o = self._other(o)
        return self._key() == o._key()

    def __ne__(self, o):
        return not self == o

    def __lt__(self, o):
        return self._key() < self._other(o)._key()

    def __le__(self, o):
        return self._key() <= self._other(o)._key()

    def __gt__(self, o):
        return self._key() > self._other(o)._key()

    def __ge__(self, o):
        return self._key() >= self._other(o)._key()


def _letters(col: str) -> int:
    n = 0
    for ch in col:
        n = n * 26 + ord(ch) - 64
    return n - 1


def evaluate(formula: str, row: list, row_number: int = 2) -> bool:
    """True when the rule formula holds for this row (values in sheet column order)."""
    from sheet_schema.schema import with_commas

    expr = with_commas(formula.lstrip("="))  # Google takes ';' between arguments too
    expr = _REF.sub(lambda m: f"_cell({_letters(m.group(1))})", expr)
    expr = expr.replace("ROW()", str(row_number)).replace("<>", "!=")
    expr = re.sub(r"(?<![<>!=])=(?!=)", "==", expr)
    expr = re.sub(r"\bAND\(", "_and(", expr)
    expr = re.sub(r"\bOR\(", "_or(", expr)
    expr = re.sub(r"\bNOT\(", "_not(", expr)
    expr = re.sub(r"\bISNUMBER\(", "_isnumber(", expr)
    expr = re.sub(r"\bLEFT\(", "_left(", expr)
    env = {
        "_cell": lambda i: Value(row[i] if i < len(row) else None),
        "_and": lambda *a: all(bool(x) for x in a), "_or": lambda *a: any(bool(x) for x in a),
        "_not": lambda x: not x,
        "_isnumber": lambda v: isinstance(v.v, (int, float)) and not isinstance(v.v, bool),
        "_left": lambda v, n: Value(str(v.v)[:int(n)]),
    }
    return bool(eval(expr, {"__builtins__": {}}, env))  # noqa: S307 - our own rule text, in a test


def winning_colour(rules: list[tuple[str, str]], row: list, row_number: int = 2) -> str | None:
    """The background of the first rule (formula, colour) that matches, as Sheets applies them."""
    for formula, colour in rules:
        if evaluate(formula, row, row_number):
            return colour
    return None
