"""Public API of duplicate detection: DuplicateDetector, DuplicatePair, SkuMap.

check() scores a new order against every known order within the time window
(in either direction, so late-arriving history still counts) and against any
order carrying the same sale reference; scan() does the same for a batch.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Iterable

from automations.duplicates.blocking import BlockIndex
from automations.duplicates.products import SkuMap
from automations.duplicates.scoring import Features, features, score_pair
from core.models import Order

__all__ = ["DuplicateDetector", "DuplicatePair", "SkuMap", "order_key"]


def order_key(order: Order) -> str:
    """'platform:platform_order_id', the key used in dismissed pairs and the Duplicates tab."""
    return f"{order.platform.value}:{order.platform_order_id}"


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, "") or default)
    except ValueError:
        return default


@dataclass(frozen=True)
class DuplicatePair:
    """Two orders that look like one purchase; `a` is the earlier one."""

    a: Order
    b: Order
    score: int
    reasons: tuple[str, ...] = field(default_factory=tuple)

    @property
    def key_a(self) -> str:
        """'platform:id' of the earlier order."""
        return order_key(self.a)

    @property
    def key_b(self) -> str:
        """'platform:id' of the later order."""
        return order_key(self.b)

    @property
    def keys(self) -> frozenset[str]:
        """The unordered pair, as stored in the dismissed set."""
        return frozenset({self.key_a, self.key_b})

    def alert_text(self) -> str:
        """'Potential Duplicate - 85% match. Same customer, same product, 8-min gap.'"""
        heads = [re.sub(r"\s*\(.*$", "", r).strip() for r in self.reasons[:3]]
        summary = ", ".join(h for h in heads if h)
        summary = summary[:1].upper() + summary[1:]
        return f"Potential Duplicate - {self.score}% match. {summary}."


class DuplicateDetector:
    """Sliding-window duplicate finder over an index of known orders."""

    def __init__(self, window_minutes: int | None = None, threshold: int | None = None,
                 sku_map: SkuMap | None = None, dismissed: set[frozenset[str]] | None = None) -> None:
        self.window_minutes = window_minutes or _env_int("TRUECRAFT_DUPLICATE_WINDOW_MINUTES", 120)
        self.threshold = threshold if threshold is not None else _env_int("TRUECRAFT_DUPLICATE_THRESHOLD", 70)
        self.sku_map = sku_map or SkuMap()
        self.dismissed = dismissed if dismissed is not None else set()
        self.index = BlockIndex()

    @property
    def window_seconds(self) -> float:
        """The window as seconds."""
        return self.window_minutes * 60.0

    def features(self, order: Order) -> Features:
        """Normalised view of an order under this detector's SKU map."""
        return features(order, self.sku_map)

    def dismiss(self, key_a: str, key_b: str) -> None:
        """Remember a NOT DUPLICATE decision so the pair is never flagged again."""
        self.dismissed.add(frozenset({key_a, key_b}))

    def add_history(self, orders: Iterable[Order]) -> None:
        """Index already-known orders (the journal) without scoring them."""
        for order in sorted(orders, key=lambda o: o.created_at):
            self.index.add(self.features(order))

    def _score(self, feat: Features, other: Features) -> DuplicatePair | None:
        if frozenset({feat.key, other.key}) in self.dismissed:
            return None
        score, reasons = score_pair(other, feat, self.window_minutes)
        if score < self.threshold:
            return None
        first, second = sorted((other, feat), key=lambda f: (f.t, f.key))
        return DuplicatePair(first.order, second.order, score, reasons)

    def _against(self, feat: Features, index: BlockIndex) -> list[DuplicatePair]:
        pairs = [p for other in index.candidates(feat, self.window_seconds)
                 if (p := self._score(feat, other)) is not None]
        return sorted(pairs, key=lambda p: (-p.score, p.key_a, p.key_b))

    def check(self, order: Order) -> list[DuplicatePair]:
        """Flagged pairs for one new order against window + history, best first; then index it."""
        feat = self.features(order)
        pairs = self._against(feat, self.index)
        self.index.add(feat)
        return pairs

    def scan(self, orders: Iterable[Order], progress=None) -> list[DuplicatePair]:
        """All flagged pairs within a batch of orders (history is not consulted), best first."""
        index = BlockIndex()
        found: dict[frozenset[str], DuplicatePair] = {}
        for order in sorted(orders, key=lambda o: (o.created_at, order_key(o))):
            feat = self.features(order)
            for pair in self._against(feat, index):
                found.setdefault(pair.keys, pair)
            index.add(feat)
            if progress is not None:
                progress(1)
        return sorted(found.values(), key=lambda p: (-p.score, p.a.created_at, p.key_a, p.key_b))
