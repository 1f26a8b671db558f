"""Send due alerts through apprise: one URL per destination in TRUECRAFT_ALERT_URLS.

apprise speaks e-mail (mailto://), ntfy, Telegram, Pushover, Slack, Discord and SMS
gateways, so one setting covers them all. Sending never blocks intake, the sheet or
pushes: it runs after the cycle's sheet write, and a destination that fails is
retried later with backoff while the alert stays in the journal.
"""
from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Mapping

from automations import alert_store as store
from automations.alerts import parse_quiet, plan
from core.journal import Journal, now_utc

log = logging.getLogger("truecraft.alerts")


def alert_urls(env: Mapping[str, str]) -> list[str]:
    """The destinations in TRUECRAFT_ALERT_URLS (comma, space or newline separated)."""
    return [u for u in re.split(r"[\s,]+", env.get("TRUECRAFT_ALERT_URLS") or "") if u]


def describe(url: str) -> str:
    """A destination without its secrets: 'ntfy://ntfy.sh/…', 'tgram://…'."""
    scheme, _, rest = url.partition("://")
    host = rest.rpartition("@")[2].split("/")[0].split("?")[0]
    # A server name has a dot (ntfy.sh, 127.0.0.1:8080); anything else there is a token: hide it.
    return f"{scheme}://{host}/…" if "." in host else f"{scheme}://…"


class AlertSender:
    """Delivers the journal's due alerts to every configured destination."""

    def __init__(self, journal: Journal, env: Mapping[str, str], tz: str = "UTC", sheet_url: str = "") -> None:
        self.journal, self.tz, self.sheet_url = journal, tz, sheet_url
        self.urls = alert_urls(env)
        self.quiet = parse_quiet(env.get("TRUECRAFT_ALERT_QUIET", ""))

    @property
    def configured(self) -> bool:
        """Any destination set?"""
        return bool(self.urls)

    def notify(self, title: str, body: str) -> bool:
        """One message to every destination; True when at least one took it."""
        import apprise

        sink = apprise.Apprise()
        for url in self.urls:
            if not sink.add(url):
                log.warning("alert destination %s is not a URL apprise understands", describe(url))
        return bool(len(sink)) and bool(sink.notify(title=title, body=body))

    def run(self, decided: set[str], now: datetime | None = None) -> int:
        """Send what is due now; returns how many alerts went out."""
        if not self.configured:
            return 0
        now = now or now_utc()
        due = store.due(self.journal, now)
        if not due:
            return 0
        todo = plan(due, now, self.quiet, self.tz, decided, self.sheet_url)
        if todo.drop:
            store.mark_dropped(self.journal, list(todo.drop), "decided before the alert went out")
        sent = 0
        for message in todo.messages:
            ids = list(message.alert_ids)
            store.mark_sending(self.journal, ids)
            try:
                ok = self.notify(message.title, message.body)
            except Exception as exc:  # a plugin bug must not lose the alert or stop the cycle
                log.warning("sending an alert failed (%s); will try again", type(exc).__name__)
                ok = False
            if ok:
                store.mark_sent(self.journal, ids, now)
                self.journal.audit(None, "alert sent", "", message.title[:200], "truecraft", detail=message.body[:2000])
                sent += len(ids)
            else:
                store.mark_retry(self.journal, ids, "no destination accepted it", now)
                log.warning("no alert destination accepted %r; will try again", message.title[:80])
        return sent
