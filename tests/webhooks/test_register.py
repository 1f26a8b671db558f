"""`webhooks register` / `webhooks list` against the Shopify and Square stand-ins on loopback."""
from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest

from cli import webhooks_cmd
from connectors.shopify.webhooks import TOPICS
from connectors.square.webhooks import EVENT_TYPES
from tests.standin.shopify_server import ShopifyStandin
from tests.standin.square_server import SPEC, TOKEN, SquareStandin

HOST = "https://orders.example.com"
SHOPIFY_URL = f"{HOST}/webhooks/shopify"
SQUARE_URL = f"{HOST}/webhooks/square"


@pytest.fixture(scope="module")
def servers():
    # Square requests are checked against the official spec when shared/specs is present.
    shopify, square = ShopifyStandin().start(), SquareStandin(validate=SPEC.exists()).start()
    yield shopify, square
    shopify.stop()
    square.stop()


@pytest.fixture
def stands(servers):
    shopify, square = servers
    with shopify.lock:
        shopify.webhooks.clear()
        shopify.requests.clear()
    square.reset()
    return SimpleNamespace(shopify=shopify, square=square, env={
        "SHOPIFY_SHOP": "standin", "SHOPIFY_ACCESS_TOKEN": shopify.token, "SHOPIFY_API_URL": shopify.url,
        "SQUARE_ACCESS_TOKEN": TOKEN, "SQUARE_API_URL": square.url})


def run(env: dict, *argv: str) -> tuple[int, list[str]]:
    """Parse argv like main.py would and run the command; (exit code, printed lines)."""
    import argparse

    parser = argparse.ArgumentParser()
    webhooks_cmd.add_arguments(parser)
    lines: list[str] = []
    code = webhooks_cmd.run(parser.parse_args(list(argv)), SimpleNamespace(env=env), out=lines.append)
    return code, lines


def creates(stands) -> tuple[int, int]:
    """(Shopify create mutations, Square create calls) the stand-ins received."""
    shopify = [r for r in stands.shopify.requests_to("POST", "graphql")
               if "webhookSubscriptionCreate" in (r.body or {}).get("query", "")]
    return len(shopify), len(stands.square.requests_to("POST", "/v2/webhooks/subscriptions"))


def test_register_subscribes_every_topic_once_and_a_second_run_creates_nothing(stands):
    # given two platforms with no webhooks
    # when registering twice
    first_code, first = run(stands.env, "register", "--url", HOST + "/")
    after_first = creates(stands)
    second_code, second = run(stands.env, "register", "--url", HOST)
    # then Shopify has each order topic once, as JSON, at /webhooks/shopify
    assert first_code == second_code == 0
    assert sorted((w["topic"], w["uri"], w["format"]) for w in stands.shopify.webhooks) == \
        sorted((t, SHOPIFY_URL, "JSON") for t in TOPICS)
    # and Square has one subscription with every event type at /webhooks/square
    (sub,) = stands.square.webhooks.values()
    assert sub["notification_url"] == SQUARE_URL and sorted(sub["event_types"]) == sorted(EVENT_TYPES)
    # and the second run sent no create at all and says so
    assert after_first == (len(TOPICS), 1) and creates(stands) == after_first
    assert any("already subscribed" in line for line in second if line.startswith("Shopify"))
    assert any("already subscribed" in line for line in second if line.startswith("Square"))
    # and every request met the spec / schema
    assert stands.shopify.spec_errors() == [] and stands.square.violations == []


def test_dry_run_sends_nothing_to_either_platform(stands):
    # when registering with --dry-run
    code, lines = run(stands.env, "register", "--url", HOST, "--dry-run")
    # then no request reached either stand-in and the plan is shown in plain words
    assert code == 0
    assert stands.shopify.requests == [] and stands.square.requests == []
    assert any(line.startswith("Shopify: would subscribe") and "ORDERS_CANCELLED" in line for line in lines)
    assert any(line.startswith("Square: would") and "invoice.refunded" in line for line in lines)


def test_square_signature_key_is_printed_only_as_the_env_line_and_never_logged(stands, caplog):
    # given every log record is captured
    caplog.set_level(logging.DEBUG)
    # when a Square subscription is created
    code, lines = run(stands.env, "register", "--url", HOST)
    # then the key Square returned appears once, as the .env line, next to the exact URL
    (sub,) = stands.square.webhooks.values()
    key = sub["signature_key"]
    assert code == 0
    assert [line for line in lines if key in line] == [f"  SQUARE_WEBHOOK_SIGNATURE_KEY={key}"]
    assert f"  SQUARE_WEBHOOK_URL={SQUARE_URL}" in lines
    # and no log record mentions it
    assert not [r for r in caplog.records if key in r.getMessage()]


def test_existing_subscriptions_are_completed_not_duplicated(stands):
    # given Shopify already sends ORDERS_CREATE here and Square already sends two of the events here
    stands.shopify.webhooks.append({"id": "gid://shopify/WebhookSubscription/1", "topic": "ORDERS_CREATE",
                                    "uri": SHOPIFY_URL, "format": "JSON", "createdAt": "2026-01-01T00:00:00Z"})
    stands.square.webhooks["wbhk_old"] = {"id": "wbhk_old", "notification_url": SQUARE_URL, "enabled": True,
                                          "event_types": ["order.created", "invoice.updated"],
                                          "signature_key": "old-key"}
    # when registering
    code, lines = run(stands.env, "register", "--url", HOST)
    # then only the missing Shopify topics are created
    assert code == 0
    assert sorted(w["topic"] for w in stands.shopify.webhooks) == sorted(TOPICS)
    # and the Square subscription gains the missing types instead of a second subscription
    assert list(stands.square.webhooks) == ["wbhk_old"]
    assert sorted(stands.square.webhooks["wbhk_old"]["event_types"]) == sorted(EVENT_TYPES)
    assert creates(stands)[1] == 0
    assert not any("old-key" in line for line in lines)


@pytest.mark.parametrize("url", ["http://orders.example.com", "", "orders.example.com",
                                 "https://orders.example.com/?x=1"])
def test_an_unusable_address_is_refused_in_plain_words_before_anything_is_sent(stands, url):
    # when registering with an address platforms cannot call
    code, lines = run(stands.env, "register", "--url", url)
    # then nothing is sent and the fix is named
    assert code == 1
    assert stands.shopify.requests == [] and stands.square.requests == []
    assert lines and lines[0].startswith("Cannot register:") and "https://" in lines[0]


def test_revoked_access_is_reported_per_platform_and_the_other_still_registers(stands):
    # given the Shopify token no longer works
    env = dict(stands.env, SHOPIFY_ACCESS_TOKEN="shpat_revoked")
    # when registering
    code, lines = run(env, "register", "--url", HOST)
    # then the seller reads the fix for Shopify, Square is registered anyway, the exit code says failure
    assert code == 1
    assert "Shopify: reconnect Shopify: the access was revoked or expired" in lines
    assert len(stands.square.webhooks) == 1
    assert not any("Traceback" in line for line in lines)


def test_list_shows_what_each_platform_has(stands):
    # given registered webhooks
    run(stands.env, "register", "--url", HOST)
    # when listing
    code, lines = run(stands.env, "list")
    # then each subscription is one plain line
    assert code == 0
    assert f"Shopify: {len(TOPICS)} webhook subscription(s)" in lines
    assert any(line.strip().startswith("ORDERS_FULFILLED") and SHOPIFY_URL in line for line in lines)
    assert "Square: 1 webhook subscription(s)" in lines
    assert any(line.strip().startswith(SQUARE_URL) and "order.fulfillment.updated" in line for line in lines)
    assert not any(sub["signature_key"] in line for sub in stands.square.webhooks.values() for line in lines)


def test_platforms_that_are_not_connected_are_skipped_with_the_setting_to_add():
    # given no platform credentials at all
    code, lines = run({}, "register", "--url", HOST)
    # then nothing fails and each platform says which settings it needs; Etsy gets the manual step
    assert code == 0
    assert "Shopify: not connected (put SHOPIFY_SHOP and SHOPIFY_ACCESS_TOKEN in .env) — skipped" in lines
    assert "Square: not connected (put SQUARE_ACCESS_TOKEN in .env) — skipped" in lines
    assert any(line.startswith("Etsy:") and f"{HOST}/webhooks/etsy" in line for line in lines)
