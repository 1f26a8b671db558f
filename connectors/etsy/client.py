"""Etsy Open API v3 over HTTP: api key + OAuth2 bearer, token refresh, rate-limit headers, errors.

Etsy rotates the refresh token on every refresh, so the new pair is handed to
`token_store` at once (the old refresh token is dead from then on). Etsy also
counts requests per second and per day and says what is left in
x-remaining-this-second / x-remaining-today: at 0 per second we pause a second
(through the injectable sleep); at 0 for the day we stop with a plain message.
"""
from __future__ import annotations

import contextlib
import logging
from typing import Any, Callable

import requests
from filelock import FileLock

from connectors.base import ConnectorAuthError, ConnectorRejected, ConnectorTemporaryError
from connectors.idempotent import single_attempt
from core.http import RetryPolicy, build_session

log = logging.getLogger("truecraft.etsy")

AUTH_MESSAGE = "reconnect Etsy: the access was revoked or expired"
BUSY_MESSAGE = "Etsy is busy or unreachable right now; TrueCraft will try again on the next sync"
DAILY_LIMIT_MESSAGE = ("Etsy's daily request limit for this app is used up; "
                       "TrueCraft will fetch Etsy orders again tomorrow")
ACCESS_KEY, REFRESH_KEY = "etsy.access_token", "etsy.refresh_token"


class EtsyDailyLimitReached(ConnectorTemporaryError):
    """x-remaining-today reached 0: no more Etsy requests today."""


class TokenStore:
    """Adapter over a journal-like object (kv_get/kv_set) or a plain callable(key, value)."""

    def __init__(self, target: Any = None) -> None:
        self.target = target

    def get(self, key: str) -> str | None:
        """A stored token, if the store can read."""
        getter = getattr(self.target, "kv_get", None)
        return getter(key) if getter else None

    def lock(self):
        """A lock every TrueCraft process on this journal shares (a file beside it), else a no-op."""
        path = getattr(self.target, "path", None)
        if not path or path == ":memory:":
            return contextlib.nullcontext()
        return FileLock(str(path) + ".etsy-token.lock", timeout=60)

    def put(self, key: str, value: str) -> None:
        """Persist a token."""
        if self.target is None:
            return
        setter = getattr(self.target, "kv_set", None) or self.target
        setter(key, value)


class EtsyClient:
    """Authenticated JSON requests to one Etsy shop's API."""

    def __init__(self, base_url: str, api_key: str, access_token: str, refresh_token: str = "",
                 token_store: Any = None, policy: RetryPolicy | None = None,
                 sleep: Callable[[float], None] | None = None) -> None:
        self.base = base_url.rstrip("/")
        self.policy = policy or RetryPolicy.from_env()
        self.sleep = sleep or self.policy.sleep
        self.api_key = api_key
        self.store = TokenStore(token_store)
        # A token refreshed in an earlier run beats the (now dead) one in the environment.
        self.access_token = self.store.get(ACCESS_KEY) or access_token
        self.refresh_token = self.store.get(REFRESH_KEY) or refresh_token
        self._read = build_session(self.policy)
        self._write = build_session(single_attempt(self.policy))
        self.remaining_second: int | None = None
        self.remaining_today: int | None = None

    def get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """GET a JSON resource under /v3/application."""
        return self._request("GET", path, params=params)

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST JSON once (callers guard writes with connectors.idempotent.write_once)."""
        return self._request("POST", path, json=body)

    def _request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        used = self.access_token
        resp = self._send(method, path, **kwargs)
        if resp.status_code == 401 and self.refresh_token:
            self.refresh(expired=used)
            resp = self._send(method, path, **kwargs)
        if resp.status_code in (401, 403):
            raise ConnectorAuthError(AUTH_MESSAGE)
        if resp.status_code == 429 or resp.status_code >= 500:
            raise ConnectorTemporaryError(f"{BUSY_MESSAGE} (it answered {resp.status_code})")
        if resp.status_code >= 400:
            raise ConnectorRejected(f"Etsy refused the request ({resp.status_code}): {_error_text(resp)}")
        try:
            return resp.json() if resp.content else {}
        except ValueError:
            raise ConnectorTemporaryError(f"{BUSY_MESSAGE} (the answer was not JSON)") from None

    def _send(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        if self.remaining_today == 0:
            raise EtsyDailyLimitReached(DAILY_LIMIT_MESSAGE)
        if self.remaining_second == 0:
            self.sleep(1.0)  # Etsy's per-second window; one second is always enough
        session = self._write if method != "GET" else self._read
        headers = {"x-api-key": self.api_key, "Authorization": f"Bearer {self.access_token}"}
        try:
            resp = session.request(method, f"{self.base}{path}", headers=headers, **kwargs)
        except (requests.ConnectionError, requests.Timeout):
            raise ConnectorTemporaryError(BUSY_MESSAGE) from None
        self._note_limits(resp)
        if resp.status_code == 429 and self.remaining_today == 0:
            raise EtsyDailyLimitReached(DAILY_LIMIT_MESSAGE)
        return resp

    def _note_limits(self, resp: requests.Response) -> None:
        self.remaining_second = _int_header(resp, "x-remaining-this-second")
        self.remaining_today = _int_header(resp, "x-remaining-today")
        if self.remaining_today == 0:
            log.warning("Etsy daily request limit reached")

    def refresh(self, expired: str | None = None) -> None:
        """Get a working access token: another process's fresh one if it refreshed, else refresh once.

        Etsy rotates the refresh token on every use, so two processes (serve and a
        `sync --once`) must not both refresh with the same one: the second would send a
        dead token and be told to reconnect. They share the tokens through the journal,
        under a lock, and whoever comes second takes the pair the first one stored.
        """
        with self.store.lock():
            stored_access, stored_refresh = self.store.get(ACCESS_KEY), self.store.get(REFRESH_KEY)
            if stored_access and stored_access != (expired or self.access_token):
                self.access_token = stored_access
                self.refresh_token = stored_refresh or self.refresh_token
                return
            if stored_refresh:
                self.refresh_token = stored_refresh
            self._refresh_now()

    def _refresh_now(self) -> None:
        """Trade the refresh token for a new pair and persist both (never logged)."""
        client_id = self.api_key.split(":", 1)[0]  # the keystring part of keystring:secret
        try:
            resp = self._read.post(f"{self.base}/v3/public/oauth/token", data={
                "grant_type": "refresh_token", "client_id": client_id,
                "refresh_token": self.refresh_token})
        except (requests.ConnectionError, requests.Timeout):
            raise ConnectorTemporaryError(BUSY_MESSAGE) from None
        if resp.status_code >= 500 or resp.status_code == 429:
            raise ConnectorTemporaryError(f"{BUSY_MESSAGE} (it answered {resp.status_code})")
        if resp.status_code != 200:
            raise ConnectorAuthError(AUTH_MESSAGE)
        tokens = resp.json()
        self.access_token = tokens["access_token"]
        self.refresh_token = tokens.get("refresh_token") or self.refresh_token
        self.store.put(ACCESS_KEY, self.access_token)
        self.store.put(REFRESH_KEY, self.refresh_token)
        log.info("Etsy access token refreshed")


def _int_header(resp: requests.Response, name: str) -> int | None:
    try:
        return int(resp.headers[name])
    except (KeyError, ValueError):
        return None


def _error_text(resp: requests.Response) -> str:
    try:
        body = resp.json()
        return str(body.get("error") or body)[:200]
    except ValueError:
        return resp.text[:200]
