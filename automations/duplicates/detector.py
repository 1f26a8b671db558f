"""Public API of duplicate detection: DuplicateDetector, DuplicatePair, SkuMap.

check() scores a new order against every known order within the time window
(in either direction, so late-arriving history still counts) and against any
order carrying the same sale reference; scan() does the same for a batch.
Scores are Fellegi–Sunter match probabilities (model.py) with weights that EM
estimates from the orders themselves: from the batch in scan(), from the history
in add_history(). Two bands: "flag" (>= threshold) and "check" (>= check threshold).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Iterable

from collections import Counter

from automations.duplicates.blocking import BlockIndex
from automations.duplicates.model import Model, fit
from automations.duplicates.products import SkuMap
from automations.duplicates.compare import IDX
from automations.duplicates.reasons import explain
from automations.duplicates.rules import CHECK, SKIP, surely_apart, verdict
from automations.duplicates.scoring import Features, comparison, features, mirrored
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
    note: str = ""  # what could not be compared, and what to do about it
    band: str = "flag"  # "flag" (likely) or "check" (worth a look)

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
        """'Potential duplicate — 78 % match. Same name (…), similar item (…), 58 min apart. <note>.'"""
        head = "Potential duplicate" if self.band == "flag" else "Check: possible duplicate"
        summary = ", ".join(self.reasons)
        summary = summary[:1].upper() + summary[1:]
        note = f" {self.note}." if self.note else ""
        return f"{head} — {self.score} % match. {summary}.{note}"


MIN_FIT_PAIRS = 50  # fewer candidate pairs than this: keep the default weights
# Of the pairs ruled out before comparing, every this-many-th one is compared for EM and counted
# this many times: in a flash sale they are most pairs, and all of them told EM nothing more.
STRANGER_SAMPLE = 8


class Candidates(dict):
    """Candidate pairs to score (key -> (first, second, vector)), plus sampled strangers' vectors for EM."""

    def __init__(self) -> None:
        super().__init__()
        self.strangers: Counter = Counter()
PRODUCT, AMOUNT = IDX["product"], IDX["amount"]


class DuplicateDetector:
    """Sliding-window duplicate finder over an index of known orders."""

    def __init__(self, window_minutes: int | None = None, threshold: int | None = None,
                 sku_map: SkuMap | None = None, dismissed: set[frozenset[str]] | None = None,
                 check_threshold: int | None = None, model: Model | None = None) -> None:
        self.window_minutes = window_minutes or _env_int("TRUECRAFT_DUPLICATE_WINDOW_MINUTES", 120)
        self.threshold = threshold if threshold is not None else _env_int("TRUECRAFT_DUPLICATE_THRESHOLD", 70)
        check = check_threshold if check_threshold is not None else _env_int("TRUECRAFT_DUPLICATE_CHECK_THRESHOLD", 40)
        self.check_threshold = min(check, self.threshold)
        self.model = model or Model.default()
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

    def add_history(self, orders: Iterable[Order], learn: bool = True) -> None:
        """Index already-known orders (the journal) and, unless told not to, learn the weights from them."""
        for order in sorted(orders, key=lambda o: o.created_at):
            self.index.add(self.features(order))
        if learn:
            self.learn(self.index)

    def learn(self, index: BlockIndex, pairs: dict | None = None) -> Model:
        """Re-estimate the model by EM over every candidate pair in `index` (no labels)."""
        pairs = self._pairs(index) if pairs is None else pairs
        vectors = Counter(vector for _, _, vector in pairs.values())
        vectors.update(getattr(pairs, "strangers", Counter()))
        if sum(vectors.values()) >= MIN_FIT_PAIRS:
            fitted = fit(vectors, Model.default())
            self.model = fitted if fitted.plausible() else Model.default()
        return self.model

    def _pairs(self, index: BlockIndex, progress=None) -> "Candidates":
        """Every candidate pair in `index` once, earlier order first, with its comparison vector.

        Pairs that rules.surely_apart() rules out are not kept for scoring; EM still learns from
        them through every STRANGER_SAMPLE-th one's vector, counted that many times (`strangers`).
        """
        pairs, apart = Candidates(), set()
        for feat in index.features.values():
            if progress is not None:
                progress(1)
            for other in index.candidates(feat, self.window_seconds):
                key = frozenset((feat.key, other.key))
                if key in pairs or key in apart:
                    continue
                first, second = sorted((other, feat), key=lambda f: (f.t, f.key))
                if surely_apart(first, second):
                    apart.add(key)
                    if len(apart) % STRANGER_SAMPLE == 0:
                        pairs.strangers[comparison(first, second, self.window_minutes)] += STRANGER_SAMPLE
                    continue
                pairs[key] = (first, second, comparison(first, second, self.window_minutes))
        return pairs

    def _common(self, index: BlockIndex, a: Features, b: Features, vector: tuple[int, ...]) -> dict[int, float]:
        """How common agreeing on this product and this amount is around these orders' time."""
        common = {}
        t = (a.t + b.t) / 2
        if vector[PRODUCT] in (1, 2):
            shared = set(a.context_keys()[:-1]) & set(b.context_keys()[:-1]) or set(a.context_keys()[:1])
            common[PRODUCT] = max(index.share(k, t, self.window_seconds) for k in shared)
        if vector[AMOUNT] == 1:
            common[AMOUNT] = index.share(a.context_keys()[-1], t, self.window_seconds)
        return common

    def _score(self, feat: Features, other: Features, index: BlockIndex,
               vector: tuple[int, ...] | None = None) -> DuplicatePair | None:
        if frozenset({feat.key, other.key}) in self.dismissed:
            return None
        first, second = sorted((other, feat), key=lambda f: (f.t, f.key))
        source = mirrored(first, second)
        if source:
            return DuplicatePair(first.order, second.order, 100,
                                 (f"same sale seen on two channels ({source})",))
        if vector is None and surely_apart(first, second):
            return None  # cheaper than comparing: verdict() would skip it
        vector = vector or comparison(first, second, self.window_minutes)
        rule, rule_note = verdict(first, second, vector)
        if rule == SKIP:
            return None
        score = round(100 * self.model.probability(vector, self._common(index, first, second, vector)))
        if rule == CHECK:
            score = min(score, self.threshold - 1)
        if score < self.check_threshold:
            return None
        reasons, note = explain(first, second, vector)
        band = "flag" if score >= self.threshold else "check"
        return DuplicatePair(first.order, second.order, score, reasons, note or rule_note, band)

    def _against(self, feat: Features, index: BlockIndex) -> list[DuplicatePair]:
        pairs = [p for other in index.candidates(feat, self.window_seconds)
                 if (p := self._score(feat, other, index)) is not None]
        return sorted(pairs, key=lambda p: (-p.score, p.key_a, p.key_b))

    def check(self, order: Order) -> list[DuplicatePair]:
        """Flagged pairs for one new order against window + history, best first; then index it."""
        feat = self.features(order)
        pairs = self._against(feat, self.index)
        self.index.add(feat)
        return pairs

    def scan(self, orders: Iterable[Order], progress=None) -> list[DuplicatePair]:
        """All flagged pairs within a batch of orders (history is not consulted), best first.

        The weights are learnt from this batch first (EM over its candidate pairs).
        """
        index = BlockIndex()
        for order in sorted(orders, key=lambda o: (o.created_at, order_key(o))):
            index.add(self.features(order))
        pairs = self._pairs(index, progress)  # compared once, used to learn and then to score
        self.learn(index, pairs)
        found: dict[frozenset[str], DuplicatePair] = {}
        for key, (first, second, vector) in pairs.items():
            pair = self._score(second, first, index, vector)
            if pair is not None:
                found[key] = pair
        return sorted(found.values(), key=lambda p: (-p.score, p.a.created_at, p.key_a, p.key_b))
