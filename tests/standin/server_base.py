"""Shared plumbing for loopback platform stand-ins: a threaded werkzeug server,
request recording and fault injection (fail the next n requests with a status,
before or after the request takes effect)."""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from flask import Flask, Response, jsonify, request
from werkzeug.serving import make_server

# One access-log line per request drowns test output; failures are asserted instead.
logging.getLogger("werkzeug").setLevel(logging.ERROR)


@dataclass
class Recorded:
    """One request as the stand-in saw it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    answered: int = 0
    spec_errors: list[str] = field(default_factory=list)
    at: float = field(default_factory=time.time)  # arrival (wall clock), for latency benchmarks


@dataclass
class _Fault:
    status: int
    after_commit: bool
    headers: dict[str, str]
    when: Callable[[Recorded], bool] | None = None


class StandinServer:
    """Base for a Flask fake of one platform API on 127.0.0.1 with a free port."""

    def __init__(self, name: str) -> None:
        self.app = Flask(name)
        self.requests: list[Recorded] = []
        self.lock = threading.RLock()
        self._faults: list[_Fault] = []
        self.slow_when: Callable[[Recorded], bool] | None = None  # requests answered slowly
        self.slow_seconds = 0.0
        self._server = None
        self._thread: threading.Thread | None = None
        self.app.before_request(self._before)
        self.app.after_request(self._after)

    # -- lifecycle -----------------------------------------------------------
    def start(self) -> "StandinServer":
        """Serve on a free loopback port in a background thread."""
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Shut the server down."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:54321."""
        assert self._server is not None, "stand-in not started"
        return f"http://127.0.0.1:{self._server.server_port}"

    def __enter__(self) -> "StandinServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- faults and records ----------------------------------------------------
    def fail_next(self, n: int, status: int, after_commit: bool = False,
                  headers: dict[str, str] | None = None,
                  when: Callable[[Recorded], bool] | None = None) -> None:
        """Answer the next n requests (matching `when`) with `status`; after_commit: do the work, then fail."""
        with self.lock:
            self._faults.extend(_Fault(status, after_commit, dict(headers or {}), when) for _ in range(n))

    def spec_errors(self) -> list[str]:
        """Every spec violation seen in any request."""
        with self.lock:
            return [e for r in self.requests for e in r.spec_errors]

    def requests_to(self, method: str, path_part: str = "") -> list[Recorded]:
        """Recorded requests with this method whose path contains `path_part`."""
        with self.lock:
            return [r for r in self.requests if r.method == method and path_part in r.path]

    def _before(self) -> Response | None:
        body = request.get_json(silent=True) if request.is_json else (request.form.to_dict() or None)
        rec = Recorded(request.method, request.path, request.args.to_dict(),
                       {k.lower(): v for k, v in request.headers.items()}, body)
        with self.lock:
            self.requests.append(rec)
            fault = next((f for f in self._faults if f.when is None or f.when(rec)), None)
            if fault is not None:
                self._faults.remove(fault)
        request.environ["standin.record"] = rec
        if self.slow_when is not None and self.slow_when(rec):
            time.sleep(self.slow_seconds)  # a real platform takes time to commit a write
        if fault is not None and not fault.after_commit:
            return self._fault_response(fault)
        request.environ["standin.fault"] = fault
        return None

    def _after(self, response: Response) -> Response:
        fault = request.environ.get("standin.fault")
        if fault is not None:
            response = self._fault_response(fault)
        rec = request.environ.get("standin.record")
        if rec is not None:
            rec.answered = response.status_code
        return response

    @staticmethod
    def _fault_response(fault: _Fault) -> Response:
        resp = jsonify({"error": f"injected fault {fault.status}"})
        resp.status_code = fault.status
        for key, value in fault.headers.items():
            resp.headers[key] = value
        return resp

    def record_spec_errors(self, errors: list[str]) -> None:
        """Attach spec violations to the current request's record."""
        rec = request.environ.get("standin.record")
        if rec is not None:
            rec.spec_errors.extend(errors)
