"""Group orders into customers across channels with the duplicate matcher's customer evidence."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Iterable

from automations.duplicates.blocking import BlockIndex
from automations.duplicates.detector import order_key
from automations.duplicates.scoring import customer_evidence, features
from core.models import Money, Order

SAME_PERSON = 35  # customer points needed: phone, email, buyer account or name + address


@dataclass
class CustomerCluster:
    """One person and every order they placed on any channel."""

    customer_id: str
    name: str
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    orders: list[Order] = field(default_factory=list)
    order_count: int = 0
    total_spent: Money | Decimal = Decimal(0)
    first_order: datetime | None = None
    last_order: datetime | None = None
    is_repeat: bool = False

    @property
    def order_ids(self) -> list[str]:
        """'platform:id' of each order, oldest first."""
        return [order_key(o) for o in self.orders]


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        """Root of x's group."""
        root = x
        while self.parent.setdefault(root, root) != root:
            root = self.parent[root]
        while self.parent[x] != root:  # path compression keeps big backfills linear
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: str, b: str) -> None:
        """Merge the groups of a and b."""
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _total(orders: list[Order]) -> Money | Decimal:
    currencies = {o.total.currency for o in orders}
    if len(currencies) == 1:
        return Money(sum((o.total.amount for o in orders), Decimal(0)), currencies.pop())
    return sum((o.total.amount for o in orders), Decimal(0))  # mixed currencies: a plain number


def _build(customer_id: str, orders: list[Order]) -> CustomerCluster:
    names = Counter(o.customer.name.strip() or o.ship_to.name.strip() for o in orders)
    names.pop("", None)
    name = max(names.items(), key=lambda kv: (kv[1], len(kv[0])))[0] if names else ""
    emails = sorted({o.customer.email.strip().lower() for o in orders if o.customer.email.strip()})
    phones = sorted({o.customer.phone.strip() for o in orders if o.customer.phone.strip()})
    channels = sorted({o.platform.label for o in orders})
    return CustomerCluster(customer_id, name, emails, phones, channels, orders, len(orders),
                           _total(orders), orders[0].created_at, orders[-1].created_at, len(orders) > 1)


def cluster_customers(orders: Iterable[Order]) -> list[CustomerCluster]:
    """Customers (ids 'C-1', 'C-2'... by first order time) with their orders across channels."""
    ordered = sorted(orders, key=lambda o: (o.created_at, order_key(o)))
    index, uf = BlockIndex(), _UnionFind()
    for order in ordered:
        feat = features(order)
        uf.find(feat.key)
        for other in index.related(feat):
            if uf.find(other.key) == uf.find(feat.key):
                continue
            points, _, _ = customer_evidence(other, feat, over_time=True)
            if points >= SAME_PERSON:
                uf.union(other.key, feat.key)
        index.add(feat)
    groups: dict[str, list[Order]] = {}
    for order in ordered:
        groups.setdefault(uf.find(order_key(order)), []).append(order)
    clusters = sorted(groups.values(), key=lambda os: (os[0].created_at, order_key(os[0])))
    return [_build(f"C-{n}", group) for n, group in enumerate(clusters, start=1)]
