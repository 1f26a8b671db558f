"""Push a write to a platform exactly once, even when a response is lost.

The HTTP layer must not blindly resend a non-idempotent POST: if the platform
stored it but the answer was lost (a 502 after commit), a resend creates a second
fulfilment. So writes go out with a single attempt, and before every attempt we
ask the platform whether the write already landed.
"""
from __future__ import annotations

from typing import Callable, TypeVar

from connectors.base import ConnectorTemporaryError
from core.http import RetryPolicy

T = TypeVar("T")


def write_once(find_existing: Callable[[], T | None], create: Callable[[], T],
               policy: RetryPolicy) -> tuple[T, bool]:
    """Return (result, already_done): the existing write if there is one, else create it once."""
    last: ConnectorTemporaryError | None = None
    for attempt in range(max(1, policy.attempts)):
        existing = find_existing()
        if existing is not None:
            # attempt > 0 means our own earlier try landed despite the error answer.
            return existing, attempt == 0
        try:
            return create(), False
        except ConnectorTemporaryError as exc:
            last = exc
            if attempt < policy.attempts - 1:
                policy.sleep(policy.delay(attempt, None))
    assert last is not None
    raise last


def single_attempt(policy: RetryPolicy) -> RetryPolicy:
    """A copy of `policy` that sends once (for writes guarded by write_once)."""
    return RetryPolicy(attempts=1, base=policy.base, cap=policy.cap, timeout=policy.timeout,
                       sleep=policy.sleep)
