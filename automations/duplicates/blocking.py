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

BLOCK_CAP = 40


class BlockIndex:
    """key -> sorted [(time, order key)], plus mirrored-sale refs that ignore time."""

    def __init__(self, cap: int = BLOCK_CAP) -> None:
        self.cap = cap
        self.blocks: dict[str, list[tuple[float, str]]] = defaultdict(list)
        self.refs: dict[str, set[str]] = defaultdict(set)
        self.features: dict[str, Features] = {}

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

    def candidates(self, feat: Features, window_seconds: float) -> list[Features]:
        """Known orders sharing a key within the window, plus any sharing a sale reference."""
        found: set[str] = set()
        lo, hi = (feat.t - window_seconds, ""), (feat.t + window_seconds, "\uffff")
        for key in feat.block_keys():
            block = self.blocks.get(key)
            if not block:
                continue
            start, stop = bisect_left(block, lo), bisect_right(block, hi)
            if stop - start > self.cap:
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
