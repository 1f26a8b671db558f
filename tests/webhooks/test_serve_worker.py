"""The jobs process beside `serve`: restarted if it dies (orders still reach the sheet), plain start errors, wake-ups never block."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from sheet_schema.tabs import ORDERS
from sheets.local_backend import LocalWorkbookBackend
from tests.webhooks.conftest import ENV, shopify_body, shopify_headers
from webhooks.worker import JobsProcess, JobsStartError

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the child via /proc (Linux)")


def _children(pid: int) -> list[int]:
    """Pids whose parent is pid."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _wait(predicate, timeout: float = 20.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(base: str) -> dict | None:
    try:
        resp = requests.get(f"{base}/healthz", timeout=1)
    except requests.ConnectionError:
        return None
    return resp.json() if resp.ok else None


def test_a_killed_jobs_process_is_restarted_and_orders_still_reach_the_sheet(tmp_path):
    # given `python -m webhooks.serve` with its jobs process, on a local workbook
    port, workbook = _free_port(), tmp_path / "t.xlsx"
    env = {**os.environ, **ENV, "TRUECRAFT_DB": str(tmp_path / "serve.db"),
           "TRUECRAFT_DOTENV": str(tmp_path / "none.env"), "TRUECRAFT_WORKBOOK": str(workbook),
           "TRUECRAFT_BACKEND": "local", "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "webhooks.serve", "--port", str(port)], cwd=tmp_path,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(lambda: _healthy(base), what="the server")
        [first_child] = _children(proc.pid)

        def deliver(order_id: int) -> None:
            body = shopify_body(order_id)
            resp = requests.post(f"{base}/webhooks/shopify", data=body,
                                 headers=shopify_headers(body, f"evt-{order_id}"), timeout=5)
            assert resp.status_code == 200

        def settled() -> bool:
            health = _healthy(base) or {}
            return health.get("events_pending") == 0 and health.get("backlog") == 0

        deliver(7001)
        _wait(settled, what="the first order to be written")
        # when the jobs process dies unexpectedly
        os.kill(first_child, signal.SIGKILL)
        _wait(lambda: [c for c in _children(proc.pid) if c != first_child], what="a new jobs process")
        # and another order arrives after the restart
        deliver(7002)
        _wait(settled, what="the second order to be written")
        proc.send_signal(signal.SIGTERM)
        output = proc.communicate(timeout=60)[0].decode()
    finally:
        if proc.poll() is None:
            proc.kill()
    # then the server said so in one plain line, stopped cleanly, and both orders are in the sheet
    assert proc.returncode == 0, output
    assert "the background jobs stopped unexpectedly (exit code -9); restarting them" in output
    assert "Traceback" not in output
    rows = LocalWorkbookBackend(workbook).read([ORDERS])[ORDERS].rows
    column = rows[0].index("Platform Order #")
    assert {"7001", "7002"} <= {row[column] for row in rows[1:]}


def test_a_jobs_process_that_cannot_start_reports_its_reason_in_plain_words():
    # given a child that fails to build its runner
    child = JobsProcess(command=[sys.executable, "-c", "print('error the sheet id is missing from .env')"])
    # when started, then the reason reaches the caller (serve prints it and exits 1)
    with pytest.raises(JobsStartError, match="^the sheet id is missing from .env$"):
        child.start()


def test_wake_ups_never_block_a_request_even_if_the_child_stops_reading():
    # given a child that says ready and then never reads its pipe
    child = JobsProcess(command=[sys.executable, "-c", "import sys, time; print('ready', flush=True); "
                                 "time.sleep(30)"])
    child.start()
    try:
        # when far more wake-ups arrive than the pipe can hold
        began = time.monotonic()
        for _ in range(200_000):
            child.wake("shopify")
        took = time.monotonic() - began
    finally:
        child._stopping.set()
        child.proc.kill()
        child.stop(timeout=5)
    # then none of them waited for the child
    assert took < 5.0
