"""Normalise the customer-identifying parts of an order: names, emails, phones, addresses.

Pure functions; the expensive ones (phone parsing, transliteration) are cached
because a backfill sees the same values many times.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA, JaroWinkler
from unidecode import unidecode

import jellyfish
from nicknames import NickNamer

_NON_WORD = re.compile(r"[^a-z0-9#]+")
_TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir"}
_SUFFIXES = {"jr", "sr", "ii", "iii", "iv", "phd", "md"}

# Each name -> the formal names it can stand for (a formal name stands for itself), from the
# curated `nicknames` dataset (about 2,700 name/nickname pairs) rather than a hand-made table.
_GROUPS: dict[str, frozenset[str]] = {}
for _formal, _shorts in NickNamer().nickname_lookup.items():
    _GROUPS[_formal] = _GROUPS.get(_formal, frozenset()) | {_formal}
    for _short in _shorts:
        _GROUPS[_short] = _GROUPS.get(_short, frozenset()) | {_formal}


@lru_cache(maxsize=200_000)
def clean(text: str) -> str:
    """Lower-case ASCII words separated by single spaces (accents transliterated)."""
    return " ".join(_NON_WORD.sub(" ", unidecode(text or "").lower()).split())


@lru_cache(maxsize=50_000)
def name_groups(first: str) -> frozenset[str]:
    """Formal names a first name may stand for ('bill' -> {'william'}); itself if unknown."""
    return _GROUPS.get(first, frozenset({first})) if first else frozenset()


@dataclass(frozen=True)
class Name:
    """A person's name reduced to first and last token."""

    first: str
    last: str
    shown_first: str
    shown_last: str

    @property
    def empty(self) -> bool:
        """True when no name is known."""
        return not (self.first or self.last)


@lru_cache(maxsize=200_000)
def parse_name(raw: str) -> Name:
    """Split 'Rachel A. Green', 'Green, Rachel' or 'RACHEL GREEN' into first/last."""
    text = unidecode(raw or "").strip()
    if "," in text:  # "Green, Rachel" lists the family name first
        last_part, _, first_part = text.partition(",")
        text = f"{first_part} {last_part}"
    shown = [w for w in re.split(r"[^A-Za-z0-9'-]+", text) if w]
    words = [(clean(w).replace(" ", ""), w) for w in shown]
    words = [(w, s) for w, s in words if w and w not in _TITLES and w not in _SUFFIXES]
    if not words:
        return Name("", "", "", "")
    if len(words) == 1:
        return Name(words[0][0], "", words[0][1], "")
    return Name(words[0][0], words[-1][0], words[0][1], words[-1][1])


@lru_cache(maxsize=100_000)
def phonetic(word: str) -> str:
    """NYSIIS code ('rachel' and 'rachael' -> 'RACAL'): a typo-tolerant block key (jellyfish)."""
    return jellyfish.nysiis(word) if word else ""


@lru_cache(maxsize=200_000)
def nickname_related(a: str, b: str) -> bool:
    """True when one name is a known short form of the other, even if the formal name is spelt
    differently ('kate' ~ 'catherine' through 'katherine')."""
    ga, gb = name_groups(a), name_groups(b)
    if ga & gb:
        return True
    if ga == {a} and gb == {b}:
        return False  # neither is a known nickname: that is a typo question, not a nickname one
    return any(JaroWinkler.similarity(x, y) >= 0.9 for x in ga for y in gb)


def first_names_match(a: str, b: str) -> str:
    """How two first names relate: 'exact', 'nickname', 'typo', 'initial' or '' (different)."""
    if not a or not b:
        return ""
    if a == b:
        return "exact"
    if len(a) == 1 or len(b) == 1:
        return "initial" if a[0] == b[0] else ""
    if _typo(a, b):
        return "typo"
    if nickname_related(a, b):
        return "nickname"
    # A short form missing from the dataset ('rach') still reads as close to the full name.
    return "typo" if JaroWinkler.similarity(a, b) >= 0.92 else ""


def _typo(a: str, b: str) -> bool:
    """One slip (two for long names): a missing, extra, wrong or swapped letter, first letter kept."""
    if a[0] != b[0]:
        return False
    allowed = 1 if min(len(a), len(b)) <= 6 else 2
    return OSA.distance(a, b, score_cutoff=allowed) <= allowed


def last_names_match(a: str, b: str) -> str:
    """'exact', 'typo', 'initial' or '' for two family names."""
    if not a or not b:
        return ""
    if a == b:
        return "exact"
    if len(a) == 1 or len(b) == 1:
        return "initial" if a[0] == b[0] else ""
    return "typo" if _typo(a, b) else ""


_RELAY_DOMAINS = ("marketplace.amazon.", "relay.", "privaterelay.appleid.com", "etsy.com")
_GMAIL = {"gmail.com", "googlemail.com"}


def is_relay(raw: str) -> bool:
    """True for a marketplace's per-order relay address (Amazon, Apple, Etsy): not comparable, but typed for a buyer."""
    domain = (raw or "").strip().lower().rpartition("@")[2]
    return "." in domain and any(domain.startswith(r) or domain == r for r in _RELAY_DOMAINS)


@lru_cache(maxsize=200_000)
def normalise_email(raw: str) -> str:
    """Lower-case, gmail dots and +tags removed; '' for relay or unusable addresses."""
    text = (raw or "").strip().lower()
    local, at, domain = text.rpartition("@")
    if not at or not local or "." not in domain:
        return ""
    if any(domain.startswith(r) or domain == r for r in _RELAY_DOMAINS):
        return ""  # a per-order relay address says nothing about the person
    local = local.split("+", 1)[0]
    if domain in _GMAIL:
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}" if local else ""


_COUNTRIES = {"us": "US", "usa": "US", "united states": "US", "united states of america": "US",
              "uk": "GB", "gb": "GB", "united kingdom": "GB", "great britain": "GB", "england": "GB",
              "ca": "CA", "canada": "CA", "au": "AU", "australia": "AU", "de": "DE", "germany": "DE",
              "fr": "FR", "france": "FR", "ie": "IE", "ireland": "IE", "nz": "NZ", "new zealand": "NZ"}


def country_code(raw: str) -> str:
    """Two-letter country code from 'US', 'USA', 'United Kingdom'...; '' when unknown."""
    key = clean(raw)
    if key in _COUNTRIES:
        return _COUNTRIES[key]
    return key.upper() if len(key) == 2 and key.isalpha() else ""


@lru_cache(maxsize=200_000)
def normalise_phone(raw: str, country: str = "") -> str:
    """E.164 ('+15035550100') using the address country (else US) for national numbers; '' if invalid."""
    text = (raw or "").strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) < 7:
        return ""
    if (country or "US") in ("US", "CA") and not text.startswith("+") or text.startswith("+1"):
        # Fast path for North American numbers (most of a US seller's orders).
        nanp = digits[1:] if len(digits) == 11 and digits[0] == "1" else digits
        if len(nanp) == 10 and nanp[0] not in "01" and nanp[3] not in "01" and text.replace(" ", "")[-1:].isdigit():
            return "+1" + nanp
    try:
        number = phonenumbers.parse(text, country or "US")
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_STREET_WORDS = {
    "street": "st", "str": "st", "avenue": "ave", "av": "ave", "avn": "ave", "road": "rd",
    "drive": "dr", "boulevard": "blvd", "lane": "ln", "court": "ct", "place": "pl",
    "terrace": "ter", "circle": "cir", "highway": "hwy", "parkway": "pkwy", "square": "sq",
    "trail": "trl", "way": "way", "crescent": "cres", "close": "cl", "north": "n", "south": "s",
    "east": "e", "west": "w", "northeast": "ne", "northwest": "nw", "southeast": "se",
    "southwest": "sw", "mount": "mt", "saint": "st", "fort": "ft",
}
_UNIT_WORDS = {"apt", "apartment", "unit", "suite", "ste", "#", "flat", "no", "room", "rm", "bldg",
               "building", "fl", "floor", "lot", "spc", "space"}


@dataclass(frozen=True)
class NormAddress:
    """An address reduced to the parts compared: house number, street, unit, postcode, city, region."""

    house: str = ""
    street: str = ""
    unit: str = ""
    postcode: str = ""
    city: str = ""
    country: str = ""
    region: str = ""

    @property
    def usable(self) -> bool:
        """True when house number and postcode are both known."""
        return bool(self.house and self.postcode)

    @property
    def empty(self) -> bool:
        """True when there is no street address at all (a DM invoice, a digital order)."""
        return not (self.house or self.street or self.postcode)


def _postcode(raw: str, country: str) -> str:
    text = re.sub(r"[^A-Z0-9-]", "", (raw or "").upper())
    if country in ("US", "") and re.fullmatch(r"\d{5}(-?\d{4})?", text):
        return text[:5]  # zip+4 names the same place as its zip
    return text.replace("-", "")


def _street_words(line: str) -> tuple[str, list[str], list[str]]:
    """House number, street words and unit words of one address line."""
    words = clean(line.replace("#", " # ")).split()
    house, street, unit = "", [], []
    in_unit = False
    for word in words:
        if word in _UNIT_WORDS:
            in_unit = True
            continue
        if in_unit:
            unit.append(word)
        elif not house and not street and re.fullmatch(r"\d+[a-z]?", word):
            house = word
        elif word in ("po", "box", "p", "o") and not street:
            street.append("pobox" if word == "box" else "")
        else:
            street.append(_STREET_WORDS.get(word, word))
    if not house and street and street[-1:] and re.fullmatch(r"\d+", street[-1]):
        house = street.pop()  # "PO Box 12": the box number is the house number
    return house, [w for w in street if w], unit


@lru_cache(maxsize=200_000)
def normalise_address(line1: str, line2: str, city: str, postcode: str, country: str,
                      region: str = "") -> NormAddress:
    """'123 North Main Street, Apt 4' and '123 N Main St #4' become the same NormAddress.

    Line 2 (flat, unit, building name) is kept apart from the street so that a building
    name present on one order and absent on the other does not spoil the street match.
    """
    cc = country_code(country)
    house, street, unit = _street_words(line1)
    h2, street2, unit2 = _street_words(line2)
    if not house and not street and (h2 or street2):  # everything was typed on line 2
        house, street, unit2 = h2, street2, unit2
    else:
        unit = unit + ([h2] if h2 else []) + street2 + unit2
        unit2 = []
    unit_text = " ".join(unit + unit2)
    return NormAddress(house, " ".join(street), unit_text, _postcode(postcode, cc), clean(city), cc,
                       clean(region))


def street_similarity(a: NormAddress, b: NormAddress) -> float:
    """0-100 similarity of the street names (suffixes already normalised)."""
    if not a.street or not b.street:
        return 0.0
    return fuzz.token_sort_ratio(a.street, b.street)
