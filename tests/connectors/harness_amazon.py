"""Amazon harness for the shared contract suite (tests/connectors/test_contract.py)."""
from __future__ import annotations

from datetime import datetime, timezone

from core.http import RetryPolicy
from tests.connectors.conftest import Harness
from tests.standin.amazon_server import CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, AmazonStandin, make_order

NAMES = ["Grace Hopper", "Ana Lima", "Chen Wei", "Dara Ní Bhriain", "Eli Cohen", "Fay Obi", "Gus Roy"]


def amazon_env(standin: AmazonStandin) -> dict[str, str]:
    """Environment pointing the connector (SP-API and LWA) at the stand-in."""
    return {"AMAZON_LWA_CLIENT_ID": CLIENT_ID, "AMAZON_LWA_CLIENT_SECRET": CLIENT_SECRET,
            "AMAZON_REFRESH_TOKEN": REFRESH_TOKEN, "AMAZON_MARKETPLACE_ID": "ATVPDKIKX0DER",
            "AMAZON_SP_API_URL": standin.url, "AMAZON_LWA_URL": standin.url}


def _stamp(when: datetime) -> str:
    return when.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def make_harness(policy: RetryPolicy) -> Harness:
    """Amazon stand-in; the LWA token is fetched up front so the contract counts only SP-API calls."""
    from connectors.amazon.connector import AmazonConnector

    standin = AmazonStandin().start()

    def seed(i: int, updated: datetime) -> str:
        order = make_order(f"111-0000000-{i:07d}", _stamp(updated))
        order["buyer"]["buyerName"] = NAMES[i % len(NAMES)]
        return standin.add_order(order)["orderId"]

    def seed_unmappable(updated: datetime) -> str:
        order = make_order("111-9999999-9999999", _stamp(updated))
        order["orderItems"] = []
        return standin.add_order(order)["orderId"]

    connector = AmazonConnector.from_env(amazon_env(standin), policy=policy)
    connector.client.tokens.access_token()
    connector.page_size = 2
    return Harness(connector, standin, seed, seed_unmappable,
                   fulfilments=lambda oid: len(standin.orders[oid].get("packages") or []),
                   is_list_request=lambda r: r.method == "GET" and r.path == "/orders/2026-01-01/orders",
                   is_fulfilment_write=lambda r: r.method == "POST" and r.path.endswith("/shipmentConfirmation"))
