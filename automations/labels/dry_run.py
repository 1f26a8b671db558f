"""Labels without an EasyPost key, for the demo: show what would be bought, buy nothing."""
from __future__ import annotations

from core.labels import AddressCheck, Label, Parcel
from core.models import Address


class DryRunLabels:
    """The EasyPost connector's interface; every request is only written down."""

    dry_run = True

    def __init__(self) -> None:
        self.requests: list[dict] = []

    def verify(self, address: Address) -> AddressCheck:
        """No verification without a key: the address is taken as typed."""
        return AddressCheck(True)

    def create_shipment(self, reference: str, ship_from: Address, ship_to: Address, parcel: Parcel,
                        from_phone: str = "", to_phone: str = "") -> str:
        """Write down the shipment EasyPost would be asked for."""
        # Phones are only said to be there: a dry run's record is shown, and phones are personal.
        self.requests.append({"method": "POST", "url": "https://api.easypost.com/v2/shipments", "body": {
            "shipment": {"reference": reference,
                         "from_address": {"city": ship_from.city, "phone": "(given)" if from_phone else ""},
                         "to_address": {"city": ship_to.city, "zip": ship_to.postal_code,
                                        "phone": "(given)" if to_phone else ""},
                         "parcel": {"weight": float(parcel.weight_oz)}}}})
        return f"dry-run-{len(self.requests)}"

    def buy(self, shipment_id: str) -> Label:
        """Never reached: the flow stops before buying in a dry run."""
        raise RuntimeError("a dry run never buys")

    def retrieve(self, shipment_id: str):
        """Nothing was bought."""
        return None

    def refund(self, shipment_id: str) -> str:
        """Nothing to refund."""
        return "refunded"

    def print_batch(self, shipment_ids) -> str:
        """Nothing to print."""
        return ""
