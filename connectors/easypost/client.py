"""EasyPost over HTTP through the official `easypost` client: auth, base URL, error translation.

Every call returns plain dicts (the client's objects turned into JSON data) or raises a
connectors.base error whose message is plain words. Writes are sent once: the client's own
adapter only retries connections that never reached EasyPost, and the connector looks a
shipment up before any buy (FACTS.md 4: a blind retry of a lost answer doubles the write).
"""
from __future__ import annotations

import logging
from typing import Any, Callable

import easypost
from easypost.errors import ApiError, EasyPostError, HttpError, JsonError, TimeoutError as EasyPostTimeout

from connectors.base import ConnectorAuthError, ConnectorRejected, ConnectorTemporaryError
from connectors.easypost.mapping import error_message

log = logging.getLogger("truecraft.easypost")

DEFAULT_API_BASE = "https://api.easypost.com/v2"
AUTH_MESSAGE = ("EasyPost refused the API key — check EASYPOST_API_KEY (copy it again from EasyPost's "
                "dashboard, API Keys)")
BUSY_MESSAGE = "EasyPost is busy or unreachable right now; TrueCraft will try again on the next sync"


class EasyPostHTTP:
    """The official client, pointed at one account and base URL, speaking connectors.base errors."""

    def __init__(self, api_key: str, api_base: str | None = None, timeout: float = 30.0) -> None:
        self.api_base = (api_base or DEFAULT_API_BASE).rstrip("/")
        self.client = easypost.EasyPostClient(api_key, api_base=self.api_base, timeout=timeout)

    def call(self, what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run one client call; `what` names it in plain words ('buy the label'); returns plain data."""
        try:
            result = fn(*args, **kwargs)
        except (EasyPostTimeout, HttpError) as exc:
            # No answer (timeout, connection reset): the request may still have landed.
            log.warning("EasyPost %s: no answer (%s)", what, type(exc).__name__)
            raise ConnectorTemporaryError(BUSY_MESSAGE) from None
        except ApiError as exc:
            raise _translate(what, exc) from None
        except EasyPostError as exc:
            raise ConnectorRejected(f"EasyPost could not {what}: {exc.message}") from None
        return _plain(result)


def _translate(what: str, exc: ApiError) -> Exception:
    """An EasyPost error answer as the connectors.base error a seller can act on."""
    status = exc.http_status or 0
    if isinstance(exc, JsonError) or status == 0:
        # Not JSON: a proxy's error page, or an answer cut short. The write may have landed.
        log.warning("EasyPost %s: answer was not JSON (status %s)", what, status or "unknown")
        return ConnectorTemporaryError(BUSY_MESSAGE)
    if status in (401, 403):
        return ConnectorAuthError(AUTH_MESSAGE)
    if status in (408, 429) or status >= 500:
        return ConnectorTemporaryError(f"{BUSY_MESSAGE} (it answered {status})")
    body = getattr(exc, "json_body", None)
    error = body.get("error") if isinstance(body, dict) else None
    return ConnectorRejected(error_message(what, error if isinstance(error, dict) else {}, status))


def _plain(value: Any) -> Any:
    """The client's EasyPostObject (or list of them) as plain dicts and lists."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
