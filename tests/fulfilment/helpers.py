"""Fakes and builders shared by the fulfilment tests."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from automations.sheet_edits import Edit, SheetDiff
from connectors.base import Connector, FetchResult, PushResult
from core.journal import StoredOrder
from core.models import Customer, Order, Platform, Shipment
from tests.foundation.factories import make_order

NOW = datetime(2026, 11, 27, 22, 51, tzinfo=timezone.utc)
USPS = "9400111899223197428490"
UPS = "1Z999AA10123456784"


class Crash(BaseException):
    """A process dying mid-step (not an Exception, so nothing in the service catches it)."""


class FakePlatform(Connector):
    """Remembers fulfilments like a platform does; the same key or tracking never makes a second one."""

    platform = Platform.ETSY

    def __init__(self, platform: Platform = Platform.ETSY, notifies: bool = True, fail_with=None,
                 crash_after_store: bool = False) -> None:
        self.platform, self.notifies = platform, notifies
        self.fail_with, self.crash_after_store = fail_with, crash_after_store
        self.calls: list[str] = []  # idempotency keys, one per call
        self.fulfilments: dict[str, Shipment] = {}  # platform side: key -> shipment
        self.cancelled: list[str] = []

    @classmethod
    def from_env(cls, env):
        """Not configured from env in tests."""
        return None

    def fetch_orders(self, since):
        """Nothing to fetch."""
        return FetchResult(())

    def get_order(self, platform_order_id):
        """Not used."""
        raise NotImplementedError

    def check(self):
        """Always fine."""
        return "ok"

    def push_fulfilment(self, order: Order, shipment: Shipment, idempotency_key: str) -> PushResult:
        """Store once per key; a repeat answers already_done."""
        self.calls.append(idempotency_key)
        if self.fail_with is not None:
            raise self.fail_with
        if idempotency_key in self.fulfilments:
            return PushResult(ok=True, message="already", already_done=True,
                              buyer_notified_by_platform=self.notifies)
        self.fulfilments[idempotency_key] = shipment
        if self.crash_after_store:
            self.crash_after_store = False
            raise Crash("connection lost after the platform stored it")
        return PushResult(ok=True, message="shipped", platform_fulfilment_id=f"F{len(self.fulfilments)}",
                          buyer_notified_by_platform=self.notifies,
                          request={"tracking_code": shipment.tracking_number})

    def cancel_order(self, order: Order, reason: str = "duplicate") -> PushResult:
        """Cancel and remember."""
        self.cancelled.append(order.platform_order_id)
        return PushResult(ok=True, message=f"Cancelled on {self.platform.label}")


def stored(order_id: str = "TC-1", order: Order | None = None, sheet_rev: int = 1, **fields) -> StoredOrder:
    """A StoredOrder as the journal would hand it out."""
    return StoredOrder(order_id, order or make_order(), dict(fields), 1, sheet_rev, NOW)


def diff(*edits: Edit) -> SheetDiff:
    """A SheetDiff holding just these edits."""
    return SheetDiff(tuple(edits), (), (), ())


def fulfil_edits(order_id: str, tracking: str = USPS, carrier: str = "USPS") -> tuple[Edit, ...]:
    """The seller's one-cell workflow: Status FULFILLED plus carrier and tracking."""
    return (Edit(order_id, "status", "UNFULFILLED", "FULFILLED"), Edit(order_id, "carrier", "", carrier),
            Edit(order_id, "tracking", "", tracking))


def square_order(pid: str = "SQ1", email: str = "rachel@example.com", **kw) -> Order:
    """A Square invoice order (we send the tracking e-mail ourselves)."""
    return make_order(pid, platform="square",
                      customer=Customer(name="Rachel Green", email=email), **kw)


def later(minutes: int) -> datetime:
    """NOW plus some minutes."""
    return NOW + timedelta(minutes=minutes)
