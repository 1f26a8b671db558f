"""The domain model: one frozen-dataclass vocabulary every part of TrueCraft speaks.

Money is Decimal with a currency, times are UTC-aware, identity is
(platform, platform_order_id). Platform payloads never travel past a
connector's mapping module except as the opaque `raw` dict kept on Order.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping


class DomainError(ValueError):
    """A value that cannot form a valid domain object (message is plain words)."""


class Platform(str, enum.Enum):
    """Where an order came from."""

    SHOPIFY = "shopify"
    ETSY = "etsy"
    SQUARE = "square"
    AMAZON = "amazon"
    MANUAL = "manual"

    @property
    def label(self) -> str:
        """Name as a seller writes it."""
        return {"shopify": "Shopify", "etsy": "Etsy", "square": "Square",
                "amazon": "Amazon", "manual": "Manual"}[self.value]

    @classmethod
    def parse(cls, text: str) -> "Platform":
        """Accept 'Etsy', 'etsy', ' ETSY ' and aliases like 'craft fair'."""
        key = (text or "").strip().lower()
        aliases = {"craft fair": "manual", "fair": "manual", "offline": "manual",
                   "instagram": "square", "in person": "manual"}
        key = aliases.get(key, key)
        try:
            return cls(key)
        except ValueError:
            names = ", ".join(p.label for p in cls)
            raise DomainError(f"unknown platform '{text}' — use one of {names}") from None


class OrderState(str, enum.Enum):
    """The platform's own view of the order (not the seller's Status column)."""

    PENDING = "pending"
    PAID = "paid"
    PARTIALLY_FULFILLED = "partially_fulfilled"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


# The Status a row starts with, from the platform's state (until a person or TrueCraft sets one).
DEFAULT_STATUS = {
    OrderState.PENDING: "UNFULFILLED", OrderState.PAID: "UNFULFILLED",
    OrderState.PARTIALLY_FULFILLED: "IN PROGRESS", OrderState.FULFILLED: "FULFILLED",
    OrderState.CANCELLED: "CANCELLED", OrderState.REFUNDED: "CANCELLED",
}


def utc(value: datetime) -> datetime:
    """Return `value` as an aware UTC datetime; naive input is rejected."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise DomainError(f"time {value.isoformat()} has no timezone")
    return value.astimezone(timezone.utc)


def parse_time(text: str) -> datetime:
    """Parse an ISO-8601 time (with Z or offset) into UTC; a bare date means midnight UTC."""
    raw = (text or "").strip()
    if not raw:
        raise DomainError("time is empty")
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise DomainError(f"'{text}' is not a date and time like 2026-11-27T14:05:00Z") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def from_epoch(seconds: float | int) -> datetime:
    """UTC datetime from Unix seconds (Etsy uses these)."""
    return datetime.fromtimestamp(float(seconds), tz=timezone.utc)


def to_decimal(value: Any, what: str = "amount") -> Decimal:
    """Exact Decimal from str/int/Decimal; floats go through str to avoid binary noise."""
    if isinstance(value, Decimal):
        result = value
    else:
        text = str(value).strip().replace(",", "")
        for sym in ("$", "£", "€"):
            text = text.replace(sym, "")
        try:
            result = Decimal(text)
        except (InvalidOperation, ValueError):
            raise DomainError(f"{what} '{value}' is not a number") from None
    if not result.is_finite():
        raise DomainError(f"{what} '{value}' is not a number")
    if abs(result) >= Decimal("1e12"):
        # No craft order is a trillion; a number this size is a data error, and spreadsheets
        # would turn it into a float that loses digits or cannot be written at all.
        raise DomainError(f"{what} '{str(value)[:30]}' is far too large to be a real amount")
    return result


@dataclass(frozen=True)
class Money:
    """An exact amount in one currency."""

    amount: Decimal
    currency: str = "USD"

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", to_decimal(self.amount))
        cur = (self.currency or "").strip().upper()
        if len(cur) != 3 or not cur.isalpha():
            raise DomainError(f"currency '{self.currency}' should be a 3-letter code like USD")
        object.__setattr__(self, "currency", cur)

    @classmethod
    def from_minor(cls, minor: int, currency: str, divisor: int = 100) -> "Money":
        """Build from integer minor units (Square cents, Etsy amount/divisor)."""
        return cls(Decimal(int(minor)) / Decimal(int(divisor or 1)), currency)

    def __add__(self, other: "Money") -> "Money":
        if other.currency != self.currency:
            raise DomainError(f"cannot add {other.currency} to {self.currency}")
        return Money(self.amount + other.amount, self.currency)

    def __mul__(self, qty: int) -> "Money":
        return Money(self.amount * qty, self.currency)

    def display(self) -> str:
        """'$12.50' or '12.50 EUR'."""
        q = self.amount.quantize(Decimal("0.01"))
        symbol = {"USD": "$", "GBP": "£", "EUR": "€", "CAD": "CA$", "AUD": "A$"}.get(self.currency)
        return f"{symbol}{q:,}" if symbol else f"{q:,} {self.currency}"


@dataclass(frozen=True)
class Address:
    """A postal address."""

    name: str = ""
    line1: str = ""
    line2: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""

    def one_line(self) -> str:
        """The address on one line, as the Ship To column shows it."""
        parts = [self.line1, self.line2, self.city,
                 " ".join(p for p in (self.region, self.postal_code) if p), self.country]
        return ", ".join(p for p in parts if p)

    def is_empty(self) -> bool:
        """True when no part of the address is known."""
        return not any((self.line1, self.line2, self.city, self.region, self.postal_code, self.country))


@dataclass(frozen=True)
class Customer:
    """The buyer as the platform describes them."""

    name: str = ""
    email: str = ""
    phone: str = ""
    platform_customer_id: str = ""


@dataclass(frozen=True)
class LineItem:
    """One product line of an order."""

    title: str
    quantity: int
    unit_price: Money
    sku: str = ""
    listing_id: str = ""
    variant: str = ""

    def __post_init__(self) -> None:
        if int(self.quantity) <= 0:
            raise DomainError(f"quantity for '{self.title}' must be at least 1")
        object.__setattr__(self, "quantity", int(self.quantity))

    @property
    def total(self) -> Money:
        """unit price x quantity."""
        return self.unit_price * self.quantity


@dataclass(frozen=True)
class Shipment:
    """A fulfilment: who carries it and how to track it."""

    carrier: str
    tracking_number: str
    shipped_at: datetime | None = None
    tracking_url: str = ""


@dataclass(frozen=True)
class Order:
    """One order from one channel; identity is (platform, platform_order_id)."""

    platform: Platform
    platform_order_id: str
    created_at: datetime
    customer: Customer
    items: tuple[LineItem, ...]
    total: Money
    updated_at: datetime | None = None
    ship_to: Address = field(default_factory=Address)
    state: OrderState = OrderState.PAID
    shipments: tuple[Shipment, ...] = ()
    notes: str = ""
    # Other ids this same sale is known by (an Etsy receipt mirrored into Shopify).
    external_refs: tuple[str, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.platform, Platform):
            object.__setattr__(self, "platform", Platform.parse(str(self.platform)))
        pid = str(self.platform_order_id or "").strip()
        if not pid:
            raise DomainError("order has no platform order number")
        object.__setattr__(self, "platform_order_id", pid)
        object.__setattr__(self, "created_at", utc(self.created_at))
        object.__setattr__(self, "updated_at", utc(self.updated_at or self.created_at))
        object.__setattr__(self, "items", tuple(self.items))
        if not self.items:
            raise DomainError(f"order {pid} has no items")

    @property
    def key(self) -> tuple[str, str]:
        """Identity across the system."""
        return (self.platform.value, self.platform_order_id)

    def with_changes(self, **changes: Any) -> "Order":
        """A copy with some fields replaced."""
        return replace(self, **changes)

    def items_summary(self) -> str:
        """'2 × Linen Wrap (Blue); 1 × Mug' for the Items column."""
        parts = []
        for item in self.items:
            label = f"{item.title} ({item.variant})" if item.variant else item.title
            parts.append(f"{item.quantity} × {label}")
        return "; ".join(parts)
