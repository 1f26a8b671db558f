"""The Flask app: thin webhook endpoints (verify, journal, acknowledge) and /healthz.

Nothing slow happens before the acknowledgement: the raw body is verified,
stored durably (in the journal, or under `serve` in the web process's own
inbox, webhooks.inbox), and the platform gets its 2xx. Mapping and fetching
happen later in webhooks.processor, driven by the serve loop.
"""
from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from typing import Any, Callable, Mapping

import orjson
from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from automations.alert_store import pending_count
from core.journal import Journal
from core.models import Platform
from webhooks import handlers
from webhooks.handlers import Rejected
from webhooks.intake import GroupCommitter

log = logging.getLogger("truecraft.webhooks")

HEALTH_TTL_SECONDS = 1.0
MAX_BODY_BYTES = 1024 * 1024  # platform order payloads are a few KB; 1 MiB is generous
OnEvent = Callable[[str], None]


def _env(settings: Any) -> Mapping[str, str]:
    env = getattr(settings, "env", None)
    return env if env is not None else os.environ


def _reply(status: int, **fields: Any) -> Response:
    # orjson rather than jsonify: this is on every acknowledgement, and it is a fixed tiny object.
    return Response(orjson.dumps(fields, option=orjson.OPT_APPEND_NEWLINE), status,
                    mimetype="application/json")


def create_app(journal: Journal, settings: Any, on_event: OnEvent | None = None,
               inbox: Any = None) -> Flask:
    """Build the webhook app around a journal; on_event(source) is told of each new event.

    inbox: a webhooks.inbox.Inbox — events go there instead of the journal (the jobs process
    copies them over), so acknowledging never waits for the journal's write lock.
    """
    app = Flask("truecraft.webhooks")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    env = _env(settings)
    # Concurrent deliveries share one durable commit; each still waits for its own.
    writer = GroupCommitter(inbox if inbox is not None else journal)
    app.extensions["truecraft.intake"] = writer

    def intake(source: str) -> Response:
        body = request.get_data(cache=False)
        try:
            got = handlers.INTAKES[source](request.headers, body, env)
        except Rejected as exc:
            log.warning("refused a %s webhook (%d): %s", source, exc.status, exc.message)
            return _reply(exc.status, ok=False, error=exc.message)
        if not got.store:
            log.info("ignored %s topic '%s' — TrueCraft does not act on it", source, got.topic[:80])
            return _reply(200, ok=True, ignored=True)
        try:
            new = writer.record(got.source, got.event_id, got.topic, got.body)
        except sqlite3.Error as exc:
            # Temporary: the sender retries, and nothing was acknowledged.
            log.error("could not store a %s webhook (%s); asked the sender to retry", source,
                      type(exc).__name__)
            return _reply(503, ok=False, error="temporarily unable to store the event, retry later")
        if new:
            health_cache.invalidate()
        if new and on_event is not None:  # sent after the commit: the woken pass finds the event
            try:
                on_event(got.source)
            except Exception as exc:  # the event is stored; the next cycle will handle it
                log.error("after storing a %s event the wake-up failed: %s", source, type(exc).__name__)
        return _reply(200, ok=True, duplicate=not new)

    for name in handlers.INTAKES:
        app.add_url_rule(f"/webhooks/{name}", f"webhook_{name}",
                         (lambda n: lambda: intake(n))(name), methods=["POST"])

    health_cache = HealthCache(journal, inbox)
    app.extensions["truecraft.health"] = health_cache

    @app.get("/healthz")
    def healthz() -> Response:
        status, body = health_cache.reply()
        return Response(body, status, mimetype="application/json")

    if os.environ.get("TRUECRAFT_BENCH_CEILING") == "1":
        # Hidden bare endpoint for bench/webhook_load.py: the server's own ceiling.
        @app.post("/_bench/ceiling")
        def ceiling() -> Response:
            request.get_data(cache=False)
            return Response("", 200)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        if exc.code == 413:
            message = f"the body is larger than {MAX_BODY_BYTES // 1024} KB"
        else:
            message = exc.description or exc.name
        return _reply(exc.code or 400, ok=False, error=message)

    return app


class HealthCache:
    """/healthz for anyone: computed at most once a second, from indexed counts; memory in between.

    `serve` answers GET /healthz from here before Flask runs, so a crowd of anonymous
    pollers costs each request a dict lookup, never a journal read.
    """

    def __init__(self, journal: Journal, inbox: Any = None) -> None:
        self.journal, self.inbox = journal, inbox
        self._at, self._reply = -1.0, (200, b"")
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        """Something /healthz counts changed (an event was stored): recompute on the next call."""
        self._at = -1.0

    def reply(self) -> tuple[int, bytes]:
        """(status, JSON body), fresh to within HEALTH_TTL_SECONDS."""
        now = time.monotonic()
        with self._lock:
            if now - self._at >= HEALTH_TTL_SECONDS:
                try:
                    self._reply = 200, orjson.dumps(health(self.journal, self.inbox))
                except sqlite3.Error:
                    self._reply = 503, orjson.dumps({"ok": False, "error": "the journal cannot be read"})
                self._at = now
            return self._reply


def health(journal: Journal, inbox: Any = None) -> dict:
    """Backlog, last sheet write, last poll per platform, pending events — never a secret."""
    count = lambda sql: journal.execute(sql).fetchone()[0]  # noqa: E731
    polls = {p.value: journal.kv_get(f"health:last_poll:{p.value}")
             for p in Platform if p is not Platform.MANUAL}
    pending = (inbox.pending(journal) if inbox is not None  # + inbox rows not copied yet
               else count("SELECT COUNT(*) FROM events WHERE state='new'"))
    return {
        "ok": True,
        "backlog": journal.backlog(),
        "events_pending": pending,
        "events_failed": count("SELECT COUNT(*) FROM events WHERE state='failed'"),
        "events_waiting_retry": journal.waiting_events(),  # reason -> how many
        "alerts_pending": pending_count(journal),
        "last_sheet_write": journal.kv_get("health:last_sheet_write"),
        "sheet_status": journal.kv_get("health:sheet_status"),
        "last_poll": polls,
    }
