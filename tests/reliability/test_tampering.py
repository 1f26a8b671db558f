"""People rearrange or damage the Orders tab while the real `serve` runs: rows stay right, losses are restored."""
from __future__ import annotations

import json

import pytest
import requests

from tests.reliability import tamper
from tests.reliability.harness import (ORDERS, platform_order_id, send_orders, shopify_order, signed_shopify,
                                       wait_for)
from tests.reliability.scenarios import row_of, settle

N = 12
NOTE = "gift wrap please — Sam"


def _consistent(sheet) -> bool:
    """Every order once, and each row's cells belong to that row's order (Email matches Platform Order #)."""
    counts = sheet.order_counts()
    if sorted(counts) != sorted(platform_order_id(n) for n in range(N)) or set(counts.values()) != {1}:
        return False
    return all(row_of(sheet, platform_order_id(n)).get("Email") == f"buyer{n}@example.com" for n in range(N))


def _update_total(rig, n: int, total: str) -> None:
    """orders/updated from Shopify: order n's total changed (a newer version)."""
    body = json.dumps(shopify_order(n, total_price=total, updated_at="2026-11-28T09:00:00Z")).encode()
    r = requests.post(rig.serve.base + "/webhooks/shopify", data=body, timeout=5,
                      headers=signed_shopify(body, f"upd-{n}-{total}", topic="orders/updated"))
    assert r.status_code == 200


def _audit_kinds(sheet) -> list[str]:
    return sheet.column("What", tab="Audit Log")


def _audit_of(sheet, order_id: str) -> list[str]:
    ids, kinds = sheet.column("Order ID", tab="Audit Log"), _audit_kinds(sheet)
    return [k for i, k in zip(ids, kinds) if i == order_id]


@pytest.fixture
def running(make_rig):
    """serve with N orders in the sheet and a person's note typed on order 3's row."""
    rig = make_rig()
    rig.serve.start()
    delivery = send_orders(lambda: rig.serve.base, list(range(N)), clients=4)
    assert settle(rig.sheet, rig.serve, delivery.acked, 30) and len(delivery.acked) == N
    rows = rig.sheet.rows()
    r = next(i for i, row in enumerate(rows) if platform_order_id(3) in row)
    rig.sheet.standin.human_set(rig.sheet.sid, ORDERS, f"{chr(65 + rows[0].index('Notes'))}{r + 1}", NOTE)
    # the note is journalled (and so can be restored) once the watch has seen it
    assert wait_for(lambda: any(str(k).startswith("Notes (blank) → ") for k in _audit_kinds(rig.sheet))
                    and rig.serve.health().get("backlog") == 0, 20)
    return rig


TAMPERING = {
    "delete rows": lambda s: tamper.delete_rows(s, 3, 4),
    "sort by customer": lambda s: tamper.sort_by(s, "Customer"),
    "insert rows": lambda s: tamper.insert_rows(s, 4, 3),
    "insert column": lambda s: tamper.insert_column(s, 0, "Priority"),
    "move column": lambda s: tamper.move_column(s, "Total", 1),
    "rename tab": lambda s: tamper.rename_tab(s, "Orders (old)"),
    "clear header row": tamper.clear_header,
    "insert column, then clear header row": lambda s: (tamper.insert_column(s, 0, "Priority"),
                                                       tamper.clear_header(s)),
}
HEADER_BUG = ("BUG: with a person's column inserted, a cleared header is rewritten from the schema at A1, one "
              "column off the data; the old rows then sit under the wrong headers and every order is appended "
              "again (each order on two rows). Fix in sheets/sync.py read_orders: restore the last header seen "
              "(keep it in the journal kv), or refuse to guess while data rows exist")
CASES = list(TAMPERING)  # the cleared-header case used to be a known bug (HEADER_BUG); fixed


@pytest.mark.parametrize("what", CASES)
def test_tampering_is_noticed_repaired_and_never_misdirects_a_write(running, what):
    rig, sheet = running, running.sheet
    # given a person tampers with the Orders tab
    deleted = sheet.column("Order ID")[1:5] if what == "delete rows" else []  # sheet rows 3..6
    TAMPERING[what](sheet)
    # when Shopify then changes order 5's total
    _update_total(rig, 5, "777.00")
    # then serve repairs the tab: every order once, each row's cells its own, order 5 shows the new total
    ok = wait_for(lambda: _consistent(sheet) and row_of(sheet, platform_order_id(5)).get("Total") in
                  ("777", "777.00", "$777.00"), 30)  # shown through its currency format (issue 14.6)
    assert ok, f"{what}: {sheet.rows()[:4]} ... health={rig.serve.health()}"
    # and a person's typing was never overwritten (the note is on order 3's row, unless the tab was lost)
    if what not in ("rename tab",):
        assert row_of(sheet, platform_order_id(3)).get("Notes") == NOTE
    # and no service write landed in a column or row a person made
    if what == "insert column":
        assert sheet.rows()[0][0] == "Priority" and not any(r[:1] != [""] and r[:1] != [] for r in sheet.rows()[1:])
    if what == "insert rows":
        assert wait_for(lambda: rig.serve.health().get("backlog") == 0, 10)
    assert sheet.rows()[0].count("Order ID") == 1
    # and what serve did about it is in the Audit Log (the first repair line is the initial set-up)
    if what == "rename tab":
        assert wait_for(lambda: _audit_kinds(sheet).count("sheet layout set up or repaired") >= 2, 15), (
            _audit_kinds(sheet)[-12:])
    if "clear header row" in what:  # the header the data belongs to is put back, not the schema's guess
        assert wait_for(lambda: "header row restored" in _audit_kinds(sheet), 15), _audit_kinds(sheet)[-12:]
    for order_id in deleted:  # each deleted row is named, as "missing" (watch) or "restored" (flush)
        assert wait_for(lambda: {"row missing from sheet", "row restored"} & set(_audit_of(sheet, order_id)), 15), (
            order_id, _audit_of(sheet, order_id))
