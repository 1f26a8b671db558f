"""The EasyPost stand-in answers recorded requests with the recorded answers' structure.

Each cassette in ../shared/easypost-cassettes/ (EasyPost's own recordings of `easypost` 10.7.0
against the real API) is replayed through the official client against the stand-in: same method,
path and body (ids the real API made are swapped for the stand-in's), then the status and the
structure of the answer (keys, value types, nesting) are compared with the recording.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import easypost
import pytest
import yaml
from easypost.requestor import RequestMethod, Requestor

from tests.standin.easypost import TEST_KEY, EasyPostStandin

CASSETTES = Path(__file__).resolve().parents[3] / "shared" / "easypost-cassettes"
REPLAYED = ["test_address_create_verify.yaml", "test_address_create_verify_strict.yaml",
            "test_address_create_and_verify.yaml", "test_address_verify_invalid_address.yaml",
            "test_address_all.yaml", "test_shipment_create.yaml", "test_shipment_buy.yaml",
            "test_shipment_retrieve.yaml", "test_shipment_refund.yaml", "test_batch_create.yaml",
            "test_batch_add_remove_shipment.yaml", "test_batch_label.yaml", "test_error.yaml"]
ID = re.compile(r"^[a-z]+_[0-9a-f]{32}$")


def kind(value) -> str:
    """A JSON value's type, with ints and floats as one 'number' (EasyPost writes 10 and 10.0 alike)."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


def shape_diff(recorded, ours, where: str = "$") -> list[str]:
    """Where `ours` differs in structure from `recorded` (a recorded null accepts any value)."""
    # EasyPost's recordings redact phone and email, nulls included, so "<REDACTED>" says nothing of type.
    if recorded is None or recorded == "<REDACTED>":
        return []
    if ours is None or kind(recorded) != kind(ours):
        return [f"{where}: recorded {kind(recorded)}, stand-in {kind(ours)}"]
    if isinstance(recorded, dict):
        diffs = [f"{where}.{k}: missing" for k in recorded if k not in ours]
        diffs += [f"{where}.{k}: not in the recording" for k in ours if k not in recorded]
        for key in recorded.keys() & ours.keys():
            diffs += shape_diff(recorded[key], ours[key], f"{where}.{key}")
        return diffs
    if isinstance(recorded, list) and recorded:
        if not ours:
            return [f"{where}: recorded {len(recorded)} items, stand-in none"]
        return shape_diff(recorded[0], ours[0], f"{where}[0]")
    return []


def learn_ids(recorded, ours, ids: dict[str, str]) -> None:
    """Remember which stand-in id stands for each id the real API made."""
    if isinstance(recorded, dict) and isinstance(ours, dict):
        if isinstance(recorded.get("id"), str) and isinstance(ours.get("id"), str):
            ids.setdefault(recorded["id"], ours["id"])
        for key in recorded.keys() & ours.keys():
            learn_ids(recorded[key], ours[key], ids)
    elif isinstance(recorded, list) and isinstance(ours, list):
        for a, b in zip(recorded, ours):
            learn_ids(a, b, ids)


def swap_ids(text: str, ids: dict[str, str]) -> str:
    """The recorded text with the real API's ids replaced by the stand-in's."""
    for real, ours in ids.items():
        text = text.replace(real, ours)
    return text


@pytest.fixture(scope="module")
def standin():
    """One stand-in for all replays (test_address_all lists what earlier ones created)."""
    if not CASSETTES.is_dir():
        pytest.skip(f"recorded EasyPost traffic not found at {CASSETTES}")
    server = EasyPostStandin().start()
    yield server
    server.stop()


@pytest.mark.parametrize("cassette", REPLAYED)
def test_recorded_requests_get_answers_shaped_like_the_recording(standin, cassette):
    # given a recorded conversation with the real EasyPost API
    interactions = yaml.safe_load((CASSETTES / cassette).read_text())["interactions"]
    client = easypost.EasyPostClient(TEST_KEY, api_base=f"{standin.url}/v2")
    ids: dict[str, str] = {}
    if cassette == "test_address_all.yaml":
        # given also the account holds the address the recording lists first (the list is newest first)
        first = json.loads(interactions[0]["response"]["body"]["string"])["addresses"][0]
        client.address.create(**{k: first[k] for k in ("name", "street1", "street2", "city", "state", "zip",
                                                        "country", "company") if first.get(k)})
    for number, interaction in enumerate(interactions):
        req, resp = interaction["request"], interaction["response"]
        uri = urlsplit(swap_ids(req["uri"], ids))
        assert uri.path.startswith("/v2/"), uri
        body = json.loads(swap_ids(req["body"], ids)) if req.get("body") else {}
        params = dict(parse_qsl(uri.query)) if req["method"] == "GET" else body
        # when the same request goes through the official client to the stand-in
        text, status = Requestor(client).request_raw(RequestMethod[req["method"]], uri.path[len("/v2"):], params)
        # then the status and the answer's structure match the recording
        recorded = json.loads(resp["body"]["string"])
        ours = json.loads(text)
        where = f"{cassette} #{number} {req['method']} {uri.path}"
        assert status == resp["status"]["code"], f"{where}: {status} {text[:300]}"
        assert shape_diff(recorded, ours) == [], where
        learn_ids(recorded, ours, ids)


def test_the_shape_comparison_can_fail():
    # given answers that differ in a key, a type and a nested list item
    recorded = {"id": "shp_1", "rates": [{"rate": "6.07"}], "postage_label": {"label_url": "u"}}
    ours = {"id": "shp_2", "rates": [{"rate": 6.07}], "postage_label": None, "extra": 1}
    # when compared, then each difference is reported
    assert sorted(shape_diff(recorded, ours)) == [
        "$.extra: not in the recording", "$.postage_label: recorded dict, stand-in NoneType",
        "$.rates[0].rate: recorded str, stand-in number"]


def test_every_replayed_cassette_exists_and_ids_look_like_easypost_ids():
    # given the list of replayed cassettes, then each is there, and the stand-in's ids have the real form
    missing = [name for name in REPLAYED if not (CASSETTES / name).is_file()]
    if not CASSETTES.is_dir():
        pytest.skip("recorded EasyPost traffic not available")
    assert missing == []
    with EasyPostStandin() as server:
        client = easypost.EasyPostClient(TEST_KEY, api_base=f"{server.url}/v2")
        assert ID.match(client.address.create(street1="1 Main St", zip="94107").id)
