"""Score a pair of orders 0-100 with reasons in plain words (pure functions, no I/O).

Hand-tuned points, no training: customer evidence (max 50), product evidence
(max 35), time gap (max 15) and amount (+/-5); negative evidence subtracts.
A name alone never proves a customer: strangers share common names.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from automations.duplicates.normalise import (
    Name, NormAddress, country_code, first_names_match, last_names_match, name_groups,
    normalise_address, normalise_email, normalise_phone, parse_name, soundex, street_similarity)
from automations.duplicates.products import (
    ProductView, SkuMap, title_similarity, variant_conflict, view)
from core.models import Order

CUSTOMER_MAX, PRODUCT_MAX, TIME_MAX = 50, 35, 15
NAME_ONLY_CAP = 10  # a matching name with nothing else is not enough to call it one person


@dataclass(frozen=True)
class Features:
    """Everything the scorer compares, computed once per order."""

    order: Order
    key: str
    t: float
    name: Name
    email: str
    phone: str
    address: NormAddress
    buyer: str
    refs: frozenset[str]
    products: tuple[ProductView, ...]
    keys: tuple[str, ...] = ()

    def block_keys(self) -> tuple[str, ...]:
        """Customer-ish keys; orders sharing none are never compared (except mirrored sales)."""
        return self.keys or _block_keys(self)


def _block_keys(self: Features) -> tuple[str, ...]:
    """phone, email, postcode+house, buyer account and phonetic-name keys."""
    keys = []
    if self.phone:
        keys.append("p:" + self.phone)
    if self.email:
        keys.append("e:" + self.email)
    if self.address.usable:
        keys.append(f"a:{self.address.postcode}|{self.address.house}")
    if self.buyer:
        keys.append("b:" + self.buyer)
    if self.name.first and self.name.last:
        last = soundex(self.name.last)
        for group in name_groups(self.name.first):
            keys.append("n:" + "|".join(sorted((soundex(group), last))))
    return tuple(keys)


def features(order: Order, sku_map: SkuMap | None = None) -> Features:
    """Normalise an order once so every comparison is cheap."""
    ship = order.ship_to
    cc = country_code(ship.country)
    sku_map = sku_map or SkuMap()
    products = tuple(view(item, sku_map.internal_sku(order.platform.value, item)) for item in order.items)
    cust = order.customer
    buyer = f"{order.platform.value}:{cust.platform_customer_id}" if cust.platform_customer_id else ""
    key = f"{order.platform.value}:{order.platform_order_id}"
    refs = frozenset(r.strip().lower() for r in order.external_refs if r.strip())
    feat = Features(order, key, order.created_at.timestamp(), parse_name(cust.name or ship.name),
                    normalise_email(cust.email), normalise_phone(cust.phone, cc),
                    normalise_address(ship.line1, ship.line2, ship.city, ship.postal_code, ship.country),
                    buyer, refs, products)
    object.__setattr__(feat, "keys", _block_keys(feat))  # computed once: used on every lookup
    return feat


def mirrored(a: Features, b: Features) -> str:
    """'Etsy receipt 123' when the two orders are one sale seen through two channels."""
    shared = (a.refs & b.refs) | ({a.key.lower()} & b.refs) | ({b.key.lower()} & a.refs)
    if not shared:
        return ""
    platform, _, ident = sorted(shared)[0].partition(":")
    label = {"etsy": "Etsy receipt", "shopify": "Shopify order", "square": "Square order",
             "amazon": "Amazon order"}.get(platform, f"{platform} order")
    return f"{label} {ident}"


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


def _product_pair(a: ProductView, b: ProductView, same_platform: bool) -> tuple[int, str]:
    if a.internal_sku and a.internal_sku == b.internal_sku:
        return PRODUCT_MAX, f"same product (SKU map {a.internal_sku})"
    if same_platform and a.raw_sku and a.raw_sku == b.raw_sku:
        return PRODUCT_MAX, f"same product (SKU {a.sku})"
    if a.ptype and b.ptype and a.ptype != b.ptype:
        return -40, f"different product ({a.ptype} vs {b.ptype})"
    conflict = variant_conflict(a, b)
    if conflict:
        return -30, f"different variant ({conflict})"
    if a.internal_sku and b.internal_sku:
        return -20, f"different product ({a.internal_sku} vs {b.internal_sku})"
    sim = title_similarity(a, b)
    typed = bool(a.ptype and a.ptype == b.ptype)
    if sim >= 85 or (typed and sim >= 70):
        return (30 if sim >= 85 else 25), f"same product (similar titles, {a.ptype or 'same words'})"
    if sim < 60:
        return -20, "different product"
    return 0, "product unclear"


def product_evidence(a: Features, b: Features) -> tuple[int, str, str]:
    """(points, reason, quantity reason) for the best-matching pair of line items."""
    same_platform = a.order.platform == b.order.platform
    best, best_pair = (-100, ""), None
    for pa in a.products:
        for pb in b.products:
            result = _product_pair(pa, pb, same_platform)
            if result[0] > best[0]:
                best, best_pair = result, (pa, pb)
    qty_reason = ""
    if best_pair and best[0] > 0:
        qa, qb = best_pair[0].quantity, best_pair[1].quantity
        if max(qa, qb) >= 3 * min(qa, qb) and abs(qa - qb) >= 2:
            qty_reason = f"quantity differs ({qa} vs {qb})"
    return best[0], best[1], qty_reason


def _amount(a: Order, b: Order) -> tuple[int, str]:
    if a.total.currency != b.total.currency:
        return 0, ""
    x, y = a.total.amount, b.total.amount
    diff = abs(x - y)
    if diff < Decimal("0.01"):
        return 5, "same amount"
    shown = f"price differs {type(a.total)(diff, a.total.currency).display()}"
    return (-5 if diff > max(x, y) / 2 else 0), shown


def score_pair(a: Features, b: Features, window_minutes: float) -> tuple[int, tuple[str, ...]]:
    """0-100 score and reasons for one pair of orders."""
    source = mirrored(a, b)
    if source:
        return 100, (f"same sale seen on two channels ({source})",)
    cust, pos, neg = customer_evidence(a, b)
    prod, prod_reason, qty_reason = product_evidence(a, b)
    gap = abs(a.t - b.t) / 60.0
    time_points = TIME_MAX * max(0.0, 1.0 - gap / (2 * window_minutes)) if gap <= window_minutes else -50
    amount_points, amount_reason = _amount(a.order, b.order)
    score = cust + prod + time_points + amount_points - (10 if qty_reason else 0)
    reasons = []
    if cust >= 35:
        reasons.append(f"Same customer ({'; '.join(pos)})")
    elif pos:
        reasons.append(f"Possibly same customer ({'; '.join(pos)})")
    reasons.append(prod_reason)
    reasons.append(f"{int(gap)}-min gap" if gap < 60 * 48 else f"{int(gap // 1440)}-day gap")
    reasons.extend(r for r in (amount_reason, qty_reason) if r)
    reasons.extend(neg)
    return max(0, min(100, round(score))), tuple(r for r in reasons if r)
