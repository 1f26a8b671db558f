"""Which connectors exist and which are configured; a platform without credentials is simply off."""
from __future__ import annotations

import importlib
import logging
from typing import Any, Mapping

from connectors.base import Connector

log = logging.getLogger("truecraft.connectors")

# Import paths, not imports: a missing or broken optional connector must not stop the others.
_CLASS_PATHS: dict[str, str] = {
    "shopify": "connectors.shopify.connector:ShopifyConnector",
    "etsy": "connectors.etsy.connector:EtsyConnector",
    "square": "connectors.square.connector:SquareConnector",
    "amazon": "connectors.amazon.connector:AmazonConnector",
}

# The variables each platform needs (the first list) and may use (the second), for `doctor`.
REQUIRED_VARS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "shopify": (("SHOPIFY_SHOP", "SHOPIFY_ACCESS_TOKEN"), ("SHOPIFY_API_URL",)),
    "etsy": (("ETSY_API_KEY", "ETSY_SHOP_ID", "ETSY_ACCESS_TOKEN"),
             ("ETSY_REFRESH_TOKEN", "ETSY_API_URL")),
    "square": (("SQUARE_ACCESS_TOKEN",), ("SQUARE_LOCATION_IDS", "SQUARE_API_URL")),
    "amazon": (("AMAZON_LWA_CLIENT_ID", "AMAZON_LWA_CLIENT_SECRET", "AMAZON_REFRESH_TOKEN", "AMAZON_MARKETPLACE_ID"),
               ("AMAZON_SP_API_URL", "AMAZON_LWA_URL")),
}

LABELS = {"shopify": "Shopify", "etsy": "Etsy", "square": "Square", "amazon": "Amazon"}


def _load(path: str) -> type[Connector] | None:
    module_name, _, class_name = path.partition(":")
    try:
        return getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError):
        return None


CONNECTOR_CLASSES: dict[str, type[Connector]] = {
    platform: cls for platform, path in _CLASS_PATHS.items() if (cls := _load(path)) is not None}


def configured_connectors(env: Mapping[str, str], token_store: Any = None) -> list[Connector]:
    """Every connector whose credentials are present in `env`, in a stable order."""
    found: list[Connector] = []
    for platform, cls in CONNECTOR_CLASSES.items():
        connector = (cls.from_env(env, token_store=token_store)
                     if _accepts_token_store(cls) else cls.from_env(env))
        if connector is not None:
            found.append(connector)
    return found


def _accepts_token_store(cls: type[Connector]) -> bool:
    import inspect

    return "token_store" in inspect.signature(cls.from_env).parameters


def describe_configuration(env: Mapping[str, str]) -> list[tuple[str, bool, list[str]]]:
    """(platform label, configured?, missing variables) for each known platform."""
    rows = []
    for platform, (required, _optional) in REQUIRED_VARS.items():
        cls = CONNECTOR_CLASSES.get(platform)
        # A connector may declare its own list; it knows best.
        required = tuple(getattr(cls, "REQUIRED_ENV", required))
        missing = [name for name in required if not (env.get(name) or "").strip()]
        installed = cls is not None
        rows.append((LABELS[platform], installed and not missing, missing))
    return rows
