"""The archive spreadsheet's tabs: one Orders and one Audit Log tab per year, same columns as the live ones."""
from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

from sheet_schema.schema import Tab
from sheet_schema.tabs import AUDIT_LOG_TAB, ORDERS_TAB


@lru_cache(maxsize=None)
def archive_tab(base_name: str, year: int) -> Tab:
    """'Orders 2026' or 'Audit Log 2026': the live tab's columns, formats and colours under a year's name.

    No warning-only protections: nothing in the archive is edited by TrueCraft after the
    move, and a person may tidy it as she likes.
    """
    base = {ORDERS_TAB.name: ORDERS_TAB, AUDIT_LOG_TAB.name: AUDIT_LOG_TAB}[base_name]
    return replace(base, name=f"{base.name} {year}", protect_service_columns=False, print_through="")


def tab_for_name(name: str) -> Tab:
    """The archive tab schema for a tab name like 'Orders 2026' (KeyError for anything else)."""
    base, _, year = name.rpartition(" ")
    if not year.isdigit():
        raise KeyError(name)
    return archive_tab(base, int(year))
