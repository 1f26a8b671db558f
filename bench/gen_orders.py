"""Seeded generator of realistic multi-channel orders with labelled duplicates and hard negatives.

Written by the same team as the scorer, so it shares our blind spots: treat
its figures as a regression guard, not as proof of real-world accuracy.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from core.models import Address, Customer, LineItem, Money, Order, Platform

FIRST = ("Rachel Sarah William Elizabeth Robert Katherine Michael Jennifer James Margaret Thomas "
         "Patricia Daniel Emily Christopher Rebecca Anthony Samantha Jessica Matthew Andrew Olivia "
         "Emma Nicholas Victoria Benjamin Susan Charles Deborah Richard Amanda Joseph Stephanie "
         "Zoë José Renée François Chloe Mia Aiden Harper Ethan Lucia Noah Priya Wei Hannah Grace "
         "Maya Leah Owen Caleb Nora Ivy Jasper Felix Ruby Hazel Iris Theo Miles Avery Quinn").split()
LAST = ("Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
        "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
        "Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill "
        "Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gómez Müller "
        "O'Brien Kowalski Novak Fischer Schultz Lindqvist Okafor Patel Chen Kim Tanaka Rossi Dubois "
        "Haddad Kaplan Vasquez Brennan Whitfield Ashworth Pemberton Castellano Yamamoto").split()
NICK = {"Rachel": "Rach", "William": "Bill", "Elizabeth": "Liz", "Robert": "Bob", "Katherine": "Kate",
        "Michael": "Mike", "Jennifer": "Jenny", "James": "Jim", "Margaret": "Peggy", "Thomas": "Tom",
        "Patricia": "Trish", "Daniel": "Dan", "Christopher": "Chris", "Rebecca": "Becky",
        "Anthony": "Tony", "Samantha": "Sam", "Jessica": "Jess", "Matthew": "Matt", "Andrew": "Andy",
        "Nicholas": "Nick", "Victoria": "Vicky", "Benjamin": "Ben", "Susan": "Sue", "Sarah": "Sally"}
COMMON = (("James", "Smith"), ("Maria", "Garcia"), ("Michael", "Johnson"), ("Jennifer", "Brown"),
          ("David", "Lee"), ("Sarah", "Miller"))
STREETS = ("Main Oak Maple Cedar Pine Elm Washington Lake Hill Park Sunset River Highland Walnut Cherry "
           "Church Mill Spring Willow Meadow Forest Ridge Valley Harbor Chestnut Birch Aspen").split()
SUFFIX = (("Street", "St"), ("Avenue", "Ave"), ("Road", "Rd"), ("Drive", "Dr"), ("Lane", "Ln"),
          ("Court", "Ct"), ("Boulevard", "Blvd"), ("Place", "Pl"))
DIRS = (("", ""), ("North", "N"), ("South", "S"), ("East", "E"), ("West", "W"))
CITIES = (("Portland", "OR", "972", "503"), ("Austin", "TX", "787", "512"), ("Denver", "CO", "802", "303"),
          ("Seattle", "WA", "981", "206"), ("Asheville", "NC", "288", "828"), ("Madison", "WI", "537", "608"),
          ("Burlington", "VT", "054", "802"), ("Boise", "ID", "837", "208"), ("Tucson", "AZ", "857", "520"),
          ("Savannah", "GA", "314", "912"), ("Santa Fe", "NM", "875", "505"), ("Duluth", "MN", "558", "218"))
PRODUCTS = (("Silver Leaf", "Necklace"), ("Silver Leaf", "Bracelet"), ("Ocean Wave", "Earrings"),
            ("Moonstone", "Ring"), ("Hand Painted Denim", "Jacket"), ("Linen", "Wrap"), ("Chunky Knit", "Scarf"),
            ("Speckled Stoneware", "Mug"), ("Botanical", "Print"), ("Leather", "Wallet"), ("Canvas", "Tote"),
            ("Soy Lavender", "Candle"), ("Wool Felt", "Hat"), ("Macrame Plant", "Planter"),
            ("Pet Portrait", "Painting"), ("Birth Flower", "Necklace"), ("Initial Stacking", "Ring"),
            ("Beaded Friendship", "Bracelet"), ("Quilted Baby", "Blanket"), ("Embroidered", "Hoodie"))
COLOURS = ("Blue", "Red", "Green", "Black", "Cream", "Pink")
SIZES = ("S", "M", "L", "XL")
SIZED = {"Jacket", "Hoodie", "Ring", "Hat"}
POSITIVE_CASES = ("rachel", "double_submit", "nickname_typo", "swapped_names", "phone_one_side",
                  "window_edge", "address_variant", "mirrored")
NEGATIVE_CASES = ("reorder_later", "other_variant", "common_name", "household", "gift_givers", "flash_sale")
T0 = datetime(2026, 9, 1, tzinfo=timezone.utc)


@dataclass
class Person:
    """A synthetic buyer."""
    first: str
    last: str
    email: str
    phone: str
    house: int
    street: tuple[str, int, int]  # (name, suffix index, direction index)
    unit: str
    city: int
    zip: str
    buyer: str


@dataclass
class Dataset:
    """Orders plus the labelled pairs and the SKU map rows."""
    orders: list[Order] = field(default_factory=list)
    sku_rows: list[tuple[str, str, str, str]] = field(default_factory=list)
    positives: dict[frozenset[str], str] = field(default_factory=dict)
    negatives: dict[frozenset[str], str] = field(default_factory=dict)


class Generator:
    """Builds people, listings and orders from one seed."""

    def __init__(self, seed: int, window_minutes: int = 120) -> None:
        self.r = random.Random(seed)
        self.window = window_minutes
        self.ds = Dataset()
        self.seq = 0
        self.phones: set[str] = set()
        self._catalog()

    def _catalog(self) -> None:
        # Each (product, variant) has an internal SKU; each platform lists it under its own title/SKU.
        self.listings = []
        for n, (base, ptype) in enumerate(PRODUCTS, start=1):
            for var in (SIZES if ptype in SIZED else COLOURS)[:3]:
                sku = f"P{n:02d}-{var.upper()}"
                titles = {"etsy": f"Handmade {base} {ptype} | Personalized Gift for Her ({var})",
                          "shopify": f"{base} {ptype} - {var}", "square": f"{base.split()[-1].lower()} {ptype.lower()} - {var.lower()}",
                          "amazon": f"TrueCraft {base} {ptype}, {var}"}
                self.listings.append((sku, base, ptype, var, titles, Decimal(self.r.randrange(18, 240))))
                for plat, title in titles.items():
                    if plat == "square":
                        continue  # Square invoices are free-text items: left to the fuzzy matcher
                    if self.r.random() < 0.8:
                        self.ds.sku_rows.append((plat, f"{plat[:2].upper()}-{sku}", "", sku))

    def person(self, first: str | None = None, last: str | None = None, city: int | None = None) -> Person:
        """A new stranger (optionally with a given name or city) with a unique phone."""
        r = self.r
        first, last = first or r.choice(FIRST), last or r.choice(LAST)
        city = r.randrange(len(CITIES)) if city is None else city
        while True:
            phone = f"{CITIES[city][3]}{r.randrange(2000000, 9999999)}"
            if phone not in self.phones:
                self.phones.add(phone)
                break
        email = f"{first[0].lower()}{last.lower().replace(' ', '')}{r.randrange(10, 9999)}@{r.choice(('gmail.com', 'yahoo.com', 'outlook.com', 'icloud.com'))}"
        street = (r.choice(STREETS), r.randrange(len(SUFFIX)), r.choice((0, 0, 0, 1, 2, 3, 4)))
        unit = str(r.randrange(1, 40)) if r.random() < 0.3 else ""
        return Person(first, last, email.encode("ascii", "ignore").decode(), phone, r.randrange(1, 9999),
                      street, unit, city, f"{CITIES[city][2]}{r.randrange(10, 99)}", str(r.randrange(10**6, 10**8)))

    def address(self, p: Person, style: int | None = None) -> Address:
        """The person's address in one of three spellings (full words, abbreviations+zip+4, capitals)."""
        style = self.r.randrange(3) if style is None else style
        name, suf, d = p.street
        if style == 0:
            line1, line2, zipc = f"{p.house} {DIRS[d][0]} {name} {SUFFIX[suf][0]}", f"Apt {p.unit}" if p.unit else "", p.zip
        elif style == 1:
            line1 = f"{p.house} {DIRS[d][1]}{'.' if d else ''} {name} {SUFFIX[suf][1]}." + (f" #{p.unit}" if p.unit else "")
            line2, zipc = "", f"{p.zip}-{self.r.randrange(1000, 9999)}"
        else:
            line1 = f"{p.house} {DIRS[d][1]} {name.upper()} {SUFFIX[suf][1].upper()}"
            line2, zipc = (f"Unit {p.unit}" if p.unit else ""), p.zip
        city, region, _, _ = CITIES[p.city]
        return Address(f"{p.first} {p.last}", " ".join(line1.split()), line2, city, region, zipc, "US")

    def phone_text(self, p: Person) -> str:
        """The phone number formatted one of the ways people type it."""
        d = p.phone
        return self.r.choice((f"({d[:3]}) {d[3:6]}-{d[6:]}", f"{d[:3]}-{d[3:6]}-{d[6:]}", f"+1 {d[:3]} {d[3:6]} {d[6:]}", d))

    def order(self, p: Person, plat: str, when: datetime, listing=None, *, name: str | None = None,
              email: str | None = None, phone: str | None = None, address: Address | None = None,
              qty: int = 1, price_factor: float = 1.0, refs: tuple[str, ...] = (), buyer: str | None = None,
              title: str = "") -> Order:
        """One order from `p` on `plat`; None arguments take platform-typical values."""
        r = self.r
        self.seq += 1
        sku, base, ptype, var, titles, price = listing or r.choice(self.listings)
        unit_price = (price * Decimal(str(price_factor))).quantize(Decimal("0.01"))
        item_sku = "" if plat == "square" else f"{plat[:2].upper()}-{sku}"
        variant = var if plat in ("shopify", "etsy") and r.random() < 0.5 else ""
        item = LineItem(title or titles[plat], qty, Money(unit_price), sku=item_sku, variant=variant)
        if email is None:
            email = {"etsy": "", "amazon": f"{r.randrange(16**12):012x}@marketplace.amazon.com"}.get(plat, p.email)
        if phone is None:
            phone = self.phone_text(p) if r.random() < {"etsy": 0.05, "amazon": 0.3, "square": 0.8}.get(plat, 0.6) else ""
        buyer = (p.buyer if plat in ("etsy", "amazon", "shopify") else "") if buyer is None else buyer
        pid = f"{plat[:2].upper()}{self.seq:07d}"
        return Order(Platform(plat), pid, when, Customer(name or f"{p.first} {p.last}", email, phone, buyer),
                     (item,), item.total, ship_to=address or self.address(p), external_refs=refs)

    def when(self) -> datetime:
        """A random time in the 90-day span."""
        return T0 + timedelta(minutes=self.r.randrange(90 * 24 * 60))

    def add(self, *orders: Order, label: str = "", positive: bool = True) -> None:
        """Keep orders; label every pair among them as one case."""
        self.ds.orders.extend(orders)
        if label:
            target = self.ds.positives if positive else self.ds.negatives
            for i, a in enumerate(orders):
                for b in orders[i + 1:]:
                    target[frozenset({f"{a.platform.value}:{a.platform_order_id}",
                                      f"{b.platform.value}:{b.platform_order_id}"})] = label

    def typo(self, word: str) -> str:
        """The word with one letter dropped or doubled."""
        i = self.r.randrange(1, max(2, len(word) - 1))
        return word[:i] + word[i + 1:] if self.r.random() < 0.5 else word[:i] + word[i] + word[i:]

    def mins(self, lo: int, hi: int) -> timedelta:
        """A random gap in minutes."""
        return timedelta(minutes=self.r.uniform(lo, hi))

    def two_platforms(self) -> tuple[str, str]:
        """Two different channels."""
        a, b = self.r.sample(("etsy", "shopify", "square", "amazon"), 2)
        return a, b

    def positive(self, case: str) -> None:
        """Inject one labelled duplicate pair of the given case."""
        r, p, t, lst = self.r, self.person(), self.when(), self.r.choice(self.listings)
        pa, pb = self.two_platforms()
        if case == "rachel":  # the seed's story: an Etsy order, then a Square invoice from an Instagram DM
            a = self.order(p, "etsy", t, lst, phone="")
            shown = r.choice((f"{p.first} {p.last}", f"{NICK.get(p.first, p.first)} {p.last}",
                              f"{p.first} {p.last[0]}."))  # full, nickname, or first name and initial
            item = f"custom {lst[2].lower()}, {r.choice(('embroidered', 'hand painted', 'personalised'))}, for {p.first}"
            b = self.order(p, "square", t + self.mins(5, 60), lst, name=shown,
                           email=p.email if r.random() < 0.6 else "", phone="",
                           address=self.address(p) if r.random() < 0.6 else Address(shown),
                           price_factor=r.choice((1, -1)) * r.uniform(0.02, 0.08) + 1, title=item)
        elif case == "double_submit":
            plat = r.choice(("shopify", "etsy"))
            addr, phone = self.address(p), self.phone_text(p)
            a = self.order(p, plat, t, lst, address=addr, phone=phone)
            b = self.order(p, plat, t + self.mins(0.2, 10), lst, address=addr, phone=phone, email=a.customer.email)
        elif case == "nickname_typo":
            a = self.order(p, pa, t, lst)
            b = self.order(p, pb, t + self.mins(5, 100), lst, name=f"{NICK.get(p.first, p.first)} {self.typo(p.last)}")
        elif case == "swapped_names":
            a = self.order(p, pa, t, lst)
            b = self.order(p, pb, t + self.mins(5, 100), lst, name=f"{p.last} {p.first}")
        elif case == "phone_one_side":
            a = self.order(p, pa, t, lst, phone=self.phone_text(p))
            b = self.order(p, pb, t + self.mins(5, 100), lst, phone="", email="")
        elif case == "window_edge":
            a = self.order(p, "shopify", t, lst, phone=self.phone_text(p))
            b = self.order(p, "square", t + self.mins(self.window - 15, self.window - 1), lst)
        elif case == "address_variant":  # billing-style vs shipping-style spelling of one address
            a = self.order(p, pa, t, lst, address=self.address(p, 0), phone="", email="")
            b = self.order(p, pb, t + self.mins(5, 100), lst, address=self.address(p, 1), phone="")
        else:  # mirrored: an Etsy order copied into Shopify by a marketplace app
            a = self.order(p, "etsy", t, lst)
            b = self.order(p, "shopify", t + self.mins(0, 30), lst, refs=(f"etsy:{a.platform_order_id}",),
                           address=a.ship_to, buyer="")
        self.add(a, b, label=case, positive=True)

    def negative(self, case: str) -> None:
        """Inject one labelled hard negative (pairs that must not be flagged)."""
        r, p, t, lst = self.r, self.person(), self.when(), self.r.choice(self.listings)
        pa, pb = self.two_platforms()
        gap = self.mins(5, 100)
        if case == "reorder_later":
            orders = (self.order(p, pa, t, lst), self.order(p, pb, t + timedelta(days=r.uniform(20, 45)), lst))
        elif case == "other_variant":
            other = r.choice([x for x in self.listings if x[1:3] == lst[1:3] and x is not lst])
            orders = (self.order(p, pa, t, lst), self.order(p, pb, t + gap, other))
        elif case == "common_name":
            first, last = r.choice(COMMON)
            p1, p2 = self.person(first, last, p.city), self.person(first, last, p.city)
            orders = (self.order(p1, pa, t, lst), self.order(p2, pb, t + gap, lst))
        elif case == "household":
            mate = self.person(r.choice([f for f in FIRST if f != p.first]), p.last, p.city)
            mate.house, mate.street, mate.unit, mate.zip = p.house, p.street, p.unit, p.zip
            if r.random() < 0.3:
                mate.phone = p.phone  # a shared landline
            orders = (self.order(p, pa, t, lst), self.order(mate, pb, t + gap, lst))
        elif case == "gift_givers":  # two people send the same gift to one recipient
            g1, g2 = self.person(), self.person()
            orders = (self.order(g1, pa, t, lst, address=self.address(p)),
                      self.order(g2, pb, t + gap, lst, address=self.address(p)))
        else:  # flash sale: dozens of strangers buy one item within minutes
            orders = tuple(self.order(self.person(), r.choice(("shopify", "shopify", "etsy")),
                                      t + self.mins(0, 15), lst) for _ in range(r.randrange(30, 61)))
        self.add(*orders, label=case, positive=False)

    def background(self, count: int) -> None:
        """Ordinary traffic; one person's orders stay a day or more apart."""
        pool = [self.person() for _ in range(max(1, int(count * 0.7)))]
        seen: dict[int, list[datetime]] = {}
        for _ in range(count):
            idx = self.r.randrange(len(pool)) if self.r.random() < 0.3 else self.r.randrange(len(pool))
            for _try in range(6):  # keep one person's background orders days apart (no hidden duplicates)
                t = self.when()
                if all(abs((t - s).total_seconds()) > 86400 for s in seen.get(idx, ())):
                    break
            else:
                pool.append(self.person())
                idx = len(pool) - 1
            seen.setdefault(idx, []).append(t)
            self.add(self.order(pool[idx], self.r.choice(("etsy", "etsy", "shopify", "square", "amazon")), t))


def generate(n_orders: int = 20_000, seed: int = 7, window_minutes: int = 120) -> Dataset:
    """About n_orders orders over 90 days: hard positives, hard negatives and ordinary traffic."""
    g = Generator(seed, window_minutes)
    per_case = max(2, n_orders // 400)
    for case in POSITIVE_CASES:
        for _ in range(per_case):
            g.positive(case)
    for case in NEGATIVE_CASES:
        for _ in range(max(1, per_case // 10) if case == "flash_sale" else per_case):
            g.negative(case)
    g.background(max(0, n_orders - len(g.ds.orders)))
    g.ds.orders.sort(key=lambda o: o.created_at)
    return g.ds


def same_product_burst(n_orders: int = 5_000, seed: int = 11, minutes: int = 120) -> list[Order]:
    """n strangers buying one listing inside one window (the flash-sale stress test)."""
    g = Generator(seed)
    lst = g.listings[0]
    return [g.order(g.person(), "shopify", T0 + g.mins(0, minutes), lst) for _ in range(n_orders)]
