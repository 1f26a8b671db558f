"""SKU Map rows for people: a suggested Internal SKU for every listing, and whether shipping it moves stock."""
from __future__ import annotations

from typing import Mapping

from rapidfuzz import fuzz, process

from automations.duplicates.products import title_words

NAME_MATCH = 85  # token-set similarity of a listing title and an Inventory name to suggest its SKU


def suggest_sku(platform_sku: str, title: str, inventory: Mapping[str, Mapping[str, str]],
                by_title: Mapping[str, str]) -> str:
    """The listing's own SKU when Inventory has it, else the most similar Inventory name or mapped title."""
    if platform_sku and platform_sku in inventory:
        return platform_sku
    names = {title_words(r.get("name") or ""): sku for sku, r in inventory.items() if (r.get("name") or "").strip()}
    names.update({title_words(t): sku for t, sku in by_title.items() if title_words(t) not in names})
    names.pop("", None)
    best = process.extractOne(title_words(title), list(names), scorer=fuzz.token_set_ratio,
                              score_cutoff=NAME_MATCH) if names and title_words(title) else None
    return names[best[0]] if best else ""


def stock_text(typed: str, platform_sku: str, suggested: str, inventory: Mapping[str, object],
               shipped_unmoved: list[str]) -> str:
    """Plain words for the SKU Map's Stock column."""
    if not inventory:
        return "Stock isn't tracked yet: the Inventory tab has no SKUs"
    if typed:
        if typed not in inventory:
            return f"Mapped to {typed}, which isn't on the Inventory tab — add it there so its stock moves"
        return f"Shipping it takes stock from {typed}"
    if platform_sku and platform_sku in inventory:
        return f"Shipping it takes stock from {platform_sku} (its own SKU is on the Inventory tab)"
    text = "No Internal SKU, so shipping it moves no stock"
    if shipped_unmoved:
        text += f" ({', '.join(shipped_unmoved[:5])} shipped without moving stock)"
    return text + (f" — copy the suggestion {suggested} into Internal SKU if it is right" if suggested
                   else " — type the Inventory SKU it takes stock from in Internal SKU")
