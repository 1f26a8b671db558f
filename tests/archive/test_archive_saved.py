"""The Dashboard's "Saved by caught duplicates — all time" still counts orders that moved to the archive."""
from __future__ import annotations

from openpyxl import load_workbook

from tests.archive.conftest import make_due, old_and_new, seed
from tests.archive.test_archive_local import _ids, _runner


def _saved(shop) -> tuple:
    """(All time as the file stores it, the archived part in C5)."""
    dash = load_workbook(shop, data_only=True)["Dashboard"]
    return dash["B5"].value, dash["C5"].value


def _shop_with_a_caught_duplicate(tmp_path, archive: bool = True):
    """A local shop whose old order TC-2 was cancelled as a duplicate of TC-1 ($200), on the sheet."""
    runner, shop, archive_path = _runner(tmp_path, archive=archive)
    seed(runner, old_and_new())
    runner.journal.set_fields("TC-2", dup_of="TC-1")
    runner.flush()
    runner.watch()
    return runner, shop, archive_path


def test_all_time_saved_keeps_counting_archived_duplicates(tmp_path):
    # given an old order cancelled as a duplicate of another ($200), written to the local workbook
    runner, shop, archive = _shop_with_a_caught_duplicate(tmp_path)
    assert _saved(shop)[0] == 200
    # when the daily archive run moves it (and the other old closed orders) out of Orders
    make_due(runner)
    runner.watch()
    runner.flush()
    # then its row is only in the archive, yet "All time" still shows the $200, worked out from the journal
    assert "TC-2" in _ids(archive, "Orders 2026") and "TC-2" not in _ids(shop, "Orders")
    assert _saved(shop) == (200, 200)
    formula = load_workbook(shop)["Dashboard"]["B5"].value
    assert formula.endswith("+N(C5)") and load_workbook(shop)["Dashboard"]["C4"].value == "Archived part ↓"
    # when it is brought back to Orders
    wb = load_workbook(shop)
    wb["Dashboard"]["H11"] = "TC-2"
    wb.save(shop)
    runner.watch()
    runner.flush()
    # then it counts once, from its row again, and the archived part is back to nothing
    assert "TC-2" in _ids(shop, "Orders") and _saved(shop) == (200, 0)


def test_archive_command_updates_the_archived_part_too(tmp_path):
    # given an old order cancelled as a duplicate ($200), written to the local workbook
    from argparse import Namespace

    from cli.archive_cmd import run as archive_cmd

    runner, shop, archive = _shop_with_a_caught_duplicate(tmp_path)
    # when a person runs `python main.py archive run`
    assert archive_cmd(Namespace(action="run"), runner.settings, [].append, runner) == 0
    # then the Dashboard's archived part holds its $200 straight away
    assert "TC-2" in _ids(archive, "Orders 2026")
    assert load_workbook(shop)["Dashboard"]["C5"].value == 200


def test_a_shop_without_an_archive_shows_no_archived_part(tmp_path):
    # given a shop with no archive set up and a duplicate that saved $200
    runner, shop, _ = _shop_with_a_caught_duplicate(tmp_path, archive=False)
    # then "All time" shows the $200 and no empty "archived" label or figure sits beside it
    dash = load_workbook(shop)["Dashboard"]
    assert _saved(shop)[0] == 200
    assert dash["C4"].value is None and dash["C5"].value is None
