"""Every channel flows into the sheet on its own: all four connectors against their stand-ins."""
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from openpyxl import load_workbook

from automations.runner import Runner
from core.config import Settings
from core.http import RetryPolicy
from core.journal import Journal
from sheet_schema.tabs import ORDERS
from sheets.local_backend import LocalWorkbookBackend
from tests.connectors.conftest import HARNESS_FACTORIES, _load_factory

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 11, 27, 9, tzinfo=timezone.utc)


@pytest.fixture()
def harnesses():
    policy = RetryPolicy(attempts=3, base=0.0, cap=0.0, timeout=5.0, sleep=lambda s: None)
    built = {p: _load_factory(p)(policy) for p in sorted(HARNESS_FACTORIES)}
    yield built
    for h in built.values():
        h.standin.stop()


def _ids(path):
    ws = load_workbook(path)[ORDERS]
    header = [c.value for c in ws[1]]
    return [(r[header.index("Platform")], r[header.index("Platform Order #")])
            for r in ws.iter_rows(min_row=2, values_only=True) if r[0]]


def test_poll_all_platforms_into_one_sheet_exactly_once(tmp_path, harnesses):
    # given three orders waiting on each platform
    for h in harnesses.values():
        for i in range(3):
            h.seed(i, T0 + timedelta(minutes=i))
    runner = Runner(Settings(), Journal(tmp_path / "j.db"), LocalWorkbookBackend(tmp_path / "t.xlsx"),
                    {p: h.connector for p, h in harnesses.items()})
    # when we poll twice and watch the sheet
    first = runner.poll_platforms()
    runner.watch()
    second = runner.poll_platforms()
    runner.watch()
    # then every order is one row, whatever channel it came from
    assert all(not r.error_message for r in first + second), [r.error_message for r in first + second]
    rows = _ids(tmp_path / "t.xlsx")
    assert len(rows) == 12 and len(set(rows)) == 12
    assert {p for p, _ in rows} == {"Shopify", "Etsy", "Square", "Amazon"}
    assert sum(r.created for r in second) == 0


def test_sync_once_command_against_stand_ins(tmp_path, harnesses):
    shop, etsy = harnesses["shopify"].standin, harnesses["etsy"].standin
    harnesses["shopify"].seed(1, T0)
    harnesses["etsy"].seed(1, T0)
    env = {"PATH": "/usr/bin:/bin", "TRUECRAFT_DB": str(tmp_path / "j.db"),
           "TRUECRAFT_WORKBOOK": str(tmp_path / "t.xlsx"), "TRUECRAFT_DOTENV": str(tmp_path / "x.env"),
           "SHOPIFY_SHOP": "standin", "SHOPIFY_ACCESS_TOKEN": shop.token, "SHOPIFY_API_URL": shop.url,
           "ETSY_API_KEY": etsy.api_key, "ETSY_SHOP_ID": str(etsy.shop_id),
           "ETSY_ACCESS_TOKEN": etsy.access_token, "ETSY_API_URL": etsy.url}
    out = subprocess.run([sys.executable, str(ROOT / "main.py"), "sync", "--once"], env=env, cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "shopify: 1 fetched, 1 new" in out.stdout.lower() and "etsy: 1 fetched, 1 new" in out.stdout.lower()
    assert sorted(p for p, _ in _ids(tmp_path / "t.xlsx")) == ["Etsy", "Shopify"]
    assert shop.token not in out.stdout + out.stderr
