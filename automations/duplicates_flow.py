"""Duplicates in the sheet: flag pairs on intake, act on the seller's decisions, keep the tabs current."""
from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal
from typing import Any

from automations.alert_store import raise_alert
from automations.dup_store import DuplicateStore, StoredPair
from automations.duplicates.customers import cluster_customers
from automations.duplicates.detector import DuplicateDetector, SkuMap, order_key
from core.journal import Journal, StoredOrder, UpsertResult
from core.models import Money, Order
from automations.fulfilment.sku_map import stock_text, suggest_sku
from sheet_schema.tabs import CUSTOMERS_TAB, DECISIONS, DUPLICATES_TAB, INVENTORY, INVENTORY_TAB, SKU_MAP_TAB
from sheets.base import TabData, WriteBatch
from sheets.rows import counts_as_sale, format_time, status_of
from sheets.tabsync import merge, plan_keyed, read_keyed

log = logging.getLogger("truecraft.duplicates")


def summary(s: StoredOrder, tz: str) -> str:
    """'Etsy #3001 · Rachel Green · 1 × Linen Wrap · $200.00 · 2026-11-27 11:00'."""
    o = s.order
    return " · ".join(x for x in (f"{o.platform.label} #{o.platform_order_id}", o.customer.name,
                                  o.items_summary(), o.total.display(), format_time(o.created_at, tz)) if x)


def duplicate_alert(a: StoredOrder, b: StoredOrder, score: int, reasons) -> str:
    """'Potential duplicate — 84 %: TC-4 Etsy $200.00 Rachel Green and TC-5 Square $210.00 …, 58 min apart.'"""
    gap = abs((b.order.created_at - a.order.created_at).total_seconds()) / 60
    when = f"{gap:.0f} min apart" if gap < 120 else f"{gap / 60:.1f} hours apart"

    def one(s: StoredOrder) -> str:
        return f"{s.order_id} {s.order.platform.label} {s.order.total.display()} {s.order.customer.name}".strip()
    why = "; ".join(reasons[:4])
    return (f"Potential duplicate — {score} %: {one(a)} and {one(b)}, {when}. Why: {why}. "
            "Decide in the Duplicates tab before making either.")


def decided_alert_keys(store: DuplicateStore) -> set[str]:
    """Alert keys of duplicate pairs the seller has already decided (their alerts are not needed)."""
    return {f"duplicate:{p.pair_id}" for p in store.pairs() if p.decision}


def _money(amount: Decimal, orders: list[StoredOrder]) -> str:
    """'$410.00' in the orders' currency (a plain number when they mix currencies)."""
    currencies = {s.order.total.currency for s in orders}
    return Money(amount, currencies.pop()).display() if len(currencies) == 1 else f"{amount:,.2f}"


def _not_counted(s: StoredOrder) -> str:
    """Customer History of a merged or cancelled order: what it is, and that it is left out."""
    status = status_of(s)
    into = s.fields.get("merged_into") or s.fields.get("linked_orders") or s.fields.get("dup_of") or ""
    if status == "MERGED":
        return f"Merged duplicate{f' of {into}' if into else ''} — not counted in orders or spend"
    return "Cancelled — not counted in orders or spend"


def listing_key(platform: str, item) -> str:
    """Stable SKU Map key for a listing."""
    return f"{platform}:{item.listing_id or item.sku or item.title}"


class DuplicatesFlow:
    """Owns the detector, the pair store, and the Duplicates / Customers / SKU Map tabs."""

    def __init__(self, journal: Journal, window: int, threshold: int, tz: str, cancel=None) -> None:
        self.j, self.tz, self.cancel = journal, tz, cancel
        self.store = DuplicateStore(journal)
        self.detector = DuplicateDetector(window, threshold, SkuMap(), self.store.dismissed())
        self._seen = journal.last_seq()
        self.detector.add_history(s.order for s in journal.all_orders())
        self._stamp: tuple | None = None
        self._wanted: dict[str, dict] = {}  # Customers / SKU Map rows as last worked out
        self._replan = False
        self.editor = lambda order_id="": ""  # who decided (the pipeline knows the sheet's editor)

    def catch_up(self, skip: set[str] = frozenset()) -> int:
        """Index orders other processes stored since we last looked (`import`, `sync` beside `serve`).

        `skip` holds the Order IDs this call's caller is about to check itself.
        """
        newer = self.j.orders_after(self._seen)
        if newer:
            self._seen = max(int(s.order_id[3:]) for s in newer)
            self.detector.add_history((s.order for s in newer if s.order_id not in skip), learn=False)
        return len(newer)

    # -- intake ---------------------------------------------------------------
    def on_ingest(self, orders: list[Order], results: list[UpsertResult]) -> list[str]:
        """Score each new order; flag pairs at or above the threshold on the Orders row."""
        self.catch_up(skip={r.order_id for r in results if r.created})
        flagged = []
        for order, result in zip(orders, results):
            if not result.created:
                continue
            for pair in self.detector.check(order)[:1]:
                other = pair.a if order_key(pair.b) == order_key(order) else pair.b
                other_stored = self.j.find(other.platform.value, other.platform_order_id)
                if other_stored is None:
                    continue
                earlier, later = sorted([other_stored.order_id, result.order_id], key=lambda x: int(x[3:]))
                ka, kb = (order_key(other), order_key(order)) if earlier == other_stored.order_id else (
                    order_key(order), order_key(other))
                with self.j.transaction():  # the flag and its alert are recorded together
                    if not self.store.add(earlier, later, ka, kb, pair.score, pair.reasons, pair.alert_text()):
                        continue
                    self.j.set_fields(later, source="truecraft", dup_score=pair.score, dup_of=earlier,
                                      match_reasons="; ".join(pair.reasons) + (f". {pair.note}." if pair.note else ""))
                    self.j.audit(later, "possible duplicate flagged", "", pair.alert_text(), "truecraft")
                    raise_alert(self.j, "duplicate", f"{earlier}+{later}",
                                duplicate_alert(self.j.get(earlier), self.j.get(later), pair.score, pair.reasons))
                flagged.append(pair.alert_text())
        return flagged

    # -- sheet cycle ------------------------------------------------------------
    def on_cycle(self, tabs: dict[str, TabData]) -> WriteBatch:
        """Read decisions and the SKU Map, then plan the Duplicates, Customers and SKU Map tabs."""
        self.catch_up()
        if SKU_MAP_TAB.name in tabs:
            self._load_sku_map(tabs[SKU_MAP_TAB.name])
        if DUPLICATES_TAB.name in tabs:
            self._apply_decisions(read_keyed(DUPLICATES_TAB, tabs[DUPLICATES_TAB.name]))
        batches = []
        by_id = self.j.orders_by_id()  # cached: only orders changed since the last cycle are parsed
        if DUPLICATES_TAB.name in tabs:
            batches.append(plan_keyed(DUPLICATES_TAB, tabs[DUPLICATES_TAB.name], self._pair_rows(by_id)))
        inventory = read_keyed(INVENTORY_TAB, tabs[INVENTORY]) if INVENTORY in tabs else {}
        typed = read_keyed(SKU_MAP_TAB, tabs[SKU_MAP_TAB.name]) if SKU_MAP_TAB.name in tabs else {}
        # Suggestions and the Stock column follow what people typed in Inventory and the SKU Map too.
        seen = (tuple((k, r.get("name", "")) for k, r in inventory.items()),
                tuple((k, r.get("internal_sku", "")) for k, r in typed.items()))
        stamp = (*self._revs(), seen)
        if tuple(stamp) != self._stamp:
            stored = list(by_id.values())
            self._wanted = {}
            if CUSTOMERS_TAB.name in tabs:
                self._wanted[CUSTOMERS_TAB.name] = self._customer_rows(stored)
            if SKU_MAP_TAB.name in tabs:
                self._wanted[SKU_MAP_TAB.name] = self._sku_rows(stored, inventory, typed)
            self._stamp = (*self._revs(), seen)
            self._replan = True
        if self._replan:
            # Nothing changed since the rows were worked out (clustering 50,000 orders takes many
            # seconds), so a re-read of the tabs by the slower check is planned against the same rows.
            for tab in (CUSTOMERS_TAB, SKU_MAP_TAB):
                if tab.name in tabs and tab.name in self._wanted:
                    batches.append(plan_keyed(tab, tabs[tab.name], self._wanted[tab.name]))
            self._replan = False
        return merge(*batches)

    def replan(self) -> None:
        """The tabs were read whole (the slower check): compare them with the rows next cycle."""
        if any(name not in self._wanted for name in (CUSTOMERS_TAB.name, SKU_MAP_TAB.name)):
            self._stamp = None  # never worked out for a tab: work everything out again
        self._replan = True

    def _revs(self) -> tuple[int, int]:
        """How many orders and the sum of their revs: from the cached orders, not a scan of the table."""
        now = self.j.cache.refresh()
        return len(now), self.j.cache.rev_sum

    def _load_sku_map(self, data: TabData) -> None:
        rows = []
        for values in read_keyed(SKU_MAP_TAB, data).values():
            if values.get("internal_sku"):
                rows.append((values.get("platform", "").lower(), values.get("platform_sku", ""),
                             values.get("title", ""), values["internal_sku"]))
        self.detector.sku_map = SkuMap.from_rows(rows)

    def _apply_decisions(self, shown: dict[str, dict[str, str]]) -> None:
        for pair in self.store.pairs():
            typed = " ".join(shown.get(pair.pair_id, {}).get("decision", "").upper().split())
            if not typed or typed == pair.decision:
                continue
            if typed not in DECISIONS:
                self.store.decide(pair.pair_id, "", f"‘{typed}’ isn't a decision — choose MERGE, "
                                                    f"NOT DUPLICATE or CANCEL ON PLATFORM")
                continue
            if pair.decision:
                self.store.decide(pair.pair_id, pair.decision,
                                  f"Already decided: {pair.decision}. Ask TrueCraft support to undo.")
                continue
            self.store.decide(pair.pair_id, typed, self._act(pair, typed))

    def _act(self, pair: StoredPair, decision: str) -> str:
        """Carry out MERGE / NOT DUPLICATE / CANCEL ON PLATFORM; returns the Result text."""
        if decision == "MERGE":
            before = self.j.get(pair.order_b)
            with self.j.transaction():  # one Audit Log line for the one change a person made
                self.j.set_fields(pair.order_b, source="sheet", push=True, audit=False, status="MERGED",
                                  linked_orders=pair.order_a, sync=f"Merged into {pair.order_a} — won't be fulfilled")
                self.j.audit(pair.order_b, "status changed", status_of(before) if before else "", "MERGED",
                             "sheet", self.editor(pair.order_b), detail=f"merged into {pair.order_a} as its duplicate (Duplicates tab)")
            return f"Merged: kept {pair.order_a}; {pair.order_b} is MERGED and won't be fulfilled"
        if decision == "NOT DUPLICATE":
            self.store.dismiss(pair.key_a, pair.key_b)
            self.detector.dismissed.add(frozenset((pair.key_a, pair.key_b)))
            self.j.set_fields(pair.order_b, source="sheet", dup_score="", dup_of="", match_reasons="")
            self.j.audit(pair.order_b, "duplicate dismissed", "", f"not a duplicate of {pair.order_a}", "sheet")
            return "Not a duplicate — this pair won't be flagged again"
        stored = self.j.get(pair.order_b)
        if self.cancel is None or stored is None:
            return "Cancel it on the platform yourself"
        return self.cancel(stored)

    def _pair_rows(self, by_id: dict[str, StoredOrder]) -> dict[str, dict[str, Any]]:
        out = {}
        for p in self.store.pairs():
            a, b = by_id.get(p.order_a), by_id.get(p.order_b)
            out[p.pair_id] = {
                "detected": format_time(datetime.fromisoformat(p.detected), self.tz), "score": p.score, "alert": p.alert,
                "order_a": p.order_a, "summary_a": summary(a, self.tz) if a else "",
                "order_b": p.order_b, "summary_b": summary(b, self.tz) if b else "",
                "reasons": "; ".join(p.reasons), "result": p.result}
        return out

    def _customer_rows(self, stored: list[StoredOrder]) -> dict[str, dict[str, Any]]:
        """One row per person; merged duplicates and cancelled orders are listed but never counted."""
        by_key = {s.order.key: s for s in stored}
        out = {}
        for c in cluster_customers([s.order for s in stored]):
            mine = [by_key[o.key] for o in c.orders if o.key in by_key]
            live = [s for s in mine if counts_as_sale(s)]
            live_ids = {s.order_id for s in live}
            spent = sum((s.order.total.amount for s in live), Decimal(0))
            dated = live or mine
            out[c.customer_id] = {
                "name": c.name, "emails": ", ".join(c.emails), "phones": ", ".join(c.phones),
                "channels": ", ".join(sorted({s.order.platform.label for s in dated})),
                "order_count": len(live), "total_spent": spent,
                "first_order": format_time(min(s.order.created_at for s in dated), self.tz) if dated else "",
                "last_order": format_time(max(s.order.created_at for s in dated), self.tz) if dated else "",
                "repeat": "Yes" if len(live) > 1 else "",
                "order_ids": ", ".join(s.order_id if s.order_id in live_ids else f"{s.order_id} ({status_of(s).lower()})"
                                       for s in mine)}
            repeat = f"Repeat customer — {len(live)} orders, {_money(spent, live)} spent" if len(live) > 1 else ""
            for s in mine:
                history = repeat if s.order_id in live_ids else _not_counted(s)
                if s.fields.get("customer_history", "") != history:  # skip a write per unchanged order
                    self.j.set_fields(s.order_id, audit=False, customer_history=history)
        return out

    def _sku_rows(self, stored: list[StoredOrder], inventory: dict[str, dict[str, str]],
                  typed: dict[str, dict[str, str]]) -> dict[str, dict[str, Any]]:
        """Every listing seen, with a suggested Internal SKU and whether shipping it moves stock."""
        unmoved: dict[str, list[str]] = {}
        for s in stored:
            for key in s.fields.get("stock_unmapped") or ():
                unmoved.setdefault(key, []).append(s.order_id)
        titles = {t: sku for (_, t), sku in self.detector.sku_map.by_title.items()}
        out: dict[str, dict[str, Any]] = {}
        for s in stored:
            platform = s.order.platform.value
            for item in s.order.items:
                key = listing_key(platform, item)
                if key in out:
                    continue
                mine = (typed.get(key) or {}).get("internal_sku", "")
                suggested = "" if mine else suggest_sku(item.sku, item.title, inventory, titles)
                out[key] = {"platform": s.order.platform.label, "listing_id": item.listing_id,
                            "platform_sku": item.sku, "title": item.title, "variant": item.variant,
                            "suggested_sku": suggested,
                            "stock": stock_text(mine, item.sku, suggested, inventory, unmoved.get(key, []))}
        return out
