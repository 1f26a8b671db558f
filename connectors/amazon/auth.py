"""Login with Amazon (LWA): trade the refresh token for an access token, cached until shortly before it expires."""
from __future__ import annotations

import logging
import threading
import time
from typing import Callable

import requests

from connectors.base import ConnectorAuthError, ConnectorTemporaryError

log = logging.getLogger("truecraft.amazon")

DEFAULT_LWA_URL = "https://api.amazon.com"
AUTH_MESSAGE = "reconnect Amazon: the access was revoked or expired"
# Refresh this long before expiry so a token never dies mid-request.
EXPIRY_MARGIN_SECONDS = 60.0


class LwaTokens:
    """Thread-safe access-token cache in front of POST {lwa}/auth/o2/token (grant_type=refresh_token)."""

    def __init__(self, client_id: str, client_secret: str, refresh_token: str,
                 session: requests.Session, lwa_url: str = DEFAULT_LWA_URL,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.client_id, self.client_secret, self.refresh_token = client_id, client_secret, refresh_token
        self.session = session
        self.url = f"{(lwa_url or DEFAULT_LWA_URL).rstrip('/')}/auth/o2/token"
        self.clock = clock
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()

    def access_token(self) -> str:
        """A valid access token, exchanging the refresh token only when the cached one is (nearly) expired."""
        with self._lock:
            if self._token and self.clock() < self._expires_at:
                return self._token
            self._token, lifetime = self._exchange()
            self._expires_at = self.clock() + max(0.0, lifetime - EXPIRY_MARGIN_SECONDS)
            return self._token

    def forget(self) -> None:
        """Drop the cached token (after Amazon refused it)."""
        with self._lock:
            self._token, self._expires_at = None, 0.0

    def _exchange(self) -> tuple[str, float]:
        form = {"grant_type": "refresh_token", "refresh_token": self.refresh_token,
                "client_id": self.client_id, "client_secret": self.client_secret}
        try:
            resp = self.session.post(self.url, data=form)
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise ConnectorTemporaryError(
                "Amazon's login service didn't answer — TrueCraft will try again on the next sync") from exc
        if resp.status_code in (400, 401, 403):
            # invalid_grant / invalid_client: the seller revoked the app or the secret rotated.
            log.warning("LWA refused the refresh token: %s", resp.text[:300])
            raise ConnectorAuthError(AUTH_MESSAGE)
        if resp.status_code >= 300:
            raise ConnectorTemporaryError(
                "Amazon's login service is unavailable right now — TrueCraft will try again on the next sync")
        data = resp.json()
        return data["access_token"], float(data.get("expires_in", 3600))
