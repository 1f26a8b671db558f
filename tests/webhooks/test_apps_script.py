"""The Apps Script's wire format: what Code.gs sends is what /webhooks/sheet accepts.

Node-free part: the payload keys and header name are read out of Code.gs and the
documented byte format (compact JSON.stringify, UTF-8, base64 HMAC-SHA256) is
checked against the server. If `node` happens to be installed, the .gs pure
functions are also executed with a faithful Utilities shim (signed Java bytes).
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.webhooks.conftest import ENV
from webhooks.app import create_app
from webhooks.signatures import sheet_signature

CODE = Path(__file__).resolve().parents[2] / "apps_script" / "Code.gs"
SECRET = ENV["TRUECRAFT_EDIT_SECRET"]


def test_script_signs_with_the_header_and_scheme_the_server_checks():
    source = CODE.read_text()
    assert "'X-TrueCraft-Signature': signBody(body, secret)" in source
    assert "Utilities.computeHmacSha256Signature(body, secret, Utilities.Charset.UTF_8)" in source
    assert "Utilities.base64Encode(mac)" in source
    assert "payload: body" in source and "JSON.stringify(payload)" in source
    assert "muteHttpExceptions: true" in source
    assert ".onEdit().create()" in source and "newTrigger('onEditInstalled')" in source


def test_script_watches_the_editable_columns_by_header():
    tabs = pytest.importorskip("sheet_schema.tabs")
    source = CODE.read_text()
    orders = json.loads(re.search(r"'Orders': (\[[^\]]*\])", source).group(1).replace("'", '"'))
    editable = [c.header for c in tabs.ORDERS_TAB.columns if c.editable]
    assert sorted(orders) == sorted(editable)
    assert "'Duplicates': ['Decision']" in source and "header: 'Order ID'" in source


def test_body_in_script_key_order_with_non_ascii_is_accepted():
    # given the body exactly as JSON.stringify builds it (compact, UTF-8, keys in script order)
    keys = re.findall(r"^    (\w+): ", re.search(r"var payload = \{(.*?)\};", CODE.read_text(), re.S).group(1), re.M)
    values = {"sheet": "Orders", "range": "N7", "row": 7, "column": 14, "numRows": 1, "numColumns": 1,
              "header": "Notes", "oldValue": "", "value": "gift wrap — café ✓", "editor": "maker@example.com",
              "editedAt": "2026-11-27T15:04:05.000Z"}
    assert keys == list(values)
    payload = {**values, "orderId": "TC-7"}
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    journal_events = []
    journal = SimpleNamespace(record_events=lambda items: [journal_events.extend(items) or True])
    client = create_app(journal, SimpleNamespace(env=dict(ENV))).test_client()
    # when posted with the script's signature; then accepted and stored byte-for-byte
    resp = client.post("/webhooks/sheet", data=body, headers={
        "X-TrueCraft-Signature": sheet_signature(SECRET, body),
        "Content-Type": "application/json; charset=utf-8"})
    assert resp.status_code == 200 and journal_events[0][3] == body.decode("utf-8")


NODE_SHIM = r"""
const fs = require('fs'), vm = require('vm'), crypto = require('crypto');
const ctx = {console, Utilities: {
  Charset: {UTF_8: 'UTF-8'},
  // Apps Script returns Java bytes: signed -128..127.
  computeHmacSha256Signature: (v, k) => Array.from(crypto.createHmac('sha256', Buffer.from(k, 'utf8'))
      .update(Buffer.from(v, 'utf8')).digest()).map(b => b > 127 ? b - 256 : b),
  base64Encode: (bytes) => Buffer.from(bytes.map(b => b & 255)).toString('base64'),
}};
vm.createContext(ctx);
vm.runInContext(fs.readFileSync(process.argv[1], 'utf8'), ctx);
const input = JSON.parse(process.argv[2]);
const payload = vm.runInContext('buildEditPayload', ctx)(input);
const body = JSON.stringify(payload);
process.stdout.write(JSON.stringify({body, sig: vm.runInContext('signBody', ctx)(body, process.argv[3])}));
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed; wire format checked above")
@pytest.mark.parametrize("edit, expect", [
    (dict(column="Status", numRows=1, numColumns=1, oldValue="NEW", value="SHIPPED — ✓", keys=["TC-7"]),
     {"header": "Status", "value": "SHIPPED — ✓", "orderId": "TC-7"}),
    (dict(column="Status", numRows=3, numColumns=3, keys=["TC-7", "TC-8", "TC-9"]),
     {"header": "Status, Carrier, Tracking #", "value": None, "orderIds": ["TC-7", "TC-8", "TC-9"]}),
    (dict(column=2, numRows=1, numColumns=1, keys=["TC-7"]), None),
])
def test_gs_functions_run_under_node_produce_accepted_signature(edit, expect):
    tabs = pytest.importorskip("sheet_schema.tabs")
    headers = list(tabs.ORDERS_TAB.headers)
    if edit["column"] == "Status":  # found by header: the default column order may change (issue 14.1)
        edit = {**edit, "column": headers.index("Status") + 1}
    info = {"sheet": "Orders", "a1": f"{chr(64 + edit['column'])}7", "row": 7, "headers": headers,
            "editor": "maker@example.com", "editedAt": "2026-11-27T15:04:05.000Z", **edit}
    out = subprocess.run(["node", "-e", NODE_SHIM, str(CODE), json.dumps(info), SECRET],
                         capture_output=True, text=True, timeout=20, check=True).stdout
    result = json.loads(out)
    if expect is None:  # an unwatched column: nothing is sent
        assert result["body"] == "null"
        return
    payload = json.loads(result["body"])
    assert {k: payload[k] for k in expect} == expect
    assert result["sig"] == sheet_signature(SECRET, result["body"].encode("utf-8"))
