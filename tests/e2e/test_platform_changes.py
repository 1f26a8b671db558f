"""A cancellation or address change made on the platform reaches the order's row (and never pushes back)."""
import pytest
from openpyxl import load_workbook

from automations.runner import Runner
from core.config import Settings
from core.journal import Journal
from core.models import Address, OrderState
from sheet_schema.tabs import ORDERS
from sheets.local_backend import LocalWorkbookBackend
from tests.foundation.factories import make_order


@pytest.fixture()
def runner(tmp_path):
    r = Runner(Settings(), Journal(tmp_path / "j.db"), LocalWorkbookBackend(tmp_path / "t.xlsx"), connectors={})
    r.ingest([make_order("1")])
    r.watch()
    yield r, tmp_path / "t.xlsx"
    r.close()


def row(path):
    ws = load_workbook(path)[ORDERS]
    return dict(zip([c.value for c in ws[1]], [c.value for c in ws[2]]))


def test_cancelled_on_the_platform(runner):
    r, path = runner
    r.ingest([make_order("1", updated_minutes=5, state=OrderState.CANCELLED)])
    r.watch()
    r.watch()
    assert row(path)["Status"] == "CANCELLED" and "Cancelled on Etsy" in row(path)["Sync"]
    assert r.push_pending() == []  # nothing is pushed back to the platform


def test_address_changed_on_the_platform(runner):
    r, path = runner
    r.ingest([make_order("1", updated_minutes=5, ship_to=Address(line1="9 Elm Rd", city="Salem", region="OR",
                                                                  postal_code="97301", country="US"))])
    r.watch()
    r.watch()
    assert row(path)["Ship To"] == "9 Elm Rd, Salem, OR 97301, US"
    assert "Address changed after order" in row(path)["Sync"]
    kinds = [e["kind"] for e in r.journal.audit_entries("TC-1")]
    assert "address changed on platform" in kinds and "ship_to changed" not in kinds


def test_older_platform_update_never_wins(runner):
    r, path = runner
    r.ingest([make_order("1", updated_minutes=10, state=OrderState.CANCELLED)])
    r.ingest([make_order("1", updated_minutes=2, state=OrderState.PAID)])
    r.watch()
    r.watch()
    assert row(path)["Status"] == "CANCELLED"
