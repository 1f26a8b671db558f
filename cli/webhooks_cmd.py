"""`python main.py webhooks register --url https://HOST [--dry-run]` and `python main.py webhooks list`.

Registers TrueCraft's order webhooks with Shopify (Admin GraphQL) and Square
(Webhook Subscriptions API); both are idempotent, so running twice creates
nothing new. Etsy offers no registration API to most apps: the manual step is
printed. Everything printed is plain words; the Square signature key appears
only as the line to copy into .env and is never logged.
"""
from __future__ import annotations

import argparse
from typing import Any, Callable, Mapping
from urllib.parse import urlsplit

from connectors.base import ConnectorAuthError, ConnectorRejected, ConnectorTemporaryError

Out = Callable[[str], None]
ERRORS = (ConnectorAuthError, ConnectorRejected, ConnectorTemporaryError)
ETSY_STEP = ("Etsy: no registration API for most apps — in the Etsy developer portal (Your apps → Webhooks; "
             "commercial-access apps only) add {url}/webhooks/etsy for the event order.paid, then put the "
             "signing secret (whsec_…) in .env as ETSY_WEBHOOK_SECRET.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `register` and `list` sub-commands."""
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    reg = sub.add_parser("register", help="subscribe Shopify and Square to https://HOST/webhooks/<platform>",
                         description="Subscribe Shopify and Square to this server's webhook addresses "
                                     "(safe to run again: existing subscriptions are kept).")
    reg.add_argument("--url", required=True, help="the public HTTPS address of this server, e.g. "
                                                  "https://orders.example.com")
    reg.add_argument("--dry-run", action="store_true", help="show what would be registered; send nothing")
    sub.add_parser("list", help="show the webhook subscriptions Shopify and Square have",
                   description="Show the webhook subscriptions Shopify and Square have for TrueCraft.")


def run(args: argparse.Namespace, settings: Any, out: Out = print) -> int:
    """Run `webhooks register` or `webhooks list`; returns the exit code."""
    env: Mapping[str, str] = getattr(settings, "env", None) or {}
    action = getattr(args, "action", None)
    if action == "register":
        return register(args.url, env, bool(args.dry_run), out)
    if action == "list":
        return list_all(env, out)
    out("Say what to do: `python main.py webhooks register --url https://YOUR-HOST` or "
        "`python main.py webhooks list`.")
    return 2


def base_url(url: str) -> str:
    """The server's public address without a trailing slash; ValueError in plain words if unusable."""
    url = (url or "").strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise ValueError(f"'{url or '(empty)'}' is not an https:// address — platforms only call HTTPS. "
                         "Use the address of your reverse proxy or tunnel, e.g. https://orders.example.com")
    if parts.query or parts.fragment:
        raise ValueError("give the address without ?query or #fragment, e.g. https://orders.example.com")
    return url.removesuffix("/webhooks").rstrip("/")


def register(url: str, env: Mapping[str, str], dry_run: bool, out: Out = print) -> int:
    """Register with every connected platform; 0 when all went well, 1 otherwise."""
    try:
        base = base_url(url)
    except ValueError as exc:
        out(f"Cannot register: {exc}")
        return 1
    if dry_run:
        out("Dry run: nothing is sent to Shopify or Square.")
    shopify, square = _connectors(env)
    ok = True
    ok &= _attempt("Shopify", shopify, "SHOPIFY_SHOP and SHOPIFY_ACCESS_TOKEN", out,
                   lambda c: _register_shopify(c, f"{base}/webhooks/shopify", dry_run, out))
    ok &= _attempt("Square", square, "SQUARE_ACCESS_TOKEN", out,
                   lambda c: _register_square(c, f"{base}/webhooks/square", dry_run, env, out))
    out(ETSY_STEP.format(url=base))
    return 0 if ok else 1


def list_all(env: Mapping[str, str], out: Out = print) -> int:
    """Print every subscription each connected platform reports."""
    shopify, square = _connectors(env)

    def show_shopify(c: Any) -> None:
        subs = c.webhook_subscriptions()
        out(f"Shopify: {len(subs)} webhook subscription(s)")
        for s in subs:
            out(f"  {s.topic:<18} -> {s.uri} ({s.format})")

    def show_square(c: Any) -> None:
        subs = c.webhook_subscriptions()
        out(f"Square: {len(subs)} webhook subscription(s)")
        for s in subs:
            state = "" if s.enabled else " (disabled)"
            out(f"  {s.url}{state}: {', '.join(s.event_types) or 'no events'}")

    ok = _attempt("Shopify", shopify, "SHOPIFY_SHOP and SHOPIFY_ACCESS_TOKEN", out, show_shopify)
    ok &= _attempt("Square", square, "SQUARE_ACCESS_TOKEN", out, show_square)
    out("Etsy: webhooks are managed in the Etsy developer portal (no API to list them).")
    return 0 if ok else 1


def _register_shopify(connector: Any, url: str, dry_run: bool, out: Out) -> None:
    done = connector.register_webhooks(url, dry_run=dry_run)
    if dry_run:
        out(f"Shopify: would subscribe {url} to {', '.join(done.planned)} (JSON), skipping topics "
            "already sent there")
        return
    if done.created:
        out(f"Shopify: subscribed {url} to {', '.join(done.created)}")
    if done.existing:
        out(f"Shopify: already subscribed to {', '.join(done.existing)} — left as is")
    out("Shopify: put the app's webhook signing secret (the app's client secret) in .env as "
        "SHOPIFY_WEBHOOK_SECRET if it is not there yet.")


def _register_square(connector: Any, url: str, dry_run: bool, env: Mapping[str, str], out: Out) -> None:
    done = connector.register_webhooks(url, dry_run=dry_run)
    if dry_run:
        out(f"Square: would make sure one subscription sends {', '.join(done.planned)} to {url}")
        return
    if done.created:
        out(f"Square: created a webhook subscription for {url}")
        if done.signature_key:
            out("Square: add these two lines to .env (keep the key secret), then restart `serve`:")
            out(f"  SQUARE_WEBHOOK_SIGNATURE_KEY={done.signature_key}")
            out(f"  SQUARE_WEBHOOK_URL={done.url}")
        return
    if done.added_types:
        out(f"Square: added {', '.join(done.added_types)} to the existing subscription for {done.url}")
    else:
        out(f"Square: already subscribed for {done.url} — nothing to change")
    if (env.get("SQUARE_WEBHOOK_URL") or "").strip() != done.url:
        out(f"Square: set SQUARE_WEBHOOK_URL={done.url} in .env (it is part of the signature).")
    if not (env.get("SQUARE_WEBHOOK_SIGNATURE_KEY") or "").strip():
        out("Square: copy the subscription's signature key from the Square Developer Dashboard "
            "(your app → Webhooks) into .env as SQUARE_WEBHOOK_SIGNATURE_KEY.")


def _attempt(name: str, connector: Any, needs: str, out: Out, action: Callable[[Any], None]) -> bool:
    if connector is None:
        out(f"{name}: not connected (put {needs} in .env) — skipped")
        return True
    try:
        action(connector)
    except ERRORS as exc:
        out(f"{name}: {exc}")
        return False
    return True


def _connectors(env: Mapping[str, str]) -> tuple[Any, Any]:
    from connectors.shopify.connector import ShopifyConnector
    from connectors.square.connector import SquareConnector

    return ShopifyConnector.from_env(env), SquareConnector.from_env(env)
