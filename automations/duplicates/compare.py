"""Compare two orders field by field into a comparison vector of agreement levels (pure functions).

Every field is compared with a typo-tolerant measure and lands on a level: 0 means
"missing on one side" and counts neither for nor against; 1 is the strongest
agreement; the last level is a clear disagreement. How much each level tells is
not decided here: the Fellegi–Sunter model (model.py) learns it from the data.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from decimal import Decimal

from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler, OSA

from automations.duplicates.normalise import Name, nickname_related

# field -> level names (index 1..n); level 0 is always "missing".
FIELDS: dict[str, tuple[str, ...]] = {
    "first": ("exact", "nickname", "initial", "typo", "similar", "different"),
    "last": ("exact", "typo", "initial", "similar", "different"),
    # One composite field for house number, street, postcode and town: they are not independent
    # (same postcode means same town), so adding them up separately would count one fact four times.
    "address": ("same", "near", "one-part-differs", "same-area", "different"),
    "unit": ("exact", "similar", "different"),
    "phone": ("exact", "last7", "different"),
    "email": ("exact", "similar", "different"),
    "buyer": ("exact", "different"),
    "product": ("same-sku", "same", "related", "unclear", "other-variant", "different"),
    "quantity": ("same", "close", "different"),
    "amount": ("exact", "within10", "within50", "different"),
    "gap": ("15min", "60min", "window", "outside"),
}
NAMES = tuple(FIELDS)
IDX = {name: i for i, name in enumerate(NAMES)}


@dataclass(frozen=True)
class NamePair:
    """How two names compare, after trying them straight and with given/family swapped."""

    first: int
    last: int
    swapped: bool


def _jw(a: str, b: str) -> float:
    return JaroWinkler.similarity(a, b)


def _numbered(a: str, b: str) -> bool:
    """Usernames like 'buyer11' vs 'buyer1': numbers are identities, not typos."""
    return not (a + b).isalpha()  # names are already reduced to lower-case letters and digits


def _typo(a: str, b: str, sim: float) -> bool:
    """A slip of the keyboard: very close by Jaro-Winkler, or one edit (two in a long name)."""
    return sim >= 0.92 or OSA.distance(a, b) <= (1 if min(len(a), len(b)) <= 5 else 2)


@lru_cache(maxsize=200_000)
def first_level(a: str, b: str) -> int:
    """Level of two given names: exact, nickname, initial, typo, similar, different."""
    if not a or not b:
        return 0
    if a == b:
        return 1
    if len(a) == 1 or len(b) == 1:
        return 3 if a[0] == b[0] else 6
    if nickname_related(a, b):
        return 2
    if _numbered(a, b):
        return 6
    sim = _jw(a, b)
    if _typo(a, b, sim):
        return 4
    return 5 if sim >= 0.80 else 6


@lru_cache(maxsize=200_000)
def last_level(a: str, b: str) -> int:
    """Level of two family names: exact, typo, initial, similar, different."""
    if not a or not b:
        return 0
    if a == b:
        return 1
    if len(a) == 1 or len(b) == 1:
        return 3 if a[0] == b[0] else 5
    if _numbered(a, b):
        return 5
    sim = _jw(a, b)
    if _typo(a, b, sim):
        return 2
    return 4 if sim >= 0.80 else 5


_FIRST_RANK = (9, 0, 1, 2, 1, 3, 4)  # lower is better; used only to pick straight vs swapped
_LAST_RANK = (9, 0, 1, 2, 3, 4)


def compare_names(a: Name, b: Name) -> NamePair:
    """Compare two names straight and swapped ('Green Rachel'), keeping the better reading."""
    straight = NamePair(first_level(a.first, b.first), last_level(a.last, b.last), False)
    if bool(a.last) != bool(b.last) and a.first and b.first:
        # One side is a single word ('Green', 'Sarah'): it may be either name of the other side.
        one, full = (a, b) if not a.last else (b, a)
        as_last = last_level(one.first, full.last)
        if as_last in (1, 2) and straight.first >= 5:
            return NamePair(0, as_last, False)
        return straight
    if straight.first < 5 or not (a.first and a.last and b.first and b.last):
        return straight
    swapped = NamePair(first_level(a.first, b.last), last_level(a.last, b.first), True)
    if swapped.first in (1, 2, 4) and swapped.last in (1, 2) and straight.first >= 5:
        return swapped
    return straight


@lru_cache(maxsize=200_000)
def house_level(a: str, b: str) -> int:
    """Exact, close (two digits swapped or one dropped: '124' vs '142' or '12') or different.

    One digit replaced by another ('124' vs '126') is the house next door as often as a typo,
    so it counts as different.
    """
    if not a or not b:
        return 0
    if a == b:
        return 1
    swapped = len(a) == len(b) and sorted(a) == sorted(b) and OSA.distance(a, b) == 1
    dropped = abs(len(a) - len(b)) == 1 and OSA.distance(a, b) == 1
    return 2 if swapped or dropped else 3


@lru_cache(maxsize=200_000)
def street_level(a: str, b: str) -> int:
    """Token similarity of street names: exact, typo, similar, different."""
    if not a or not b:
        return 0
    if a == b:
        return 1
    sim = max(fuzz.token_sort_ratio(a, b), fuzz.ratio(a.replace(" ", ""), b.replace(" ", "")))
    return 2 if sim >= 85 else 3 if sim >= 70 else 4


@lru_cache(maxsize=200_000)
def unit_level(a: str, b: str) -> int:
    """Flat/unit/building line: exact, similar, different."""
    if not a or not b:
        return 0
    if a == b:
        return 1
    return 2 if fuzz.ratio(a, b) >= 75 else 3


@lru_cache(maxsize=200_000)
def text_level(a: str, b: str) -> int:
    """City: exact, similar (Jaro-Winkler >= 0.85), different."""
    if not a or not b:
        return 0
    if a == b:
        return 1
    return 2 if _jw(a, b) >= 0.85 else 3


@lru_cache(maxsize=200_000)
def postcode_level(a: str, b: str) -> int:
    """Exact, one digit off or swapped, different."""
    if not a or not b:
        return 0
    if a == b:
        return 1
    return 2 if len(a) == len(b) and OSA.distance(a, b) <= 1 else 3


@dataclass(frozen=True)
class AddressParts:
    """Levels of the address parts (0 = missing): house, street, postcode, town, region."""

    house: int
    street: int
    postcode: int
    city: int
    region: int


def address_level(p: AddressParts) -> int:
    """Composite level: same, near (a typo somewhere), one part differs, same area only, different."""
    agree = (p.house == 1) + (p.street in (1, 2)) + (p.postcode == 1) + (p.city in (1, 2))
    near = (p.house == 2) + (p.street == 3) + (p.postcode == 2)
    differ = (p.house == 3) + (p.street == 4) + (p.postcode == 3) + (p.city == 3) + (p.region == 2)
    if not (agree or near or differ):
        return 0
    if differ == 0:
        return 1 if near == 0 and agree >= 3 else 2
    if differ == 1 and agree + near >= 2:
        return 3
    return 4 if agree + near >= 1 else 5


def region_level(a: str, b: str) -> int:
    """State or region: exact or different."""
    if not a or not b:
        return 0
    return 1 if a == b else 2


def phone_level(a: str, b: str) -> int:
    """E.164 phones: exact, same last seven digits, different."""
    if not a or not b:
        return 0
    if a == b:
        return 1
    return 2 if a[-7:] == b[-7:] else 3


def email_level(a: str, b: str) -> int:
    """Normalised e-mails: exact, similar (same mailbox name or one slip), different."""
    if not a or not b:
        return 0
    if a == b:
        return 1
    la, lb = a.partition("@")[0], b.partition("@")[0]
    return 2 if la == lb or (min(len(la), len(lb)) >= 5 and OSA.distance(la, lb) <= 1) else 3


def amount_level(x: Decimal | None, y: Decimal | None) -> int:
    """Order totals: exact, within 10 %, within 50 %, different (0 when currencies differ)."""
    if x is None or y is None:
        return 0
    diff, top = abs(x - y), max(x, y)
    if diff < Decimal("0.01"):
        return 1
    if top <= 0:
        return 4
    ratio = diff / top
    return 2 if ratio <= Decimal("0.10") else 3 if ratio <= Decimal("0.50") else 4


def quantity_level(qa: int, qb: int) -> int:
    """Quantities of the best-matching items: same, close, clearly different (1 vs 5)."""
    if qa <= 0 or qb <= 0:
        return 0
    if qa == qb:
        return 1
    return 3 if max(qa, qb) >= 3 * min(qa, qb) and abs(qa - qb) >= 2 else 2


def gap_level(minutes: float, window: float) -> int:
    """Time between the orders: within 15 min, 60 min, the window, or outside it."""
    if minutes <= 15:
        return 1
    if minutes <= 60:
        return 2
    return 3 if minutes <= window else 4
