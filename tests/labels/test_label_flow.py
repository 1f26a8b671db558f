"""The Label column end to end on the local workbook: BUY, a crash mid-buy, an address change, VOID, refusals.

The EasyPost side here is FakeEasyPost (the connector's interface, in memory); the connector
itself and its HTTP stand-in are tested in tests/connectors/easypost/.
"""
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from automations.labels.store import LabelStore
from automations.runner import Runner
from connectors.base import ConnectorRejected
from core.config import Settings
from core.journal import Journal
from core.labels import AddressCheck, Label
from core.models import Address, Money, Platform
from sheet_schema.tabs import INVENTORY, ORDERS
from sheets.local_backend import LocalWorkbookBackend
from tests.fulfilment.helpers import Crash, FakePlatform
from tests.foundation.factories import make_order

ENV = {"TRUECRAFT_SHIP_FROM": "Maker Studio, 1 Kiln Rd, Portland, OR, 97201, US, 503-555-0100",
       "TRUECRAFT_DEFAULT_PARCEL": "12 oz 9x6x2 in"}


class FakeEasyPost:
    """The connector's interface in memory: buys are counted per shipment, a buy answer can be lost."""

    def __init__(self) -> None:
        self.shipments: dict[str, dict] = {}
        self.purchases: list[str] = []
        self.undeliverable: set[str] = set()
        self.corrections: dict[str, Address] = {}
        self.crash_after_buy = False

    def verify(self, address: Address) -> AddressCheck:
        if address.postal_code in self.undeliverable:
            return AddressCheck(False, None, f"EasyPost can't find {address.line1} in {address.postal_code} — check the ZIP")
        corrected = self.corrections.get(address.line1)
        return AddressCheck(True, corrected, "")

    def create_shipment(self, reference, ship_from, ship_to, parcel, from_phone="", to_phone="") -> str:
        sid = f"shp_{len(self.shipments) + 1}"
        self.shipments[sid] = {"reference": reference, "to": ship_to, "parcel": parcel, "label": None,
                               "from_phone": from_phone, "to_phone": to_phone}
        return sid

    def buy(self, shipment_id: str) -> Label:
        shipment = self.shipments[shipment_id]
        if shipment["label"] is not None:
            return shipment["label"]  # bought before: the real connector looks the shipment up first
        n = len(self.purchases) + 1
        shipment["label"] = Label(shipment_id, "USPS", "GroundAdvantage", f"9400111899223100000{n:03d}",
                                  f"https://easypost-files.example/{shipment_id}.pdf", Money(Decimal("5.40")))
        self.purchases.append(shipment_id)
        if self.crash_after_buy:
            self.crash_after_buy = False
            raise Crash()
        return shipment["label"]

    def retrieve(self, shipment_id: str):
        return self.shipments[shipment_id]["label"]

    def refund(self, shipment_id: str) -> str:
        label = self.shipments[shipment_id]["label"]
        self.shipments[shipment_id]["label"] = Label(**{**label.__dict__, "refund_status": "submitted"})
        return "submitted"

    def print_batch(self, shipment_ids) -> str:
        return "https://easypost-files.example/batch.pdf"

    def new_batch(self) -> str:
        self.batches = getattr(self, "batches", {})
        self.batches[f"batch_{len(self.batches) + 1}"] = set()
        return f"batch_{len(self.batches)}"

    def add_to_batch(self, batch_id, shipment_ids) -> None:
        self.batches[batch_id] |= set(shipment_ids)

    def remove_from_batch(self, batch_id, shipment_ids) -> None:
        self.batches[batch_id] -= set(shipment_ids)

    def request_batch_pdf(self, batch_id):
        return f"https://easypost-files.example/{batch_id}-{len(self.batches[batch_id])}.pdf"

    def batch_pdf(self, batch_id):
        return self.request_batch_pdf(batch_id)


@pytest.fixture()
def shop(tmp_path):
    platform = FakePlatform(Platform.ETSY)
    runner = Runner(Settings(env=ENV), Journal(tmp_path / "j.db"), LocalWorkbookBackend(tmp_path / "t.xlsx"),
                    connectors={"etsy": platform})
    easypost = FakeEasyPost()
    runner.pipeline.labels.connector = easypost
    orders = [make_order(f"E-{i}", platform="etsy", minutes=i) for i in range(20)]
    runner.ingest(orders)
    runner.flush()
    runner.watch()
    yield runner, tmp_path / "t.xlsx", easypost, platform
    runner.close()


def rows(path):
    ws = load_workbook(path)[ORDERS]
    header = [c.value for c in ws[1]]
    return {r[header.index("Order ID")]: dict(zip(header, r)) for r in ws.iter_rows(min_row=2, values_only=True)}


def type_cells(path, header, values: dict[str, str], tab=ORDERS, key="Order ID"):
    wb = load_workbook(path)
    ws = wb[tab]
    hdr = [c.value for c in ws[1]]
    for r in range(2, ws.max_row + 1):
        k = ws.cell(row=r, column=hdr.index(key) + 1).value
        if k in values:
            ws.cell(row=r, column=hdr.index(header) + 1, value=values[k])
    wb.save(path)


def test_buy_fills_the_row_and_ships_it_once(shop):
    runner, path, easypost, platform = shop
    # when the seller sets Label to BUY on TC-1
    type_cells(path, "Label", {"TC-1": "BUY"})
    runner.watch(push=True)
    row = rows(path)["TC-1"]
    # then one label is bought and the row carries it
    assert len(easypost.purchases) == 1
    assert (row["Carrier"], row["Tracking #"], row["Postage"]) == ("USPS", "9400111899223100000001",
                                                                  "$5.40 USPS GroundAdvantage"), row["Sync"]
    assert row["Label Link"].endswith("shp_1.pdf") and row["Label"] in (None, "")
    # and the order is FULFILLED with exactly one platform push
    assert row["Status"] == "FULFILLED"
    runner.watch(push=True)
    assert len(platform.calls) == 1 and len(easypost.purchases) == 1


def test_buy_pasted_down_twenty_rows_buys_twenty_labels_once_each(shop):
    runner, path, easypost, _ = shop
    type_cells(path, "Label", {f"TC-{i}": "BUY" for i in range(1, 21)})
    runner.watch(push=True)
    runner.watch(push=True)
    assert len(easypost.purchases) == 20 and len(set(easypost.purchases)) == 20
    assert all(r["Status"] == "FULFILLED" for r in rows(path).values())


def test_a_crash_between_buy_sent_and_buy_recorded_still_gives_one_label(shop, tmp_path):
    runner, path, easypost, _ = shop
    easypost.crash_after_buy = True
    type_cells(path, "Label", {"TC-2": "BUY"})
    # when the process dies right after EasyPost took the money
    with pytest.raises(Crash):
        runner.watch(push=True)
    runner.close()
    # then a restarted service finishes the purchase by looking it up, and buys nothing more
    again = Runner(Settings(env=ENV), Journal(tmp_path / "j.db"), LocalWorkbookBackend(path),
                   connectors={"etsy": FakePlatform(Platform.ETSY)})
    again.pipeline.labels.connector = easypost
    again.watch(push=True)
    assert easypost.purchases == ["shp_1"]
    assert rows(path)["TC-2"]["Tracking #"] == "9400111899223100000001"
    again.close()


def test_address_changed_after_purchase_warns_then_void_and_buy_again(shop):
    runner, path, easypost, platform = shop
    type_cells(path, "Label", {"TC-3": "BUY"})
    runner.watch(push=True)
    # when the Ship To is changed after the label was bought
    type_cells(path, "Ship To", {"TC-3": "500 Market St, Apt 9, San Francisco, CA 94105, US"})
    runner.watch(push=True)
    assert rows(path)["TC-3"]["Sync"].startswith("Label was bought for the old address")
    # then VOID asks for a refund, and BUY buys a new label for the new address
    type_cells(path, "Label", {"TC-3": "VOID"})
    runner.watch(push=True)
    assert "refund submitted" in rows(path)["TC-3"]["Sync"]
    type_cells(path, "Label", {"TC-3": "BUY"})
    runner.watch(push=True)
    assert len(easypost.purchases) == 2
    assert easypost.shipments["shp_2"]["to"].postal_code == "94105"
    assert rows(path)["TC-3"]["Tracking #"] == "9400111899223100000002"
    # and a platform whose API can't change tracking gets no second push: Sync says what to do by hand
    runner.watch(push=True)
    sync = rows(path)["TC-3"]["Sync"]
    assert "can't change a tracking number through its API" in sync and "9400111899223100000002" in sync
    assert len(platform.calls) == 1


@pytest.mark.parametrize("setup, expected", [
    ("undeliverable", "EasyPost can't find"),
    ("refused", "EasyPost refused the parcel"),
    ("no_parcel", "No parcel size for"),
])
def test_refusals_say_why_in_sync_and_buy_nothing(shop, monkeypatch, setup, expected):
    runner, path, easypost, _ = shop
    if setup == "undeliverable":
        easypost.undeliverable.add(runner.journal.get("TC-4").order.ship_to.postal_code)
    elif setup == "refused":
        def refuse(*a, **k):
            raise ConnectorRejected("EasyPost refused the parcel: weight must be more than 0")
        monkeypatch.setattr(easypost, "create_shipment", refuse)
    else:
        runner.pipeline.labels.env = {k: v for k, v in ENV.items() if k != "TRUECRAFT_DEFAULT_PARCEL"}
    type_cells(path, "Label", {"TC-4": "BUY"})
    runner.watch(push=True)
    row = rows(path)["TC-4"]
    assert expected in row["Sync"] and easypost.purchases == [] and row["Status"] != "FULFILLED"


def test_parcel_comes_from_the_inventory_tab(shop):
    runner, path, easypost, _ = shop
    sku = runner.journal.get("TC-5").order.items[0].sku
    wb = load_workbook(path)
    wb[INVENTORY].append([sku, "Thing", 10, 2, "1 lb 10x8x4 in"])
    wb.save(path)
    runner.watch()
    type_cells(path, "Label", {"TC-5": "BUY"})
    runner.watch(push=True)
    parcel = easypost.shipments["shp_1"]["parcel"]
    assert parcel.weight_oz == Decimal("16.0") * runner.journal.get("TC-5").order.items[0].quantity
    assert LabelStore(runner.journal).latest("TC-5").state == "bought"


def test_a_corrected_address_is_bought_only_after_the_seller_confirms(shop):
    runner, path, easypost, _ = shop
    ship_to = runner.journal.get("TC-6").order.ship_to
    corrected = Address(ship_to.name, ship_to.line1.upper(), "", ship_to.city, ship_to.region, "97209", "US")
    easypost.corrections[ship_to.line1] = corrected
    # when the seller asks for a label and EasyPost corrects the ZIP
    type_cells(path, "Label", {"TC-6": "BUY"})
    runner.watch(push=True)
    # then nothing is bought yet and Sync shows the corrected form
    assert easypost.purchases == [] and "EasyPost suggests: " in rows(path)["TC-6"]["Sync"]
    assert "97209" in rows(path)["TC-6"]["Sync"]
    # and setting BUY again buys for the corrected address
    type_cells(path, "Label", {"TC-6": "BUY"})
    runner.watch(push=True)
    assert len(easypost.purchases) == 1 and easypost.shipments["shp_1"]["to"].postal_code == "97209"
