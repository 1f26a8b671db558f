"""The cell-level rules every platform export reader shares: money, dates, ids, encodings."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from importers.export_common import (Problem, calendar_date, currency_of, earliest_instant,
                                     export_version, money, noon_utc, platform_number, read_rows,
                                     stamp, whole_quantity)


@pytest.mark.parametrize("text,expected", [
    ("12.50", "12.50"), ("$1,234.50", "1234.50"), ("1.234,50 €", "1234.50"), ("12,50", "12.50"),
    ("1,234", "1234"), ("(5.00)", "-5.00"), ("-£3", "-3"), ("CA$ 7.25", "7.25"),
    ("1\u00a0234,56", "1234.56"), ("USD 1,000,000.00", "1000000.00"), ("1.234.567", "1234567"),
])
def test_money_cells_in_the_exports_formats(text, expected):
    # given a money cell as some export or spreadsheet writes it, when read, then the exact amount
    assert money(text, "Total", 3) == Decimal(expected)


@pytest.mark.parametrize("text", ["abc", "$", "n/a"])
def test_money_that_is_not_a_number_names_the_column_and_line(text):
    with pytest.raises(Problem) as caught:
        money(text, "Order Total", 7)
    assert caught.value.line == 7 and "Order Total" in caught.value.reason


def test_empty_money_uses_the_default_or_is_a_problem():
    assert money("", "Tax", 2, Decimal(0)) == Decimal(0)
    with pytest.raises(Problem):
        money("", "Total", 2)


@pytest.mark.parametrize("text,expected", [
    ("£12.00", "GBP"), ("€5", "EUR"), ("CA$5.00", "CAD"), ("$5.00", "USD"), ("12.00 NZD", "NZD"), ("12.00", ""),
])
def test_currency_from_the_symbol(text, expected):
    assert currency_of(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("2026-11-27 11:00:00 -0500", "2026-11-27T16:00:00+00:00"),
    ("2026-11-27T06:05:00-08:00", "2026-11-27T14:05:00+00:00"),
    ("2026-11-27T14:05:00Z", "2026-11-27T14:05:00+00:00"),
    ("2024-12-25T09:15:00+00:00", "2024-12-25T09:15:00+00:00"),
])
def test_times_with_offsets_become_utc(text, expected):
    assert stamp(text, "Created at", 2).isoformat() == expected


@pytest.mark.parametrize("text,expected", [("11/27/26", date(2026, 11, 27)), ("11/27/2026", date(2026, 11, 27)),
                                           ("2026-11-27", date(2026, 11, 27))])
def test_etsy_style_dates(text, expected):
    assert calendar_date(text, "Sale Date", 2) == expected


@pytest.mark.parametrize("text", ["27/11/2026", "Nov 27", ""])
def test_a_date_that_is_not_one_is_a_problem(text):
    with pytest.raises(Problem, match="Sale Date"):
        calendar_date(text, "Sale Date", 4)


def test_date_only_sales_show_the_same_day_everywhere_and_version_before_any_real_time():
    # given a sale known only by its date
    day = date(2026, 11, 27)
    # then it is shown at noon UTC, and its version is before the day began anywhere on Earth
    assert noon_utc(day) == datetime(2026, 11, 27, 12, tzinfo=timezone.utc)
    assert earliest_instant(day) == datetime(2026, 11, 26, 10, tzinfo=timezone.utc)


def test_export_version_is_just_before_the_latest_event():
    events = [datetime(2026, 1, 1, tzinfo=timezone.utc), None, datetime(2026, 1, 3, tzinfo=timezone.utc)]
    assert export_version(*events) == datetime(2026, 1, 2, 23, 59, 59, tzinfo=timezone.utc)


@pytest.mark.parametrize("text,expected", [("3001001001", "3001001001"), ("3001001001.0", "3001001001")])
def test_order_numbers_undo_excel_decimal_damage(text, expected):
    assert platform_number(text, "Order ID", 2) == expected


@pytest.mark.parametrize("text", ["3.00E+09", "#1001", "abc"])
def test_order_numbers_excel_cannot_give_back_are_refused(text):
    with pytest.raises(Problem, match="Order ID"):
        platform_number(text, "Order ID", 2)


@pytest.mark.parametrize("text,ok", [("1", 1), ("2.0", 2), ("1.5", None), ("0", None), ("two", None), ("", None)])
def test_quantities_are_whole_items(text, ok):
    if ok is None:
        with pytest.raises(Problem):
            whole_quantity(text, "Qty", 2)
    else:
        assert whole_quantity(text, "Qty", 2) == ok


@pytest.mark.parametrize("raw,encoding", [
    ("Name,Total\r\n#1,£5\r\n", "cp1252"), ("Name,Total\r\n#1,£5\r\n", "utf-8-sig"),
    ("Name\tTotal\n#1\t£5\n", "utf-8"),
])
def test_rows_are_read_from_any_encoding_and_delimiter(tmp_path, raw, encoding):
    # given the same table saved as Windows-1252, UTF-8 with BOM, or tab-separated
    path = tmp_path / "x.csv"
    path.write_bytes(raw.encode(encoding))
    # when read, then the header is normalised and the cell is intact, with its line number
    header, rows = read_rows(path)
    assert header == ["name", "total"] and rows == [(2, {"name": "#1", "total": "£5"})]
