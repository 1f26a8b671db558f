"""Labels end to end through real protocols: the official easypost client against the EasyPost stand-in,
and (for twenty rows) the real gspread against the Sheets stand-in, counting Sheets requests."""
import time
from datetime import datetime, timezone

import pytest

from automations.runner import Runner
from core.config import Settings
from core.http import RetryPolicy
from core.journal import Journal
from core.models import Customer, Platform
from sheet_schema.schema import col_letter
from sheet_schema.tabs import ORDERS, WORKBOOK
from sheets.google_backend import GoogleSheetsBackend
from tests.foundation.factories import make_order
from tests.fulfilment.helpers import FakePlatform
from tests.standin.easypost import TEST_KEY, EasyPostStandin
from tests.standin.sheets_server import SheetsStandin

AT = datetime(2026, 11, 27, 18, 0, tzinfo=timezone.utc)


def env(easypost) -> dict:
    return {"EASYPOST_API_KEY": TEST_KEY, "EASYPOST_API_URL": f"{easypost.url}/v2",
            "TRUECRAFT_SHIP_FROM": "Clay & Co, 388 Townsend St, San Francisco, CA, 94107, US, 415-555-0100",
            "TRUECRAFT_DEFAULT_PARCEL": "12 oz 9x6x2 in"}


@pytest.fixture()
def shop(tmp_path):
    easypost, sheets = EasyPostStandin().start(), SheetsStandin()
    sheets.start()
    sid = sheets.create_spreadsheet("TrueCraft")
    cred = sheets.write_service_account_file(tmp_path / "sa.json")
    backend = GoogleSheetsBackend(sid, str(cred), sheets.url, budget_per_minute=1000,
                                  policy=RetryPolicy(attempts=6, base=0.01, cap=0.05, timeout=10))
    platform = FakePlatform(Platform.ETSY)
    runner = Runner(Settings(backend="google", env=env(easypost)), Journal(tmp_path / "j.db"), backend,
                    connectors={"etsy": platform})
    runner.backend.init_layout(WORKBOOK, 70)
    runner.ingest([make_order(f"E-{i}", platform="etsy", minutes=i) for i in range(20)])
    runner.flush()
    runner.watch()
    yield runner, sheets, sid, easypost, platform
    runner.close()
    sheets.stop()
    easypost.stop()


def table(sheets, sid):
    rows = sheets.values(sid, ORDERS)
    return {r[0]: dict(zip(rows[0], r + [""] * (len(rows[0]) - len(r)))) for r in rows[1:] if r}


def set_label(sheets, sid, order_ids, value="BUY"):
    rows = sheets.values(sid, ORDERS)
    col = col_letter(rows[0].index("Label"))
    for n, row in enumerate(rows):
        if row and row[0] in order_ids:
            sheets.human_set(sid, ORDERS, f"{col}{n + 1}", value)


def test_buy_on_a_row_verifies_buys_once_fills_the_row_and_pushes_once(shop):
    runner, sheets, sid, easypost, platform = shop
    # given the seller sets Label to BUY on TC-1
    set_label(sheets, sid, {"TC-1"})
    began = time.perf_counter()
    # when one watch cycle runs
    runner.watch(push=True)
    took = time.perf_counter() - began
    row = table(sheets, sid)["TC-1"]
    # then one shipment was bought and Carrier, Tracking #, Label Link and Postage are on the row
    assert easypost.total_purchases() == 1
    assert row["Carrier"] == "USPS" and row["Tracking #"] and row["Label Link"].startswith("http")
    assert row["Postage"].startswith("$") and row["Status"] == "FULFILLED" and row["Label"] == ""
    runner.watch(push=True)
    assert len(platform.calls) == 1 and easypost.total_purchases() == 1
    print(f"BUY to a filled row: {took:.2f}s")


def test_a_lost_buy_answer_is_finished_by_looking_the_shipment_up(shop):
    runner, sheets, sid, easypost, _ = shop
    easypost.lose_next_buy_reply()
    set_label(sheets, sid, {"TC-2"})
    runner.watch(push=True)  # the purchase landed at EasyPost, its answer never reached us
    runner.watch(push=True)
    assert easypost.total_purchases() == 1
    assert table(sheets, sid)["TC-2"]["Tracking #"]


def test_buy_pasted_down_twenty_rows_stays_within_the_sheets_budget(shop):
    runner, sheets, sid, easypost, _ = shop
    set_label(sheets, sid, {f"TC-{i}" for i in range(1, 21)})
    sheets.reset_counts()
    runner.watch(push=True)
    requests = len(sheets.requests)
    rows = table(sheets, sid)
    assert easypost.total_purchases() == 20
    assert all(r["Tracking #"] and r["Status"] == "FULFILLED" for r in rows.values())
    # one read and one batched write (plus its check), never a request per row
    assert requests <= 6, sheets.requests
    print(f"20 labels: {requests} Sheets requests")


def test_the_ship_from_phone_and_the_buyers_phone_reach_easypost(shop):
    runner, sheets, sid, easypost, _ = shop
    # given an order whose buyer left a phone number with the platform
    buyer = Customer(name="Ana Souza", email="ana@example.com", phone="503-555-0199")
    runner.ingest([make_order("E-PH", platform="etsy", name="Ana Souza", minutes=30, customer=buyer)])
    runner.flush()
    oid = runner.journal.find("etsy", "E-PH").order_id
    runner.watch()
    # when the seller buys its label
    set_label(sheets, sid, {oid})
    runner.watch(push=True)
    # then the shipment EasyPost stored carries the phone from TRUECRAFT_SHIP_FROM and the buyer's
    (shipment,) = [s for s in easypost.shipments.values() if s["reference"].startswith(f"{oid}-")]
    assert shipment["from_address"]["phone"] == "415-555-0100"
    assert shipment["to_address"]["phone"] == "503-555-0199"
    assert easypost.total_purchases() == 1
