"""Types for describing the workbook as data: tabs made of columns."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    """One column of a tab.

    key: stable internal name; header: what people see in row 1; kind: text,
    datetime, money, int, percent, choice; editable: people type here (the
    service never overwrites it except on purpose); choices: dropdown values;
    width: pixels, a hint for init; wrap: long text that wraps instead of being cut off;
    note: shown on the header cell (what the seller fills in); strict: a dropdown refuses other values.
    """

    key: str
    header: str
    kind: str = "text"
    editable: bool = False
    choices: tuple[str, ...] = ()
    width: int = 120
    number_format: str = ""
    wrap: bool = False
    note: str = ""
    strict: bool = True  # dropdown refuses other values (Status); False lets a person type her own (Carrier)


@dataclass(frozen=True)
class ColourRule:
    """Conditional formatting: colour whole rows where `formula` (for row 2) is true."""

    name: str
    formula: str
    background: str  # hex RGB like "F8D7DA"


@dataclass(frozen=True)
class Tab:
    """A tab: ordered columns, plus optional rules and static formula cells."""

    name: str
    columns: tuple[Column, ...]
    key_column: str = ""  # the column that identifies a row (Order ID)
    colour_rules: tuple[ColourRule, ...] = ()
    protect_service_columns: bool = True
    # For formula tabs (Dashboard): A1 -> formula or label, written USER_ENTERED.
    cells: tuple[tuple[str, str], ...] = ()
    tab_colour: str = ""
    # Rules older versions added: init removes them, so a sheet never keeps two colour orders.
    retired_rules: tuple[ColourRule, ...] = ()
    frozen_key: bool = False  # freeze the key column with the header (Orders: Order ID stays in view)
    print_landscape: bool = False  # print setup: landscape, fit to width, header row on every page
    print_through: str = ""  # last column key printed (the working columns), so the print stays readable

    @property
    def headers(self) -> list[str]:
        """Headers in schema order."""
        return [c.header for c in self.columns]

    def column(self, key: str) -> Column:
        """The column with this key."""
        for col in self.columns:
            if col.key == key:
                return col
        raise KeyError(f"{self.name} has no column {key}")

    def by_header(self) -> dict[str, Column]:
        """Columns keyed by their header text, normalised for lookup."""
        return {normalise_header(c.header): c for c in self.columns}


@dataclass(frozen=True)
class WorkbookSchema:
    """Every tab, in the order init creates them."""

    tabs: tuple[Tab, ...] = field(default_factory=tuple)
    version: int = 1

    def tab(self, name: str) -> Tab:
        """The tab with this name."""
        for tab in self.tabs:
            if tab.name == name:
                return tab
        raise KeyError(name)


DATE_TIME_FORMAT = "yyyy-mm-dd hh:mm"  # ISO order reads the same in every locale and sorts as it reads
CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$", "AUD": "A$", "NZD": "NZ$", "JPY": "¥"}


def money_format(currency: str = "USD") -> str:
    """The number format that shows an amount in its currency: '"$"#,##0.00', '#,##0.00" CHF"'."""
    code = (currency or "USD").strip().upper()
    decimals = "" if code == "JPY" else ".00"  # yen have no minor unit
    symbol = CURRENCY_SYMBOLS.get(code)
    return f'"{symbol}"#,##0{decimals}' if symbol else f'#,##0{decimals}" {code}"'


def _swap_outside_quotes(formula: str, old: str, new: str) -> str:
    out, quoted = [], False
    for ch in formula:
        if ch == '"':
            quoted = not quoted
        out.append(new if ch == old and not quoted else ch)
    return "".join(out)


def any_locale(formula: str) -> str:
    """A formula for Google Sheets with ';' between arguments, which every locale reads.

    In locales with a decimal comma (de_DE, fr_FR, tr_TR…) Google's formula
    parser takes ';' between arguments and rejects ',' ("Formula parse error");
    ';' is accepted in all locales and shown as ',' where that is the separator
    (googleapis/google-api-nodejs-client#1994, mricon/ingress-fieldplan#5).
    Commas inside quoted text (a QUERY's column list) are left alone.
    """
    return _swap_outside_quotes(formula, ",", ";")


def with_commas(formula: str) -> str:
    """The same formula with ',' between arguments (as stored in en_US and in .xlsx files)."""
    return _swap_outside_quotes(str(formula), ";", ",")


def same_formula(a: str, b: str) -> bool:
    """Equal once argument separators are ignored (Google shows ';' as ',' in en_US)."""
    return with_commas(a) == with_commas(b)


def normalise_header(text: str) -> str:
    """Header comparison ignores case and spacing, so 'tracking  #' still matches."""
    return " ".join(str(text or "").split()).casefold()


def col_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def quote_tab(name: str) -> str:
    """Tab name as it appears in A1 notation ('Audit Log'!A1)."""
    if name.replace("_", "").isalnum():
        return name
    return "'" + name.replace("'", "''") + "'"
