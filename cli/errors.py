"""Turn any failure into one plain sentence with the fix."""
from __future__ import annotations

import sqlite3

from sheets.base import SheetUnavailable


def explain(exc: BaseException) -> str:
    """A message for a seller, never a stack trace."""
    if isinstance(exc, SheetUnavailable):
        return f"The sheet could not be updated: {exc}"
    if isinstance(exc, sqlite3.OperationalError):
        return (f"The order journal could not be opened or written ({exc}). Check that TRUECRAFT_DB "
                f"points to a folder you can write to and that the disk is not full.")
    if isinstance(exc, FileNotFoundError):
        return f"File not found: {exc.filename}. Check the path and try again."
    if isinstance(exc, PermissionError):
        return f"No permission to use {exc.filename}. Check the file's permissions."
    try:
        from connectors.base import ConnectorError

        if isinstance(exc, ConnectorError):
            return str(exc)
    except ImportError:
        pass
    return (f"Something went wrong ({type(exc).__name__}: {str(exc)[:200]}). Run again with -v for "
            f"details; nothing that was already saved is lost.")
