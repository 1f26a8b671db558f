"""The Google Sheets backend: the real gspread over HTTP, with our retries and request budget.

All values are written with valueInputOption=RAW, so customer text like
=IMPORTXML(...) is stored as text and never evaluated. (gspread's
update_cell always sends USER_ENTERED, so we never use it.) gspread's
BackOffHTTPClient retries forever; we use the plain client and retry in
core.http, bounded.
"""
from __future__ import annotations

import logging
from typing import Any

import gspread
import requests
from google.auth.exceptions import GoogleAuthError
from google.auth.transport.requests import AuthorizedSession
from google.oauth2 import service_account

from core.http import RequestBudget, RetryingMixin, RetryPolicy
from sheet_schema.schema import col_letter, quote_tab
from sheets.base import SheetBackend, SheetUnavailable, TabData, WriteBatch
from sheets.prewrite import TabsChanged, fresh_for_write, remap_to_headers
from sheets.google_append import AppendReport, Appender, format_requests
from sheets.google_rows import api_value, split_by_size
from sheets.verify import apply_deltas, keyed_tabs, reaim

log = logging.getLogger("truecraft.google")
SCOPES = ["https://www.googleapis.com/auth/spreadsheets"]
GOOGLE_BASE = "https://sheets.googleapis.com"
# spreadsheets.batchUpdate requests that give the same result when sent twice; anything
# else (addSheet, addConditionalFormatRule, insertDimension…) is never resent blindly.
IDEMPOTENT_KINDS = frozenset({"repeatCell", "setDataValidation", "updateCells", "updateSheetProperties",
                              "updateDimensionProperties", "updateSpreadsheetProperties", "setBasicFilter",
                              "updateBorders", "autoResizeDimensions", "updateConditionalFormatRule"})


class GoogleSession(RetryingMixin, AuthorizedSession):
    """AuthorizedSession that sends Sheets calls to TRUECRAFT_SHEETS_API_URL, within budget, with retries."""

    def __init__(self, credentials, base_url: str, policy: RetryPolicy, budget: RequestBudget) -> None:
        super().__init__(credentials)
        self.base_url = base_url.rstrip("/")
        self.policy, self.budget = policy, budget
        self.requests_sent = 0
        self.bytes_received = 0  # response bodies, for the scale benchmark (bench/sheet_scale.py)

    def request(self, method, url, *args, **kwargs):
        """Redirect, count, and send with retries."""
        if url.startswith(GOOGLE_BASE) and self.base_url != GOOGLE_BASE:
            url = self.base_url + url[len(GOOGLE_BASE):]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.policy.timeout
        self.requests_sent += 1
        resp = super().request(method, url, *args, **kwargs)
        self.bytes_received += len(resp.content or b"")
        return resp

    def is_idempotent(self, method: str, url: str, kwargs: dict) -> bool:
        """values.append and batchUpdates that add things are not (FACTS 4); reads and cell writes are."""
        if method.upper() != "POST" or "/values:batch" in url:
            return True
        if url.endswith(":append") or ":append?" in url:
            return False
        if url.split("?")[0].endswith(":batchUpdate"):
            body = kwargs.get("json") or {}
            return all(set(r) <= IDEMPOTENT_KINDS for r in body.get("requests", [{"?": 1}]))
        return False


def plain_error(exc: Exception) -> str:
    """Turn a Google/gspread/network error into words a seller can act on."""
    if isinstance(exc, gspread.exceptions.SpreadsheetNotFound):
        return "Google can't find that sheet. Check GOOGLE_SHEET_ID (the long id in the sheet's web address)."
    if isinstance(exc, gspread.exceptions.APIError):
        code = exc.code
        if code in (401, 403):
            return ("Google refused access to the sheet. Share the sheet with the service account's "
                    "email (Editor) and check GOOGLE_APPLICATION_CREDENTIALS.")
        if code == 404:
            return "Google can't find that sheet. Check GOOGLE_SHEET_ID (the long id in the sheet's web address)."
        if code == 429:
            return "Google's request limit was reached; TrueCraft will slow down and catch up by itself."
        if code >= 500:
            return "Google Sheets is having trouble right now; TrueCraft will retry by itself."
        return f"Google Sheets rejected a request ({exc.error.get('message', '')[:200]})."
    if isinstance(exc, (requests.ConnectionError, requests.Timeout)):
        return "Can't reach Google Sheets (network). TrueCraft will retry by itself."
    if isinstance(exc, GoogleAuthError):
        return "Google sign-in failed: check the service-account file in GOOGLE_APPLICATION_CREDENTIALS."
    return f"Google Sheets error: {type(exc).__name__}"


class GoogleSheetsBackend(SheetBackend):
    """A Google Sheet, through gspread."""

    name = "Google Sheets"
    selective = True

    def __init__(self, sheet_id: str, credentials_file: str, base_url: str = GOOGLE_BASE,
                 budget_per_minute: int = 50, policy: RetryPolicy | None = None) -> None:
        if not sheet_id:
            raise SheetUnavailable("GOOGLE_SHEET_ID is not set: put the sheet's id (from its web address) in .env")
        try:
            creds = service_account.Credentials.from_service_account_file(credentials_file, scopes=SCOPES)
        except (OSError, ValueError) as exc:
            raise SheetUnavailable(
                f"Can't read the Google service-account file '{credentials_file}': set "
                f"GOOGLE_APPLICATION_CREDENTIALS to the JSON key you downloaded ({type(exc).__name__})") from None
        if base_url.rstrip("/") != GOOGLE_BASE:
            _skip_boundary_lookup(creds)
        self.budget = RequestBudget(budget_per_minute)
        self.session = GoogleSession(creds, base_url, policy or RetryPolicy.from_env(), self.budget)
        self.client = gspread.Client(auth=creds, session=self.session)
        self.sheet_id = sheet_id
        self._sh: gspread.Spreadsheet | None = None
        self._titles: dict[str, int] = {}
        self._headers: dict[str, list[str]] = {}  # header rows from the latest read, for appends
        self.last_append = AppendReport()
        # the key columns read right before the latest write: the watch reader checks its expected Order IDs
        self.last_fresh: dict[str, TabData] = {}
        self.layout_epoch = 0  # bumped when a write finds a header row changed since the cycle's read

    def describe(self) -> str:
        """Which sheet."""
        return f"Google Sheet {self.sheet_id}"

    def _call(self, fn, *args, **kwargs) -> Any:
        try:
            return fn(*args, **kwargs)
        except (gspread.exceptions.APIError, gspread.exceptions.SpreadsheetNotFound,
                requests.RequestException, GoogleAuthError) as exc:
            raise SheetUnavailable(plain_error(exc)) from exc

    @property
    def spreadsheet(self) -> gspread.Spreadsheet:
        """The spreadsheet handle (one metadata request the first time)."""
        if self._sh is None:
            self._sh = self._call(self.client.open_by_key, self.sheet_id)
            self.refresh_metadata()
        return self._sh

    def refresh_metadata(self) -> dict:
        """Fetch tab titles, rules and protections (one request)."""
        meta = self._call(self.spreadsheet.fetch_sheet_metadata)
        self._titles = {s["properties"]["title"]: s["properties"]["sheetId"] for s in meta.get("sheets", [])}
        return meta

    def read(self, tabs: list[str], _retry: bool = True) -> dict[str, TabData]:
        """Whole tabs in one values.batchGet; tabs that don't exist come back with exists=False."""
        sh = self.spreadsheet
        present = [t for t in tabs if t in self._titles]
        out = {t: TabData(t, [], exists=False) for t in tabs if t not in present}
        if not present:
            return out
        try:
            resp = sh.values_batch_get([quote_tab(t) for t in present],
                                       params={"valueRenderOption": "FORMATTED_VALUE"})
        except gspread.exceptions.APIError as exc:
            if exc.code == 400 and _retry:  # a tab was renamed or deleted since we looked
                self.refresh_metadata()
                return self.read(tabs, _retry=False)
            raise SheetUnavailable(plain_error(exc)) from exc
        except (requests.RequestException, GoogleAuthError) as exc:
            raise SheetUnavailable(plain_error(exc)) from exc
        for tab, vr in zip(present, resp.get("valueRanges", [])):
            out[tab] = TabData(tab, [[str(v) for v in row] for row in vr.get("values", [])])
            self._headers[tab] = out[tab].header
        return out

    def tab_titles(self) -> set[str]:
        """Titles of the tabs the spreadsheet has (as of the last metadata fetch)."""
        self.spreadsheet  # noqa: B018 - opens and loads metadata the first time
        return set(self._titles)

    def read_ranges(self, ranges: list[str], columns: bool = False) -> list[list[list[str]]]:
        """The values of each A1 range, in one values.batchGet; a vanished tab refreshes the tab list first.

        columns=True answers column by column (majorDimension COLUMNS): a long single column
        comes as one list instead of one bracketed list per row, about a third fewer bytes.
        """
        if not ranges:
            return []
        params = {"valueRenderOption": "FORMATTED_VALUE", "prettyPrint": "false"}
        if columns:
            params["majorDimension"] = "COLUMNS"
        try:
            # prettyPrint=false: Google's JSON without indentation (a system parameter of every Google
            # API), a third of the bytes for a column of short values.
            resp = self.spreadsheet.values_batch_get(ranges, params=params)
        except gspread.exceptions.APIError as exc:
            if exc.code == 400:  # a tab was renamed or deleted since we looked: the caller asks again
                self.refresh_metadata()
                raise TabsChanged(plain_error(exc)) from exc
            raise SheetUnavailable(plain_error(exc)) from exc
        except (requests.RequestException, GoogleAuthError) as exc:
            raise SheetUnavailable(plain_error(exc)) from exc
        return [[[str(v) for v in row] for row in vr.get("values", [])] for vr in resp.get("valueRanges", [])]

    def remember_header(self, tab: str, header: list[str]) -> None:
        """The header row as last read: appends and verified writes are laid out against it."""
        self._headers[tab] = list(header)

    def write(self, batch: WriteBatch) -> None:
        """Changed cells by values.batchUpdate, new rows by values.append, then their data-row look.

        All RAW. Each request stays under Google's 10 MB body limit (FACTS 5), in as
        few requests as that allows; appends are never resent blindly (FACTS 4).
        """
        from sheet_schema.tabs import WORKBOOK

        sh = self.spreadsheet
        updates, appends = batch.updates, batch.appends
        check = sorted(set(keyed_tabs(updates)) | {t for t, rows in appends.items() if rows})
        self.last_fresh = {}
        if check:
            # One read right before writing (headers, keys; small tabs whole): a sort or a moved
            # column during this cycle can't send a value to another order or another column.
            fresh = self.last_fresh = fresh_for_write(self, check)
            updates, appends = remap_to_headers(updates, appends, self._headers, fresh)
            for tab, data in fresh.items():
                if data.exists and data.header:
                    if self._headers.get(tab) not in (None, data.header):
                        self.layout_epoch += 1  # the watch reader re-reads headers next cycle
                    self._headers[tab] = data.header
            updates, moved, dropped = reaim(updates, fresh)
            updates = apply_deltas(updates, fresh)
            if moved or dropped:
                log.info("rows moved since this cycle read the sheet: %d cell run(s) re-aimed, %d dropped",
                         moved, dropped)
        data = [{"range": f"{quote_tab(u.tab)}!{col_letter(u.col)}{u.row + 1}",
                 "values": [[api_value(v) for v in u.values]]} for u in updates]
        for chunk in split_by_size(data):
            self._call(sh.values_batch_update, {"valueInputOption": "RAW", "data": chunk})
        report = AppendReport()
        self.last_append = report
        tabs = {t.name: t for t in WORKBOOK.tabs}
        appends = {tab: [[api_value(v) for v in row] for row in rows] for tab, rows in appends.items()}
        for tab, rows in appends.items():
            if rows:
                self._call(Appender(self, tabs.get(tab), self._headers.get(tab)).append, tab, rows, report)
        looks = format_requests(self, tabs, self._headers, report.landed, appends)
        for chunk in split_by_size(looks):
            self._call(sh.batch_update, {"requests": chunk})

    def init_layout(self, schema: Any, threshold: int = 70) -> list[str]:
        """Create or upgrade tabs, headers, dropdowns, colours, protections and the Dashboard."""
        from sheets.google_layout import GoogleLayout

        self.spreadsheet  # noqa: B018 - opens and loads metadata
        return self._call(GoogleLayout(self, threshold).apply, schema)

    @property
    def requests_sent(self) -> int:
        """API requests this backend has made (for benchmarks and tests)."""
        return self.session.requests_sent


def _skip_boundary_lookup(creds) -> None:
    """Behind a proxy or stand-in, don't let google-auth phone Google's IAM service in the background."""
    import datetime as dt

    try:
        far = dt.datetime.utcnow() + dt.timedelta(days=3650)
        creds._set_regional_access_boundary({"encodedLocations": "0x0", "expiry": far})
    except AttributeError:  # older google-auth has no such lookup
        pass
