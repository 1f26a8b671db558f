"""What to send, and when: pure decisions over pending alerts (no I/O).

One alert per event; a burst becomes one digest; quiet hours hold everything but
possible duplicates (those can't wait: the second jacket may be started tonight);
a duplicate pair decided before its alert went out is not alerted.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from automations.alert_store import KINDS, Alert

DIGEST_AT = 4  # this many alerts (or more) in one go become one digest
GATHER_SECONDS = 10  # wait this long after the newest alert, so a burst becomes one digest…
MAX_WAIT_SECONDS = 45  # …but never keep the oldest waiting longer than this


@dataclass(frozen=True)
class Message:
    """One message to every destination, and the alerts it carries."""

    title: str
    body: str
    alert_ids: tuple[int, ...]


@dataclass(frozen=True)
class Plan:
    """This round's messages, alerts to drop, and how many are held for quiet hours."""

    messages: tuple[Message, ...]
    drop: tuple[int, ...]
    held: int


def parse_quiet(text: str) -> tuple[time, time] | None:
    """'21:00-07:00' -> (21:00, 07:00); empty or malformed -> None (no quiet hours)."""
    try:
        start, end = (part.strip() for part in (text or "").split("-", 1))
        return time.fromisoformat(start), time.fromisoformat(end)
    except ValueError:
        return None


def in_quiet_hours(now: datetime, quiet: tuple[time, time] | None, tz: str = "UTC") -> bool:
    """Is `now` inside the quiet window (in the seller's time zone; windows may cross midnight)?"""
    if quiet is None:
        return False
    local = now.astimezone(ZoneInfo(tz)).time()
    start, end = quiet
    return start <= local < end if start <= end else (local >= start or local < end)


def plan(alerts: list[Alert], now: datetime, quiet: tuple[time, time] | None, tz: str,
         decided: set[str], sheet_url: str = "") -> Plan:
    """Decide this round: drop decided duplicates, hold non-duplicates in quiet hours, digest a burst."""
    drop = tuple(a.id for a in alerts if a.kind == "duplicate" and a.key in decided)
    live = [a for a in alerts if a.id not in drop]
    quiet_now = in_quiet_hours(now, quiet, tz)
    send = [a for a in live if not quiet_now or a.kind == "duplicate"]
    held = len(live) - len(send)
    link = f"\n\nOpen the sheet: {sheet_url}" if sheet_url else ""
    ages = [(now - datetime.fromisoformat(a.created_at)).total_seconds() for a in send]
    if send and min(ages) < GATHER_SECONDS and max(ages) < MAX_WAIT_SECONDS and not any(a.repeat for a in send):
        return Plan((), drop, held + len(send))  # more may be coming: gather them into one message
    if not send:
        return Plan((), drop, held)
    if len(send) < DIGEST_AT:
        messages = tuple(Message(_title(a), _mark(a) + a.text + link, (a.id,)) for a in send)
        return Plan(messages, drop, held)
    counts: dict[str, int] = {}
    for a in send:
        counts[a.kind] = counts.get(a.kind, 0) + 1
    parts = [f"{n} {KINDS.get(k, k)}{'s' if n > 1 else ''}" for k, n in counts.items()]
    body = "\n".join(f"• {_mark(a)}{a.text}" for a in send[:30])
    if len(send) > 30:
        body += f"\n…and {len(send) - 30} more in the sheet."
    title = f"TrueCraft: {len(send)} things need you: " + ", ".join(parts)
    return Plan((Message(title, body + link, tuple(a.id for a in send)),), drop, held)


def _title(alert: Alert) -> str:
    return "TrueCraft: " + {"duplicate": "possible duplicate order", "push_failed": "a platform refused a shipment",
                            "label_failed": "a label purchase failed", "low_stock": "low stock",
                            "sheet_down": "the sheet can't be reached"}.get(alert.kind, "needs you")


def _mark(alert: Alert) -> str:
    return "(repeat — this may have reached you already) " if alert.repeat else ""
