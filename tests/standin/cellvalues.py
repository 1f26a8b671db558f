"""Cell value input parsing (RAW / USER_ENTERED), rendering and a tiny formula evaluator."""
from __future__ import annotations

import ast
import datetime as dt
import operator
import re

from tests.standin.a1 import letters_to_col
from tests.standin.numformat import render_number

_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_GROUPED_NUMBER = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_CURRENCY = re.compile(r"^-?\$\d{1,3}(,?\d{3})*(\.\d+)?$")
_PERCENT = re.compile(r"^[+-]?\d+(\.\d+)?%$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_EPOCH = dt.date(1899, 12, 30)  # Sheets' serial-number epoch
_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
        ast.Div: operator.truediv, ast.Pow: operator.pow}
_CELL_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")
NAME_ERROR = "#NAME?"


def parse_input(value, option: str, fmt: dict | None = None) -> dict:
    """Turn one JSON value from a values write into a cell dict ({} means empty).

    `fmt` is the target cell's userEnteredFormat: typed text goes through its number
    format (FACTS 3), so a Plain text (TEXT, '@') cell keeps '9400111899223100000001'
    exactly while an Automatic cell turns it into a number.
    """
    if value is None:
        return {}
    if isinstance(value, bool):
        return {"v": {"boolValue": value}}
    if isinstance(value, (int, float)):
        return {"v": {"numberValue": value}}
    text = str(value)
    if text == "":
        return {}
    if option != "USER_ENTERED":
        return {"v": {"stringValue": text}}
    if ((fmt or {}).get("numberFormat") or {}).get("type") == "TEXT":
        return {"v": {"stringValue": text}}
    if text.startswith("'"):
        # A leading apostrophe forces text and is not part of the stored value.
        return {"v": {"stringValue": text[1:]}}
    if text.startswith("=") and len(text) > 1:
        return {"v": {"formulaValue": _en_us_separators(text)}}
    return _parse_user_text(text)


def _en_us_separators(formula: str) -> str:
    """Google takes ';' between arguments in every locale and stores ',' in en_US (the stand-in's locale).

    Sources: mricon/ingress-fieldplan#5 ("Google now accepts semicolons in all locales"),
    axemonk/Spreadsheet-Formula#19 ("valid in Google Sheets (';' autocorrected to ',')").
    """
    out, quoted = [], False
    for ch in formula:
        quoted = not quoted if ch == '"' else quoted
        out.append("," if ch == ";" and not quoted else ch)
    return "".join(out)


def _parse_user_text(text: str) -> dict:
    """Detect numbers, percents, currency, dates and booleans like the Sheets UI does."""
    stripped = text.strip()
    if _PLAIN_NUMBER.match(stripped):
        return {"v": {"numberValue": _num(float(stripped))}}
    if _GROUPED_NUMBER.match(stripped) or _CURRENCY.match(stripped):
        # Google keeps the detected display format, so the typed text is what people see.
        num = float(stripped.replace(",", "").replace("$", ""))
        return {"v": {"numberValue": _num(num)}, "shown": stripped}
    if _PERCENT.match(stripped):
        return {"v": {"numberValue": _num(float(stripped[:-1]) / 100)}, "shown": stripped}
    if _ISO_DATE.match(stripped):
        try:
            day = dt.date.fromisoformat(stripped)
        except ValueError:
            return {"v": {"stringValue": text}}
        return {"v": {"numberValue": (day - _EPOCH).days}, "shown": stripped, "date": True}
    if stripped.upper() in ("TRUE", "FALSE"):
        return {"v": {"boolValue": stripped.upper() == "TRUE"}}
    return {"v": {"stringValue": text}}


def _num(x: float):
    """Return an int for integral floats so JSON shows 53, not 53.0."""
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return int(x)
    return x


def format_number(x) -> str:
    """Render a number in Sheets' 'Automatic' format."""
    x = _num(x)
    if isinstance(x, int):
        return str(x)
    if abs(x) >= 1e15:
        # FACTS 3: Automatic shows big numbers in scientific notation with 6 significant
        # digits: 9400111899223100000001 reads back as 9.40011E+21 — the digits are gone.
        mantissa, exp = f"{x:.5E}".split("E")
        return mantissa.rstrip("0").rstrip(".") + "E+" + str(int(exp))
    return format(x, ".15g").replace("e+", "E+").replace("e-", "E-")


def effective(cell: dict, lookup, depth: int = 0):
    """Compute a cell's effective value: number, str, bool, or None when empty."""
    uev = cell.get("v") or {}
    if "formulaValue" in uev:
        return evaluate(uev["formulaValue"], lookup, depth)
    for key in ("numberValue", "stringValue", "boolValue"):
        if key in uev:
            return uev[key]
    return None


def render(cell: dict, option: str, lookup, date_option: str = "SERIAL_NUMBER"):
    """Render a cell for values.get under the given valueRenderOption."""
    uev = cell.get("v") or {}
    if len(uev) == 1 and "stringValue" in uev and "shown" not in cell:
        return uev["stringValue"]  # plain text reads back as typed under every option (most cells: fast path)
    if option == "FORMULA" and "formulaValue" in uev:
        return uev["formulaValue"]
    val = effective(cell, lookup)
    if val is None:
        return ""
    if option == "FORMATTED_VALUE":
        if "shown" in cell:
            return cell["shown"]
        if isinstance(val, bool):
            return "TRUE" if val else "FALSE"
        if isinstance(val, (int, float)):
            shown = render_number(val, (cell.get("fmt") or {}).get("numberFormat"))
            return format_number(val) if shown is None else shown
        return val
    if cell.get("date") and date_option == "FORMATTED_STRING":
        return cell["shown"]
    if isinstance(val, float):
        return _num(val)
    return val


def evaluate(formula: str, lookup, depth: int = 0):
    """Evaluate simple arithmetic (numbers, + - * / ^, cell refs); else '#NAME?'."""
    if depth > 20:
        return "#REF!"
    expr = formula[1:].strip().replace("^", "**")
    refs = {}

    def _sub(m):
        name = f"__c{len(refs)}"
        refs[name] = (int(m.group(2)) - 1, letters_to_col(m.group(1)))
        return name

    expr = _CELL_REF.sub(_sub, expr)
    try:
        tree = ast.parse(expr, mode="eval")
        return _num(_eval_node(tree.body, refs, lookup, depth))
    except ZeroDivisionError:
        return "#DIV/0!"
    except Exception:  # anything beyond simple arithmetic is out of scope
        return NAME_ERROR


def _eval_node(node, refs, lookup, depth):
    """Walk a whitelisted arithmetic AST."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        return _OPS[type(node.op)](_eval_node(node.left, refs, lookup, depth),
                                   _eval_node(node.right, refs, lookup, depth))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        val = _eval_node(node.operand, refs, lookup, depth)
        return -val if isinstance(node.op, ast.USub) else val
    if isinstance(node, ast.Name) and node.id in refs:
        val = effective(lookup(*refs[node.id]), lookup, depth + 1)
        if val is None:
            return 0
        if isinstance(val, bool):
            return int(val)
        if isinstance(val, (int, float)):
            return val
        raise ValueError("non-numeric reference")
    raise ValueError("unsupported formula")


def cell_data(cell: dict, lookup) -> dict:
    """Build the API CellData object (userEnteredValue, effectiveValue, formattedValue...)."""
    out = {}
    if cell.get("v"):
        out["userEnteredValue"] = dict(cell["v"])
        val = effective(cell, lookup)
        if isinstance(val, bool):
            out["effectiveValue"] = {"boolValue": val}
        elif isinstance(val, (int, float)):
            out["effectiveValue"] = {"numberValue": val}
        elif isinstance(val, str) and val.startswith("#"):
            out["effectiveValue"] = {"errorValue": {"type": "NAME", "message": val}}
        elif val is not None:
            out["effectiveValue"] = {"stringValue": val}
        out["formattedValue"] = render(cell, "FORMATTED_VALUE", lookup)
    if cell.get("fmt"):
        out["userEnteredFormat"] = cell["fmt"]
    if cell.get("note"):
        out["note"] = cell["note"]
    if cell.get("dv"):
        out["dataValidation"] = cell["dv"]
    return out
