"""Terminal views of the feed: a newest-first table and the duplicate alerts."""
from __future__ import annotations

import shutil

from core.journal import Journal
from sheets.rows import order_row


def _cut(text: str, width: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def print_feed(journal: Journal, tz: str = "UTC", limit: int = 50) -> None:
    """Newest first: time, Order ID, platform, total, customer, status (+ duplicate flag)."""
    stored = sorted(journal.all_orders(), key=lambda s: s.order.created_at, reverse=True)[:limit]
    width = shutil.get_terminal_size((120, 20)).columns
    flag_w = max(10, min(40, width - 84))
    print(f"{'Time':<17} {'Order ID':<8} {'Platform':<8} {'Total':>9}  {'Customer':<18} {'Status':<12} {'Duplicate?':<{flag_w}}")
    print("-" * (17 + 8 + 8 + 9 + 18 + 12 + flag_w + 7))
    for s in stored:
        row = order_row(s, tz)
        flag = ""
        if row["dup_score"] not in ("", None):
            flag = f"⚠ {row['dup_score']}% — dup of {row['dup_of']}"
        print(f"{row['received']:<17} {row['order_id']:<8} {row['platform']:<8} {s.order.total.display():>9}  "
              f"{_cut(row['customer'], 18):<18} {row['status']:<12} {_cut(flag, flag_w)}")


def print_alerts(runner) -> None:
    """Each flagged pair with its alert text and reasons, as the Duplicates tab shows them."""
    pairs = runner.pipeline.duplicates.store.pairs()
    if not pairs:
        print("No likely duplicates today.")
        return
    print(f"3. TrueCraft flagged {len(pairs)} likely duplicate(s) — see the Duplicates tab:\n")
    for p in pairs:
        a, b = runner.journal.get(p.order_a), runner.journal.get(p.order_b)
        print(f"   {p.alert}")
        print(f"     {p.order_a}: {a.order.platform.label} #{a.order.platform_order_id} · {a.order.customer.name} · "
              f"{a.order.items_summary()} · {a.order.total.display()}")
        print(f"     {p.order_b}: {b.order.platform.label} #{b.order.platform_order_id} · {b.order.customer.name} · "
              f"{b.order.items_summary()} · {b.order.total.display()}")
        print(f"     Why: {'; '.join(p.reasons)}\n")
