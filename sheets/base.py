"""What a sheet backend (Google Sheets or a local workbook) must offer: batched reads and writes."""
from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import Any, Callable


class SheetUnavailable(Exception):
    """The sheet could not be reached or written now; str() is plain words. Retried next cycle."""


class SheetChanged(SheetUnavailable):
    """The sheet changed since we read it; re-read before writing."""


class SheetBusy(SheetUnavailable):
    """A person has the workbook open or just saved it; we wait rather than clobber their work."""


@dataclass
class TabData:
    """The values of one tab as people see them: rows[0] is the header row."""

    name: str
    rows: list[list[str]]
    exists: bool = True
    # 0-based columns whose values were read below the header; None = every column. A watch
    # cycle reads only what people can change, so other cells are blank here, not "empty".
    read_cols: frozenset[int] | None = None
    # Columns read only on some rows (`rows_read`): the editable cells of Orders rows whose orders
    # are open, plus a slice that sweeps the rest (sheets/watch_read.py).
    row_cols: frozenset[int] = frozenset()
    rows_read: frozenset[int] = frozenset()
    # Each row's key (Order ID), stripped, when the read already worked it out: at 50,000 rows
    # every later pass over the key column costs a few hundredths of a second.
    keys: list[str] | None = None

    @property
    def header(self) -> list[str]:
        """Row 1."""
        return self.rows[0] if self.rows else []

    def key_values(self, col: int | None) -> list[str]:
        """Every row's value in the key column, stripped (row 0 is the header)."""
        if self.keys is not None:
            return self.keys
        return [(row[col].strip() if col is not None and col < len(row) else "") for row in self.rows]

    def partly_read_rows(self) -> frozenset[int] | None:
        """The rows whose editable cells were read, when only some were (else None: every row)."""
        return self.rows_read if self.row_cols else None

    def known(self, row: int, col: int) -> bool:
        """Was this cell read (so its value here is what the sheet shows)?"""
        if self.read_cols is None or col in self.read_cols:
            return True
        return col in self.row_cols and row in self.rows_read


@dataclass
class CellRun:
    """Values for consecutive cells in one row, starting at (row, col), both 0-based."""

    tab: str
    row: int
    col: int
    values: list[Any]
    key: str = ""  # the row's key (Order ID, Pair …) when planned: the write goes where it is now
    # column -> amount to add to the number the cell holds at write time (stock counts), so a
    # person's restock typed between our read and our write is kept, not overwritten
    deltas: dict[int, int] = field(default_factory=dict)


@dataclass
class WriteBatch:
    """Everything one flush writes: in-place cell runs plus rows appended at the end of tabs."""

    updates: list[CellRun] = field(default_factory=list)
    appends: dict[str, list[list[Any]]] = field(default_factory=dict)
    on_written: list[Callable[[], None]] = field(default_factory=list)  # run once the write has landed

    def is_empty(self) -> bool:
        """Nothing to write."""
        return not self.updates and not any(self.appends.values())

    def cell_count(self) -> int:
        """How many cells this batch touches."""
        return sum(len(u.values) for u in self.updates) + sum(
            len(r) for rows in self.appends.values() for r in rows)


class SheetBackend(abc.ABC):
    """A spreadsheet TrueCraft keeps in sync with the journal."""

    name: str = "sheet"
    selective: bool = False  # True: reads only the ranges a cycle needs (see sheets/watch_read.py)

    @abc.abstractmethod
    def read(self, tabs: list[str]) -> dict[str, TabData]:
        """Read whole tabs in ONE request; a missing tab comes back with exists=False."""

    @abc.abstractmethod
    def write(self, batch: WriteBatch) -> None:
        """Write a batch with a small, bounded number of requests. Values are never evaluated as formulas."""

    @abc.abstractmethod
    def init_layout(self, schema: Any, threshold: int = 70) -> list[str]:
        """Create or upgrade tabs, headers, formats and rules; idempotent; returns what it did in plain words."""

    def describe(self) -> str:
        """Where the sheet lives, in plain words."""
        return self.name
