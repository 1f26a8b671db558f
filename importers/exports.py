"""Read a platform's own order export (Etsy, Shopify, Square, Amazon) into domain Orders.

Each reader keys orders exactly as its API connector does, so importing an
export of sales that already came in through the API adds nothing, and gives
each order an updated_at just before its latest event in the file, so an
export never replaces a newer API version.
"""
from __future__ import annotations

from pathlib import Path

from core.models import Order
from importers.unified import RowError

FORMATS = ("etsy", "shopify", "square", "amazon")


def read_platform_export(path: str | Path, fmt: str) -> tuple[list[Order], list[RowError]]:
    """(orders, errors) from a platform export file; bad rows are reported, good orders still load."""
    key = (fmt or "").strip().lower()
    if key == "etsy":
        from importers.etsy_csv import read_etsy as reader
    elif key == "shopify":
        from importers.shopify_csv import read_shopify as reader
    elif key == "square":
        from importers.square_csv import read_square as reader
    elif key == "amazon":
        from importers.amazon_report import read_amazon as reader
    else:
        return [], [RowError(0, f"unknown export format '{fmt}' — use one of: unified, "
                                + ", ".join(FORMATS))]
    return reader(path)
