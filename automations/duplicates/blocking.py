"""Candidate generation: which earlier orders are worth scoring against a new one.

Orders are indexed by customer-ish keys (phone, email, postcode+house number,
buyer account, phonetic name) with their times, so a lookup is a binary search
over a short sorted list — no time buckets, hence no bucket-boundary misses.
A key shared by too many orders inside one window (a shop phone on every
craft-fair order, a very common name in a flash sale) is skipped as
uninformative instead of exploding into all pairs.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections import defaultdict

from automations.duplicates.scoring import Features

BLOCK_CAP = 40  # coarse keys (town, postcode, street word) get half: they are shared more widely
CONTEXT_MIN = 10  # fewer orders than this around a time: too few to say what is common


class BlockIndex:
    """key -> sorted [(time, order key)], plus mirrored-sale refs that ignore time."""

    def __init__(self, cap: int = BLOCK_CAP) -> None:
        self.cap = cap
        self.blocks: dict[str, list[tuple[float, str]]] = defaultdict(list)
        self.refs: dict[str, set[str]] = defaultdict(set)
        self.features: dict[str, Features] = {}
        self.times: list[float] = []  # every indexed order's time, sorted
        self.context: dict[str, list[float]] = defaultdict(list)  # product or amount -> sorted times

    def __len__(self) -> int:
        return len(self.features)

    def add(self, feat: Features) -> None:
        """Index one order (a newer version of a known order replaces it)."""
        known = feat.key in self.features
        self.features[feat.key] = feat
        entry = (feat.t, feat.key)
        for key in feat.block_keys():
            block = self.blocks[key]
            if known and entry in block:
                continue
            if not block or block[-1] <= entry:
                block.append(entry)  # the usual case: orders arrive roughly in time order
            else:
                insort(block, entry)
        for ref in feat.refs | {feat.key.lower()}:
            self.refs[ref].add(feat.key)
        if not known:
            for series in [self.times] + [self.context[k] for k in feat.context_keys()]:
                if not series or series[-1] <= feat.t:
                    series.append(feat.t)
                else:
                    insort(series, feat.t)

    def share(self, key: str, t: float, window_seconds: float) -> float:
        """Of the orders within a window of time t, the share carrying context key `key`.

        In a flash sale nearly every order has the same product and price, so agreeing on
        them says little; on a quiet day it says a lot. 0.0 when nothing is known.
        """
        series = self.context.get(key)
        if not series:
            return 0.0
        lo, hi = t - window_seconds, t + window_seconds
        around = bisect_right(self.times, hi) - bisect_left(self.times, lo)
        same = bisect_right(series, hi) - bisect_left(series, lo)
        return same / around if around >= CONTEXT_MIN else 0.0

    def candidates(self, feat: Features, window_seconds: float) -> list[Features]:
        """Known orders sharing a key within the window, plus any sharing a sale reference."""
        found: set[str] = set()
        lo, hi = (feat.t - window_seconds, ""), (feat.t + window_seconds, "\uffff")
        for key in feat.block_keys():
            block = self.blocks.get(key)
            if not block:
                continue
            start, stop = bisect_left(block, lo), bisect_right(block, hi)
            if stop - start > (self.cap if key[0] in "pebnh" else self.cap // 2):
                continue  # too common to tell people apart; other keys still apply
            found.update(k for _, k in block[start:stop])
        for ref in feat.refs | {feat.key.lower()}:
            found.update(self.refs.get(ref, ()))
        found.discard(feat.key)
        return [self.features[k] for k in sorted(found)]

    def related(self, feat: Features, limit: int = 30) -> list[Features]:
        """Any-time neighbours (latest `limit` per key) for grouping orders into customers."""
        found: set[str] = set()
        for key in feat.block_keys():
            block = self.blocks.get(key, ())
            found.update(k for _, k in block[-limit:])
        found.discard(feat.key)
        return [self.features[k] for k in sorted(found)]
