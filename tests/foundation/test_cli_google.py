"""The CLI against the Sheets stand-in over HTTP: init twice, doctor, import — in real subprocesses."""
import subprocess
import sys
from pathlib import Path

import pytest

from sheet_schema.tabs import ORDERS
from tests.standin.sheets_server import SheetsStandin

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def cli(tmp_path):
    standin = SheetsStandin()
    standin.start()
    sid = standin.create_spreadsheet("Shop")
    cred = standin.write_service_account_file(tmp_path / "sa.json")
    env = {"PATH": "/usr/bin:/bin", "TRUECRAFT_BACKEND": "google", "GOOGLE_SHEET_ID": sid,
           "GOOGLE_APPLICATION_CREDENTIALS": str(cred), "TRUECRAFT_SHEETS_API_URL": standin.url,
           "TRUECRAFT_DB": str(tmp_path / "j.db"), "TRUECRAFT_DOTENV": str(tmp_path / "none.env"),
           "TRUECRAFT_RETRY_BASE_SECONDS": "0.01"}

    def run(*args):
        return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)
    run.standin, run.sid, run.env = standin, sid, env
    yield run
    standin.stop()


def test_init_twice_then_doctor(cli):
    first = cli("init")
    assert first.returncode == 0, first.stderr
    assert "created tab Orders" in first.stdout
    second = cli("init")
    assert "Everything was already up to date." in second.stdout, second.stdout + second.stderr
    doctor = cli("doctor", "--offline")
    assert "Service account" in doctor.stdout and "Traceback" not in doctor.stderr


def test_wrong_sheet_id_is_explained(cli):
    cli.env["GOOGLE_SHEET_ID"] = "does-not-exist"
    out = cli("init")
    assert out.returncode == 1 and "can't find that sheet" in out.stderr and "Traceback" not in out.stderr


def test_import_to_google_is_formula_safe(cli, tmp_path):
    csv = tmp_path / "o.csv"
    csv.write_text("platform,platform_order_id,created_at,customer_name,email,phone,address1,address2,city,"
                   "region,postal_code,country,sku,title,quantity,unit_price,total,currency\n"
                   "etsy,1,2026-11-27T11:00:00Z,\"=IMPORTXML(\"\"http://x\"\",\"\"//a\"\")\",,,,,,,,,,"
                   "@SUM(1),1,10,10,USD\n")
    out = cli("import", str(csv))
    assert out.returncode == 0, out.stderr
    rows = cli.standin.values(cli.sid, ORDERS)
    h = rows[0]
    assert rows[1][h.index("Customer")] == '=IMPORTXML("http://x","//a")'
    assert rows[1][h.index("Items")] == "1 × @SUM(1)"
    col = chr(65 + h.index("Customer"))
    assert not cli.standin.is_formula(cli.sid, ORDERS, f"{col}2")


def test_doctor_warns_past_half_of_googles_cell_cap(cli):
    # given a sheet whose Orders tab has grown to 200,000 rows (over 5 million cells)
    assert cli("init").returncode == 0
    healthy = cli("doctor")
    assert "of Google's 10,000,000 cells" in healthy.stdout and "! The sheet uses" not in healthy.stdout
    tab = cli.standin.sheet(cli.sid, ORDERS)
    with cli.standin._state.lock:  # noqa: SLF001 - grow the grid as appends would
        tab.grid["rowCount"] = 200_000
    # when the seller runs doctor
    out = cli("doctor")
    # then it warns in plain words, with the numbers and where the cells are
    assert "! The sheet uses" in out.stdout and "(5" in out.stdout, out.stdout
    assert f"Biggest tabs: Orders {200_000 * tab.cols:,}" in out.stdout and "Traceback" not in out.stderr
