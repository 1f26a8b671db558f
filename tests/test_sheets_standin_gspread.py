"""The Sheets stand-in driven by the real gspread client over loopback HTTP."""
from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # 'tests' has no __init__.py

import gspread  # noqa: E402
import requests  # noqa: E402
from google.auth.transport.requests import AuthorizedSession  # noqa: E402
from google.oauth2.service_account import Credentials  # noqa: E402

from tests.standin.sheets_server import SheetsStandin, offline_credentials  # noqa: E402


class RedirectSession(AuthorizedSession):
    """gspread's URLs are fixed at import, so rewrite the host per request."""

    def __init__(self, creds, base):
        super().__init__(creds)
        self._base = base

    def request(self, method, url, *a, **kw):
        """Send to the stand-in instead of sheets.googleapis.com."""
        url = url.replace("https://sheets.googleapis.com", self._base, 1)
        return super().request(method, url, *a, **kw)


@pytest.fixture
def standin():
    """A running stand-in, stopped afterwards."""
    s = SheetsStandin()
    s.start()
    yield s
    s.stop()


@pytest.fixture
def client(standin, tmp_path):
    """A real gspread client authenticated through the stand-in's token endpoint."""
    path = standin.write_service_account_file(tmp_path / "sa.json")
    creds = Credentials.from_service_account_file(path, scopes=["https://www.googleapis.com/auth/spreadsheets"])
    offline_credentials(creds)  # else google-auth phones iamcredentials.googleapis.com
    return gspread.Client(auth=creds, session=RedirectSession(creds, standin.url))


def test_open_by_key_sees_default_sheet(standin, client):
    """Given a new spreadsheet, when opened by key, then it has Google's default Sheet1."""
    sid = standin.create_spreadsheet(title="TrueCraft")
    sh = client.open_by_key(sid)
    assert sh.title == "TrueCraft"
    ws = sh.sheet1
    assert (ws.title, ws.id, ws.row_count, ws.col_count) == ("Sheet1", 0, 1000, 26)


def test_update_raw_and_append_rows_round_trip(standin, client):
    """Given a tab, when rows are written RAW and appended, then values read back verbatim."""
    sid = standin.create_spreadsheet()
    ws = client.open_by_key(sid).add_worksheet("Orders", rows=3, cols=4)
    ws.update([["id", "total", "note"], ["1", "12.50", "=1+1"]], "A1", raw=True)
    ws.append_rows([["2", "7", "x"], ["3", "8", "y"]], value_input_option="RAW")
    expected = [["id", "total", "note"], ["1", "12.50", "=1+1"], ["2", "7", "x"], ["3", "8", "y"]]
    assert ws.get_all_values() == expected
    assert standin.values(sid, "Orders") == expected
    assert not standin.is_formula(sid, "Orders", "C2")
    assert standin.sheet(sid, "Orders").properties["gridProperties"]["rowCount"] == 4  # grew on append


def test_user_entered_parses_numbers_and_formulas(standin, client):
    """Given USER_ENTERED input, when read, then numbers are numbers and formulas evaluate."""
    sid = standin.create_spreadsheet()
    ws = client.open_by_key(sid).sheet1
    ws.update([["12.50", "=2*3", "'=1+1", "=IMPORTXML(\"x\")"]], "A1", value_input_option="USER_ENTERED")
    assert ws.get_all_values() == [["12.5", "6", "=1+1", "#NAME?"]]
    assert ws.get_all_values(value_render_option="UNFORMATTED_VALUE") == [[12.5, 6, "=1+1", "#NAME?"]]
    assert ws.acell("B1", value_render_option="FORMULA").value == "=2*3"
    assert standin.is_formula(sid, "Sheet1", "B1") and not standin.is_formula(sid, "Sheet1", "C1")


def test_batch_get_and_values_batch_update(standin, client):
    """Given several ranges, when batch-written and batch-read, then each range echoes back."""
    sid = standin.create_spreadsheet()
    sh = client.open_by_key(sid)
    sh.values_batch_update({"valueInputOption": "RAW", "data": [
        {"range": "Sheet1!A1:B1", "values": [["a", "b"]]},
        {"range": "'Sheet1'!A3", "values": [["c"]]}]})
    got = sh.sheet1.batch_get(["A1:B1", "A3", "C1"])
    assert [list(r) for r in got] == [[["a", "b"]], [["c"]], []]
    assert got[0].range == "Sheet1!A1:B1"


def test_batch_update_request_types_are_stored(standin, client):
    """Given a batch of formatting requests, when sent, then the model stores each effect."""
    sid = standin.create_spreadsheet()
    sh = client.open_by_key(sid)
    ws = sh.add_worksheet("Audit Log", rows=5, cols=3)
    rng = {"sheetId": ws.id, "startRowIndex": 1, "endRowIndex": 5, "startColumnIndex": 0, "endColumnIndex": 1}
    reply = sh.batch_update({"requests": [
        {"setDataValidation": {"range": rng, "rule": {"condition": {"type": "ONE_OF_LIST",
                                                                     "values": [{"userEnteredValue": "new"}]}}}},
        {"addConditionalFormatRule": {"index": 0, "rule": {"ranges": [rng], "booleanRule": {
            "condition": {"type": "TEXT_EQ", "values": [{"userEnteredValue": "new"}]},
            "format": {"backgroundColor": {"red": 1}}}}}},
        {"addProtectedRange": {"protectedRange": {"range": rng, "warningOnly": True}}},
        {"repeatCell": {"range": rng, "cell": {"userEnteredFormat": {"textFormat": {"bold": True}}},
                        "fields": "userEnteredFormat.textFormat.bold"}},
        {"createDeveloperMetadata": {"developerMetadata": {"metadataKey": "schema", "metadataValue": "3",
                                                           "location": {"sheetId": ws.id},
                                                           "visibility": "DOCUMENT"}}},
        {"autoResizeDimensions": {"dimensions": {"sheetId": ws.id, "dimension": "COLUMNS"}}},
    ]})
    assert reply["replies"][2]["addProtectedRange"]["protectedRange"]["warningOnly"] is True
    assert reply["replies"][4]["createDeveloperMetadata"]["developerMetadata"]["metadataKey"] == "schema"
    model = standin.sheet(sid, "Audit Log")
    assert model.data_validation[(1, 0)]["condition"]["type"] == "ONE_OF_LIST"
    assert len(model.conditional_formats) == 1 and len(model.protected_ranges) == 1
    assert model.cells[(2, 0)]["fmt"]["textFormat"] == {"bold": True}
    meta = client.http_client.fetch_sheet_metadata(sid)["sheets"][1]
    assert {"conditionalFormats", "protectedRanges", "developerMetadata"} <= set(meta)


def test_frozen_rows_and_dimension_edits(standin, client):
    """Given data, when freezing, inserting and deleting rows, then cells shift like Google."""
    sid = standin.create_spreadsheet()
    ws = client.open_by_key(sid).sheet1
    ws.update([["h"], ["1"], ["2"], ["3"]], "A1", raw=True)
    ws.freeze(rows=1)
    ws.insert_row(["new"], index=2)
    ws.delete_rows(4)
    assert standin.sheet(sid, "Sheet1").frozen_rows == 1
    assert standin.values(sid, "Sheet1") == [["h"], ["new"], ["1"], ["3"]]
    assert standin.sheet(sid, "Sheet1").properties["gridProperties"]["rowCount"] == 1000


def test_human_edits_are_visible_to_gspread(standin, client):
    """Given a person sorts and inserts rows, when gspread reads, then it sees their edits."""
    sid = standin.create_spreadsheet()
    ws = client.open_by_key(sid).sheet1
    ws.update([["id", "n"], ["b", "2"], ["a", "10"], ["c", "1"]], "A1", raw=False)
    standin.human_sort(sid, "Sheet1", 1)
    assert ws.col_values(1) == ["id", "c", "b", "a"]  # numbers sort numerically
    standin.human_insert_rows(sid, "Sheet1", 1, 1)
    standin.human_set(sid, "Sheet1", "A2", "typed")
    standin.human_insert_columns(sid, "Sheet1", 0, 1)
    standin.human_delete_rows(sid, "Sheet1", 3, 4)
    assert ws.get_all_values() == [["", "id", "n"], ["", "typed", ""], ["", "c", "1"], ["", "a", "10"]]


def test_errors_surface_as_api_error_with_google_codes(standin, client):
    """Given faults and bad input, when calling, then gspread raises APIError with the code."""
    sid = standin.create_spreadsheet()
    sh = client.open_by_key(sid)
    with pytest.raises(gspread.exceptions.SpreadsheetNotFound):
        client.open_by_key("missing")
    standin.fail_next(1, status=429, retry_after=7)
    with pytest.raises(gspread.exceptions.APIError) as err:
        sh.sheet1.get_all_values()
    assert err.value.code == 429 and err.value.response.headers["Retry-After"] == "7"
    assert err.value.error["status"] == "RESOURCE_EXHAUSTED"
    with pytest.raises(gspread.exceptions.APIError) as err:
        sh.batch_update({"requests": [{"frobnicate": {}}]})
    assert err.value.code == 400 and err.value.error["status"] == "INVALID_ARGUMENT"
    with pytest.raises(gspread.exceptions.APIError) as err:
        sh.sheet1.update([["x"]], "A1001")
    assert "exceeds grid limits" in err.value.error["message"]
    standin.fail_until(time.time() + 0.3, statuses=(500, 503))
    codes = []
    for _ in range(2):
        with pytest.raises(gspread.exceptions.APIError) as err:
            sh.sheet1.acell("A1")
        codes.append(err.value.code)
    assert codes == [500, 503]
    time.sleep(0.35)
    assert sh.sheet1.acell("A1").value is None


def test_requests_are_logged_and_auth_is_required(standin, client):
    """Given API calls, then each is logged without /token; unauthenticated calls get 401."""
    sid = standin.create_spreadsheet()
    client.open_by_key(sid).sheet1.get_all_values()
    paths = [p for _, p, _ in standin.requests]
    assert paths[0] == f"/v4/spreadsheets/{sid}" and paths[-1] == f"/v4/spreadsheets/{sid}/values/'Sheet1'"
    assert all("/token" not in p for p in paths)
    standin.reset_counts()
    assert standin.requests == []
    resp = requests.get(f"{standin.url}/v4/spreadsheets/{sid}", timeout=5)
    assert resp.status_code == 401 and resp.json()["error"]["status"] == "UNAUTHENTICATED"
