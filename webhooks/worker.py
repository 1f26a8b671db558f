"""The scheduled jobs in their own process, so they never take the GIL from the acknowledging server.

`serve` starts `python -m webhooks.worker` as a child. The child builds the runner
(sheet, connectors, automations) and runs webhooks.jobs.Jobs; the web process
keeps only its inbox (webhooks.inbox): verify, store, acknowledge. The two share
the inbox (written by the parent, copied into the journal here at each event pass),
the journal (read by the parent for /healthz, written here) and one pipe: the
parent writes one byte per new event to the child's stdin ("e" platform event,
"s" sheet edit) and the child wakes its loop. End of that pipe (the parent
stopping, or dying) means "finish the current pass, write the sheet, exit".
The child answers one line on stdout at start-up: "ready", or "error <reason>".
"""
from __future__ import annotations

import argparse
import logging
import os
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

log = logging.getLogger("truecraft.jobs")

REPO = Path(__file__).resolve().parents[1]
NICE = 5  # acknowledgements win the CPU when both are busy; 10 starved the sheet writes (rows lagged >5 s under load)
START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0
FINAL_SECONDS = 15.0  # the last passes after a stop: well inside the parent's STOP_TIMEOUT + 15
BACKOFF_FIRST, BACKOFF_MAX = 0.5, 30.0
HEALTHY_AFTER = 60.0  # a child that lived this long resets the back-off
PUMP_PAUSE = 0.02
WAKE_CODES = {b"s": "sheet", b"e": "webhook"}


class JobsStartError(Exception):
    """The jobs process could not start (plain reason in the message)."""


class JobsProcess:
    """Parent side: starts the jobs child, forwards wake-ups, restarts it if it dies, stops it."""

    def __init__(self, log_level: int | None = None, command: list[str] | None = None) -> None:
        self.log_level = logging.getLogger().getEffectiveLevel() if log_level is None else log_level
        self.command = command or [sys.executable, "-m", "webhooks.worker"]
        self.proc: subprocess.Popen | None = None
        self.restarts = 0
        self._fd: int | None = None
        self._fd_lock = threading.Lock()  # a closed fd number may be reused: never write after close
        self._stopping = threading.Event()
        self._monitor: threading.Thread | None = None

    def start(self) -> None:
        """Start the child and wait until it is ready; JobsStartError if it cannot start."""
        self._spawn()
        self._monitor = threading.Thread(target=self._watch, name="truecraft-jobs-monitor", daemon=True)
        self._monitor.start()

    def wake(self, source: str) -> None:
        """Called by the app for each new event: one byte down the pipe, never blocking the request."""
        code = b"s" if source == "sheet" else b"e"
        with self._fd_lock:
            if self._fd is None:
                return  # restarting: the new child's start-up pass reads the journal anyway
            try:
                os.write(self._fd, code)
            except (BlockingIOError, BrokenPipeError, OSError):
                pass  # pipe full (the child has plenty to do) or child gone (the monitor restarts it)

    def stop(self, timeout: float = STOP_TIMEOUT + 15) -> None:
        """Tell the child to finish its pass and write the sheet; kill it only after timeout."""
        self._stopping.set()
        self._end(self.proc, timeout)
        if self._monitor is not None:
            self._monitor.join(START_TIMEOUT)
        self._end(self.proc, timeout)  # one the monitor was starting just as we stopped

    # -- internals ------------------------------------------------------------
    def _end(self, proc: subprocess.Popen | None, timeout: float) -> None:
        self._close_pipe()
        if proc is None or proc.poll() is not None:
            return
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            log.warning("the background jobs did not stop within %.0f s; stopped them (nothing "
                        "acknowledged is lost: unfinished work runs at next start)", timeout)
            proc.kill()
            proc.wait(5)

    def _spawn(self) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)}
        proc = subprocess.Popen(self.command + ["--log-level", str(self.log_level)], env=env,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
        line = _read_line(proc, START_TIMEOUT)
        proc.stdout.close()
        if line != "ready":
            if proc.poll() is None:
                proc.kill()
            proc.wait(5)
            reason = line[len("error "):] if line.startswith("error ") else (
                f"the background jobs did not start (exit code {proc.returncode})")
            proc.stdin.close()
            raise JobsStartError(reason)
        fd = proc.stdin.fileno()
        os.set_blocking(fd, False)
        with self._fd_lock:
            self.proc, self._fd = proc, fd
        log.info("background jobs running in process %d", proc.pid)

    def _close_pipe(self) -> None:
        with self._fd_lock:
            proc, self._fd = self.proc, None
            if proc is not None and proc.stdin and not proc.stdin.closed:
                try:
                    proc.stdin.close()  # EOF: the child finishes and exits
                except OSError:
                    pass

    def _watch(self) -> None:
        backoff = BACKOFF_FIRST
        while not self._stopping.is_set():
            proc, started = self.proc, time.monotonic()
            code = proc.wait() if proc is not None else None
            if self._stopping.is_set():
                return
            self._close_pipe()
            if time.monotonic() - started > HEALTHY_AFTER:
                backoff = BACKOFF_FIRST
            log.error("the background jobs stopped unexpectedly (exit code %s); restarting them in "
                      "%.1f s — webhooks are still being stored", code, backoff)
            while not self._stopping.wait(backoff):
                backoff = min(BACKOFF_MAX, backoff * 2)
                try:
                    self._spawn()
                    self.restarts += 1
                    break
                except (JobsStartError, OSError) as exc:
                    log.error("the background jobs could not restart (%s); trying again in %.1f s",
                              exc, backoff)


def _read_line(proc: subprocess.Popen, timeout: float) -> str:
    """The child's start-up line, or '' if it exits or stays silent."""
    fd, data, deadline = proc.stdout.fileno(), b"", time.monotonic() + timeout
    while b"\n" not in data and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        data += chunk
    return data.split(b"\n", 1)[0].decode("utf-8", "replace").strip()


# -- child side ----------------------------------------------------------------
def child_main(argv: list[str] | None = None) -> int:
    """The jobs process: build the runner, run Jobs, wake on the pipe, stop on EOF or SIGTERM."""
    parser = argparse.ArgumentParser(prog="python -m webhooks.worker")
    parser.add_argument("--log-level", type=int, default=logging.INFO)
    args = parser.parse_args(argv)
    # Ctrl+C reaches the whole process group: the parent decides when the jobs stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        os.nice(NICE)
    except OSError:
        pass
    from core.config import Settings
    from core.logs import setup_logging
    from webhooks.jobs import Jobs
    from webhooks.serve import _close, build_runner

    settings = Settings.from_env()
    setup_logging(settings.secrets(), args.log_level <= logging.DEBUG)
    logging.getLogger().setLevel(args.log_level)
    try:
        runner = build_runner(settings)
    except Exception as exc:  # plain words to the parent, which prints them
        _say(f"error {' '.join(str(exc).split())[:300] or type(exc).__name__}")
        return 3
    _say("ready")
    os.dup2(2, 1)  # later prints go to the log, never into the closed pipe
    jobs = Jobs(runner, settings)
    jobs.start()
    _pump(jobs, stop)
    log.info("background jobs: finishing the current pass and writing the sheet")
    jobs.stop(STOP_TIMEOUT)
    _final_pass(jobs, runner)
    _close(runner)
    return 0


def _final_pass(jobs: Any, runner: Any, budget: float = FINAL_SECONDS) -> None:
    """Copy everything acknowledged into the inbox and process it (bounded), then write the sheet."""
    from webhooks import inbox
    from webhooks.serve import _final_flush

    try:
        if inbox.uncopied(runner.journal):
            jobs.wake("webhook")  # its wake-up byte may have been dropped (pipe full) or never sent
    except Exception as exc:  # the next start copies it; never hang the stop on this
        log.warning("could not check the inbox before stopping (%s)", type(exc).__name__)
    if not jobs.has_pending():
        _final_flush(runner)
        return
    # Events stored after the last pass reach the journal and the sheet now, not at next start;
    # a full batch asks for another pass (report.more), so loop, within the budget.
    deadline = time.monotonic() + budget
    while jobs.has_pending() and time.monotonic() < deadline:
        jobs.run_once()


def _pump(jobs: Any, stop: threading.Event) -> None:
    """Forward the parent's wake-up bytes to the jobs loop until EOF or SIGTERM."""
    fd = sys.stdin.fileno()
    while not stop.is_set():
        try:
            ready, _, _ = select.select([fd], [], [], 0.2)
        except InterruptedError:
            continue
        if not ready:
            continue
        data = os.read(fd, 65536)
        if not data:
            return  # the parent closed the pipe (stopping) or died
        for code, source in WAKE_CODES.items():
            if code in data:
                jobs.wake(source)
        # A burst sends a byte per webhook: read them in batches rather than waking per byte
        # (the jobs loop pauses BATCH_PAUSE after a wake-up anyway, so no row is later for it).
        stop.wait(PUMP_PAUSE)


def _say(line: str) -> None:
    os.write(1, (line + "\n").encode())


if __name__ == "__main__":
    sys.exit(child_main())
