"""A replacement label on a shipped order, end to end: the Ship To is edited after the purchase, the
seller voids the label and buys again, and the new tracking number replaces the old one on the platform.

Real parts: the official easypost client against the EasyPost stand-in, the Shopify connector against
the Shopify stand-in (GraphQL validated against its schema), the Square connector against the Square
stand-in, the journal, the outbox and a local workbook.
"""
import pytest
from openpyxl import load_workbook

from automations.runner import Runner
from core.config import Settings
from core.http import RetryPolicy
from core.journal import Journal
from sheet_schema.tabs import AUDIT_LOG, ORDERS
from sheets.local_backend import LocalWorkbookBackend
from tests.e2e.test_fulfil_e2e import _shopify_order, _type
from tests.labels.test_labels_standins import env as label_env
from tests.standin.easypost import EasyPostStandin
from tests.standin.shopify_server import ShopifyStandin
from tests.standin.square_server import TOKEN, SquareStandin, make_order

NEW_ADDRESS = "500 Market St, Apt 9, San Francisco, CA 94105, US"


@pytest.fixture()
def world(tmp_path):
    shop, square, easypost = ShopifyStandin().start(), SquareStandin().start(), EasyPostStandin().start()
    env = {"SHOPIFY_SHOP": "standin", "SHOPIFY_ACCESS_TOKEN": shop.token, "SHOPIFY_API_URL": shop.url,
           "SQUARE_ACCESS_TOKEN": TOKEN, "SQUARE_API_URL": square.url, "SQUARE_LOCATION_IDS": "LOC1",
           "SQUARE_INVOICES": "off", **label_env(easypost)}
    settings = Settings(env=env, db=str(tmp_path / "j.db"), workbook=str(tmp_path / "t.xlsx"))
    # Shopify's cost bucket refills while the client waits (the stand-in's clock moves only then)
    policy = RetryPolicy(attempts=3, base=1.0, cap=1.0, timeout=5.0, sleep=shop.restore)

    def make_runner():
        from connectors.shopify.connector import ShopifyConnector
        from connectors.square.connector import SquareConnector

        return Runner(settings, Journal(settings.db), LocalWorkbookBackend(settings.workbook),
                      {"shopify": ShopifyConnector.from_env(env, policy=policy),
                       "square": SquareConnector.from_env(env, policy=policy)})

    class W:
        pass
    w = W()
    w.shop, w.square, w.easypost, w.make_runner, w.path = shop, square, easypost, make_runner, tmp_path / "t.xlsx"
    w.runner = make_runner()
    yield w
    w.runner.close()
    for server in (shop, square, easypost):
        server.stop()


def row(w, oid="TC-1"):
    ws = load_workbook(w.path)[ORDERS]
    header = [c.value for c in ws[1]]
    return next(dict(zip(header, r)) for r in ws.iter_rows(min_row=2, values_only=True) if r[0] == oid)


def audit_kinds(w):
    ws = load_workbook(w.path)[AUDIT_LOG]
    header = [c.value for c in ws[1]]
    return [r[header.index("What")] for r in ws.iter_rows(min_row=2, values_only=True) if any(r)]


def bought_then_moved(w):
    """A Shopify order in, its label bought (and the order shipped), then its Ship To edited."""
    order = _shopify_order()
    order["shipping_address"].update(address1="12 Oak Street", city="Portland", province="Oregon",
                                     province_code="OR", zip="97201")
    w.shop.add_order(order)
    w.runner.poll_platforms()
    w.runner.watch()
    _type(w.path, ORDERS, "Order ID", "TC-1", {"Label": "BUY"})
    w.runner.watch(push=True)
    w.runner.watch(push=True)
    first = row(w)["Tracking #"]
    assert first and row(w)["Status"] == "FULFILLED"
    assert [f["tracking_number"] for f in w.shop.fulfilments(str(order["id"]))] == [first]
    _type(w.path, ORDERS, "Order ID", "TC-1", {"Ship To": NEW_ADDRESS})
    w.runner.watch(push=True)
    return str(order["id"]), first


def test_edit_void_buy_again_replaces_the_tracking_on_shopify_once(world):
    w = world
    # given a bought label, then the Ship To edited after the purchase
    oid, first = bought_then_moved(w)
    assert row(w)["Sync"].startswith("Label was bought for the old address")
    # when the seller voids the label: a refund is requested
    _type(w.path, ORDERS, "Order ID", "TC-1", {"Label": "VOID"})
    w.runner.watch(push=True)
    assert "refund submitted" in row(w)["Sync"]
    # and buys again
    _type(w.path, ORDERS, "Order ID", "TC-1", {"Label": "BUY"})
    w.runner.watch(push=True)
    w.runner.watch(push=True)
    # then a new label for the new address, and Shopify's fulfilment carries the new number, changed once
    second = row(w)["Tracking #"]
    assert second and second != first and w.easypost.total_purchases() == 2
    assert [f["tracking_number"] for f in w.shop.fulfilments(oid)] == [second]
    assert len(w.shop.tracking_updates) == 1 and w.shop.tracking_updates[0]["notifyCustomer"] is True
    assert row(w)["Sync"].startswith(f"Tracking on Shopify replaced: {first} → {second}")
    assert "tracking updated on platform" in audit_kinds(w)
    assert w.shop.spec_errors() == []
    # and nothing more is sent by later cycles
    w.runner.watch(push=True)
    w.runner.push_pending()
    assert len(w.shop.tracking_updates) == 1 and len(w.shop.fulfilments(oid)) == 1


def test_killed_after_the_update_landed_sends_it_once(world, monkeypatch):
    w = world
    oid, first = bought_then_moved(w)
    _type(w.path, ORDERS, "Order ID", "TC-1", {"Label": "VOID"})
    w.runner.watch()
    _type(w.path, ORDERS, "Order ID", "TC-1", {"Label": "BUY"})
    w.runner.watch()  # the new label is bought and the update queued; nothing pushed yet
    # when Shopify takes the new number but the process dies before recording it
    outbox = w.runner.pipeline.fulfilment.outbox
    monkeypatch.setattr(outbox, "mark_confirmed", lambda *a, **k: (_ for _ in ()).throw(SystemExit("killed")))
    with pytest.raises(SystemExit):
        w.runner.push_pending()
    w.runner.close()
    monkeypatch.undo()
    w.runner = w.make_runner()
    w.runner.push_pending()
    w.runner.watch(push=True)
    # then the retry finds the new number already there: one update, recorded as done
    second = row(w)["Tracking #"]
    assert len(w.shop.tracking_updates) == 1
    assert [f["tracking_number"] for f in w.shop.fulfilments(oid)] == [second]
    assert row(w)["Sync"].startswith("Shopify already had the new tracking number")


def test_square_open_order_gets_the_new_number_and_a_closed_one_says_what_to_do(world):
    w = world
    for sq_id in ("SQ-OPEN", "SQ-SHUT"):
        w.square.add_order(make_order(sq_id, "2026-11-27T10:00:00Z", recipient={
            "display_name": "Ada Lovelace", "email_address": "ada@example.com",
            "address": {"address_line_1": "1 Loom St", "locality": "Portland", "administrative_district_level_1":
                        "OR", "postal_code": "97201", "country": "US"}}))
    w.runner.poll_platforms()
    w.runner.watch()
    ids = {r[0] for r in load_workbook(w.path)[ORDERS].iter_rows(min_row=2, values_only=True) if r[0]}
    for oid in sorted(ids):
        _type(w.path, ORDERS, "Order ID", oid, {"Label": "BUY"})
    w.runner.watch(push=True)
    w.runner.watch(push=True)
    firsts = {oid: row(w, oid)["Tracking #"] for oid in ids}
    shut = next(o for o in ids if w.runner.journal.get(o).order.platform_order_id == "SQ-SHUT")
    w.square.orders["SQ-SHUT"]["state"] = "COMPLETED"  # Square closed it after the shipment
    for oid in sorted(ids):
        _type(w.path, ORDERS, "Order ID", oid, {"Label": "VOID"})
    w.runner.watch()
    for oid in sorted(ids):
        _type(w.path, ORDERS, "Order ID", oid, {"Label": "BUY"})
    w.runner.watch(push=True)
    w.runner.watch(push=True)
    opened = next(o for o in ids if o != shut)
    details = w.square.orders["SQ-OPEN"]["fulfillments"][0]["shipment_details"]
    assert details["tracking_number"] == row(w, opened)["Tracking #"] != firsts[opened]
    assert row(w, opened)["Sync"].startswith("Square order now carries the new tracking number")
    assert "Square Dashboard" in row(w, shut)["Sync"] and "replace" in row(w, shut)["Sync"]
    assert w.square.spec_errors() == []
