"""Product identity: the seller's SKU map plus a fuzzy title match gated on type and variant.

"Silver Leaf Necklace" and "Silver Leaf Bracelet" share most words but are
different products, so a title match only counts when the product type agrees
and no variant (colour, size, material) contradicts.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from rapidfuzz import fuzz, process
from unidecode import unidecode

from automations.duplicates.normalise import clean
from core.models import DomainError, LineItem

# Title word -> product type. The LAST type word in a title wins ("Ring Dish" is a dish).
_TYPES = {
    "necklace": "necklace", "necklaces": "necklace", "pendant": "necklace", "choker": "necklace",
    "chain": "necklace", "bracelet": "bracelet", "bracelets": "bracelet", "bangle": "bracelet",
    "cuff": "bracelet", "anklet": "anklet", "earring": "earrings", "earrings": "earrings",
    "studs": "earrings", "hoops": "earrings", "ring": "ring", "rings": "ring", "brooch": "brooch",
    "pin": "brooch", "jacket": "jacket", "coat": "jacket", "vest": "vest", "sweater": "sweater",
    "jumper": "sweater", "cardigan": "cardigan", "scarf": "scarf", "wrap": "wrap", "shawl": "wrap",
    "hat": "hat", "beanie": "hat", "mittens": "gloves", "gloves": "gloves", "socks": "socks",
    "tote": "bag", "bag": "bag", "backpack": "bag", "pouch": "pouch", "wallet": "wallet",
    "mug": "mug", "cup": "mug", "tumbler": "mug", "bowl": "bowl", "plate": "plate", "dish": "dish",
    "vase": "vase", "candle": "candle", "soap": "soap", "print": "print", "poster": "print",
    "card": "card", "sticker": "sticker", "stickers": "sticker", "keychain": "keychain",
    "blanket": "blanket", "quilt": "quilt", "pillow": "pillow", "cushion": "pillow",
    "apron": "apron", "dress": "dress", "skirt": "skirt", "shirt": "shirt", "tee": "shirt",
    "tshirt": "shirt", "hoodie": "hoodie", "doll": "doll", "toy": "toy", "ornament": "ornament",
    "coaster": "coaster", "coasters": "coaster", "planter": "planter", "journal": "notebook",
    "notebook": "notebook", "bookmark": "bookmark", "portrait": "portrait", "painting": "painting",
    "leash": "leash", "collar": "collar", "headband": "headband", "scrunchie": "scrunchie",
}
_COLOURS = {"red", "blue", "green", "black", "white", "pink", "purple", "yellow", "orange",
            "brown", "grey", "gray", "gold", "silver", "navy", "teal", "ivory", "cream", "beige",
            "burgundy", "olive", "mustard", "turquoise", "lavender", "coral", "mint", "rose",
            "copper", "brass", "natural", "charcoal", "indigo", "rust", "sage", "blush"}
_SIZES = {"xxs", "xs", "s", "m", "l", "xl", "xxl", "xxxl", "2xl", "3xl", "small", "medium",
          "large", "petite", "kids", "adult", "youth", "toddler", "baby"}
_SIZE_WORDS = {"small": "s", "medium": "m", "large": "l", "2xl": "xxl", "3xl": "xxxl"}
_STOP = {"handmade", "custom", "personalized", "personalised", "gift", "for", "her", "him", "the",
         "a", "an", "and", "with", "of", "in", "by", "made", "to", "order", "unique", "hand",
         "new", "women", "womens", "men", "mens", "style", "item", "listing"}
_SIZE_MARK = re.compile(r"\bsize\s*:?\s*([a-z0-9]+)")
# A lone size letter at the end of a title after a separator: "Denim Jacket - M", "Hoodie (XL)".
_SIZE_TAIL = re.compile(r"[(,/|-]\s*(xxs|xs|s|m|l|xl|xxl|xxxl|2xl|3xl)\s*\)?\s*$")
_GREY = {"gray": "grey"}


@dataclass(frozen=True)
class ProductView:
    """What the matcher knows about one line item."""

    internal_sku: str
    raw_sku: str
    ptype: str
    colours: frozenset[str]
    sizes: frozenset[str]
    words: str
    quantity: int
    shown: str
    explicit: bool = False  # colours/sizes came from the platform's variant field, not the title
    sku: str = ""  # the platform SKU as the seller typed it, for reasons


@lru_cache(maxsize=100_000)
def product_type(title: str) -> str:
    """The product type named in a title ('Silver Leaf Necklace' -> 'necklace'), '' if none."""
    found = ""
    for word in clean(title).split():
        found = _TYPES.get(word, found)
    return found


@lru_cache(maxsize=100_000)
def _variant(title: str, variant: str) -> tuple[frozenset[str], frozenset[str]]:
    text = clean(f"{title} {variant}")
    colours = frozenset(_GREY.get(w, w) for w in text.split() if w in _COLOURS)
    sizes = {_SIZE_WORDS.get(m, m) for m in _SIZE_MARK.findall(text)}
    sizes |= {_SIZE_WORDS.get(m, m) for m in _SIZE_TAIL.findall(unidecode(title).lower().strip())}
    # Single letters are only sizes when the platform says it is a variant ("M", "Size: L").
    sizes |= {_SIZE_WORDS.get(w, w) for w in clean(variant).split() if w in _SIZES}
    sizes |= {_SIZE_WORDS.get(w, w) for w in text.split() if w in _SIZES and len(w) > 2}
    return colours, frozenset(sizes)


@lru_cache(maxsize=100_000)
def title_words(title: str) -> str:
    """Title without filler words ('Handmade Custom Gift for Her') for fuzzy comparison."""
    return " ".join(w for w in clean(title).split() if w not in _STOP)


def view(item: LineItem, internal_sku: str | None) -> ProductView:
    """Reduce a line item to the facts product matching needs."""
    explicit = bool(item.variant.strip())
    colours, sizes = _variant("" if explicit else item.title, item.variant)
    return ProductView(internal_sku or "", clean(item.sku).replace(" ", ""), product_type(item.title),
                       colours, sizes, title_words(item.title), item.quantity,
                       f"{item.title} ({item.variant})" if item.variant else item.title, explicit,
                       item.sku.strip())


def variant_conflict(a: ProductView, b: ProductView) -> str:
    """'blue vs red' when each side names a colour (or size) the other lacks; '' otherwise.

    Colour words also appear in product names ("Silver Leaf", "Soy Lavender"), so
    shared words are ignored and only a two-sided difference counts.
    """
    a_words, b_words = set(a.words.split()), set(b.words.split())
    for mine, theirs in ((a.colours, b.colours), (a.sizes, b.sizes)):
        # A colour read from a title that the other title also uses is part of the product's name.
        mine = mine if a.explicit else mine - b_words
        theirs = theirs if b.explicit else theirs - a_words
        only_mine, only_theirs = mine - theirs, theirs - mine
        explicit = a.explicit and b.explicit and mine and theirs and not mine & theirs
        if explicit or (only_mine and only_theirs):
            return f"{'/'.join(sorted(only_mine))} vs {'/'.join(sorted(only_theirs))}"
    return ""


def title_similarity(a: ProductView, b: ProductView) -> float:
    """0-100: token-set similarity, which tolerates one title being a longer SEO version."""
    if not a.words or not b.words:
        return 0.0
    return fuzz.token_set_ratio(a.words, b.words)


def _key(text: str) -> str:
    return clean(text).replace(" ", "")


@dataclass
class SkuMap:
    """(platform, platform SKU or listing id or title) -> the seller's internal SKU."""

    by_sku: dict[tuple[str, str], str] = field(default_factory=dict)
    by_title: dict[tuple[str, str], str] = field(default_factory=dict)
    internal: set[str] = field(default_factory=set)

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, str, str, str]]) -> "SkuMap":
        """Rows of (platform, platform_sku, title, internal_sku); platform '' or '*' means any."""
        result = cls()
        for platform, platform_sku, title, internal_sku in rows:
            sku = (internal_sku or "").strip()
            if not sku:
                continue
            plat = (platform or "").strip().lower()
            plat = "*" if plat in ("", "*", "any") else plat
            result.internal.add(sku)
            if (platform_sku or "").strip():
                result.by_sku[(plat, _key(platform_sku))] = sku
            if (title or "").strip():
                result.by_title[(plat, clean(title))] = sku
        return result

    @classmethod
    def from_csv(cls, path: str | Path) -> "SkuMap":
        """Read a CSV with columns platform,platform_sku,title,internal_sku."""
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            missing = {"platform", "platform_sku", "title", "internal_sku"} - set(reader.fieldnames or ())
            if missing:
                raise DomainError(f"SKU map {path} is missing column(s) {', '.join(sorted(missing))} — "
                                  "the header must be platform,platform_sku,title,internal_sku")
            return cls.from_rows((r["platform"] or "", r["platform_sku"] or "", r["title"] or "",
                                  r["internal_sku"] or "") for r in reader)

    def internal_sku(self, platform: str, item: LineItem) -> str | None:
        """The internal SKU for a line item: by platform SKU, then listing id, then exact title."""
        plat = getattr(platform, "value", platform).lower()
        for ident in (item.sku, item.listing_id):
            key = _key(ident)
            if not key:
                continue
            for p in (plat, "*"):
                if (p, key) in self.by_sku:
                    return self.by_sku[(p, key)]
        for p in (plat, "*"):
            hit = self.by_title.get((p, clean(item.title)))
            if hit:
                return hit
        sku = (item.sku or "").strip()
        return sku if sku in self.internal else None  # the seller used the internal SKU itself

    def suggest(self, title: str) -> str | None:
        """Best internal SKU for an unmapped listing title (same product type, similar words)."""
        if not self.by_title:
            return None
        ptype = product_type(title)
        choices = {t: s for (_, t), s in self.by_title.items()
                   if not ptype or not product_type(t) or product_type(t) == ptype}
        best = process.extractOne(title_words(title), {t: title_words(t) for t in choices},
                                  scorer=fuzz.token_set_ratio, score_cutoff=85)
        return choices[best[2]] if best else None
