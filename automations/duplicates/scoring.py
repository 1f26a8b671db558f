"""Per-order features, block keys and the comparison vector of a pair (pure functions, no I/O)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from decimal import Decimal

from automations.duplicates import compare as cmp
from automations.duplicates.normalise import (
    Name, NormAddress, country_code, is_relay, name_groups, normalise_address, normalise_email, normalise_phone,
    parse_name, phonetic)
from automations.duplicates.products import ProductView, SkuMap, title_similarity, variant_conflict, view
from core.models import Order


@dataclass(frozen=True)
class Features:
    """Everything the comparison needs, computed once per order."""

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
    ship_name: Name | None = None  # the recipient, when the order names one apart from the buyer
    relay: bool = False  # a marketplace relay e-mail: a buyer account stands behind it, but not comparable

    def context_keys(self) -> tuple[str, ...]:
        """Product and amount keys, counted per window to tell how common an agreement is."""
        keys = {f"P:{p.internal_sku or p.ptype or p.words[:24]}" for p in self.products}
        return tuple(sorted(keys)) + (f"T:{self.order.total.amount}{self.order.total.currency}",)

    def block_keys(self) -> tuple[str, ...]:
        """Independent keys; two orders sharing any one of them (inside the window) get compared."""
        return self.keys or _block_keys(self)


def _block_keys(f: Features) -> tuple[str, ...]:
    """Phone, e-mail, buyer account, postcode, house+street word, and phonetic name keys.

    Several keys, so one typo breaks at most some of them: a misspelt surname still shares the
    postcode and the street key, a wrong postcode still shares the name keys.
    """
    keys = set()
    if f.phone:
        keys.add("p:" + f.phone)
    if f.email:
        keys.add("e:" + f.email)
    if f.buyer:
        keys.add("b:" + f.buyer)
    addr = f.address
    if addr.postcode:
        keys.add("z:" + addr.postcode)
    if addr.house and addr.street:
        word = max(addr.street.split(), key=len)
        keys.add(f"h:{addr.house}|{word[:4]}")
    first, last = f.name.first, f.name.last
    if first and last:
        # Given and family name both ways round, so a swapped name shares keys too; nickname groups
        # give 'Bill Smith' and 'William Smith' the key SNAT|w.
        for given, family in ((first, last), (last, first)):
            keys.add(f"n:{phonetic(family)}|{given[0]}")
            for formal in name_groups(given):
                keys.add(f"n:{phonetic(family)}|{formal[0]}")
    elif first:
        keys.add(f"n:{phonetic(first)}|")
    if first and addr.city:
        keys.add(f"c:{phonetic(first)}|{addr.city[:5]}")  # surname changed or misspelt, same town
    if last and addr.postcode:
        keys.add(f"l:{phonetic(last)}|{addr.postcode[:2]}")  # house number or postcode mistyped
    if addr.street and (addr.city or addr.postcode):
        word = max(addr.street.split(), key=len)
        keys.add(f"s:{word[:5]}|{addr.city[:3] or addr.postcode[:2]}")  # house number missing or mistyped
    return tuple(sorted(keys))


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
                    normalise_address(ship.line1, ship.line2, ship.city, ship.postal_code, ship.country,
                                      ship.region),
                    buyer, refs, products)
    object.__setattr__(feat, "keys", _block_keys(feat))  # computed once: used on every lookup
    if is_relay(cust.email):
        object.__setattr__(feat, "relay", True)
    if cust.name.strip() and ship.name.strip():
        object.__setattr__(feat, "ship_name", parse_name(ship.name))
    return feat


def mirrored(a: Features, b: Features) -> str:
    """'Etsy receipt 123' when the two orders are one sale seen through two channels."""
    if not (a.refs or b.refs):
        return ""  # most orders name no other sale; asked for every candidate pair
    shared = (a.refs & b.refs) | ({a.key.lower()} & b.refs) | ({b.key.lower()} & a.refs)
    if not shared:
        return ""
    platform, _, ident = sorted(shared)[0].partition(":")
    label = {"etsy": "Etsy receipt", "shopify": "Shopify order", "square": "Square order",
             "amazon": "Amazon order"}.get(platform, f"{platform} order")
    return f"{label} {ident}"


def product_level(a: Features, b: Features) -> tuple[int, ProductView | None, ProductView | None, str]:
    """(level, item a, item b, variant note) for the best-matching pair of line items."""
    same_platform = a.order.platform == b.order.platform
    best: tuple[int, ProductView | None, ProductView | None, str] = (0, None, None, "")
    for pa in a.products:
        for pb in b.products:
            level, note = _product_pair(pa, pb, same_platform)
            if not best[0] or level < best[0]:
                best = (level, pa, pb, note)
    return best


@lru_cache(maxsize=100_000)
def _product_pair(a: ProductView, b: ProductView, same_platform: bool) -> tuple[int, str]:
    """Level per compare.FIELDS['product']: same-sku, same, related, unclear, other-variant, different."""
    if a.internal_sku and a.internal_sku == b.internal_sku:
        return 1, a.internal_sku
    if same_platform and a.raw_sku and a.raw_sku == b.raw_sku:
        return 1, a.sku
    if a.ptype and b.ptype and a.ptype != b.ptype:
        return 6, ""
    conflict = variant_conflict(a, b)
    if conflict:
        return 5, conflict
    if a.internal_sku and b.internal_sku:
        return 6, ""
    sim = title_similarity(a, b)
    if sim >= 85 or (a.ptype and a.ptype == b.ptype and sim >= 70):
        return 2, ""
    if sim >= 60 or (a.ptype and a.ptype == b.ptype):
        return 3, ""
    return 4, ""  # free text such as "Custom order for Sarah": nothing says it is another product


def _amounts(a: Order, b: Order) -> tuple[Decimal | None, Decimal | None]:
    if a.total.currency != b.total.currency:
        return None, None
    return a.total.amount, b.total.amount


def address_parts(a: Features, b: Features) -> cmp.AddressParts:
    """Levels of each address part, with street and building line tried both ways round."""
    x, y = a.address, b.address
    street = cmp.street_level(x.street, y.street)
    if street >= 3 and x.unit and y.unit:
        # Street and building name typed into each other's line on one of the orders.
        crossed = (cmp.street_level(x.street, y.unit), cmp.street_level(x.unit, y.street))
        if max(crossed) <= 2:
            street = crossed[0]
    region = cmp.region_level(x.region, y.region) if x.country == y.country else 0
    return cmp.AddressParts(cmp.house_level(x.house, y.house), street, cmp.postcode_level(x.postcode, y.postcode),
                            cmp.text_level(x.city, y.city), region)


def comparison(a: Features, b: Features, window_minutes: float) -> tuple[int, ...]:
    """The comparison vector: one agreement level per field of compare.FIELDS (0 = not compared)."""
    names = cmp.compare_names(a.name, b.name)
    x, y = a.address, b.address
    buyer = 0
    if a.buyer and b.buyer and a.buyer.split(":")[0] == b.buyer.split(":")[0]:
        buyer = 1 if a.buyer == b.buyer else 2
    unit = cmp.unit_level(x.unit, y.unit)
    if unit == 3 and x.street and y.street and (cmp.street_level(x.street, y.unit) <= 2
                                                or cmp.street_level(x.unit, y.street) <= 2):
        unit = 2  # the lines were swapped, not different
    product, pa, pb, _ = product_level(a, b)
    quantity = cmp.quantity_level(pa.quantity, pb.quantity) if pa and pb and product <= 3 else 0
    return (names.first, names.last, cmp.address_level(address_parts(a, b)), unit,
            cmp.phone_level(a.phone, b.phone), cmp.email_level(a.email, b.email), buyer, product, quantity,
            cmp.amount_level(*_amounts(a.order, b.order)), cmp.gap_level(abs(a.t - b.t) / 60.0, window_minutes))
