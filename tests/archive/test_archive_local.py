"""Archive what's done with the local workbook: a second .xlsx (TRUECRAFT_ARCHIVE_WORKBOOK)."""
from __future__ import annotations

from argparse import Namespace

from openpyxl import load_workbook

from automations.runner import Runner
from cli.archive_cmd import run as archive_cmd
from core.config import Settings
from core.journal import Journal
from sheet_schema.tabs import WORKBOOK
from sheets.local_backend import LocalWorkbookBackend
from tests.archive.conftest import FORMULA, fix_clock, make_due, old_and_new, seed


def _ids(path, tab):
    wb = load_workbook(path)
    return [r[0] for r in wb[tab].iter_rows(min_row=2, values_only=True) if r and r[0]] if tab in wb.sheetnames else []


def _runner(tmp_path, archive=True):
    s = Settings(workbook=str(tmp_path / "shop.xlsx"), db=str(tmp_path / "j.db"),
                 archive_workbook=str(tmp_path / "shop-archive.xlsx") if archive else "")
    runner = Runner(s, Journal(s.db), LocalWorkbookBackend(s.workbook))
    runner.backend.init_layout(WORKBOOK)
    fix_clock(runner)
    return runner, tmp_path / "shop.xlsx", tmp_path / "shop-archive.xlsx"


def test_local_archive_moves_and_brings_back(tmp_path):
    # given a local workbook with three old closed orders, and an archive workbook path
    runner, shop, archive = _runner(tmp_path)
    seed(runner, old_and_new())
    # when the daily run comes round
    make_due(runner)
    runner.watch()
    # then they are in the archive workbook's "Orders 2026" tab and gone from Orders
    assert _ids(archive, "Orders 2026") == ["TC-1", "TC-2", "TC-3"]
    assert _ids(shop, "Orders") == ["TC-4", "TC-5"]
    # and customer text that looks like a formula stays text in the archive
    customers = [r[3] for r in load_workbook(archive)["Orders 2026"].iter_rows(min_row=2, values_only=True)]
    assert FORMULA in customers
    assert all(c.data_type != "f" for row in load_workbook(archive)["Orders 2026"].iter_rows() for c in row)
    # when a person types TC-2 into the Dashboard's Bring back cell and saves
    wb = load_workbook(shop)
    wb["Dashboard"]["H11"] = "TC-2"
    wb.save(shop)
    runner.watch()
    # then TC-2 is back in Orders, the cell is empty and says so below
    assert sorted(_ids(shop, "Orders")) == ["TC-2", "TC-4", "TC-5"]
    assert _ids(archive, "Orders 2026") == ["TC-1", "TC-3"]
    dash = load_workbook(shop)["Dashboard"]
    assert dash["H11"].value is None and "TC-2 back in Orders" in dash["H12"].value
    # and the command brings back another one, naming an id it doesn't know in plain words
    lines: list[str] = []
    assert archive_cmd(Namespace(action="restore", order_ids=["TC-3"]), runner.settings, lines.append, runner) == 0
    assert archive_cmd(Namespace(action="restore", order_ids=["TC-4"]), runner.settings, lines.append, runner) == 1
    assert "TC-3" in _ids(shop, "Orders") and any("TC-4 is not in the archive" in x for x in lines)


def test_local_without_an_archive_workbook_nothing_moves(tmp_path):
    # given no TRUECRAFT_ARCHIVE_WORKBOOK
    runner, shop, archive = _runner(tmp_path, archive=False)
    seed(runner)
    # when cycles run, a day apart
    make_due(runner)
    runner.watch()
    # then nothing moved and no archive file appeared; the command says how to turn it on
    assert runner.archiver is None and len(_ids(shop, "Orders")) == 5 and not archive.exists()
    lines: list[str] = []
    assert archive_cmd(Namespace(action="run"), runner.settings, lines.append, runner) == 2
    assert "Archiving is off" in lines[0]
