"""The offline `duplicates` command over a unified CSV."""
import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from automations.duplicates import cli

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "duplicates"


def run(capsys, *argv):
    parser = argparse.ArgumentParser(prog="duplicates")
    cli.add_arguments(parser)
    code = cli.run(parser.parse_args([str(a) for a in argv]))
    out, err = capsys.readouterr()
    return code, out, err


def test_table_lists_the_rachel_pair_and_reports_bad_rows(capsys):
    # when the fixture CSV is scanned
    code, out, err = run(capsys, FIXTURES / "orders.csv")
    # then the Rachel pair is in the table, the household pair is not, bad rows are named by line
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["Score", "Order", "A", "Order", "B", "Reasons"]
    assert "etsy:3051234567" in out and "square:sq-inv-88" in out and "same name (Rachael Green / Rach Green)" in out
    assert "shopify:5001" not in out
    assert "4 orders, 1 possible duplicate pair(s)" in lines[-1]
    assert "line 6: created_at:" in err
    assert "line 7: quantity 'two' must be a whole number" in err


def test_json_one_object_per_line_with_sku_map(capsys):
    code, out, err = run(capsys, FIXTURES / "orders.csv", "--json", "--sku-map", FIXTURES / "sku_map.csv")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 1
    assert rows[0]["a"] == "etsy:3051234567" and rows[0]["b"] == "square:sq-inv-88"
    assert isinstance(rows[0]["score"], int) and rows[0]["score"] >= 85 and rows[0]["band"] == "flag"
    assert "same product (SKU LW-001)" in rows[0]["reasons"]
    assert "possible duplicate pair(s)" in err


def test_threshold_and_window_options_change_the_result(capsys):
    _, out, _ = run(capsys, FIXTURES / "orders.csv", "--json", "--window", "30")
    assert out == ""
    _, out, _ = run(capsys, FIXTURES / "orders.csv", "--json", "--threshold", "100", "--check-threshold", "100")
    assert all(json.loads(line)["score"] == 100 for line in out.splitlines())


@pytest.mark.parametrize("argv, message", [
    (["missing.csv"], "no such file"),
    ([FIXTURES / "orders.csv", "--sku-map", FIXTURES / "orders.csv"], "cannot use the SKU map"),
    ([FIXTURES / "orders.csv", "--threshold", "150"], "between 0 and 100"),
])
def test_unusable_input_exits_1_with_a_plain_message(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 1 and message in err and "Traceback" not in err


def test_help_works_as_a_module():
    proc = subprocess.run([sys.executable, "-m", "automations.duplicates.cli", "--help"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "--sku-map" in proc.stdout and "--window" in proc.stdout


def test_header_problem_is_reported_as_line_1(capsys, tmp_path):
    bad = tmp_path / "x.csv"
    bad.write_text("platform,id\netsy,1\n")
    code, out, err = run(capsys, bad)
    assert code == 0 and err.startswith("line 1: the header row is missing")
