"""The demo run once per module: its workbook and journal are what a seller opens after her day."""
import argparse
from pathlib import Path

import pytest
from openpyxl import load_workbook

from cli.demo import run
from core.config import Settings


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    settings = Settings(env={"TRUECRAFT_TIMEZONE": "America/Los_Angeles"}, timezone="America/Los_Angeles")
    assert run(argparse.Namespace(dir=str(folder), no_fulfil=False), settings) == 0
    return folder


@pytest.fixture(scope="module")
def workbook(demo_dir):
    return load_workbook(demo_dir / "truecraft-demo.xlsx")


def table(wb, tab: str) -> list[dict]:
    """Every data row of a tab as {header: value} (header row found as the row holding the first header)."""
    ws = wb[tab]
    rows = list(ws.iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r and r[0] not in (None, "") and
                 not str(r[0]).startswith(("What", "Fill")))
    header = rows[start]
    return [dict(zip(header, r)) for r in rows[start + 1:] if any(v not in (None, "") for v in r)]
