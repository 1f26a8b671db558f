"""Conformance: replay gspread's recorded Google traffic against the stand-in and compare."""
from __future__ import annotations

import base64
import json
import re
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # 'tests' has no __init__.py

import requests  # noqa: E402

from tests.standin.sheets_server import SheetsStandin  # noqa: E402

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CASSETTES = SHARED / "gsheets-cassettes"
SHEETS = "https://sheets.googleapis.com"
# Ids Google assigns at random; ours differ, so map recorded -> ours as replies arrive.
ID_KEYS = ("sheetId", "protectedRangeId", "namedRangeId", "metadataId")
# Echoed strings and cell contents that must match exactly on values endpoints.
EXACT_KEYS = ("values", "range", "updatedRange", "tableRange", "clearedRange", "clearedRanges",
              "updatedRows", "updatedColumns", "updatedCells", "majorDimension")
# Genuinely out of scope, documented: Drive-side content (CSV import, copies) and sharing (403).
SKIP_CASSETTES = {"ClientTest.test_import_csv.json": "CSV import goes through Drive upload",
                  "ClientTest.test_copy.json": "Drive files.copy content is not modelled",
                  "ClientTest.test_access_private_spreadsheet.json": "Drive sharing/permissions (403)"}

ENDPOINTS = [
    ("GET", re.compile(r"^/v4/spreadsheets/[^/:]+$"), "spreadsheets.get"),
    ("POST", re.compile(r"^/v4/spreadsheets/[^/:]+:batchUpdate$"), "spreadsheets.batchUpdate"),
    ("GET", re.compile(r"^/v4/spreadsheets/[^/]+/values:batchGet$"), "values.batchGet"),
    ("POST", re.compile(r"^/v4/spreadsheets/[^/]+/values:batchUpdate$"), "values.batchUpdate"),
    ("POST", re.compile(r"^/v4/spreadsheets/[^/]+/values:batchClear$"), "values.batchClear"),
    ("POST", re.compile(r"^/v4/spreadsheets/[^/]+/values/.+:append$"), "values.append"),
    ("POST", re.compile(r"^/v4/spreadsheets/[^/]+/values/.+:clear$"), "values.clear"),
    ("GET", re.compile(r"^/v4/spreadsheets/[^/]+/values/[^:]+(:[^:a-z]+)?$"), "values.get"),
    ("PUT", re.compile(r"^/v4/spreadsheets/[^/]+/values/.+$"), "values.update"),
]


def endpoint_of(method: str, uri: str) -> str | None:
    """Name the Sheets endpoint of a recorded request, or None (Drive etc.)."""
    if not uri.startswith(SHEETS):
        return None
    path = urlsplit(uri).path
    for want, pattern, name in ENDPOINTS:
        if method == want and pattern.match(path):
            return name
    return None


def shape_diff(want, got, path="$") -> list[str]:
    """Differences in JSON shape (recursive key sets, list lengths) plus exact echo fields."""
    if isinstance(want, dict) and isinstance(got, dict):
        out = [f"{path}: keys {sorted(set(want) ^ set(got))}"] if set(want) != set(got) else []
        for key in set(want) & set(got):
            if key in EXACT_KEYS and want[key] != got[key]:
                out.append(f"{path}.{key}: {want[key]!r} != {got[key]!r}")
            else:
                out.extend(shape_diff(want[key], got[key], f"{path}.{key}"))
        return out
    if isinstance(want, list) and isinstance(got, list):
        if len(want) != len(got):
            return [f"{path}: len {len(want)} != {len(got)}"]
        return [d for i, (w, g) in enumerate(zip(want, got)) for d in shape_diff(w, g, f"{path}[{i}]")]
    if type(want) is not type(got) and not {type(want), type(got)} <= {int, float}:
        return [f"{path}: type {type(want).__name__} != {type(got).__name__}"]
    return []


def learn_ids(want, got, ids: dict) -> None:
    """Record recorded->ours for random ids found at the same place in both replies."""
    if isinstance(want, dict) and isinstance(got, dict):
        for key in set(want) & set(got):
            if key in ID_KEYS and want[key] != got[key] and not isinstance(want[key], (dict, list)):
                ids[(key, want[key])] = got[key]
            learn_ids(want[key], got[key], ids)
    elif isinstance(want, list) and isinstance(got, list):
        for w, g in zip(want, got):
            learn_ids(w, g, ids)


def remap(body, ids: dict):
    """Swap recorded ids in a request body for ours."""
    if isinstance(body, dict):
        return {k: ids.get((k, v), v) if k in ID_KEYS and not isinstance(v, (dict, list))
                else remap(v, ids) for k, v in body.items()}
    if isinstance(body, list):
        return [remap(v, ids) for v in body]
    return body


def fake_jwt() -> str:
    """An unsigned-but-well-formed service-account assertion for the token endpoint."""
    enc = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()  # noqa: E731
    return f"{enc({'alg': 'RS256', 'typ': 'JWT'})}.{enc({'iss': 'replay@example.com'})}.c2ln"


def replay_cassette(standin: SheetsStandin, token: str, path: Path, stats: Counter, fails: list) -> None:
    """Replay one cassette in order against fresh spreadsheets; tally results in stats."""
    data = json.loads(path.read_text(encoding="utf-8"))
    sids: dict[str, str] = {}
    ids: dict = {}
    for n, inter in enumerate(data["interactions"]):
        req, resp = inter["request"], inter["response"]
        uri, method = req["uri"], req["method"]
        if method == "POST" and urlsplit(uri).path in ("/drive/v3/files",):
            rec = json.loads(resp["body"]["string"])
            sids[rec["id"]] = standin.create_spreadsheet(json.loads(req["body"])["name"])
        if method == "GET" and urlsplit(uri).path == "/drive/v3/files":
            # Drive listed spreadsheets made outside this cassette; emulate their existence.
            for item in json.loads(resp["body"]["string"]).get("files", []):
                if item["id"] not in sids:
                    sids[item["id"]] = standin.create_spreadsheet(item.get("name", "Untitled"))
        name = endpoint_of(method, uri)
        if name is None:
            stats["skipped: not a Sheets endpoint (Drive)"] += 1
            continue
        body = req["body"]
        for old, new in sids.items():
            uri = uri.replace(old, new)
            body = body.replace(old, new) if body else body
        if body:
            body = json.dumps(remap(json.loads(body), ids))
        got = requests.request(method, uri.replace(SHEETS, standin.url, 1), data=body, timeout=10,
                               headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        want_json = json.loads(resp["body"]["string"] or "{}")
        for old, new in sids.items():
            want_json = json.loads(json.dumps(want_json).replace(old, new))
        diffs = [] if got.status_code == resp["status"]["code"] else [
            f"status {resp['status']['code']} != {got.status_code}"]
        got_json = got.json()
        diffs += shape_diff(want_json, got_json)
        learn_ids(want_json, got_json, ids)
        stats[f"replayed {name}"] += 1
        if diffs:
            stats["mismatched"] += 1
            fails.append(f"{path.name}#{n} {method} {name}: {diffs[:3]}")
        else:
            stats["matched"] += 1
            stats[f"matched {name}"] += 1


@pytest.fixture(scope="module")
def replay():
    """Replay every cassette once; yields (stats, failures)."""
    if not CASSETTES.is_dir():
        pytest.skip(f"recorded Google traffic not found at {CASSETTES}")
    standin = SheetsStandin().start()
    try:
        token = requests.post(standin.token_uri, timeout=10, data={
            "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
            "assertion": fake_jwt()}).json()["access_token"]
        stats, fails = Counter(), []
        for path in sorted(CASSETTES.glob("*.json")):
            if path.name in SKIP_CASSETTES:
                stats["skipped: out-of-scope cassette"] += len(json.loads(path.read_text())["interactions"])
                continue
            replay_cassette(standin, token, path, stats, fails)
        yield stats, fails
    finally:
        standin.stop()


def test_replayed_traffic_matches_recorded_shapes(replay):
    """Given recorded Google traffic, when replayed, then status and JSON shape match."""
    stats, fails = replay
    print("\nconformance:", json.dumps(dict(sorted(stats.items())), indent=1))
    print("\n".join(fails[:40]))
    assert stats["matched"] >= 300
    assert stats["matched"] / (stats["matched"] + stats["mismatched"]) >= 0.97, fails[:20]


def test_every_implemented_endpoint_is_covered(replay):
    """Given the replay, then each endpoint the stand-in implements matched at least once."""
    stats, _ = replay
    missing = [name for _, _, name in ENDPOINTS if stats[f"matched {name}"] == 0]
    assert not missing
