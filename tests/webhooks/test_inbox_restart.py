"""Orders acknowledged into the inbox, then kill -9 before the jobs copied them: in the sheet after restart."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import requests

from sheet_schema.tabs import ORDERS
from sheets.local_backend import LocalWorkbookBackend
from tests.webhooks.conftest import ENV, shopify_body, shopify_headers
from tests.webhooks.test_serve_worker import _children, _free_port, _healthy, _wait

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the child via /proc (Linux)")


def _start(tmp_path: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, **ENV, "TRUECRAFT_DB": str(tmp_path / "serve.db"),
           "TRUECRAFT_DOTENV": str(tmp_path / "none.env"), "TRUECRAFT_WORKBOOK": str(tmp_path / "t.xlsx"),
           "TRUECRAFT_BACKEND": "local", "TRUECRAFT_POLL_SECONDS": "1", "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "webhooks.serve", "--port", str(port)], cwd=tmp_path,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    _wait(lambda: proc.poll() is not None or _healthy(f"http://127.0.0.1:{port}"), what="the server")
    assert proc.poll() is None, proc.communicate()[0].decode()
    return proc


def _count(db: Path, sql: str) -> int:
    with sqlite3.connect(db, timeout=10) as conn:
        return conn.execute(sql).fetchone()[0]


def test_orders_acknowledged_but_not_copied_before_a_kill_reach_the_sheet_after_restart(tmp_path):
    port, db = _free_port(), tmp_path / "serve.db"
    base, numbers = f"http://127.0.0.1:{port}", list(range(8101, 8106))
    proc, child = _start(tmp_path, port), None
    try:
        # given serve whose jobs process is frozen, so it cannot copy anything from the inbox
        [child] = _children(proc.pid)
        os.kill(child, signal.SIGSTOP)
        # when five orders are acknowledged
        for n in numbers:
            body = shopify_body(n)
            resp = requests.post(f"{base}/webhooks/shopify", data=body,
                                 headers=shopify_headers(body, f"kill-{n}"), timeout=5)
            assert resp.status_code == 200
        assert _healthy(base)["events_pending"] == len(numbers)  # /healthz counts the inbox
        # and both processes are killed -9 before the jobs ever ran
        os.kill(proc.pid, signal.SIGKILL)
        os.kill(child, signal.SIGKILL)
        proc.wait(10)
        assert _count(Path(str(db) + "-inbox"), "SELECT COUNT(*) FROM inbox") == len(numbers)
        assert _count(db, "SELECT COUNT(*) FROM events") == 0
        # and serve is started again
        proc = _start(tmp_path, port)
        _wait(lambda: (_healthy(base) or {}).get("events_pending") == 0
              and (_healthy(base) or {}).get("backlog") == 0, timeout=30, what="the orders to be written")
        proc.send_signal(signal.SIGTERM)
        output = proc.communicate(timeout=60)[0].decode()
    finally:
        if proc.poll() is None:
            proc.kill()
        if child is not None:
            try:
                os.kill(child, signal.SIGKILL)  # never leave a frozen process behind
            except ProcessLookupError:
                pass
    # then every acknowledged order is in the journal and in the sheet exactly once
    assert proc.returncode == 0, output
    assert _count(db, "SELECT COUNT(*) FROM events WHERE event_id LIKE 'event:kill-%'") == len(numbers)
    rows = LocalWorkbookBackend(tmp_path / "t.xlsx").read([ORDERS])[ORDERS].rows
    column = rows[0].index("Platform Order #")
    counts = Counter(row[column] for row in rows[1:])
    assert all(counts[str(n)] == 1 for n in numbers), counts
