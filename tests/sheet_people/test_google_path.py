"""The same for the Google sheet: the real gspread over HTTP against the Sheets stand-in."""
from datetime import datetime, timezone

import pytest

from automations.runner import Runner
from core.config import Settings
from core.http import RetryPolicy
from core.journal import Journal
from demo.day import Buyer, etsy, square
from sheet_schema.schema import col_letter
from sheet_schema.tabs import AUDIT_LOG, INVENTORY, ORDERS, SKU_MAP, WORKBOOK
from sheets.google_backend import GoogleSheetsBackend
from tests.sheet_people.test_audit import MACHINE
from tests.standin.sheets_server import SheetsStandin
from webhooks.processor import _remember_editor

AT = datetime(2026, 11, 27, 18, 0, tzinfo=timezone.utc)
TZ = "America/Los_Angeles"


@pytest.fixture()
def g(tmp_path):
    standin = SheetsStandin()
    standin.start()
    sid = standin.create_spreadsheet("TrueCraft")
    cred = standin.write_service_account_file(tmp_path / "sa.json")
    backend = GoogleSheetsBackend(sid, str(cred), standin.url, budget_per_minute=1000,
                                  policy=RetryPolicy(attempts=6, base=0.01, cap=0.05, timeout=10))
    runner = Runner(Settings(backend="google", timezone=TZ), Journal(tmp_path / "j.db"), backend, connectors={})
    runner.backend.init_layout(WORKBOOK, 70)
    runner.ingest([square("SQ-1", AT, Buyer("Ana", "Souza", "ana@example.com"),
                          [("Ceramic Earrings - Terracotta", "EAR-TC", 1, "28.00", "")])])
    runner.ingest([etsy(3050000101, AT, Buyer("Maya", "Chen"), [("Stoneware Mug - Speckled", "MUG-SPK", 2, "32.00", "")])])
    runner.flush()
    runner.watch()
    yield standin, sid, runner
    runner.close()
    standin.stop()


def _table(standin, sid, tab):
    rows = standin.values(sid, tab)
    return [dict(zip(rows[0], r + [""] * (len(rows[0]) - len(r)))) for r in rows[1:] if any(r)]


def _type(standin, sid, tab, key_header, key, values):
    rows = standin.values(sid, tab)
    r = next(i for i, row in enumerate(rows) if row and row[rows[0].index(key_header)] == key)
    for header, value in values.items():
        standin.human_set(sid, tab, f"{col_letter(rows[0].index(header))}{r + 1}", value)


def test_google_sheet_audit_stock_and_notes(g):
    standin, sid, runner = g
    # given the seller lists her stock, and her assistant ships both orders in the sheet
    standin.human_set(sid, INVENTORY, "A2", "EAR-TC")
    standin.human_set(sid, INVENTORY, "C2", 6)
    standin.human_set(sid, INVENTORY, "A3", "MUG-SPK")
    standin.human_set(sid, INVENTORY, "C3", 10)
    runner.watch()
    _type(standin, sid, ORDERS, "Order ID", "TC-2", {"Status": "FULFILLED", "Carrier": "USPS",
                                                     "Tracking #": "9400111899223817283900"})
    _type(standin, sid, ORDERS, "Order ID", "TC-1", {"Status": "FULFILLED", "Carrier": "UPS",
                                                     "Tracking #": "1Z999AA10123456784"})
    for oid in ("TC-1", "TC-2"):  # what the Apps Script reports with each edit
        _remember_editor(runner.journal, {"orderId": oid, "editor": "sam@example.com"})
    runner.watch()
    runner.push_pending()
    runner.watch()
    runner.watch()
    # then the Audit Log says it in words, with Old, New, the editor and the seller's time zone
    lines = _table(standin, sid, AUDIT_LOG)
    status = next(r for r in lines if r["Order ID"] == "TC-2" and r["What"].startswith("Status"))
    assert (status["What"], status["Old"], status["New"], status["Editor"]) == (
        "Status UNFULFILLED → FULFILLED", "UNFULFILLED", "FULFILLED", "sam@example.com")
    assert status["Time Zone"] == "PST (America/Los_Angeles)"
    assert not any(MACHINE.search(str(v)) for line in lines for v in line.values())
    # and the mug's stock moved while the unmapped Square line says so on its row
    stock = {r["Internal SKU"]: r for r in _table(standin, sid, INVENTORY)}
    assert (stock["MUG-SPK"]["On Hand"], stock["MUG-SPK"]["Name"]) == ("8", "Stoneware Mug - Speckled")
    assert stock["EAR-TC"]["On Hand"] == "6"
    orders = {r["Order ID"]: r for r in _table(standin, sid, ORDERS)}
    assert "Stock not moved for ‘Ceramic Earrings - Terracotta’" in orders["TC-1"]["Sync"]
    # and the SKU Map's header says what the seller fills in
    header = standin.values(sid, SKU_MAP)[0]
    note = standin.sheet(sid, SKU_MAP).lookup(0, header.index("Internal SKU")).get("note", "")
    assert note.startswith("You fill this in")
