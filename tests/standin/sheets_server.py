"""SheetsStandin: a loopback Google Sheets API v4 stand-in that the real gspread can talk to."""
from __future__ import annotations

import argparse
import itertools
import json
import secrets
import threading
import time

from werkzeug.serving import WSGIRequestHandler, make_server

from tests.standin import cellvalues
from tests.standin.a1 import parse_cells
from tests.standin.sheets_app import SheetsApp, StandinState
from tests.standin.sheets_batchupdate import sort_range
from tests.standin.sheets_model import Sheet, Spreadsheet

_KEY_LOCK = threading.Lock()
_KEY_PEM: str | None = None


def _private_key_pem() -> str:
    """One RSA key per process: generating keys is slow and any valid key will do."""
    global _KEY_PEM
    with _KEY_LOCK:
        if _KEY_PEM is None:
            from cryptography.hazmat.primitives import serialization
            from cryptography.hazmat.primitives.asymmetric import rsa
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            _KEY_PEM = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption()).decode()
        return _KEY_PEM


class _QuietHandler(WSGIRequestHandler):
    """Request handler that keeps werkzeug's per-request log lines out of test output."""

    def log_request(self, *args, **kwargs):
        """Skip access logging."""


class SheetsStandin:
    """In-memory Sheets API served on 127.0.0.1; see the test files for usage."""

    def __init__(self):
        self._state = StandinState()
        self._server = None
        self._thread = None
        self.url = ""

    # --- lifecycle -------------------------------------------------------
    def start(self, port: int = 0) -> "SheetsStandin":
        """Serve on 127.0.0.1 (a free port unless given) in a daemon thread."""
        self._server = make_server("127.0.0.1", port, SheetsApp(self._state), threaded=True,
                                   request_handler=_QuietHandler)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True,
                                        name="sheets-standin")
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def token_uri(self) -> str:
        """The OAuth token endpoint to put in service-account files."""
        return self.url + "/token"

    def write_service_account_file(self, path) -> str:
        """Write a service-account JSON whose token_uri points here; returns the path."""
        info = {
            "type": "service_account", "project_id": "standin-project",
            "private_key_id": secrets.token_hex(20), "private_key": _private_key_pem(),
            "client_email": "standin@standin-project.iam.gserviceaccount.com",
            "client_id": "100000000000000000000", "token_uri": self.token_uri,
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
            "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/standin",
            "universe_domain": "googleapis.com",
        }
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(info, fh, indent=2)
        return str(path)

    # --- model access ----------------------------------------------------
    def create_spreadsheet(self, title: str = "Untitled spreadsheet") -> str:
        """Create a spreadsheet with one 'Sheet1' tab (1000x26); returns its id."""
        sid = "1" + secrets.token_urlsafe(32)[:43]  # Google ids are 44 url-safe chars
        with self._state.lock:
            self._state.spreadsheets[sid] = Spreadsheet(sid, title)
        return sid

    def spreadsheet(self, sid: str) -> Spreadsheet:
        """The model object of a spreadsheet (inspect under your own risk of races)."""
        return self._state.spreadsheets[sid]

    def sheet(self, sid: str, tab: str) -> Sheet:
        """The model object of one tab: .properties, .conditional_formats, .protected_ranges..."""
        sheet = self._state.spreadsheets[sid].find(tab)
        if sheet is None:
            raise KeyError(f"no tab {tab!r} in {sid}")
        return sheet

    def values(self, sid: str, tab: str, render: str = "FORMATTED_VALUE") -> list[list]:
        """What a person sees in a tab: rendered values, trailing empties trimmed."""
        with self._state.lock:
            sheet = self.sheet(sid, tab)
            last_r, last_c = sheet.data_extent()
            if last_r < 0:
                return []
            return sheet.render_grid(0, 0, last_r, last_c, render)

    def _cell(self, a1: str) -> tuple[int, int]:
        """Parse a single-cell A1 reference."""
        bounds = parse_cells(a1)
        if bounds is None or bounds[0] is None or bounds[1] is None:
            raise ValueError(f"not a cell: {a1!r}")
        return bounds[0], bounds[1]

    def is_formula(self, sid: str, tab: str, a1: str) -> bool:
        """True when the cell holds a formula (e.g. written with USER_ENTERED '=...')."""
        with self._state.lock:
            cell = self.sheet(sid, tab).lookup(*self._cell(a1))
            return "formulaValue" in (cell.get("v") or {})

    # --- request log & faults ---------------------------------------------
    @property
    def requests(self) -> list[tuple[str, str, dict]]:
        """A copy of (method, path, query) for every API request so far (not /token)."""
        with self._state.lock:
            return list(self._state.requests)

    def reset_counts(self) -> None:
        """Forget the request log."""
        with self._state.lock:
            self._state.requests.clear()
            self._state.body_sizes.clear()

    @property
    def body_sizes(self) -> list[int]:
        """The body size in bytes of every API request so far (same order as `requests`)."""
        with self._state.lock:
            return list(self._state.body_sizes)

    def fail_next(self, n: int, status: int = 429, retry_after=None) -> None:
        """The next n API requests fail with `status` (and Retry-After if given)."""
        with self._state.lock:
            self._state.fail_queue.extend([(status, retry_after)] * n)

    def fail_until(self, timestamp: float, statuses=(429, 500, 503)) -> None:
        """Every API request fails until time.time() >= timestamp, cycling statuses."""
        with self._state.lock:
            self._state.fail_until_ts = timestamp
            self._state.fail_cycle = itertools.cycle(tuple(statuses))

    # --- human edits ---------------------------------------------------------
    def human_sort(self, sid: str, tab: str, column_index: int, ascending: bool = True) -> None:
        """Sort rows 2..N by a 0-based column, as a person using Data > Sort range."""
        with self._state.lock:
            ss = self._state.spreadsheets[sid]
            sheet = self.sheet(sid, tab)
            last_r, last_c = sheet.data_extent()
            if last_r < 1:
                return
            sort_range(ss, {"range": {"sheetId": sheet.sheet_id, "startRowIndex": 1,
                                      "endRowIndex": last_r + 1, "startColumnIndex": 0,
                                      "endColumnIndex": max(last_c, column_index) + 1},
                            "sortSpecs": [{"dimensionIndex": column_index,
                                           "sortOrder": "ASCENDING" if ascending else "DESCENDING"}]})

    def human_insert_rows(self, sid: str, tab: str, at_row_index: int, count: int) -> None:
        """Insert blank rows before a 0-based row index."""
        with self._state.lock:
            self.sheet(sid, tab).shift("ROWS", at_row_index, count)

    def human_insert_columns(self, sid: str, tab: str, at_col_index: int, count: int) -> None:
        """Insert blank columns before a 0-based column index."""
        with self._state.lock:
            self.sheet(sid, tab).shift("COLUMNS", at_col_index, count)

    def human_delete_rows(self, sid: str, tab: str, start: int, end: int) -> None:
        """Delete rows [start, end) (0-based, end exclusive)."""
        with self._state.lock:
            self.sheet(sid, tab).shift("ROWS", start, -(end - start))

    def human_set(self, sid: str, tab: str, a1: str, value) -> None:
        """Set a cell as if typed in the UI (USER_ENTERED parsing); grows the grid if needed."""
        r, c = self._cell(a1)
        with self._state.lock:
            sheet = self.sheet(sid, tab)
            sheet.grid["rowCount"] = max(sheet.rows, r + 1)
            sheet.grid["columnCount"] = max(sheet.cols, c + 1)
            # What a person types goes through the cell's number format (FACTS 3).
            sheet.set_cell(r, c, cellvalues.parse_input(value, "USER_ENTERED", sheet.lookup(r, c).get("fmt")))


def offline_credentials(creds):
    """Stop google-auth's background Regional Access Boundary lookup (a call to
    iamcredentials.googleapis.com) by presetting the 'no boundary' answer; tests stay on loopback."""
    import datetime as dt
    far = dt.datetime.utcnow() + dt.timedelta(days=3650)
    creds._set_regional_access_boundary({"encodedLocations": "0x0", "expiry": far})
    return creds


def main(argv=None) -> None:
    """Run in the foreground: prints the URL, a spreadsheet id and a credentials file path."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--title", default="TrueCraft")
    parser.add_argument("--credentials", default=None, help="write a service-account file here")
    args = parser.parse_args(argv)
    standin = SheetsStandin().start(args.port)
    sid = standin.create_spreadsheet(args.title)
    print(f"url={standin.url}", flush=True)
    print(f"spreadsheet_id={sid}", flush=True)
    if args.credentials:
        print(f"credentials={standin.write_service_account_file(args.credentials)}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        standin.stop()


if __name__ == "__main__":
    main()
