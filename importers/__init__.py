"""CSV importers: TrueCraft's unified CSV and each platform's own order export."""
from __future__ import annotations

from pathlib import Path

from importers.unified import RowError, read_unified_csv


def read_export(path: str | Path, fmt: str):
    """(orders, errors) from a CSV in the given format."""
    if fmt == "unified":
        return read_unified_csv(path)
    from importers.exports import read_platform_export

    return read_platform_export(path, fmt)


__all__ = ["RowError", "read_export", "read_unified_csv"]
