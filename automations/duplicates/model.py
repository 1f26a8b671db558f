"""Fellegi–Sunter match model with weights estimated by EM from the orders themselves (no labels).

For every field and agreement level, m = P(level | same purchase) and u = P(level | different
purchases). A pair's match weight is the sum of log2(m/u) over its fields (a field missing on
one side adds nothing) plus the prior log-odds; its score is the resulting probability.
`fit` runs expectation–maximisation over the candidate pairs' comparison vectors, the way
recordlinkage's ECM and splink do, starting from (and gently pulled towards) the defaults
below, so a small shop with a handful of orders still gets sensible weights.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from automations.duplicates.compare import FIELDS, NAMES

# Starting points, per level in FIELDS order, for candidate pairs (pairs that already share a
# block key, so u is higher than for random pairs). They are beliefs rounded from one EM run on
# the tuning seed of bench/gen_orders.py, not measurements: EM replaces them as soon as the data
# has enough candidate pairs to speak for itself.
DEFAULT_M: dict[str, tuple[float, ...]] = {
    "first": (.78, .05, .01, .05, .01, .10), "last": (.80, .08, .03, .02, .07),
    "address": (.80, .12, .03, .03, .02), "unit": (.85, .07, .08),
    "phone": (.85, .01, .14), "email": (.65, .05, .30), "buyer": (.85, .15),
    "product": (.40, .45, .08, .03, .02, .02), "quantity": (.95, .03, .02),
    "amount": (.75, .15, .07, .03), "gap": (.25, .40, .34, .01),
}
DEFAULT_U: dict[str, tuple[float, ...]] = {
    "first": (.28, .005, .002, .005, .015, .693), "last": (.18, .025, .002, .012, .781),
    "address": (.0005, .001, .04, .57, .3885), "unit": (.04, .04, .92),
    "phone": (.001, .001, .998), "email": (.001, .001, .998), "buyer": (.005, .995),
    "product": (.03, .03, .02, .04, .06, .82), "quantity": (.72, .18, .10),
    "amount": (.03, .09, .44, .44), "gap": (.12, .38, .49, .01),
}
DEFAULT_LAMBDA = 0.10  # share of candidate pairs that are one purchase, before looking at data
PRIOR_M, PRIOR_U, PRIOR_LAMBDA = 20.0, 50.0, 10.0  # pseudo-counts pulling EM towards the defaults
FLOOR = 1e-4  # no level is ever impossible: one odd value must not veto or prove a pair


@dataclass(frozen=True)
class Model:
    """m and u per field and level, the candidate-pair prior, and the weights they imply."""

    m: tuple[tuple[float, ...], ...]
    u: tuple[tuple[float, ...], ...]
    lam: float
    pairs: int = 0  # candidate pairs the estimate came from (0: defaults)

    @classmethod
    def default(cls) -> "Model":
        """The starting model (used until enough orders have been seen)."""
        return cls(tuple(DEFAULT_M[f] for f in NAMES), tuple(DEFAULT_U[f] for f in NAMES), DEFAULT_LAMBDA)

    @property
    def weights(self) -> tuple[tuple[float, ...], ...]:
        """log2(m/u) per field; index 0 (missing) is 0."""
        cached = self.__dict__.get("_w")
        if cached is None:
            cached = tuple((0.0,) + tuple(math.log2(max(m, FLOOR) / max(u, FLOOR)) for m, u in zip(ms, us))
                           for ms, us in zip(self.m, self.u))
            object.__setattr__(self, "_w", cached)
        return cached

    @property
    def prior(self) -> float:
        """log2 prior odds that a candidate pair is one purchase."""
        return math.log2(self.lam / (1 - self.lam))

    def weight(self, vector: tuple[int, ...], common: dict[int, float] | None = None) -> float:
        """Match weight in bits: the prior plus every compared field's log2(m/u).

        `common` maps a field to how often strangers around this time agree on this very value
        (the share of orders with the same product, say); it replaces u when it is larger.
        """
        w = self.weights
        total = self.prior + sum(w[i][level] for i, level in enumerate(vector))
        for i, share in (common or {}).items():
            level = vector[i]
            if level and share > self.u[i][level - 1]:
                total -= math.log2(share / max(self.u[i][level - 1], FLOOR))
        return total

    def probability(self, vector: tuple[int, ...], common: dict[int, float] | None = None) -> float:
        """P(same purchase | comparison vector)."""
        return 1.0 / (1.0 + 2.0 ** -max(-60.0, min(60.0, self.weight(vector, common))))

    def plausible(self) -> bool:
        """False when EM has mistaken a crowd for duplicates (say, everyone in a flash sale on one
        street): a real duplicate almost never has another house, phone or name on it."""
        def m(field: str, *levels: str) -> float:
            i = NAMES.index(field)
            return sum(self.m[i][FIELDS[field].index(lv)] for lv in levels)
        return (m("address", "one-part-differs", "same-area", "different") <= 0.5
                and m("phone", "different") <= 0.5 and m("first", "different") <= 0.5
                and m("last", "different") <= 0.5)


def _posterior(vec: tuple[int, ...], lm: list[list[float]], lu: list[list[float]], prior: float) -> float:
    wa = prior + sum(lm[i][lv] - lu[i][lv] for i, lv in enumerate(vec) if lv)
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, wa))))


def fit(vectors: Counter, start: Model | None = None, iterations: int = 40, tol: float = 1e-5) -> Model:
    """Estimate m, u and the prior by EM over candidate pairs' comparison vectors (no labels)."""
    start = start or Model.default()
    total = sum(vectors.values())
    if total == 0:
        return start
    m = [list(ms) for ms in start.m]
    u = [list(us) for us in start.u]
    lam = start.lam
    patterns = list(vectors.items())
    for _ in range(iterations):
        lm = [[0.0] + [math.log(max(x, FLOOR)) for x in ms] for ms in m]
        lu = [[0.0] + [math.log(max(x, FLOOR)) for x in us] for us in u]
        prior = math.log(lam / (1 - lam))
        cm = [[PRIOR_M * d for d in DEFAULT_M[f]] for f in NAMES]
        cu = [[PRIOR_U * d for d in DEFAULT_U[f]] for f in NAMES]
        matched = 0.0
        for vec, count in patterns:
            p = _posterior(vec, lm, lu, prior)
            pm, pu = p * count, (1 - p) * count
            matched += pm
            for i, level in enumerate(vec):
                if level:
                    cm[i][level - 1] += pm
                    cu[i][level - 1] += pu
        new_m = [[c / sum(row) for c in row] for row in cm]
        new_u = [[c / sum(row) for c in row] for row in cu]
        new_lam = min(0.5, max(1e-6, (matched + PRIOR_LAMBDA * DEFAULT_LAMBDA) / (total + PRIOR_LAMBDA)))
        shift = max(abs(a - b) for r1, r2 in zip(new_m + new_u, m + u) for a, b in zip(r1, r2))
        m, u, lam = new_m, new_u, new_lam
        if shift < tol:
            break
    return Model(tuple(tuple(r) for r in m), tuple(tuple(r) for r in u), lam, total)
