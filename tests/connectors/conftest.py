"""Platform harnesses for the shared connector contract suite (tests/connectors/test_contract.py).

Adding a platform is one entry in HARNESS_FACTORIES: "module:function", where the
function takes a RetryPolicy and returns a started Harness. A factory whose module
is missing is skipped with the reason, so a platform can plug in later.
"""
from __future__ import annotations

import copy
import importlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

import pytest

from connectors.base import Connector
from core.http import RetryPolicy
from tests.standin.server_base import Recorded, StandinServer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

HARNESS_FACTORIES: dict[str, str] = {
    "shopify": "tests.connectors.conftest:shopify_harness",
    "etsy": "tests.connectors.conftest:etsy_harness",
    "square": "tests.connectors.harness_square:make_harness",
    "amazon": "tests.connectors.harness_amazon:make_harness",
}


@dataclass
class Harness:
    """A connector pointed at its started stand-in, plus the handles the contract needs."""

    connector: Connector
    standin: StandinServer
    seed: Callable[[int, datetime], str]             # add valid order #i updated at t; returns its id
    seed_unmappable: Callable[[datetime], str]       # add an order the mapping must refuse
    fulfilments: Callable[[str], int]                # how many fulfilments the platform holds for an order
    is_list_request: Callable[[Recorded], bool]      # a page of the order list
    is_fulfilment_write: Callable[[Recorded], bool]  # the request that creates a fulfilment
    page_size: int = 2
    supports_fulfilment: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


class SleepRecorder:
    """An injectable sleep that never waits and remembers what it was asked."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def sleeps() -> SleepRecorder:
    """Records every wait instead of waiting."""
    return SleepRecorder()


@pytest.fixture
def policy(sleeps: SleepRecorder) -> RetryPolicy:
    """Three attempts, no real waiting."""
    return RetryPolicy(attempts=3, base=0.0, cap=0.0, timeout=5.0, sleep=sleeps)


def _load_factory(platform: str) -> Callable[[RetryPolicy], Harness]:
    module_name, _, func = HARNESS_FACTORIES[platform].partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        pytest.skip(f"{platform} harness not available yet ({exc.name} missing)")
    return getattr(module, func)


@pytest.fixture(params=sorted(HARNESS_FACTORIES))
def harness(request, policy: RetryPolicy):
    """A started harness per platform; the stand-in is stopped afterwards."""
    built = _load_factory(request.param)(policy)
    try:
        yield built
    finally:
        built.standin.stop()


# -- Shopify ------------------------------------------------------------------------
def shopify_examples() -> dict[str, dict]:
    """The official REST order examples, by upstream test name."""
    data = json.loads((FIXTURES / "shopify" / "rest_order_examples.json").read_text())
    return {k: v["order"] for k, v in data["examples"].items()}


def shopify_harness(policy: RetryPolicy) -> Harness:
    """Shopify stand-in seeded from the official full order example."""
    from connectors.shopify.connector import ShopifyConnector
    from tests.standin.shopify_server import ShopifyStandin

    standin = ShopifyStandin().start()
    base = shopify_examples()["test_8"]
    names = ["Bob Norman", "Ana Lima", "Chen Wei", "Dara Ní Bhriain", "Eli Cohen", "Fay Obi", "Gus Roy"]

    def seed(i: int, updated: datetime) -> str:
        order = copy.deepcopy(base)
        order.update(id=7000000 + i, name=f"#{2000 + i}", updated_at=updated.isoformat(),
                     fulfillments=[], fulfillment_status=None, financial_status="paid")
        order["shipping_address"]["name"] = names[i % len(names)]
        return standin.add_order(order)

    def seed_unmappable(updated: datetime) -> str:
        order = copy.deepcopy(base)
        order.update(id=7999999, updated_at=updated.isoformat(), line_items=[], fulfillments=[])
        return standin.add_order(order)

    env = {"SHOPIFY_SHOP": "standin", "SHOPIFY_ACCESS_TOKEN": standin.token, "SHOPIFY_API_URL": standin.url}
    connector = ShopifyConnector.from_env(env, policy=policy)
    connector.page_size = 2
    return Harness(connector, standin, seed, seed_unmappable,
                   fulfilments=lambda oid: len(standin.fulfilments(oid)),
                   is_list_request=lambda r: "orders(" in ((r.body or {}).get("query") or ""),
                   is_fulfilment_write=lambda r: "fulfillmentCreate(" in ((r.body or {}).get("query") or ""))


# -- Etsy --------------------------------------------------------------------------------
def etsy_receipts() -> dict[str, dict]:
    """The ShopReceipt fixtures, by name."""
    return json.loads((FIXTURES / "etsy" / "receipts.json").read_text(encoding="utf-8"))["receipts"]


def etsy_harness(policy: RetryPolicy) -> Harness:
    """Etsy stand-in seeded from the receipt fixtures; no refresh token, so a 401 is final."""
    from connectors.etsy.connector import EtsyConnector
    from tests.standin.etsy_server import EtsyStandin

    standin = EtsyStandin().start()
    base = etsy_receipts()["paid_with_variations_no_email"]
    names = ["Maya Lindqvist", "Ana Lima", "Chen Wei", "Dara Ní Bhriain", "Eli Cohen", "Fay Obi", "Gus Roy"]

    def seed(i: int, updated: datetime) -> str:
        receipt = copy.deepcopy(base)
        stamp = int(updated.timestamp())
        receipt.update(receipt_id=3100000000 + i, name=names[i % len(names)],
                       updated_timestamp=stamp, update_timestamp=stamp)
        return standin.add_receipt(receipt)

    def seed_unmappable(updated: datetime) -> str:
        receipt = copy.deepcopy(base)
        stamp = int(updated.timestamp())
        receipt.update(receipt_id=3199999999, transactions=[], updated_timestamp=stamp, update_timestamp=stamp)
        return standin.add_receipt(receipt)

    env = {"ETSY_API_KEY": standin.api_key, "ETSY_SHOP_ID": str(standin.shop_id),
           "ETSY_ACCESS_TOKEN": standin.access_token, "ETSY_API_URL": standin.url}
    connector = EtsyConnector.from_env(env, policy=policy)
    connector.page_size = 2
    return Harness(connector, standin, seed, seed_unmappable,
                   fulfilments=lambda rid: len(standin.shipments(rid)),
                   is_list_request=lambda r: r.method == "GET" and r.path.endswith("/receipts"),
                   is_fulfilment_write=lambda r: r.method == "POST" and r.path.endswith("/tracking"))
