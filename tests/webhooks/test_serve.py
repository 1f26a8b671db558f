"""`serve`: waitress + jobs; SIGTERM mid-burst loses no acknowledged event; one failing job never stops the loop."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import requests

from core.journal import Journal
from tests.webhooks.conftest import ENV, sheet_body, sheet_headers, shopify_body, shopify_headers
from webhooks.jobs import Jobs
from webhooks.serve import serve

REPO = Path(__file__).resolve().parents[2]


class FakeRunner:
    """Counts calls; named jobs can be told to fail."""

    def __init__(self, journal, failing=()):
        self.journal, self.connectors, self.failing = journal, {}, set(failing)
        self.calls: list[str] = []
        self.closed = False

    def _call(self, name):
        self.calls.append(name)
        if name in self.failing:
            raise RuntimeError(f"{name} exploded")

    def poll_platforms(self):
        self._call("poll")

    def watch(self, push=False):
        self._call("watch")

    def flush(self):
        self._call("flush")

    def process_events(self):
        self._call("process")

    def close(self):
        self.closed = True
        self.journal.close()


def test_failing_jobs_are_logged_and_the_rest_still_run(journal, caplog):
    # given a runner whose platform poll and watch always fail
    runner = FakeRunner(journal, failing={"poll", "watch"})
    jobs = Jobs(runner, SimpleNamespace(poll_seconds=10, platform_poll_seconds=60))
    # when a platform event and a sheet edit wake the loop
    jobs.wake("shopify")
    jobs.wake("sheet")
    jobs.run_once()
    # then processing, watch and flush all ran once, and the failure is one plain log line
    assert runner.calls == ["process", "watch", "flush"]
    assert "sheet watch failed this time (RuntimeError: watch exploded)" in caplog.text


def test_wake_runs_only_what_the_source_needs(journal):
    runner = FakeRunner(journal)
    jobs = Jobs(runner, SimpleNamespace(poll_seconds=10, platform_poll_seconds=60))
    jobs.wake("etsy")
    jobs.run_once()
    jobs.run_once()  # nothing new: nothing runs (schedule not due yet)
    assert runner.calls == ["process", "flush"]


def test_in_process_serve_acknowledges_wakes_and_shuts_down_cleanly(tmp_path):
    # given serve() running a fake runner on a free port
    runner = FakeRunner(Journal(tmp_path / "j.db"))
    stop, ready = threading.Event(), threading.Event()
    settings = SimpleNamespace(env=dict(ENV), poll_seconds=3600, platform_poll_seconds=3600)
    thread = threading.Thread(target=serve, args=(runner, "127.0.0.1", 0),
                              kwargs=dict(stop_event=stop, settings=settings, ready=ready))
    thread.start()
    assert ready.wait(5)
    base = f"http://127.0.0.1:{ready.port}"
    # when an edit arrives
    body = sheet_body()
    resp = requests.post(f"{base}/webhooks/sheet", data=body, headers=sheet_headers(body), timeout=5)
    deadline = time.monotonic() + 5
    while "watch" not in runner.calls[4:] and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    thread.join(15)
    # then it was acknowledged, woke a watch, and shutdown flushed and closed the journal
    assert resp.status_code == 200
    assert runner.calls[:4] == ["poll", "process", "watch", "flush"]  # start-up catch-up pass
    assert "watch" in runner.calls[4:] and runner.calls[-1] == "flush"
    assert runner.closed and not thread.is_alive()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_sigterm_mid_burst_keeps_every_acknowledged_event(tmp_path):
    # given `python -m webhooks.serve` on a temp journal
    port, db = _free_port(), tmp_path / "serve.db"
    env = {**os.environ, **ENV, "TRUECRAFT_DB": str(db), "TRUECRAFT_DOTENV": str(tmp_path / "none.env"),
           "TRUECRAFT_WORKBOOK": str(tmp_path / "t.xlsx"), "TRUECRAFT_BACKEND": "local",
           "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "webhooks.serve", "--port", str(port)], cwd=tmp_path,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{base}/healthz", timeout=1).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        acked, lock, sent = [], threading.Lock(), [0]

        def burst(worker: int) -> None:
            with requests.Session() as http:
                for n in range(150):
                    event_id = f"w{worker}-{n}"
                    body = shopify_body(1000 * worker + n)
                    with lock:
                        sent[0] += 1
                    try:
                        r = http.post(f"{base}/webhooks/shopify", data=body,
                                      headers=shopify_headers(body, event_id), timeout=5)
                    except requests.RequestException:
                        continue  # refused after the stop: the platform would retry
                    if 200 <= r.status_code < 300:
                        with lock:
                            acked.append(f"event:{event_id}")

        threads = [threading.Thread(target=burst, args=(w,)) for w in range(8)]
        for t in threads:
            t.start()
        # when SIGTERM lands mid-burst
        while sent[0] < 200:
            time.sleep(0.005)
        proc.send_signal(signal.SIGTERM)
        for t in threads:
            t.join(60)
        output = proc.communicate(timeout=30)[0].decode()
    finally:
        if proc.poll() is None:
            proc.kill()
    # then it exited cleanly, and every acknowledged event is in the journal
    assert proc.returncode == 0, output
    assert "stopped" in output
    journal = Journal(db)
    stored = {r[0] for r in journal.execute("SELECT event_id FROM events WHERE source='shopify'")}
    journal.close()
    assert len(acked) >= 100 and len(acked) < 8 * 150  # really mid-burst
    assert set(acked) <= stored
