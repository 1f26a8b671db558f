"""kill -9 right after a platform change is stored: the reactions it owes run once after restart (17.5)."""
from __future__ import annotations

import pytest
from openpyxl import load_workbook

from automations.runner import Runner
from core.config import Settings
from core.journal import Journal
from core.models import OrderState
from sheet_schema.tabs import ORDERS
from sheets.local_backend import LocalWorkbookBackend
from tests.foundation.factories import make_order


def _rows(path):
    ws = load_workbook(path)[ORDERS]
    header = [c.value for c in ws[1]]
    return {r[0]: dict(zip(header, r)) for r in ws.iter_rows(min_row=2, values_only=True) if r[0]}


def test_a_platform_cancel_stored_just_before_a_crash_still_reaches_the_row(tmp_path, monkeypatch):
    settings = Settings(db=str(tmp_path / "j.db"), workbook=str(tmp_path / "t.xlsx"))

    def runner():
        return Runner(settings, Journal(settings.db), LocalWorkbookBackend(settings.workbook), {})
    # given an order in the sheet
    first = runner()
    first.ingest([make_order("E-1")])
    first.watch()
    # when the platform cancels it and the process dies right after storing the change
    cancelled = make_order("E-1", state=OrderState.CANCELLED, updated_minutes=30)
    monkeypatch.setattr(first.pipeline, "after_ingest",
                        lambda *a: (_ for _ in ()).throw(SystemExit("kill -9")))
    with pytest.raises(SystemExit):
        first.ingest([cancelled])
    first.close()
    monkeypatch.undo()
    # and after the restart the platform sends the same version again (no change to store)
    second = runner()
    assert not second.ingest([cancelled])[0].changed
    second.watch()
    second.watch()
    # then the row shows the cancellation, once
    row = _rows(tmp_path / "t.xlsx")["TC-1"]
    assert row["Status"] == "CANCELLED", row
    kinds = [e["kind"] for e in second.journal.audit_entries("TC-1")]
    assert kinds.count("status changed") == 1, kinds
    assert second.journal.owed() == []
    second.close()
