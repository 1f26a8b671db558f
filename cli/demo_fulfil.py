"""The second half of the demo: the seller's loop — merge duplicates, fulfil, see what was saved."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook

from cli.feed import print_feed
from sheet_schema.tabs import DUPLICATES, INVENTORY, ORDERS, SKU_MAP

TRACKING = {  # plausible numbers per carrier, as an assistant would paste them
    "USPS": "9400 1118 9922 3817 2839 {n:02d}", "UPS": "1Z999AA1012345678{n}", "FedEx": "7712345678{n:02d}",
}
STOCK = {"LW-001": 3, "LW-002": 2, "MUG-SPK": 10, "APR-01": 5, "SCF-IND": 4, "CAN-3": 12, "EAR-TC": 6}
NAMES = {"EAR-TC": "Ceramic Earrings - Terracotta"}  # the seller names what no listing's SKU names


SELLER, ASSISTANT = "maya@truecraft-demo.example", "sam@truecraft-demo.example"


def _edit(path: Path, tab: str, key_header: str, changes: dict[str, dict[str, object]],
          who: str = SELLER) -> None:
    """Type into the workbook as a person would (find rows by their key, columns by header) and save as them."""
    wb = load_workbook(path)
    wb.properties.lastModifiedBy = who  # what Excel or LibreOffice record on save
    ws = wb[tab]
    header = [c.value for c in ws[1]]
    for r in range(2, ws.max_row + 1):
        key = ws.cell(row=r, column=header.index(key_header) + 1).value
        for col, value in changes.get(key, {}).items():
            ws.cell(row=r, column=header.index(col) + 1, value=value)
    wb.save(path)


def _stock_in(path: Path) -> None:
    wb = load_workbook(path)
    ws = wb[INVENTORY]
    header = [c.value for c in ws[1]]
    for i, (sku, qty) in enumerate(STOCK.items(), start=2):
        ws.cell(row=i, column=header.index("Internal SKU") + 1, value=sku)
        ws.cell(row=i, column=header.index("On Hand") + 1, value=qty)
        ws.cell(row=i, column=header.index("Low Stock At") + 1, value=2)
        if sku in NAMES:
            ws.cell(row=i, column=header.index("Name") + 1, value=NAMES[sku])
    wb.properties.lastModifiedBy = SELLER
    wb.save(path)


def _map_listings(path: Path) -> list[str]:
    """The seller copies TrueCraft's suggestion into Internal SKU for listings that carry no SKU."""
    wb = load_workbook(path)
    ws = wb[SKU_MAP]
    header = [c.value for c in ws[1]]
    col = {h: header.index(h) + 1 for h in ("Platform SKU", "Internal SKU", "Suggested SKU", "Title")}
    done = []
    for r in range(2, ws.max_row + 1):
        suggested = ws.cell(row=r, column=col["Suggested SKU"]).value
        if suggested and not ws.cell(row=r, column=col["Platform SKU"]).value:
            ws.cell(row=r, column=col["Internal SKU"], value=suggested)
            done.append(f"{ws.cell(row=r, column=col['Title']).value} → {suggested}")
    wb.properties.lastModifiedBy = SELLER
    wb.save(path)
    return done


def fulfil_story(runner, xlsx: Path, clock=None) -> None:
    """Merge the flagged duplicates, ship everything else, and show every effect."""
    j = runner.journal
    advance = clock.advance if clock is not None else (lambda minutes: None)
    advance(15)  # the seller sits down with the sheet after the last order
    pairs = runner.pipeline.duplicates.store.pairs()
    print("4. The seller reviews the Duplicates tab and picks MERGE for both pairs.")
    _edit(xlsx, DUPLICATES, "Pair", {p.pair_id: {"Decision": "MERGE"} for p in pairs})
    _stock_in(xlsx)
    runner.watch()
    runner.watch()
    advance(5)
    mapped = _map_listings(xlsx)
    if mapped:
        print(f"   In the SKU Map she copies TrueCraft's suggestion for the listing(s) with no SKU: {'; '.join(mapped)}.")
    runner.watch()
    saved = Decimal(0)
    for p in runner.pipeline.duplicates.store.pairs():
        dup = j.get(p.order_b)
        saved += dup.order.total.amount
        print(f"   {p.result}")
    to_ship = [s for s in j.all_orders() if (s.fields.get("status") or "UNFULFILLED") == "UNFULFILLED"]
    carriers = list(TRACKING)
    changes = {}
    for n, s in enumerate(to_ship):
        carrier = carriers[n % len(carriers)]
        changes[s.order_id] = {"Status": "FULFILLED", "Carrier": carrier,
                               "Tracking #": TRACKING[carrier].format(n=n)}
    print(f"\n5. An assistant marks the other {len(to_ship)} orders FULFILLED with a carrier and tracking number.")
    advance(25)
    _edit(xlsx, ORDERS, "Order ID", changes, who=ASSISTANT)
    runner.watch()
    advance(1)
    outcomes = runner.push_pending()
    runner.watch()
    runner.flush()
    _show_requests(runner, to_ship)
    _show_email(runner)
    _show_inventory(runner)
    print("\n7. The feed after the day's work:\n")
    print_feed(j)
    states = {}
    for o in outcomes:
        states[o.state] = states.get(o.state, 0) + 1
    print(f"\n   Outbox: {', '.join(f'{v} {k}' for k, v in sorted(states.items()))}.")
    print(f"\nSaved today: {len(pairs)} duplicate order(s) worth ${saved:,.2f} were caught before "
          f"anything was made or shipped twice.")


def _show_requests(runner, shipped) -> None:
    outbox = runner.pipeline.fulfilment.outbox
    print("\n6. What TrueCraft did for each order (no accounts connected, so platform pushes are dry runs):\n")
    shown = set()
    for s in shipped:
        done = [e for e in outbox.entries(s.order_id, "push") if e.result]
        sync = runner.journal.get(s.order_id).fields.get("sync", "")
        print(f"   {s.order_id} {s.order.platform.label:<8} {sync}")
        if done and s.order.platform.value not in shown:
            request = (done[-1].result.get("request") or {}).get("would_send") or {}
            if request.get("url"):
                shown.add(s.order.platform.value)
                body = json.dumps(request.get("body"), ensure_ascii=False)
                print(f"      would send: {request['method']} {request['url']}")
                print(f"      body: {body[:400]}{'…' if len(body) > 400 else ''}")
                print(f"      ({request.get('note', '')})")


def _show_email(runner) -> None:
    emails = [e for e in runner.journal.audit_entries() if e["kind"].startswith("tracking e-mail")]
    if not emails:
        return
    e = emails[0]
    print(f"\n   Tracking e-mail for {e['order_id']} (Square invoices and craft-fair orders get ours; "
          f"no SMTP server is set, so here is the text):\n")
    import email

    msg = email.message_from_string(e["detail"] or "")
    body = msg.get_payload(decode=True)
    text = body.decode(msg.get_content_charset() or "utf-8", "replace") if body else ""
    print(f"      | Subject: {msg['Subject']}\n      | To: {msg['To']}\n      |")
    for line in text.splitlines()[:12]:
        print(f"      | {line}")


def _show_inventory(runner) -> None:
    moves = [e for e in runner.journal.audit_entries() if "stock" in e["kind"] or "inventory" in e["kind"]]
    if moves:
        print("\n   Inventory movements (Inventory tab, On Hand):")
        for e in moves[:14]:
            who = e["order_id"] or "Inventory"
            print(f"      {who}: {e['kind']}: {' '.join(x for x in (e['new'], e['detail']) if x)}")
