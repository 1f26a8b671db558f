"""Small builders for domain objects used across foundation tests."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from core.models import Address, Customer, LineItem, Money, Order, OrderState

T0 = datetime(2026, 11, 27, 11, 0, tzinfo=timezone.utc)


def make_order(pid: str = "1001", platform: str = "etsy", name: str = "Rachel Green",
               minutes: int = 0, total: str = "200.00", updated_minutes: int | None = None,
               city: str = "Portland", state: OrderState = OrderState.PAID, **kw) -> Order:
    """An order with sensible defaults; override anything."""
    created = T0 + timedelta(minutes=minutes)
    return Order(
        platform=platform, platform_order_id=pid, created_at=created,
        updated_at=created + timedelta(minutes=updated_minutes or 0),
        customer=kw.pop("customer", Customer(name=name, email="rachel@example.com")),
        ship_to=kw.pop("ship_to", Address(name=name, line1="12 Oak Street", city=city, region="OR",
                                          postal_code="97201", country="US")),
        items=kw.pop("items", (LineItem("Linen Wrap Jacket", 1, Money(total, "USD"), sku="LW-001"),)),
        total=Money(total, "USD"), state=state, raw={"id": pid}, **kw)
