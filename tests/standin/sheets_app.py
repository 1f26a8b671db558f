"""WSGI app routing Sheets API v4 paths to the model, with auth, logging and fault injection."""
from __future__ import annotations

import copy
import itertools
import json
import pickle
import threading
import time
from urllib.parse import parse_qs, unquote, urlsplit

from werkzeug.wrappers import Request, Response

from tests.standin import sheets_values as sv
from tests.standin.fieldmask import parse_mask, select
from tests.standin.oauth_token import issue_token
from tests.standin.sheets_batchdispatch import apply_batch
from tests.standin.sheets_model import ApiError, Spreadsheet

# FACTS 5: Google refuses a request body over 10,485,760 bytes with this 400 INVALID_ARGUMENT text
# (googleworkspace/dotnet-samples#23, talendcomp_tGoogleSheet#1, PSGSuite#62).
MAX_BODY_BYTES = 10_485_760
_TOO_BIG = f"Request payload size exceeds the limit: {MAX_BODY_BYTES} bytes."
_AUTH_HELP = ("Expected OAuth 2 access token, login cookie or other valid authentication credential. "
              "See https://developers.google.com/identity/sign-in/web/devconsole-project.")
_FAULT_MESSAGES = {
    429: "Quota exceeded for quota metric '{kind} requests' and limit '{kind} requests per minute per user' "
         "of service 'sheets.googleapis.com' for consumer 'project_number:000000000000'.",
    500: "Internal error encountered.",
    503: "The service is currently unavailable.",
}


class StandinState:
    """Everything the app shares across threads; one lock guards the model."""

    def __init__(self):
        self.lock = threading.RLock()
        self.spreadsheets: dict[str, Spreadsheet] = {}
        self.tokens: set[str] = set()
        self.requests: list[tuple[str, str, dict]] = []
        self.body_sizes: list[int] = []
        self.fail_queue: list[tuple[int, float | None]] = []
        self.fail_until_ts = 0.0
        self.fail_cycle = itertools.cycle((429,))

    def next_fault(self) -> tuple[int, float | None] | None:
        """Pop the next injected failure, if any (caller holds the lock)."""
        if self.fail_queue:
            return self.fail_queue.pop(0)
        if time.time() < self.fail_until_ts:
            return next(self.fail_cycle), None
        return None


def _json(status: int, body: dict, headers: dict | None = None, pretty: bool = True) -> Response:
    """A JSON response with Google's content type.

    Google indents its JSON unless the request says `prettyPrint=false`, a system parameter of
    every Google REST API (https://cloud.google.com/apis/docs/system-parameters: "Returns
    response with indentations and line breaks. Default true").
    """
    text = (json.dumps(body, indent=2, ensure_ascii=False) if pretty
            else json.dumps(body, ensure_ascii=False, separators=(",", ":")))
    return Response(text, status=status, headers=headers or {}, content_type="application/json; charset=UTF-8")


def _fault_error(code: int, method: str) -> ApiError:
    """Google's error for an injected 429/500/503."""
    kind = "Read" if method == "GET" else "Write"
    msg = _FAULT_MESSAGES.get(code, "Injected failure.").format(kind=kind)
    details = None
    if code == 429:
        details = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "RATE_LIMIT_EXCEEDED",
                    "domain": "googleapis.com",
                    "metadata": {"service": "sheets.googleapis.com", "quota_limit_value": "60",
                                 "quota_metric": f"sheets.googleapis.com/{kind.lower()}_requests",
                                 "consumer": "projects/000000000000"}}]
    return ApiError(code, msg, details)


def _raw_path(request: Request) -> str:
    """The still-encoded path, so %2F and %3A inside ranges do not confuse routing."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if raw:
        return urlsplit(raw).path
    return request.environ.get("PATH_INFO", "")


class SheetsApp:
    """The WSGI callable."""

    def __init__(self, state: StandinState):
        self.state = state

    def __call__(self, environ, start_response):
        """WSGI entry point."""
        request = Request(environ)
        return self.dispatch(request)(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        """Route one request, turning ApiError into Google's error body."""
        path = _raw_path(request)
        if path == "/token":
            return self.token(request)
        query = {k: v[0] if len(v) == 1 else v
                 for k, v in parse_qs(request.query_string.decode(), keep_blank_values=True).items()}
        with self.state.lock:
            self.state.requests.append((request.method, unquote(path), query))
            self.state.body_sizes.append(request.content_length or 0)
            fault = self.state.next_fault()
        try:
            if fault:
                code, retry_after = fault
                err = _fault_error(code, request.method)
                headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
                return _json(code, err.body(), headers)
            self.check_auth(request)
            if request.content_length and request.content_length > MAX_BODY_BYTES:
                request.get_data()  # drain it, so the client reads our answer instead of a reset
                raise ApiError(400, _TOO_BIG)
            pretty = str(query.get("prettyPrint", "true")).lower() != "false"
            with self.state.lock:
                return _json(200, self.route(request, path), pretty=pretty)
        except ApiError as err:
            return _json(err.code, err.body())

    def token(self, request: Request) -> Response:
        """POST /token (OAuth JWT-bearer grant)."""
        status, body, token = issue_token(request.form.to_dict())
        if token:
            with self.state.lock:
                self.state.tokens.add(token)
        return _json(status, body)

    def check_auth(self, request: Request) -> None:
        """401 UNAUTHENTICATED unless a token issued by /token is presented."""
        header = request.headers.get("Authorization", "")
        if not header:
            raise ApiError(401, "Request is missing required authentication credential. " + _AUTH_HELP)
        scheme, _, token = header.partition(" ")
        with self.state.lock:
            known = token in self.state.tokens
        if scheme.lower() != "bearer" or not known:
            raise ApiError(401, "Request had invalid authentication credentials. " + _AUTH_HELP)

    def _spreadsheet(self, sid: str) -> Spreadsheet:
        """Look up a spreadsheet or 404 like Google."""
        ss = self.state.spreadsheets.get(sid)
        if ss is None:
            raise ApiError(404, "Requested entity was not found.")
        return ss

    @staticmethod
    def _body(request: Request) -> dict:
        """Parse the JSON body or 400 like Google."""
        try:
            body = json.loads(request.get_data(as_text=True) or "{}")
        except ValueError as err:
            raise ApiError(400, f"Invalid JSON payload received. {err}") from err
        if not isinstance(body, dict):
            raise ApiError(400, "Invalid JSON payload received. Expected an object.")
        return body

    def route(self, request: Request, path: str) -> dict:
        """Map a path to a handler (caller holds the lock)."""
        prefix = "/v4/spreadsheets/"
        method = request.method
        if not path.startswith(prefix):
            raise ApiError(404, "Requested entity was not found.")
        rest = path[len(prefix):]
        params = request.args
        if "/values" in rest:
            sid, _, vpath = rest.partition("/values")
            ss = self._spreadsheet(unquote(sid))
            return self.route_values(request, ss, vpath, params)
        sid, _, action = rest.partition(":")
        ss = self._spreadsheet(unquote(sid))
        if method == "GET" and not action:
            return self.get_spreadsheet(ss, params)
        if method == "POST" and action == "batchUpdate":
            return apply_batch(ss, self._body(request), lambda: self._snapshot(ss, request),
                               lambda saved: self._restore(ss, saved))
        raise ApiError(404, "Requested entity was not found.")

    @staticmethod
    def _snapshot(ss: Spreadsheet, request: Request):
        """Copy state for rollback; skipped for one-request batches to keep big sheets fast."""
        if len(json.loads(request.get_data(as_text=True)).get("requests", [])) <= 1:
            return None
        # Kept as bytes and unpickled only on a rollback: a whole copy per batch cost ~6 s at 50,000 rows.
        return pickle.dumps(ss.__dict__, protocol=pickle.HIGHEST_PROTOCOL)

    @staticmethod
    def _restore(ss: Spreadsheet, saved) -> None:
        """Roll back a failed multi-request batch."""
        if saved is not None:
            ss.__dict__.clear()
            ss.__dict__.update(pickle.loads(saved))

    def route_values(self, request: Request, ss: Spreadsheet, vpath: str, params) -> dict:
        """Dispatch spreadsheets.values.* (vpath is what follows '/values')."""
        method = request.method
        if vpath.startswith(":"):
            action = vpath[1:]
            if method == "GET" and action == "batchGet":
                return sv.batch_get(ss, params.getlist("ranges"), params)
            if method == "POST" and action == "batchUpdate":
                return sv.batch_update(ss, self._body(request))
            if method == "POST" and action == "batchClear":
                return sv.batch_clear(ss, self._body(request))
            raise ApiError(404, "Requested entity was not found.")
        encoded = vpath.lstrip("/")
        action = ""
        for suffix in (":append", ":clear"):
            if encoded.endswith(suffix):
                encoded, action = encoded[: -len(suffix)], suffix[1:]
        rng = unquote(encoded)
        if method == "GET" and not action:
            return sv.value_range(ss, rng, params)
        if method == "PUT" and not action:
            return sv.update(ss, rng, self._body(request), params)
        if method == "POST" and action == "append":
            return sv.append(ss, rng, self._body(request), params)
        if method == "POST" and action == "clear":
            return sv.clear(ss, rng)
        raise ApiError(404, "Requested entity was not found.")

    def get_spreadsheet(self, ss: Spreadsheet, params) -> dict:
        """spreadsheets.get, with grid data for `ranges` when asked and a `fields` mask."""
        out = ss.to_json()
        fields = params.get("fields")
        ranges = params.getlist("ranges")
        want_grid = params.get("includeGridData", "false").lower() == "true" or (
            fields is not None and any("data" in p for p in parse_mask(fields)))
        if ranges:
            picked: dict[int, list] = {}
            for text in ranges:
                sheet, rng = sv.resolve(ss, text)
                picked.setdefault(sheet.sheet_id, []).append(sheet.grid_data(*sheet.bounds(rng)))
            out["sheets"] = [s for s in out["sheets"] if s["properties"]["sheetId"] in picked]
            if want_grid:
                for entry in out["sheets"]:
                    entry["data"] = picked[entry["properties"]["sheetId"]]
        elif want_grid:
            for entry, sheet in zip(out["sheets"], ss.sheets):
                entry["data"] = [sheet.grid_data(0, 0, sheet.rows - 1, sheet.cols - 1)]
        if fields:
            out = select(out, parse_mask(fields))
            _prune_row_data(out)
        return out


def _prune_row_data(out: dict) -> None:
    """Google drops rowData whose cells are all empty after masking."""
    for entry in out.get("sheets", []):
        for data in entry.get("data", []):
            rows = data.get("rowData")
            if rows is not None and not any(v for r in rows for v in r.get("values", [])):
                del data["rowData"]
