"""Drive the REAL `python main.py serve` process against the Sheets stand-in on loopback.

Used by tests/reliability/* and bench/chaos.py: a stand-in that stamps every API
request with its arrival time, a serve subprocess that can be killed -9 and
restarted on the same journal, signed Shopify webhook senders, and sheet readers
that count rows by header (never by column letter).
"""
from __future__ import annotations

import base64
import copy
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import requests

from tests.standin.sheets_server import SheetsStandin
from webhooks import signatures

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "webhooks" / "shopify_order.json"
LOOPBACK = "127.0.0.1"
ORDERS, AUDIT = "Orders", "Audit Log"

# Distinctive values so a leak is found by a plain substring search.
SECRETS = {
    "SHOPIFY_WEBHOOK_SECRET": "shpss_RELIABILITY_hook_7f3a91c2",
    "SQUARE_WEBHOOK_SIGNATURE_KEY": "sqsig_RELIABILITY_4be2d07a",
    "ETSY_WEBHOOK_SECRET": "whsec_" + base64.b64encode(b"RELIABILITY-etsy-key-5c8e").decode(),
    "TRUECRAFT_EDIT_SECRET": "edit_RELIABILITY_e1d9a6b3",
}


class StampedStandin(SheetsStandin):
    """The Sheets stand-in, also recording time.time() of every API request (not /token)."""

    def start(self, port: int = 0) -> "StampedStandin":
        """Serve, then wrap the WSGI app so each request's arrival time is kept."""
        super().start(port)
        self.stamps: list[float] = []
        self.appended = threading.Event()  # set once an Orders append has been applied
        inner, lock = self._server.app, threading.Lock()

        def stamping(environ, start_response):
            path = environ.get("RAW_URI") or environ.get("PATH_INFO", "")
            if not path.startswith("/token"):
                with lock:
                    self.stamps.append(time.time())
            result = inner(environ, start_response)
            if ":append" in path and "Orders" in path:
                self.appended.set()
            return result

        self._server.app = stamping
        return self

    def max_per_window(self, since: float = 0.0, window: float = 60.0) -> int:
        """Most API requests seen in any sliding `window` seconds after `since`."""
        stamps = sorted(s for s in list(self.stamps) if s >= since)
        best, lo = 0, 0
        for hi, t in enumerate(stamps):
            while t - stamps[lo] >= window:
                lo += 1
            best = max(best, hi - lo + 1)
        return best

    def min_span(self, count: int, since: float = 0.0) -> float | None:
        """Shortest time in which `count` API requests arrived (None if fewer were made)."""
        stamps = sorted(s for s in list(self.stamps) if s >= since)
        spans = [stamps[i + count - 1] - stamps[i] for i in range(len(stamps) - count + 1)]
        return round(min(spans), 3) if spans else None

    def issued_tokens(self) -> set[str]:
        """OAuth access tokens the stand-in handed out (secrets too)."""
        with self._state.lock:
            return set(self._state.tokens)


def free_port() -> int:
    """A free loopback TCP port."""
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


@dataclass
class Sheet:
    """The stand-in plus the one spreadsheet serve writes to."""

    standin: StampedStandin
    sid: str
    credentials: str

    def rows(self, tab: str = ORDERS) -> list[list[str]]:
        """What a person sees in a tab (header first)."""
        try:
            return self.standin.values(self.sid, tab)
        except KeyError:
            return []

    def column(self, header: str, tab: str = ORDERS) -> list[str]:
        """One column's values below the header, found by header text."""
        rows = self.rows(tab)
        if not rows or header not in rows[0]:
            return []
        idx = rows[0].index(header)
        return [r[idx] if idx < len(r) else "" for r in rows[1:]]

    def order_counts(self) -> dict[str, int]:
        """Platform Order # -> how many rows show it (blank rows ignored)."""
        counts: dict[str, int] = {}
        for pid in self.column("Platform Order #"):
            if pid:
                counts[pid] = counts.get(pid, 0) + 1
        return counts


def start_sheet(tmp: Path) -> Sheet:
    """A running stand-in with one empty spreadsheet and a service-account file for it."""
    standin = StampedStandin().start()
    sid = standin.create_spreadsheet("TrueCraft")
    cred = standin.write_service_account_file(tmp / "service-account.json")
    return Sheet(standin, sid, cred)


def serve_env(tmp: Path, sheet: Sheet, **extra: str) -> dict[str, str]:
    """The environment for serve/import: google backend on the stand-in, temp journal, fast timers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRUECRAFT_", "GOOGLE_", "SHOPIFY_",
                                                                   "ETSY_", "SQUARE_", "AMAZON_"))}
    env.update(SECRETS)
    env.update({
        "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1",
        "TRUECRAFT_DOTENV": str(tmp / "no.env"), "TRUECRAFT_BACKEND": "google",
        "TRUECRAFT_SHEETS_API_URL": sheet.standin.url, "GOOGLE_SHEET_ID": sheet.sid,
        "GOOGLE_APPLICATION_CREDENTIALS": sheet.credentials, "TRUECRAFT_DB": str(tmp / "journal.db"),
        "TRUECRAFT_WORKBOOK": str(tmp / "unused.xlsx"),
        "SQUARE_WEBHOOK_URL": "https://orders.example.com/webhooks/square",
        "TRUECRAFT_POLL_SECONDS": "1", "TRUECRAFT_PLATFORM_POLL_SECONDS": "3600",
        "TRUECRAFT_RETRY_BASE_SECONDS": "0.05", "TRUECRAFT_RETRY_CAP_SECONDS": "0.5",
        "TRUECRAFT_RETRY_ATTEMPTS": "4", "TRUECRAFT_HTTP_TIMEOUT": "10",
        "TRUECRAFT_SHEETS_BUDGET_PER_MINUTE": "600",
        "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
    })
    env.update(extra)
    return env


class ServeProcess:
    """`python main.py serve` as a subprocess; stdout+stderr go to a log file kept for secret scans."""

    def __init__(self, tmp: Path, env: dict[str, str], port: int | None = None) -> None:
        self.tmp, self.env = tmp, env
        self.port = port or free_port()
        self.base = f"http://{LOOPBACK}:{self.port}"
        self.log_path = tmp / "serve.log"
        self.proc: subprocess.Popen | None = None
        self.starts = 0
        self.groups: list[int] = []

    def start(self, timeout: float = 30.0) -> "ServeProcess":
        """Start serve and wait until /healthz answers."""
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([sys.executable, str(REPO / "main.py"), "serve", "--host", LOOPBACK,
                                      "--port", str(self.port)], cwd=self.tmp, env=self.env,
                                     stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.groups.append(self.proc.pid)  # serve's children (the jobs process) share this group
        log.close()
        self.starts += 1
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"serve exited at start-up:\n{self.log()[-3000:]}")
            try:
                if requests.get(self.base + "/healthz", timeout=1).ok:
                    return self
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError(f"serve did not answer /healthz within {timeout}s:\n{self.log()[-3000:]}")

    def kill9(self) -> None:
        """SIGKILL the serve process only, as the OOM killer would: no shutdown code runs in it, and
        its jobs child is left to notice on its own."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def kill_all(self) -> None:
        """Teardown: SIGKILL every process group this object started (serve and its children)."""
        self.kill9()
        for pgid in self.groups:
            try:
                os.killpg(pgid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM (graceful), then SIGKILL if it hangs."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill9()

    def health(self) -> dict:
        """GET /healthz as a dict ({} if unreachable)."""
        try:
            return requests.get(self.base + "/healthz", timeout=2).json()
        except (requests.RequestException, ValueError):
            return {}

    def healthz_text(self) -> str:
        """GET /healthz body as text ('' if unreachable)."""
        try:
            return requests.get(self.base + "/healthz", timeout=2).text
        except requests.RequestException:
            return ""

    def log(self) -> str:
        """Everything serve printed so far (all runs)."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


# -- Shopify webhooks -----------------------------------------------------------------------------
_TEMPLATE = json.loads(FIXTURE.read_text())["response"]["order"]


def shopify_order(n: int, **overrides) -> dict:
    """The official REST order example as order n: own id, number, buyer and time."""
    order = copy.deepcopy(_TEMPLATE)
    order.update({"id": 820_000_000 + n, "order_number": 5000 + n, "name": f"#{5000 + n}",
                  "email": f"buyer{n}@example.com", "contact_email": f"buyer{n}@example.com",
                  "created_at": f"2026-11-27T{n // 3600 % 24:02d}:{n // 60 % 60:02d}:{n % 60:02d}Z",
                  "updated_at": f"2026-11-27T{n // 3600 % 24:02d}:{n // 60 % 60:02d}:{n % 60:02d}Z"})
    for key in ("billing_address", "shipping_address"):
        if order.get(key):
            order[key] = {**order[key], "first_name": f"Buyer{n}", "name": f"Buyer{n} Norman",
                          "address1": f"{n} Chestnut Street"}
    if isinstance(order.get("customer"), dict):
        order["customer"] = {**order["customer"], "id": 7_000_000 + n, "email": f"buyer{n}@example.com",
                             "first_name": f"Buyer{n}"}
    order.update(overrides)
    return order


def platform_order_id(n: int) -> str:
    """What the Platform Order # cell shows for order n."""
    return str(820_000_000 + n)


def signed_shopify(body: bytes, event_id: str, secret: str = SECRETS["SHOPIFY_WEBHOOK_SECRET"],
                   topic: str = "orders/create") -> dict[str, str]:
    """Headers Shopify sends with one delivery."""
    return {"X-Shopify-Hmac-Sha256": signatures.shopify_signature(secret, body), "X-Shopify-Topic": topic,
            "X-Shopify-Event-Id": event_id, "X-Shopify-Webhook-Id": f"wh-{event_id}",
            "Content-Type": "application/json"}


@dataclass
class Delivery:
    """Outcome of sending orders: which were acknowledged (2xx) and how many got no answer."""

    sent: int = 0
    acked: set[int] = field(default_factory=set)
    refused: int = 0
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


def send_orders(base: Callable[[], str], numbers: list[int], clients: int = 8, delivery: Delivery | None = None,
                deadline_s: float = 120.0, tries: int = 1, pause: float = 0.05, rate: float = 0.0) -> Delivery:
    """POST orders/create for each number from `clients` threads; a number is retried up to `tries` times
    (as Shopify does) until a 2xx; `rate` caps new orders per second over all clients (0 = flat out).
    Bounded in count (len(numbers) * tries) and time (deadline_s)."""
    out = delivery or Delivery()
    queue = list(numbers)
    qlock = threading.Lock()
    stop_at = time.monotonic() + deadline_s

    def worker() -> None:
        with requests.Session() as http:
            while time.monotonic() < stop_at:
                with qlock:
                    if not queue:
                        return
                    n = queue.pop(0)
                body = json.dumps(shopify_order(n)).encode()
                if rate:
                    time.sleep(clients / rate)
                for attempt in range(tries):
                    if time.monotonic() >= stop_at:
                        return
                    with out.lock:
                        out.sent += 1
                    try:
                        r = http.post(base() + "/webhooks/shopify", data=body, timeout=5,
                                      headers=signed_shopify(body, f"evt-{n}"))
                    except requests.RequestException:
                        with out.lock:
                            out.errors += 1
                        http.close()
                        time.sleep(pause)
                        continue
                    with out.lock:
                        out.statuses[r.status_code] = out.statuses.get(r.status_code, 0) + 1
                    if 200 <= r.status_code < 300:
                        with out.lock:
                            out.acked.add(n)
                        break
                    with out.lock:
                        out.refused += 1
                    time.sleep(pause)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(deadline_s + 10)
    return out


def wait_for(predicate: Callable[[], bool], timeout: float, interval: float = 0.25) -> bool:
    """Poll predicate until true or timeout (bounded); returns the last answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def random_kill_times(duration: float, kills: int, rng: random.Random, gap: float = 1.5) -> list[float]:
    """`kills` sorted random offsets (seconds) within 10%..85% of `duration`, at least `gap` apart."""
    for _ in range(1000):
        times = sorted(rng.uniform(duration * 0.1, duration * 0.85) for _ in range(kills))
        if all(b - a >= gap for a, b in zip(times, times[1:])):
            return times
    return [duration * (i + 1) / (kills + 1) for i in range(kills)]
