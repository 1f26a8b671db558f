"""Group orders into customers across channels with the duplicate matcher's customer evidence."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Iterable

from automations.duplicates.blocking import BlockIndex
from automations.duplicates.detector import order_key
from automations.duplicates.normalise import Name, first_names_match, last_names_match, street_similarity
from automations.duplicates.scoring import Features, features
from core.models import Money, Order

SAME_PERSON = 35  # customer points needed: phone, email, buyer account or name + address
CUSTOMER_MAX = 50
NAME_ONLY_CAP = 10  # a matching name with nothing else is not enough to call it one person


def _names(a: Name, b: Name) -> tuple[int, str, str]:
    """(points, evidence, veto reason) for two names."""
    if a.empty or b.empty:
        return 0, "", ""
    straight = (first_names_match(a.first, b.first), last_names_match(a.last, b.last))
    swapped = (first_names_match(a.first, b.last), last_names_match(a.last, b.first))
    if straight[0] and straight[1]:
        kind = straight[0] if straight[0] != "exact" else straight[1]
        if kind == "exact":
            return 20, "same name", ""
        if kind == "initial":
            return 10, f"{a.shown_first} {a.shown_last}≈{b.shown_first} {b.shown_last}", ""
        shown = (f"{a.shown_first}≈{b.shown_first}" if straight[0] != "exact"
                 else f"{a.shown_last}≈{b.shown_last}")
        return (18 if kind == "nickname" else 15), shown, ""
    if a.last and b.last and swapped[0] and swapped[1] and straight[0] == "":
        return 16, "first and last name swapped", ""
    if straight[0] and not (a.last and b.last):
        return 5, f"first name {a.shown_first}≈{b.shown_first}", ""
    if straight[0] and not straight[1]:  # same first name, another family name: likely another person
        return -15, "", ""
    if a.first and b.first and not straight[0] and not (swapped[0] and swapped[1]):
        return 0, "", f"different first name ({a.shown_first} vs {b.shown_first})"
    return 0, "", ""


def customer_evidence(a: Features, b: Features, over_time: bool = False) -> tuple[int, list[str], list[str]]:
    """(points 0-50, positive evidence, negative evidence) that two orders share a buyer.

    over_time=True (grouping months of orders into customers) forgives a changed
    address or phone: people move, so only a conflicting name counts against.
    """
    points, strong, pos, neg = 0, False, [], []
    if a.buyer and b.buyer and a.buyer.split(":")[0] == b.buyer.split(":")[0]:
        if a.buyer == b.buyer:
            points, strong = points + 45, True
            pos.append("same buyer account")
        else:
            points -= 15
            neg.append("different buyer accounts")
    if a.phone and b.phone:
        if a.phone == b.phone:
            points, strong = points + 40, True
            pos.append("phone match")
        elif not over_time:
            points -= 10
            neg.append("different phones")
    if a.email and b.email and a.email == b.email:
        points, strong = points + 35, True
        pos.append("email match")
    name_points, name_shown, veto = _names(a.name, b.name)
    if name_shown:
        pos.append(name_shown)
    elif name_points < 0:
        neg.append(f"different last name ({a.name.shown_last} vs {b.name.shown_last})")
    address_points = 0
    if a.address.usable and b.address.usable:
        if a.address.house == b.address.house and a.address.postcode == b.address.postcode:
            if street_similarity(a.address, b.address) >= 80:
                address_points = 25
                pos.append("same street")
            else:
                address_points = 5
        elif not over_time:
            points -= 15
            neg.append("different address")
    strong = strong or address_points >= 25
    points += address_points + (name_points if strong else min(name_points, NAME_ONLY_CAP))
    if veto:
        where = " at the same address" if address_points >= 25 else ""
        neg.append(veto + where)
        return 0, pos, neg  # a different person (household member, gift giver) is never a duplicate
    return max(0, min(points, CUSTOMER_MAX)), pos, neg



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
