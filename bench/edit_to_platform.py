"""Benchmark: seller's FULFILLED edit in the sheet -> fulfillmentCreate at Shopify, with the Apps Script
push and with polling only.

Runs the REAL `python main.py serve` (TRUECRAFT_BACKEND=google) as a subprocess against the Sheets
stand-in and the Shopify stand-in, both served from this process on loopback. N Shopify orders come
in by signed webhook; then each order's Status/Carrier/Tracking # cells are filled in the stand-in
sheet as a person pasting them would, and (push mode) the signed edit is POSTed to /webhooks/sheet
exactly as apps_script/Code.gs builds it. Latency = edit -> the stand-in receiving fulfillmentCreate.

Usage: .venv/bin/python bench/edit_to_platform.py [--n 20] [--poll-seconds 10] [--quick]
"""
from __future__ import annotations

import argparse
import base64
import copy
import hashlib
import hmac
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sheet_schema.tabs import ORDERS  # noqa: E402
from tests.standin.sheets_server import SheetsStandin  # noqa: E402
from tests.standin.shopify_server import ShopifyStandin  # noqa: E402

EDIT_SECRET = "bench-edit-secret-0123456789"
SHOPIFY_SECRET = "bench-shopify-webhook-secret"
EXAMPLES = ROOT / "tests" / "fixtures" / "shopify" / "rest_order_examples.json"
FULFIL_HEADERS = ("Status", "Carrier", "Tracking #")
MODES = ("push", "poll")


@dataclass
class ModeResult:
    """Latencies (seconds) of one mode; None = never arrived before the deadline."""

    mode: str
    latencies: list[float | None] = field(default_factory=list)
    sheets_requests: int = 0  # Sheets API requests while this mode's edits were measured

    def arrived(self) -> list[float]:
        """Latencies of fulfilments that reached the platform."""
        return sorted(x for x in self.latencies if x is not None)


@dataclass
class BenchResult:
    """Everything the run measured."""

    n: int
    poll_seconds: int
    budget: int
    modes: dict[str, ModeResult]
    fulfilments: dict[str, int]  # Shopify order id -> fulfilments the shop holds
    creates: dict[str, int]  # Shopify order id -> fulfillmentCreate requests received
    sheets_requests: int
    seconds: float
    peak_per_minute: int  # most Sheets requests in any 60 s window

    @property
    def exactly_once(self) -> bool:
        """Every order got exactly one fulfilment."""
        return all(v == 1 for v in self.fulfilments.values())


# -- helpers ----------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _b64_hmac(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def _col_letter(index: int) -> str:
    """0-based column index -> A1 letters."""
    out, n = "", index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def _percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile of sorted values."""
    rank = max(1, int(-(-pct * len(values) // 100)))
    return values[min(rank, len(values)) - 1]


def shopify_orders(n: int) -> list[dict]:
    """n distinct paid, unfulfilled Shopify orders (REST shape), days apart so none look duplicated."""
    base = json.loads(EXAMPLES.read_text())["examples"]["test_8"]["order"]
    now = datetime.now(timezone.utc).replace(microsecond=0)
    out = []
    for i in range(n):
        order = copy.deepcopy(base)
        at = (now - timedelta(days=n - i)).isoformat()
        order.update(id=8100001 + i, name=f"#{5001 + i}", created_at=at, updated_at=at, fulfillments=[],
                     fulfillment_status=None, financial_status="paid", refunds=[], cancelled_at=None,
                     email=f"buyer{i}@example.com", phone=None)
        order["customer"] = dict(order["customer"], id=990000 + i, email=f"buyer{i}@example.com",
                                 first_name="Buyer", last_name=f"Number{i}", phone=None)
        for key in ("shipping_address", "billing_address"):
            order[key] = dict(order[key], name=f"Buyer Number{i}", address1=f"{100 + i} Elm St", phone=None)
        out.append(order)
    return out


def edit_payload(tab: str, row: int, first_col: int, headers: list[str], touched: list[str],
                 old: str | None, value: str | None, order_id: str) -> bytes:
    """The body apps_script/Code.gs buildEditPayload would send (same keys, same order)."""
    single = len(touched) == 1
    last_col = first_col + len(touched) - 1
    a1 = f"{_col_letter(first_col - 1)}{row}" + ("" if single else f":{_col_letter(last_col - 1)}{row}")
    payload = {"sheet": tab, "range": a1, "row": row, "column": first_col, "numRows": 1,
               "numColumns": len(touched), "header": touched[0] if single else ", ".join(touched),
               "oldValue": old if single else None, "value": value if single else None,
               "editor": "assistant@maker.example",
               "editedAt": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
               "orderId": order_id}
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


# -- the world ----------------------------------------------------------------------------------
class World:
    """Stand-ins in this process, `main.py serve` in a subprocess."""

    def __init__(self, tmp: Path, poll_seconds: int, budget: int, log=print) -> None:
        self.tmp, self.poll_seconds, self.budget, self.log = tmp, poll_seconds, budget, log
        self.sheets = SheetsStandin().start()
        self.shop = ShopifyStandin(realtime=True).start()
        self.sid = self.sheets.create_spreadsheet("TrueCraft bench")
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT),
                    "TRUECRAFT_BACKEND": "google", "GOOGLE_SHEET_ID": self.sid,
                    "GOOGLE_APPLICATION_CREDENTIALS": self.sheets.write_service_account_file(tmp / "sa.json"),
                    "TRUECRAFT_SHEETS_API_URL": self.sheets.url, "TRUECRAFT_DB": str(tmp / "journal.db"),
                    "TRUECRAFT_DOTENV": str(tmp / "none.env"), "TRUECRAFT_RETRY_BASE_SECONDS": "0.05",
                    "TRUECRAFT_POLL_SECONDS": str(poll_seconds),
                    "TRUECRAFT_SHEETS_BUDGET_PER_MINUTE": str(budget),
                    "TRUECRAFT_EDIT_SECRET": EDIT_SECRET, "SHOPIFY_SHOP": "standin",
                    "SHOPIFY_ACCESS_TOKEN": self.shop.token, "SHOPIFY_API_URL": self.shop.url,
                    "SHOPIFY_WEBHOOK_SECRET": SHOPIFY_SECRET}
        self.proc: subprocess.Popen | None = None
        self.log_path = tmp / "serve.log"
        self.samples: list[tuple[float, int]] = []
        self._sampling = threading.Event()
        self._sampler: threading.Thread | None = None
        self.http = requests.Session()

    def main_py(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        """Run `python main.py ARGS` to completion with the bench environment."""
        return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], env=self.env, cwd=self.tmp,
                              capture_output=True, text=True, timeout=timeout)

    def start_serve(self, timeout: float = 60) -> None:
        """Start `main.py serve` and wait for /healthz."""
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "serve", "--port", str(self.port)],
                                     env=self.env, cwd=self.tmp, stdout=self.log_path.open("wb"),
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"serve exited with {self.proc.returncode}:\n{self.serve_log()}")
            try:
                if self.http.get(f"{self.base}/healthz", timeout=1).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"serve did not answer /healthz in {timeout:.0f} s:\n{self.serve_log()}")

    def serve_log(self, tail: int = 40) -> str:
        """The last lines serve printed."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-tail:])
        except OSError:
            return ""

    def start_sampling(self) -> None:
        """Count Sheets API requests every 0.05 s (for the per-minute peak)."""
        def sample() -> None:
            while not self._sampling.wait(0.05):
                self.samples.append((time.monotonic(), len(self.sheets.requests)))
        self.samples = [(time.monotonic(), len(self.sheets.requests))]
        self._sampler = threading.Thread(target=sample, daemon=True, name="sheets-sampler")
        self._sampler.start()

    def stop_sampling(self) -> None:
        """Stop the sampler and take a last sample."""
        self._sampling.set()
        if self._sampler is not None:
            self._sampler.join(2)
        self.samples.append((time.monotonic(), len(self.sheets.requests)))

    def peak_per_minute(self) -> int:
        """Most Sheets requests seen in any 60 s window (to 0.05 s sample resolution)."""
        best, j = 0, 0
        for t, count in self.samples:
            while self.samples[j][0] < t - 60.0:
                j += 1
            best = max(best, count - self.samples[j][1])  # requests between two samples <= 60 s apart
        return best

    def stop(self) -> None:
        """Stop serve (SIGTERM, then kill) and the stand-ins."""
        try:
            if self.proc is not None and self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(30)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(10)
        finally:
            self._sampling.set()
            self.http.close()
            self.shop.stop()
            self.sheets.stop()

    # -- orders in ------------------------------------------------------------------------
    def deliver_order(self, order: dict) -> None:
        """Add the order to the shop and deliver its signed orders/create webhook."""
        self.shop.add_order(order)
        body = json.dumps(order).encode()
        resp = self.http.post(f"{self.base}/webhooks/shopify", data=body, timeout=10, headers={
            "X-Shopify-Hmac-Sha256": _b64_hmac(SHOPIFY_SECRET, body), "X-Shopify-Topic": "orders/create",
            "X-Shopify-Event-Id": f"bench-{order['id']}", "Content-Type": "application/json"})
        resp.raise_for_status()

    def order_ids(self) -> dict[str, str]:
        """Shopify order id -> TC id, for rows now in the stand-in's Orders tab."""
        try:
            rows = self.sheets.values(self.sid, ORDERS)
        except KeyError:
            return {}
        if not rows:
            return {}
        h = rows[0]
        if "Order ID" not in h or "Platform Order #" not in h:
            return {}
        oid, pid = h.index("Order ID"), h.index("Platform Order #")
        return {str(r[pid]).lstrip("#"): str(r[oid]) for r in rows[1:]
                if len(r) > max(oid, pid) and r[oid] and r[pid]}

    def wait_rows(self, orders: list[dict], timeout: float) -> dict[str, str]:
        """Wait until every order has a row; returns Shopify id -> TC id."""
        wanted = {str(o["id"]) for o in orders}
        names = {str(o["name"]).lstrip("#"): str(o["id"]) for o in orders}
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = {names.get(k, k): v for k, v in self.order_ids().items()}
            if wanted <= set(found):
                return {k: found[k] for k in wanted}
            time.sleep(0.2)
        raise RuntimeError(f"only {len(wanted & set(self.order_ids()))}/{len(wanted)} orders reached "
                           f"the sheet in {timeout:.0f} s:\n{self.serve_log()}")

    # -- the edit ---------------------------------------------------------------------------
    def fulfil_in_sheet(self, tc_id: str, carrier: str, tracking: str, push: bool) -> float:
        """Fill Status/Carrier/Tracking # of the row (as one paste), push it if asked; returns the edit time."""
        rows = self.sheets.values(self.sid, ORDERS)
        h = rows[0]
        row = next(i for i, r in enumerate(rows) if i > 0 and r and r[h.index("Order ID")] == tc_id) + 1
        cols = {name: h.index(name) + 1 for name in FULFIL_HEADERS}
        old_status = rows[row - 1][cols["Status"] - 1] if len(rows[row - 1]) >= cols["Status"] else ""
        values = {"Status": "FULFILLED", "Carrier": carrier, "Tracking #": tracking}
        # The three cells land together, as when a person pastes them into the row.
        with self.sheets._state.lock:
            at = time.time()
            for name, value in values.items():
                self.sheets.human_set(self.sid, ORDERS, f"{_col_letter(cols[name] - 1)}{row}", value)
        if push:
            order = sorted(FULFIL_HEADERS, key=cols.get)
            contiguous = [cols[x] for x in order] == list(range(cols[order[0]], cols[order[0]] + 3))
            if contiguous:  # one onEdit for the pasted range
                bodies = [edit_payload(ORDERS, row, cols[order[0]], h, order, None, None, tc_id)]
            else:  # columns were moved apart: one onEdit per cell
                bodies = [edit_payload(ORDERS, row, cols[x], h, [x], old_status if x == "Status" else "",
                                       values[x], tc_id) for x in order]
            for body in bodies:
                resp = self.http.post(f"{self.base}/webhooks/sheet", data=body, timeout=10, headers={
                    "Content-Type": "application/json; charset=utf-8",
                    "X-TrueCraft-Signature": _b64_hmac(EDIT_SECRET, body)})
                if resp.status_code != 200:
                    raise RuntimeError(f"the sheet push was refused ({resp.status_code}): {resp.text}")
        return at

    def creates_for(self, shopify_id: str) -> list:
        """fulfillmentCreate requests the shop received for one order."""
        fo_ids = {fo["id"] for fo in self.shop.fulfillment_orders.get(shopify_id, [])}
        out = []
        for rec in self.shop.requests_to("POST", ShopifyStandin.API_PATH):
            body = rec.body or {}
            if "fulfillmentCreate(" not in (body.get("query") or ""):
                continue
            groups = ((body.get("variables") or {}).get("fulfillment") or {}).get("lineItemsByFulfillmentOrder") or []
            if any(g.get("fulfillmentOrderId") in fo_ids for g in groups):
                out.append(rec)
        return out

    def wait_create(self, shopify_id: str, timeout: float) -> float | None:
        """Arrival time of the order's first fulfillmentCreate, or None after `timeout`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.creates_for(shopify_id)
            if got:
                return min(r.at for r in got)
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"serve died ({self.proc.returncode}):\n{self.serve_log()}")
            time.sleep(0.01)
        return None


# -- the run ------------------------------------------------------------------------------------
def run(n: int = 20, poll_seconds: int = 10, modes: tuple[str, ...] = MODES, budget: int = 50,
        seed: int = 7, log=print, settle: float | None = None, push_gap: float = 1.0) -> BenchResult:
    """Run the benchmark; n orders per mode; `settle` s (default two poll cycles) before counting.

    push_gap: mean pause (uniform 0.5x..1.5x) between one pushed fulfilment arriving and the next edit.
    """
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="tc-edit-bench-") as tmpdir:
        world = World(Path(tmpdir), poll_seconds, budget, log)
        try:
            init = world.main_py("init")
            if init.returncode != 0:
                raise RuntimeError(f"`main.py init` failed:\n{init.stdout}\n{init.stderr}")
            world.start_serve()
            orders = shopify_orders(n * len(modes))
            for order in orders:
                world.deliver_order(order)
            tc = world.wait_rows(orders, timeout=60 + 2 * poll_seconds)
            log(f"{len(orders)} Shopify orders are rows in the sheet; measuring {', '.join(modes)} "
                f"({n} edits each, polls every {poll_seconds} s)")
            started = time.monotonic()
            world.start_sampling()
            results: dict[str, ModeResult] = {}
            serial = 0
            for m, mode in enumerate(modes):
                res = results[mode] = ModeResult(mode)
                before = len(world.sheets.requests)
                for order in orders[m * n:(m + 1) * n]:
                    sid = str(order["id"])
                    # Edits land at a random point of the poll cycle (people don't watch the clock);
                    # pushes get a pause so one edit's work doesn't overlap the next.
                    time.sleep(rng.uniform(0, poll_seconds) if mode == "poll"
                               else rng.uniform(0.5 * push_gap, 1.5 * push_gap))
                    serial += 1
                    at = world.fulfil_in_sheet(tc[sid], "UPS", f"1Z999AA1{serial:010d}", push=mode == "push")
                    arrived = world.wait_create(sid, timeout=3 * poll_seconds + 90)
                    res.latencies.append(None if arrived is None else arrived - at)
                    shown = "never" if arrived is None else f"{arrived - at:6.2f} s"
                    log(f"  {mode:4} {tc[sid]:>6} -> fulfillmentCreate {shown}")
                res.sheets_requests = len(world.sheets.requests) - before
            # Let a couple of cycles pass so a repeated push would show up before counting.
            time.sleep(min(2 * poll_seconds + 2, 30) if settle is None else settle)
            world.stop_sampling()
            seconds = time.monotonic() - started
            fulfilments = {str(o["id"]): len(world.shop.fulfilments(str(o["id"]))) for o in orders}
            creates = {str(o["id"]): len(world.creates_for(str(o["id"]))) for o in orders}
            return BenchResult(n, poll_seconds, budget, results, fulfilments, creates,
                               world.samples[-1][1] - world.samples[0][1], seconds, world.peak_per_minute())
        finally:
            world.stop()


def report(r: BenchResult) -> str:
    """The benchmark's printed summary."""
    lines = [f"edit -> Shopify fulfillmentCreate, {r.n} edits per mode, TRUECRAFT_POLL_SECONDS={r.poll_seconds}",
             f"{'mode':<24}{'p50 s':>8}{'p95 s':>8}{'max s':>8}{'arrived':>10}{'Sheets req':>12}"]
    names = {"push": "with sheet push", "poll": "polling only"}
    for mode, res in r.modes.items():
        got = res.arrived()
        if got:
            lines.append(f"{names[mode]:<24}{_percentile(got, 50):>8.2f}{_percentile(got, 95):>8.2f}"
                         f"{got[-1]:>8.2f}{len(got):>6}/{len(res.latencies):<3}{res.sheets_requests:>12}")
        else:
            lines.append(f"{names[mode]:<24}{'-':>8}{'-':>8}{'-':>8}{0:>6}/{len(res.latencies):<3}"
                         f"{res.sheets_requests:>12}")
    per_min = r.sheets_requests / max(r.seconds, 60.0) * 60  # a run under a minute is one window
    lines.append(f"Sheets API requests while measuring: {r.sheets_requests} in {r.seconds:.0f} s = "
                 f"{per_min:.1f}/min average, peak {r.peak_per_minute} in any 60 s "
                 f"(TRUECRAFT_SHEETS_BUDGET_PER_MINUTE={r.budget}: "
                 f"{'within' if r.peak_per_minute <= r.budget else 'OVER'})")
    extra = {k: v for k, v in r.creates.items() if v != 1}
    lines.append(f"exactly once: {sum(1 for v in r.fulfilments.values() if v == 1)}/{len(r.fulfilments)} orders "
                 f"hold exactly 1 fulfilment ({'OK' if r.exactly_once else 'FAILED'}); "
                 f"fulfillmentCreate requests: {sum(r.creates.values())}"
                 + (f" (orders with != 1 request: {extra})" if extra else ""))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Parse flags, run, print; exit 1 if a fulfilment is missing or doubled or the budget was exceeded."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=None, help="edits per mode (default 20; 3 with --quick)")
    parser.add_argument("--poll-seconds", type=int, default=None,
                        help="TRUECRAFT_POLL_SECONDS for serve (default 10; 5 with --quick)")
    parser.add_argument("--budget", type=int, default=50, help="TRUECRAFT_SHEETS_BUDGET_PER_MINUTE (default 50)")
    parser.add_argument("--mode", choices=("both",) + MODES, default="both", help="which modes to run")
    parser.add_argument("--push-gap", type=float, default=1.0,
                        help="mean seconds between one pushed fulfilment landing and the next edit (default 1: "
                             "a fast burst; a person packing parcels is more like 30)")
    parser.add_argument("--quick", action="store_true", help="a short smoke run (3 edits, 5 s polls)")
    parser.add_argument("--seed", type=int, default=7, help="random seed for edit timing")
    args = parser.parse_args(argv)
    n = args.n if args.n is not None else (3 if args.quick else 20)
    poll = args.poll_seconds if args.poll_seconds is not None else (5 if args.quick else 10)
    modes = MODES if args.mode == "both" else (args.mode,)
    result = run(n, poll, modes, args.budget, args.seed, push_gap=args.push_gap)
    print(report(result))
    ok = result.exactly_once and result.peak_per_minute <= result.budget and \
        all(x is not None for m in result.modes.values() for x in m.latencies)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
