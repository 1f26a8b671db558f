"""Small order builders for duplicate-detection tests (times are minutes after 2026-11-27 11:00 UTC)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from core.models import Address, Customer, LineItem, Money, Order, Platform

T0 = datetime(2026, 11, 27, 11, 0, tzinfo=timezone.utc)
HOME = ("123 North Main Street", "Apt 4", "Portland", "OR", "97201-1234", "US")


def order(platform: str = "etsy", pid: str = "1", minute: float = 0, name: str = "Rachel Green",
          email: str = "", phone: str = "", address: tuple = HOME, title: str = "Silver Leaf Necklace",
          sku: str = "", variant: str = "", price: str = "40.00", qty: int = 1, buyer: str = "",
          refs: tuple[str, ...] = (), ship_name: str | None = None) -> Order:
    """One-item order with sensible defaults; override only what a test is about."""
    line1, line2, city, region, postcode, country = address
    item = LineItem(title, qty, Money(Decimal(price)), sku=sku, variant=variant)
    return Order(Platform(platform), pid, T0 + timedelta(minutes=minute), Customer(name, email, phone, buyer),
                 (item,), item.total, external_refs=refs,
                 ship_to=Address(name if ship_name is None else ship_name, line1, line2, city, region, postcode, country))
