"""Domain objects for shipping labels: a parcel's weight and size, an address check, a bought label.

Shared by the EasyPost connector (which produces them) and the label flow (which records them in
the journal and the sheet). No EasyPost dict travels past connectors/easypost/mapping.py.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from core.models import Address, DomainError, Money

_WEIGHT = {"oz": Decimal(1), "lb": Decimal(16), "lbs": Decimal(16), "g": Decimal("0.03527396"),
           "kg": Decimal("35.27396")}
_LENGTH = {"in": Decimal(1), "cm": Decimal("0.3937008")}
_PARCEL = re.compile(
    r"^\s*(?P<w>\d+(?:\.\d+)?)\s*(?P<wu>oz|lbs?|kg|g)\b"
    r"(?:\s*,?\s*(?P<l>\d+(?:\.\d+)?)\s*[x×]\s*(?P<wd>\d+(?:\.\d+)?)\s*[x×]\s*(?P<h>\d+(?:\.\d+)?)\s*(?P<lu>in|cm)?)?\s*$",
    re.IGNORECASE)


@dataclass(frozen=True)
class Parcel:
    """Weight in ounces and, when known, size in inches (EasyPost's units)."""

    weight_oz: Decimal
    length_in: Decimal | None = None
    width_in: Decimal | None = None
    height_in: Decimal | None = None

    @classmethod
    def parse(cls, text: str) -> "Parcel":
        """'12 oz 9x6x2 in', '1.5 lb', '340 g 23x15x5 cm' -> Parcel; DomainError says how to write it."""
        m = _PARCEL.match(text or "")
        if not m:
            raise DomainError(f"parcel '{text}' should look like '12 oz 9x6x2 in' (weight, then optional size)")
        try:
            weight = Decimal(m["w"]) * _WEIGHT[m["wu"].lower()]
            if not m["l"]:
                return cls(weight.quantize(Decimal("0.1")))
            unit = _LENGTH[(m["lu"] or "in").lower()]
            dims = [(Decimal(m[k]) * unit).quantize(Decimal("0.1")) for k in ("l", "wd", "h")]
        except (InvalidOperation, KeyError) as exc:
            raise DomainError(f"parcel '{text}' has a number I can't read") from exc
        if weight <= 0 or min(dims) <= 0:
            raise DomainError(f"parcel '{text}' needs a weight and sizes above zero")
        return cls(weight.quantize(Decimal("0.1")), *dims)

    def plus(self, other: "Parcel") -> "Parcel":
        """Two things in one box: weights add, the box is the larger of each side, heights stack."""
        if self.length_in is None or other.length_in is None:
            return Parcel(self.weight_oz + other.weight_oz)
        return Parcel(self.weight_oz + other.weight_oz, max(self.length_in, other.length_in),
                      max(self.width_in, other.width_in), self.height_in + other.height_in)

    def times(self, quantity: int) -> "Parcel":
        """`quantity` of the same item packed together."""
        result = self
        for _ in range(max(1, quantity) - 1):
            result = result.plus(self)
        return result

    def shown(self) -> str:
        """'12.0 oz 9.0x6.0x2.0 in'."""
        size = f" {self.length_in}x{self.width_in}x{self.height_in} in" if self.length_in is not None else ""
        return f"{self.weight_oz} oz{size}"


@dataclass(frozen=True)
class AddressCheck:
    """What the carrier's address verification said about a Ship To."""

    deliverable: bool
    corrected: Address | None = None  # set only when the verified form differs from what we sent
    message: str = ""  # plain words for Sync: what is wrong, or what was corrected


@dataclass(frozen=True)
class Label:
    """A bought label: who carries it, its tracking number, where its file is and what it cost."""

    shipment_id: str
    carrier: str
    service: str
    tracking: str
    label_url: str
    postage: Money
    refund_status: str = ""  # "", "submitted", "refunded" or "rejected"

    def postage_shown(self) -> str:
        """'$5.40 USPS GroundAdvantage', as the Postage column shows it."""
        return f"{self.postage.display()} {self.carrier} {self.service}".strip()
