"""What every platform connector offers, and the errors it speaks in.

A connector is a small package: client.py (HTTP only), mapping.py (platform
payload -> domain objects), connector.py (a Connector subclass). Nothing but
domain objects leaves a connector.
"""
from __future__ import annotations

import abc
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping

from core.models import Order, Platform, Shipment


class ConnectorError(Exception):
    """Base for connector failures; str() is plain words for a seller."""


class ConnectorAuthError(ConnectorError):
    """401/403: credentials revoked or expired. Never retried; the seller must reconnect."""


class ConnectorTemporaryError(ConnectorError):
    """429/5xx/timeouts that outlasted our bounded retries; try again next cycle."""


class ConnectorRejected(ConnectorError):
    """The platform refused the request for a reason retrying will not fix (4xx)."""


class FulfilmentNotSupported(ConnectorRejected):
    """The platform cannot take this fulfilment through its API (say what to do instead)."""


class MappingError(ValueError):
    """A payload we cannot turn into an Order; the order is quarantined with this reason."""


@dataclass(frozen=True)
class Quarantined:
    """A payload we could not map, kept with the reason."""

    platform_order_id: str
    reason: str
    raw: Mapping[str, Any]


@dataclass(frozen=True)
class FetchResult:
    """One incremental fetch: the orders, what could not be mapped, and the next cursor."""

    orders: tuple[Order, ...]
    quarantined: tuple[Quarantined, ...] = ()
    # ISO-8601 UTC; the next fetch uses it as an inclusive lower bound.
    next_cursor: str | None = None


@dataclass(frozen=True)
class PushResult:
    """Outcome of pushing one fulfilment to a platform."""

    ok: bool
    message: str  # plain words for the Sync column, e.g. "Shipped on Etsy — buyer notified"
    platform_fulfilment_id: str = ""
    buyer_notified_by_platform: bool = False
    already_done: bool = False  # the platform already had this fulfilment (retry after a crash)
    request: Mapping[str, Any] = field(default_factory=dict)  # what was (or would be) sent, for dry runs


class Connector(abc.ABC):
    """One sales channel."""

    platform: Platform

    @classmethod
    @abc.abstractmethod
    def from_env(cls, env: Mapping[str, str]) -> "Connector | None":
        """Build from environment variables; None when this platform is not configured."""

    @abc.abstractmethod
    def fetch_orders(self, since: datetime | None) -> FetchResult:
        """Orders updated at or after `since` (all pages), mapped to the domain model."""

    @abc.abstractmethod
    def get_order(self, platform_order_id: str) -> Order:
        """One order by its platform id (used after thin webhooks)."""

    @abc.abstractmethod
    def push_fulfilment(self, order: Order, shipment: Shipment, idempotency_key: str) -> PushResult:
        """Tell the platform the order shipped; retrying with the same key never creates a second fulfilment."""

    @abc.abstractmethod
    def check(self) -> str:
        """A cheap authenticated read; returns a plain summary or raises ConnectorAuthError."""

    def cancel_order(self, order: Order, reason: str = "duplicate") -> PushResult:
        """Cancel on the platform where its API allows; default is a plain note of what to do."""
        return PushResult(ok=False, message=(
            f"{self.platform.label} can't cancel orders through its API — cancel "
            f"#{order.platform_order_id} in your {self.platform.label} dashboard"))

    def update_tracking(self, order: Order, old_tracking: str, shipment: Shipment,
                        idempotency_key: str) -> PushResult:
        """Put a replacement label's tracking on an order already shipped; retrying never sends it twice.

        The default is the platforms whose API can't change a shipment's tracking: say what to do by hand.
        """
        raise FulfilmentNotSupported(
            f"{self.platform.label} can't change a tracking number through its API — on order "
            f"#{order.platform_order_id} in {self.platform.label}, replace {old_tracking or 'the old number'} "
            f"with {shipment.tracking_number}")
