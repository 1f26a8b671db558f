"""Fixtures for the EasyPost connector tests: a started stand-in and a connector pointed at it."""
from __future__ import annotations

import pytest

from connectors.easypost.connector import EasyPostConnector
from core.labels import Parcel
from core.models import Address
from tests.standin.easypost import TEST_KEY, EasyPostStandin

SHIP_FROM = Address("Clay & Co", "388 Townsend St", "Apt 20", "San Francisco", "CA", "94107", "US")
SHIP_TO = Address("Ann Lee", "500 Market St", "Apt 9", "San Francisco", "CA", "94105", "US")
MUG = Parcel.parse("12 oz 9x6x2 in")


class Sleeps(list):
    """An injectable sleep that never waits and remembers what it was asked."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def easypost():
    """A started EasyPost stand-in."""
    standin = EasyPostStandin().start()
    yield standin
    standin.stop()


@pytest.fixture
def sleeps() -> Sleeps:
    """Records the waits the connector asked for."""
    return Sleeps()


@pytest.fixture
def connect(easypost, sleeps):
    """Build a connector on the stand-in: connect(services=..., key=...)."""
    def build(services: tuple[tuple[str, str], ...] = (), key: str = TEST_KEY) -> EasyPostConnector:
        """A connector for the stand-in with these services and key."""
        return EasyPostConnector(key, f"{easypost.url}/v2", services=services, sleep=sleeps)
    return build
