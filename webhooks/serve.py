"""`serve`: the webhook endpoints on waitress plus the scheduled jobs, with a graceful stop.

This process only verifies, stores (group commit, durable) and acknowledges. It writes
only its own inbox file (webhooks.inbox), never the journal, so an acknowledgement never
waits for the jobs' write lock; the jobs process copies the inbox into the journal. The
scheduled jobs (platform polls, event processing, sheet watch, journal->sheet flush,
pending pushes) run in a child process (webhooks.worker), so they never compete with
request threads for this process's GIL; each new webhook sends the child one byte so
its row reaches the sheet in seconds, and a child that dies is restarted.
SIGTERM/SIGINT: stop accepting, let in-flight requests finish, then tell the child to
finish its pass (copying the whole inbox) and write the sheet, wait for it, close the journal,
exit 0. Every 2xx was stored before it was sent, so nothing acknowledged is lost even if the
stop is abrupt: the next start copies what the inbox still holds.
`serve(runner, ...)` called directly (tests, library use) runs the jobs on a thread instead.
"""
from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time
from typing import Any

import waitress
from waitress import wasyncore

from core.journal import Journal
from webhooks.app import MAX_BODY_BYTES, create_app
from webhooks.dispatch import WebhooksFirst
from webhooks.inbox import Inbox, inbox_path
from webhooks.jobs import Jobs
from webhooks.worker import JobsProcess, JobsStartError

log = logging.getLogger("truecraft.serve")
GRACE_SECONDS = 10.0
SWITCH_INTERVAL = 0.001  # seconds; see run()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The serve flags: --host, --port, --no-jobs, --threads."""
    parser.add_argument("--host", default=os.environ.get("TRUECRAFT_HOST") or "127.0.0.1",
                        help="address to listen on (default 127.0.0.1; env TRUECRAFT_HOST). Put a "
                             "reverse proxy or tunnel in front for HTTPS.")
    parser.add_argument("--port", type=int, default=int(os.environ.get("TRUECRAFT_PORT") or 8080),
                        help="port to listen on (default 8080; env TRUECRAFT_PORT)")
    parser.add_argument("--threads", type=int, default=8, help="request worker threads (default 8)")
    parser.add_argument("--no-jobs", action="store_true",
                        help="only answer webhooks; no polls, flushes or sheet watch (benchmarks)")


def run(args: argparse.Namespace, settings: Any) -> int:
    """Open the journal and inbox, start the jobs process, serve until SIGTERM/SIGINT; returns the exit code."""
    _install_log_scrubber(settings)
    # Python hands the GIL between threads every 5 ms by default; with 8 request threads a
    # webhook could wait several of those turns, which was most of the p99. 1 ms keeps
    # acknowledgements prompt for a few percent more switching overhead.
    sys.setswitchinterval(SWITCH_INTERVAL)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    try:
        intake = _JournalOnly(Journal(settings.db))
        path = inbox_path(settings.db)  # None for an in-memory journal: store in the journal
        intake.inbox = Inbox(path) if path else None
    except Exception as exc:  # plain words, not a traceback, for the seller
        print(f"TrueCraft could not start: {exc}", file=sys.stderr)
        return 1
    worker = None if args.no_jobs else JobsProcess()
    try:
        if worker is not None:
            worker.start()
        serve(intake, args.host, args.port, stop_event=stop, settings=settings,
              threads=args.threads, worker=worker, jobs=False, inbox=intake.inbox)
    except JobsStartError as exc:
        print(f"TrueCraft could not start: {exc}", file=sys.stderr)
        _close(intake)
        return 1
    except OSError as exc:
        if worker is not None:
            worker.stop()
        _close(intake)
        print(f"TrueCraft could not listen on {args.host}:{args.port} ({exc.strerror or exc}) — "
              "is another copy running? Pick another port with --port.", file=sys.stderr)
        return 1
    return 0


class _JournalOnly:
    """What the web process needs: its inbox, and the journal to read for /healthz (the runner
    lives in the jobs process)."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self.inbox: Inbox | None = None

    def close(self) -> None:
        """Close the inbox and the journal."""
        if self.inbox is not None:
            self.inbox.close()
        self.journal.close()


def build_runner(settings: Any) -> Any:
    """The runner (sheet, connectors, automations) the jobs process drives."""
    from automations.runner import Runner

    return Runner.from_settings(settings)


def serve(runner: Any, host: str, port: int, stop_event: threading.Event | None = None,
          settings: Any = None, jobs: bool = True, threads: int = 8,
          ready: threading.Event | None = None, worker: Any = None, inbox: Any = None) -> None:
    """Serve webhooks until stop_event is set, then shut down gracefully.

    worker: a started JobsProcess (stopped here, after the requests in flight); without one,
    jobs=True runs the runner's jobs on a thread of this process and the final flush here.
    inbox: where accepted events go (webhooks.inbox.Inbox); None stores them in the journal.
    """
    stop = stop_event or threading.Event()
    settings = settings if settings is not None else getattr(runner, "settings", None)
    child = worker
    worker = child or (Jobs(runner, settings) if jobs else None)
    app = create_app(runner.journal, settings, on_event=worker.wake if worker else None, inbox=inbox)
    inflight = _InFlight(app)
    # The body limit is enforced by waitress while it reads, so an oversized POST is refused
    # (413) before it is buffered to a temp file; the default would let 1 GiB per request through.
    # _dispatcher: waitress's own hook for the thread pool (pinned waitress version); ours
    # serves webhook deliveries before queued /healthz polls.
    server = waitress.create_server(inflight, host=host, port=port, threads=threads,
                                    _dispatcher=WebhooksFirst(threads),
                                    clear_untrusted_proxy_headers=True, ident="truecraft",
                                    max_request_body_size=MAX_BODY_BYTES + 64 * 1024)
    log.info("TrueCraft is listening on http://%s:%s (webhooks at /webhooks/<platform>)",
             server.effective_host, server.effective_port)
    server_thread = threading.Thread(target=server.run, name="waitress", daemon=True)
    server_thread.start()
    if worker is not None and child is None:
        worker.start()
    if ready is not None:
        ready.port = server.effective_port  # type: ignore[attr-defined]
        ready.set()
    stop.wait()
    log.info("stopping: no new connections; finishing requests in flight")
    _stop_accepting(server)
    inflight.wait_idle(GRACE_SECONDS)
    _wait_flushed(server, GRACE_SECONDS)
    # Close kept-alive connections too, so clients stop sending while the jobs wind down.
    server.trigger.pull_trigger(lambda: [ch.close() for ch in list(server._map.values())])
    server_thread.join(GRACE_SECONDS)
    server.task_dispatcher.shutdown(cancel_pending=False, timeout=GRACE_SECONDS)
    if worker is not None:
        worker.stop()  # the jobs process finishes its pass and writes the sheet itself
    if child is None and hasattr(runner, "flush"):
        _final_flush(runner)
    _close(runner)
    log.info("stopped")


class _InFlight:
    """WSGI wrapper counting requests inside the app, so shutdown can wait for them."""

    def __init__(self, app: Any) -> None:
        self.app, self.count, self.cv = app, 0, threading.Condition()
        self.health = getattr(app, "extensions", {}).get("truecraft.health")

    def __call__(self, environ, start_response):
        if self.health is not None and environ.get("PATH_INFO") == "/healthz" and environ.get(
                "REQUEST_METHOD") == "GET":
            # Anonymous and frequent: answered from memory without entering Flask.
            status, body = self.health.reply()
            start_response("200 OK" if status == 200 else "503 Service Unavailable",
                           [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        with self.cv:
            self.count += 1
        try:
            # Materialise the (small JSON) response so the count covers the whole handler.
            result = self.app(environ, start_response)
            try:
                return list(result)
            finally:
                if hasattr(result, "close"):
                    result.close()
        finally:
            with self.cv:
                self.count -= 1
                self.cv.notify_all()

    def wait_idle(self, timeout: float) -> None:
        """Block until no request is inside the app (or timeout)."""
        with self.cv:
            self.cv.wait_for(lambda: self.count == 0, timeout)


def _stop_accepting(server: Any) -> None:
    # Runs on the loop thread: close only the listening socket, keep the trigger and channels.
    done = threading.Event()

    def close_listener() -> None:
        server.accepting = False
        wasyncore.dispatcher.close(server)
        done.set()

    server.trigger.pull_trigger(close_listener)
    done.wait(2.0)


def _wait_flushed(server: Any, timeout: float) -> None:
    # Responses are written by the loop thread; wait until every channel's buffer is empty.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        busy = [ch for ch in list(server.active_channels.values())
                if ch.requests or ch.total_outbufs_len]
        if not busy:
            return
        time.sleep(0.02)


def _final_flush(runner: Any) -> None:
    try:
        runner.flush()
    except Exception as exc:
        log.warning("final write to the sheet did not finish (%s); it will run at next start",
                    type(exc).__name__)


def _close(runner: Any) -> None:
    closer = getattr(runner, "close", None) or runner.journal.close
    try:
        closer()
    except Exception as exc:
        log.warning("closing the journal: %s", type(exc).__name__)


def _install_log_scrubber(settings: Any) -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    secrets = list(settings.secrets()) if hasattr(settings, "secrets") else []
    if not secrets:
        return

    class Scrub(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            text = record.getMessage()
            for secret in secrets:
                text = text.replace(secret, "***")
            record.msg, record.args = text, ()
            return True

    for handler in logging.getLogger().handlers:
        handler.addFilter(Scrub())


def main(argv: list[str] | None = None) -> int:
    """`python -m webhooks.serve` entry (the lead wires the same into main.py)."""
    from core.config import Settings

    parser = argparse.ArgumentParser(prog="truecraft serve", description=(
        "Receive signed webhooks from Shopify, Square, Etsy and the sheet, and keep the sheet in sync."))
    add_arguments(parser)
    return run(parser.parse_args(argv), Settings.from_env())


if __name__ == "__main__":
    sys.exit(main())
