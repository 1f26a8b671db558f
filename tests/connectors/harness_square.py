"""Square harness for the shared contract suite (tests/connectors/test_contract.py)."""
from __future__ import annotations

from datetime import datetime, timezone

from core.http import RetryPolicy
from tests.connectors.conftest import Harness
from tests.standin.square_server import TOKEN, SquareStandin, make_order

NAMES = ["Ada Lovelace", "Ana Lima", "Chen Wei", "Dara Ní Bhriain", "Eli Cohen", "Fay Obi", "Gus Roy"]


def _stamp(when: datetime) -> str:
    return when.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def make_harness(policy: RetryPolicy) -> Harness:
    """Square stand-in with orders shaped like RetrieveOrder; invoices off (see below)."""
    from connectors.square.connector import SquareConnector

    standin = SquareStandin().start()

    def seed(i: int, updated: datetime) -> str:
        recipient = {"display_name": NAMES[i % len(NAMES)], "email_address": f"buyer{i}@example.com"}
        return standin.add_order(make_order(f"SQ{i:04d}", _stamp(updated), recipient=recipient))["id"]

    def seed_unmappable(updated: datetime) -> str:
        order = make_order("SQBAD", _stamp(updated))
        order["line_items"] = []
        return standin.add_order(order)["id"]

    # The contract counts list requests per fetch; Square's invoice search is a second list
    # per location, so the contract runs the orders path and test_square.py covers invoices.
    env = {"SQUARE_ACCESS_TOKEN": TOKEN, "SQUARE_API_URL": standin.url, "SQUARE_LOCATION_IDS": "LOC1",
           "SQUARE_INVOICES": "off"}
    connector = SquareConnector.from_env(env, policy=policy)
    connector.client.page_size = 2
    return Harness(connector, standin, seed, seed_unmappable,
                   fulfilments=lambda oid: sum(1 for c in standin.completions if c[0] == oid),
                   is_list_request=lambda r: r.method == "POST" and r.path == "/v2/orders/search",
                   is_fulfilment_write=lambda r: r.method == "PUT" and r.path.startswith("/v2/orders/"))
