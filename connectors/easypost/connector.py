"""EasyPost as TrueCraft's label seller: verify an address, create a shipment, buy its cheapest
allowed rate exactly once, refund it, and gather bought labels into one PDF.

One label per order: `buy` always looks the shipment up first and returns the label it already
has (bought before a crash, or by a buy whose answer was lost), so a retried buy never pays twice
(FACTS.md 4 and 10). The API key is never logged.
"""
from __future__ import annotations

import logging
from typing import Callable, Mapping

from connectors.base import ConnectorError, ConnectorRejected, ConnectorTemporaryError
from connectors.easypost import mapping
from connectors.easypost.client import EasyPostHTTP
from core.http import RetryPolicy
from core.labels import AddressCheck, Label, Parcel
from core.models import Address

log = logging.getLogger("truecraft.easypost")

# How long print_batch waits for EasyPost to render a batch PDF (it is made in the background):
# the waits between looks, in seconds (about a minute in all).
BATCH_LABEL_WAITS = (1.0, 2.0, 3.0, 5.0, 8.0, 10.0, 15.0, 15.0)


class EasyPostConnector:
    """One EasyPost account (test or live key) buying labels in one format and size."""

    def __init__(self, api_key: str, api_base: str | None = None, services: tuple[tuple[str, str], ...] = (),
                 label_format: str = "PDF", label_size: str = "4x6",
                 sleep: Callable[[float], None] | None = None, timeout: float | None = None) -> None:
        policy = RetryPolicy.from_env()
        self.http = EasyPostHTTP(api_key, api_base, timeout=timeout or policy.timeout)
        self.mode = "test" if api_key.startswith("EZTK") else "live"
        self.services = tuple(services)
        self.label_format = label_format.upper()
        self.label_size = label_size
        self.sleep = sleep if sleep is not None else policy.sleep  # injectable: tests never wait

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "EasyPostConnector | None":
        """From EASYPOST_API_KEY (None when unset), EASYPOST_API_URL, TRUECRAFT_LABEL_SERVICES and _FORMAT."""
        key = (env.get("EASYPOST_API_KEY") or "").strip()
        if not key:
            return None
        fmt, size = parse_label_format(env.get("TRUECRAFT_LABEL_FORMAT") or "")
        return cls(key, (env.get("EASYPOST_API_URL") or "").strip() or None,
                   parse_services(env.get("TRUECRAFT_LABEL_SERVICES") or ""), fmt, size)

    def check_key(self) -> str:
        """One cheap read (list one address); 'test' or 'live', or ConnectorAuthError for a bad key."""
        self.http.call("read your addresses", self.http.client.address.all, page_size=1)
        return self.mode

    def verify(self, address: Address) -> AddressCheck:
        """EasyPost's address verification of a Ship To: deliverable, and the corrected form if it changed."""
        answer = self.http.call("check the address", self.http.client.address.create, verify=True,
                                **mapping.address_fields(address))
        return mapping.address_check(address, answer)

    def create_shipment(self, reference: str, ship_from: Address, ship_to: Address, parcel: Parcel,
                        from_phone: str = "", to_phone: str = "") -> str:
        """Create a shipment (which gets rates) tagged with our intent id; returns its id."""
        shp = self.http.call("create the shipment", self.http.client.shipment.create,
                             reference=reference, from_address=mapping.address_fields(ship_from, from_phone),
                             to_address=mapping.address_fields(ship_to, to_phone), parcel=mapping.parcel_fields(parcel),
                             options={"label_format": self.label_format, "label_size": self.label_size})
        return str(shp["id"])

    def retrieve(self, shipment_id: str) -> Label | None:
        """The shipment's label when one was bought, else None."""
        return mapping.label_from_shipment(self._shipment(shipment_id))

    def buy(self, shipment_id: str) -> Label:
        """Buy the cheapest allowed rate once; a shipment that already has postage returns that label."""
        shp = self._shipment(shipment_id)
        existing = mapping.label_from_shipment(shp)
        if existing is not None:
            log.info("EasyPost shipment %s already has a label; not buying again", shipment_id)
            return existing
        rate_id = self._cheapest(shp)
        try:
            bought = self.http.call("buy the label", self.http.client.shipment.buy, shipment_id,
                                    rate={"id": rate_id})
        except ConnectorError as exc:
            # The answer may be lost after the purchase landed, or a concurrent buy won: look, never resend.
            landed = self._landed(shipment_id)
            if landed is not None:
                return landed
            raise exc
        label = mapping.label_from_shipment(bought)
        if label is None:
            raise ConnectorTemporaryError("EasyPost answered the purchase without a label; TrueCraft will look "
                                          "the shipment up on the next sync")
        return label

    def quote(self, shipment_id: str) -> str:
        """What buy would buy, without buying (for dry runs): '$5.40 USPS GroundAdvantage'."""
        shp = self._shipment(shipment_id)
        return mapping.rate_shown(shp, self._cheapest(shp))

    def _cheapest(self, shp: dict) -> str:
        rate_id = mapping.cheapest_rate(shp, self.services)
        if rate_id is not None:
            return rate_id
        if not self.services:
            raise ConnectorRejected("EasyPost offered no rate for this parcel and address — check the parcel "
                                    "size on the Inventory tab and the Ship To")
        allowed = ", ".join(f"{c} {s}" for c, s in self.services)
        raise ConnectorRejected(f"none of the services you allow ({allowed}) can take this parcel; EasyPost "
                                f"offered {mapping.rates_offered(shp)} — change TRUECRAFT_LABEL_SERVICES")

    def _landed(self, shipment_id: str) -> Label | None:
        try:
            return self.retrieve(shipment_id)
        except ConnectorTemporaryError:
            return None

    def refund(self, shipment_id: str) -> str:
        """Ask EasyPost to void the label; returns refund_status ('submitted', 'refunded' or 'rejected')."""
        shp = self.http.call("refund the label", self.http.client.shipment.refund, shipment_id)
        return mapping.refund_status(shp)

    def print_batch(self, shipment_ids: list[str]) -> str:
        """One PDF holding the labels of these bought shipments (a new EasyPost batch); waits for its URL."""
        if not shipment_ids:
            raise ConnectorRejected("there are no bought labels to print")
        batch_id = self.new_batch()
        self.add_to_batch(batch_id, shipment_ids)
        url = self.request_batch_pdf(batch_id)
        for wait in (0.0, *BATCH_LABEL_WAITS):  # the first look straight away: a small PDF is quick
            if url:
                return url
            if wait:
                self.sleep(wait)
            url = self.batch_pdf(batch_id)
        if url:
            return url
        raise ConnectorTemporaryError(f"EasyPost is still making the label PDF (batch {batch_id}); "
                                      "try printing again in a minute")

    # One batch, kept in step with the labels waiting to print (automations/labels/printing.py):
    # test_batch_add_remove_shipment.yaml (create, add, remove) and test_batch_label.yaml (label, then
    # retrieve until label_url is set: EasyPost renders the PDF in the background).
    def new_batch(self) -> str:
        """An empty batch; its id."""
        return str(self.http.call("start a print batch", self.http.client.batch.create)["id"])

    def add_to_batch(self, batch_id: str, shipment_ids: list[str]) -> None:
        """Put bought shipments in the batch."""
        self.http.call("add the labels to the print batch", self.http.client.batch.add_shipments, batch_id,
                       shipments=[{"id": sid} for sid in shipment_ids])

    def remove_from_batch(self, batch_id: str, shipment_ids: list[str]) -> None:
        """Take shipments (printed or voided) out of the batch."""
        self.http.call("take labels out of the print batch", self.http.client.batch.remove_shipments, batch_id,
                       shipments=[{"id": sid} for sid in shipment_ids])

    def request_batch_pdf(self, batch_id: str) -> str | None:
        """Ask EasyPost to make the batch's PDF; its URL when already made, else None (look again later)."""
        bat = self.http.call("make the label PDF", self.http.client.batch.label, batch_id, file_format="PDF")
        return mapping.batch_label_url(bat) if bat.get("state") == "label_generated" else None

    def batch_pdf(self, batch_id: str) -> str | None:
        """The batch PDF's URL once EasyPost has made it (one look), else None."""
        bat = self.http.call("fetch the label PDF", self.http.client.batch.retrieve, batch_id)
        return mapping.batch_label_url(bat) if bat.get("state") == "label_generated" else None

    def _shipment(self, shipment_id: str) -> dict:
        return self.http.call("look up the shipment", self.http.client.shipment.retrieve, shipment_id)


def parse_services(text: str) -> tuple[tuple[str, str], ...]:
    """'USPS:GroundAdvantage, UPS:Ground' -> (('USPS', 'GroundAdvantage'), ('UPS', 'Ground')); '' -> all."""
    pairs = []
    for part in (text or "").split(","):
        carrier, _, service = part.strip().partition(":")
        if carrier.strip() and service.strip():
            pairs.append((carrier.strip(), service.strip()))
        elif part.strip():
            raise ConnectorRejected(f"TRUECRAFT_LABEL_SERVICES entry '{part.strip()}' should look like "
                                    "'USPS:GroundAdvantage' (carrier:service)")
    return tuple(pairs)


def parse_label_format(text: str) -> tuple[str, str]:
    """'PDF 4x6' (the default), 'ZPL', 'PNG 4x6' -> (format, size)."""
    words = (text or "").split()
    fmt = words[0].upper() if words else "PDF"
    if fmt not in ("PDF", "PNG", "ZPL", "EPL2"):
        raise ConnectorRejected(f"TRUECRAFT_LABEL_FORMAT '{text}' should start with PDF, PNG, ZPL or EPL2, "
                                "like 'PDF 4x6'")
    return fmt, (words[1] if len(words) > 1 else "4x6")
