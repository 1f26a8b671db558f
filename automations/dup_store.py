"""Flagged duplicate pairs and the seller's decisions, kept in the journal's database."""
from __future__ import annotations

import json
from dataclasses import dataclass

from core.journal import Journal, now_utc

SCHEMA = """
CREATE TABLE IF NOT EXISTS dup_pairs (
    pair_id TEXT PRIMARY KEY, order_a TEXT NOT NULL, order_b TEXT NOT NULL,
    key_a TEXT NOT NULL, key_b TEXT NOT NULL, score INTEGER NOT NULL, reasons TEXT NOT NULL,
    alert TEXT NOT NULL, detected TEXT NOT NULL, decision TEXT NOT NULL DEFAULT '',
    result TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS dup_dismissed (key_a TEXT NOT NULL, key_b TEXT NOT NULL,
    PRIMARY KEY (key_a, key_b));
"""


@dataclass(frozen=True)
class StoredPair:
    """One flagged pair as the Duplicates tab shows it."""

    pair_id: str
    order_a: str
    order_b: str
    key_a: str
    key_b: str
    score: int
    reasons: tuple[str, ...]
    alert: str
    detected: str
    decision: str
    result: str


class DuplicateStore:
    """Pairs flagged, decisions taken, pairs dismissed for good."""

    def __init__(self, journal: Journal) -> None:
        self.j = journal
        with journal.transaction():
            for stmt in SCHEMA.strip().split(";"):
                if stmt.strip():
                    journal._db.execute(stmt)

    def add(self, order_a: str, order_b: str, key_a: str, key_b: str, score: int,
            reasons: tuple[str, ...], alert: str) -> bool:
        """Record a flagged pair once; False if it was already there."""
        pair_id = f"{order_a}+{order_b}"
        cur = self.j.execute(
            "INSERT OR IGNORE INTO dup_pairs (pair_id, order_a, order_b, key_a, key_b, score, reasons,"
            " alert, detected) VALUES (?,?,?,?,?,?,?,?,?)",
            (pair_id, order_a, order_b, key_a, key_b, score, json.dumps(list(reasons)), alert,
             now_utc().isoformat()))
        return cur.rowcount == 1

    def pairs(self) -> list[StoredPair]:
        """Every flagged pair, oldest first."""
        rows = self.j.execute("SELECT * FROM dup_pairs ORDER BY detected, pair_id").fetchall()
        return [StoredPair(r["pair_id"], r["order_a"], r["order_b"], r["key_a"], r["key_b"], r["score"],
                           tuple(json.loads(r["reasons"])), r["alert"], r["detected"], r["decision"],
                           r["result"]) for r in rows]

    def decide(self, pair_id: str, decision: str, result: str) -> None:
        """Record the seller's decision and what we did about it."""
        self.j.execute("UPDATE dup_pairs SET decision=?, result=? WHERE pair_id=?", (decision, result, pair_id))

    def dismiss(self, key_a: str, key_b: str) -> None:
        """NOT DUPLICATE: never flag this pair again."""
        a, b = sorted((key_a, key_b))
        self.j.execute("INSERT OR IGNORE INTO dup_dismissed VALUES (?,?)", (a, b))

    def dismissed(self) -> set[frozenset[str]]:
        """Pairs the seller said are not duplicates."""
        return {frozenset((r[0], r[1])) for r in self.j.execute("SELECT key_a, key_b FROM dup_dismissed")}
