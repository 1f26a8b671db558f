"""The one place that builds HTTP sessions: timeouts, bounded retries with jitter, Retry-After, budgets.

Every connector and the Google Sheets backend go through here, so retry and
quota behaviour is decided once. 4xx other than 429 fail at once; 429, 5xx and
connection errors are retried a bounded number of times — but a request that is
not idempotent (a Sheets values.append, say: FACTS 4) is never resent once it may
have reached the server: a lost answer raises OutcomeUnknown and the caller looks
before it writes again.
"""
from __future__ import annotations

import logging
import os
import random
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Callable

import requests

log = logging.getLogger("truecraft.http")

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


@dataclass
class RetryPolicy:
    """How hard to try: attempts, backoff base and cap (seconds), and the per-request timeout."""

    attempts: int = 6
    base: float = 1.0
    cap: float = 32.0
    timeout: float = 30.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    @classmethod
    def from_env(cls) -> "RetryPolicy":
        """Policy with TRUECRAFT_RETRY_ATTEMPTS / _BASE_SECONDS / _CAP_SECONDS / TRUECRAFT_HTTP_TIMEOUT."""
        env = os.environ.get
        return cls(attempts=int(env("TRUECRAFT_RETRY_ATTEMPTS", "6")),
                   base=float(env("TRUECRAFT_RETRY_BASE_SECONDS", "1")),
                   cap=float(env("TRUECRAFT_RETRY_CAP_SECONDS", "32")),
                   timeout=float(env("TRUECRAFT_HTTP_TIMEOUT", "30")))

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Full-jitter exponential backoff, never shorter than the server's Retry-After."""
        backoff = random.uniform(0, min(self.cap, self.base * (2 ** attempt)))
        if retry_after is not None:
            return max(retry_after, backoff) if retry_after <= self.cap * 4 else self.cap * 4
        return backoff


def retry_after_seconds(resp: requests.Response) -> float | None:
    """Parse Retry-After (seconds or an HTTP date)."""
    value = resp.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


class OutcomeUnknown(requests.ConnectionError):
    """A non-idempotent request was sent but no answer came back: it may or may not have been applied."""


def reached_server(exc: requests.RequestException) -> bool:
    """False only when the request surely never left (connection refused, connect timeout)."""
    if isinstance(exc, requests.ConnectTimeout):
        return False
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)
    return type(reason).__name__ not in ("NewConnectionError", "NameResolutionError", "ConnectTimeoutError")


class RequestBudget:
    """Sliding-window limiter: at most `per_minute` requests in any 60 s (thread-safe)."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep, window: float = 61.0) -> None:
        # 61 s, not 60: a request counted at the end of one window can reach Google a moment
        # later than one counted at its start, and Google's own window must still see <= budget.
        self.per_minute = per_minute
        self.window = window
        self.clock, self.sleep = clock, sleep
        self._stamps: deque[float] = deque()
        self._lock = threading.Lock()
        self.waited = 0.0

    def acquire(self) -> None:
        """Block until one more request fits in the budget, then count it."""
        while True:
            with self._lock:
                now = self.clock()
                while self._stamps and now - self._stamps[0] >= self.window:
                    self._stamps.popleft()
                if len(self._stamps) < self.per_minute:
                    self._stamps.append(now)
                    return
                wait = self.window - (now - self._stamps[0]) + 0.01
            log.info("Sheets request budget reached; waiting %.1fs", wait)
            self.waited += wait
            self.sleep(wait)

    def used(self) -> int:
        """Requests counted in the current window."""
        with self._lock:
            now = self.clock()
            return sum(1 for s in self._stamps if now - s < self.window)


class RetryingMixin:
    """Adds default timeout, budget and bounded retries to a requests.Session's request()."""

    policy: RetryPolicy
    budget: RequestBudget | None
    on_retry: Callable[[str, int | str, float], None] | None = None

    def is_idempotent(self, method: str, url: str, kwargs: dict) -> bool:
        """Whether sending this request twice has the same effect as once (subclasses narrow it)."""
        return True

    def request(self, method, url, *args, **kwargs):  # noqa: D401 - requests API
        """Send with retries on 429/5xx/connection errors; return the final response."""
        kwargs.setdefault("timeout", self.policy.timeout)
        idempotent = self.is_idempotent(method, url, kwargs)
        last_exc: Exception | None = None
        for attempt in range(self.policy.attempts):
            if self.budget is not None:
                self.budget.acquire()
            try:
                resp = super().request(method, url, *args, **kwargs)
            except (requests.ConnectionError, requests.Timeout) as exc:
                if not idempotent and reached_server(exc):
                    raise OutcomeUnknown(f"{method} {_strip_query(url)}: no answer ({type(exc).__name__}); "
                                         "it may have been applied") from exc
                last_exc, reason, wait = exc, type(exc).__name__, self.policy.delay(attempt, None)
            else:
                # A 5xx to a non-idempotent write may come after it was applied: hand it back.
                final = attempt == self.policy.attempts - 1 or (not idempotent and resp.status_code != 429)
                if resp.status_code not in RETRYABLE_STATUS or final:
                    return resp
                reason, wait = resp.status_code, self.policy.delay(attempt, retry_after_seconds(resp))
                last_exc = None
            if attempt == self.policy.attempts - 1:
                break
            log.warning("%s %s answered %s; retrying in %.1fs (attempt %d of %d)", method,
                        _strip_query(url), reason, wait, attempt + 1, self.policy.attempts)
            if self.on_retry:
                self.on_retry(url, reason, wait)
            self.policy.sleep(wait)
        assert last_exc is not None
        raise last_exc


class TrueCraftSession(RetryingMixin, requests.Session):
    """A requests.Session with TrueCraft's timeouts and retry policy."""

    def __init__(self, policy: RetryPolicy | None = None, budget: RequestBudget | None = None,
                 user_agent: str = "TrueCraft/1.0") -> None:
        super().__init__()
        self.policy = policy or RetryPolicy.from_env()
        self.budget = budget
        self.headers["User-Agent"] = user_agent


def build_session(policy: RetryPolicy | None = None, budget: RequestBudget | None = None) -> TrueCraftSession:
    """A session for talking to a platform API."""
    return TrueCraftSession(policy, budget)


def _strip_query(url: str) -> str:
    # Query strings can carry tokens (Etsy api keys in some SDKs); never log them.
    return url.split("?", 1)[0]
