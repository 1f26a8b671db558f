"""FulfilmentService end to end over a real journal with fake connectors."""
import json

from automations.fulfilment.service import FulfilmentService
from automations.sheet_edits import Edit
from core.journal import Journal
from core.models import OrderState, Platform, Shipment
from tests.foundation.factories import make_order
from tests.fulfilment.helpers import NOW, USPS, FakePlatform, diff, fulfil_edits


def _stored(journal):
    return {s.order_id: s for s in journal.all_orders()}


def _kinds(journal, oid):
    return [e["kind"] for e in journal.audit_entries(oid)]


def _service(tmp_path, connectors=None, **kw):
    journal = Journal(tmp_path / "j.db")
    return journal, FulfilmentService(journal, connectors if connectors is not None else {},
                                      clock=lambda: NOW, tz="America/Los_Angeles", **kw)


def test_shipped_on_etsy_sync_text_and_audit(tmp_path):
    # given a connected Etsy and an unshipped order
    etsy = FakePlatform()
    journal, svc = _service(tmp_path, {"etsy": etsy})
    oid = journal.upsert(make_order("E1")).order_id
    # when the seller marks it FULFILLED and the outbox runs
    svc.handle_edits(diff(*fulfil_edits(oid)), _stored(journal))
    assert journal.get(oid).fields["sync"] == "Queued for Etsy…"
    [outcome] = svc.push_pending()
    # then the platform has it, the Sync says so in plain words (seller's local time) and it's audited
    fields = journal.get(oid).fields
    assert fields["sync"] == "Shipped on Etsy 2:51 pm ✓ — buyer notified" == outcome.message
    assert fields["status"] == "FULFILLED" and fields["tracking"] == USPS
    assert {"status changed", "fulfilment decided", "fulfilment pushed"} <= set(_kinds(journal, oid))
    assert [s.tracking_url for s in etsy.fulfilments.values()][0].startswith("https://tools.usps.com")


def test_not_connected_is_a_dry_run_with_the_request_recorded(tmp_path):
    journal, svc = _service(tmp_path, {})
    oid = journal.upsert(make_order("E1")).order_id
    svc.handle_edits(diff(*fulfil_edits(oid)), _stored(journal))
    [outcome] = svc.push_pending()
    assert outcome.state == "dry_run"
    assert journal.get(oid).fields["sync"] == "Marked shipped in TrueCraft (Etsy not connected — dry run)"
    [entry] = [e for e in journal.audit_entries(oid) if e["kind"] == "fulfilment dry run"]
    request = json.loads(entry["detail"])
    assert request["tracking_number"] == USPS and request["platform_order_id"] == "E1"
    assert request["idempotency_key"] == svc.outbox.entries(oid)[0].key


def test_rejected_edit_says_why_and_overwrites_nothing(tmp_path):
    journal, svc = _service(tmp_path, {"etsy": FakePlatform()})
    oid = journal.upsert(make_order("E1")).order_id
    svc.handle_edits(diff(Edit(oid, "status", "UNFULFILLED", "shipped")), _stored(journal))
    fields = journal.get(oid).fields
    assert fields["sync"] == "‘shipped’ isn't a status — choose one from the dropdown"
    assert "status" not in fields and "_dirty" not in fields  # the typed cell is left alone
    assert svc.outbox.entries(oid) == []
    # reading the same edit again doesn't spam the audit log
    svc.handle_edits(diff(Edit(oid, "status", "UNFULFILLED", "shipped")), _stored(journal))
    assert _kinds(journal, oid).count("edit not accepted") == 1


def test_address_change_is_audited_with_old_new_and_editor(tmp_path):
    etsy = FakePlatform()
    journal, svc = _service(tmp_path, {"etsy": etsy})
    oid = journal.upsert(make_order("E1")).order_id
    old = journal.get(oid).order.ship_to.one_line()
    svc.handle_edits(diff(Edit(oid, "ship_to", old, "9 Elm Road, Salem, OR 97301, US")), _stored(journal),
                     editor="sam@example.com")
    [entry] = [e for e in journal.audit_entries(oid) if e["kind"] == "address changed after order"]
    assert (entry["old"], entry["new"], entry["editor"]) == (old, "9 Elm Road, Salem, OR 97301, US",
                                                           "sam@example.com")
    assert "address changed after order" in journal.get(oid).fields["sync"].lower()
    svc.handle_edits(diff(*fulfil_edits(oid)), _stored(journal))
    assert svc.outbox.entries(oid)[0].payload["ship_to"] == "9 Elm Road, Salem, OR 97301, US"


def test_fulfilled_on_platform_updates_row_and_never_pushes_back(tmp_path):
    etsy = FakePlatform()
    moved = []
    journal, svc = _service(tmp_path, {"etsy": etsy}, on_movements=moved.extend)
    first = make_order("E1")
    oid = journal.upsert(first).order_id
    shipped = make_order("E1", updated_minutes=9, state=OrderState.FULFILLED, shipments=(Shipment("UPS", "1Z999AA10123456784"),))
    result = journal.upsert(shipped)
    svc.handle_ingested([shipped], [result])
    fields = journal.get(oid).fields
    assert fields["status"] == "FULFILLED" and fields["_dirty"]["status"]  # the flush will overwrite the cell
    assert fields["sync"] == "Shipped on Etsy (marked there)"
    assert svc.push_pending() == [] and etsy.calls == []
    assert [(m.internal_sku, m.delta) for m in moved] == [("LW-001", -1)]
    # the seller trying to un-ship it afterwards is refused
    svc.handle_edits(diff(Edit(oid, "status", "FULFILLED", "UNFULFILLED")), _stored(journal))
    assert "already shipped on Etsy" in journal.get(oid).fields["sync"]


def test_platform_fulfilment_withdraws_a_pending_push(tmp_path):
    etsy = FakePlatform()
    journal, svc = _service(tmp_path, {"etsy": etsy})
    oid = journal.upsert(make_order("E1")).order_id
    svc.handle_edits(diff(*fulfil_edits(oid)), _stored(journal))
    shipped = make_order("E1", updated_minutes=9, state=OrderState.FULFILLED)
    svc.handle_ingested([shipped], [journal.upsert(shipped)])
    assert svc.push_pending() == [] and etsy.calls == []


def test_cancelled_on_platform_updates_row_and_never_pushes(tmp_path):
    etsy = FakePlatform()
    journal, svc = _service(tmp_path, {"etsy": etsy})
    oid = journal.upsert(make_order("E1")).order_id
    cancelled = make_order("E1", updated_minutes=9, state=OrderState.CANCELLED)
    svc.handle_ingested([cancelled], [journal.upsert(cancelled)])
    assert journal.get(oid).fields["status"] == "CANCELLED"
    assert svc.push_pending() == [] and etsy.calls == [] and etsy.cancelled == []


def test_new_orders_already_fulfilled_are_history_not_shipments(tmp_path):
    moved = []
    journal, svc = _service(tmp_path, {}, on_movements=moved.extend)
    old = make_order("E1", state=OrderState.FULFILLED)
    svc.handle_ingested([old], [journal.upsert(old)])
    svc.push_pending()
    assert moved == [] and "status" not in journal.get("TC-1").fields


def test_cancel_on_platform_decision_runs_through_the_connector(tmp_path):
    shopify = FakePlatform(Platform.SHOPIFY)
    journal, svc = _service(tmp_path, {"shopify": shopify})
    keep = journal.upsert(make_order("S1", platform="shopify")).order_id
    dup = journal.upsert(make_order("S2", platform="shopify")).order_id
    svc.handle_duplicate_decision("CANCEL ON PLATFORM", keep, dup)
    assert journal.get(dup).fields["status"] == "CANCELLED"
    [outcome] = svc.push_pending()
    assert outcome.state == "confirmed" and shopify.cancelled == ["S2"]
    svc.handle_duplicate_decision("CANCEL ON PLATFORM", keep, dup)  # the decision read again
    assert svc.push_pending() == [] and shopify.cancelled == ["S2"]


def test_merged_duplicate_depletes_nothing_and_cannot_ship(tmp_path):
    moved = []
    journal, svc = _service(tmp_path, {}, on_movements=moved.extend)
    keep = journal.upsert(make_order("E1")).order_id
    dup = journal.upsert(make_order("E2")).order_id
    svc.handle_duplicate_decision("MERGE", keep, dup)
    assert journal.get(dup).fields["status"] == "MERGED"
    svc.handle_edits(diff(*fulfil_edits(dup)), _stored(journal))
    assert journal.get(dup).fields["sync"] == f"{dup} was merged into {keep} — ship {keep} instead"
    assert svc.push_pending() == [] and moved == []


def test_shipping_depletes_stock_once_including_bundles(tmp_path):
    moved = []
    from core.models import LineItem, Money
    items = (LineItem("Gift Set", 2, Money("30", "USD"), sku="GIFT"),
             LineItem("Mug", 1, Money("20", "USD"), sku="MUG"))
    journal, svc = _service(tmp_path, {"etsy": FakePlatform()}, on_movements=moved.extend,
                            bundles={"GIFT": [("MUG", 1), ("CARD", 2)]})
    oid = journal.upsert(make_order("E1", items=items)).order_id
    svc.handle_edits(diff(*fulfil_edits(oid)), _stored(journal))
    svc.push_pending()
    svc.push_pending()
    assert sorted((m.internal_sku, m.delta) for m in moved) == [("CARD", -4), ("MUG", -3)]
    assert _kinds(journal, oid).count("stock moved") == 2


def test_movements_survive_a_failing_inventory_keeper(tmp_path):
    calls = []

    def flaky(movements):
        calls.append(movements)
        if len(calls) == 1:
            raise RuntimeError("sheet down")
    journal, svc = _service(tmp_path, {}, on_movements=flaky)
    oid = journal.upsert(make_order("E1")).order_id
    svc.handle_edits(diff(*fulfil_edits(oid)), _stored(journal))
    svc.push_pending()
    svc.push_pending()
    assert len(calls) == 2 and calls[0] == calls[1] and svc.ledger.undelivered() == []
