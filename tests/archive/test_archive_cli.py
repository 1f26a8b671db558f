"""`doctor` and `archive` in real subprocesses against the Sheets stand-in."""
from __future__ import annotations

from sheet_schema.tabs import ORDERS
from tests.foundation.test_cli_google import cli  # noqa: F401 - the fixture


def test_doctor_says_archiving_is_off_and_how_to_turn_it_on(cli):  # noqa: F811
    # given a sheet past half of Google's cell cap and no archive spreadsheet
    assert cli("init").returncode == 0
    tab = cli.standin.sheet(cli.sid, ORDERS)
    with cli.standin._state.lock:  # noqa: SLF001 - grow the grid as appends would
        tab.grid["rowCount"] = 200_000
    # when the seller runs doctor
    out = cli("doctor").stdout
    # then it says archiving is off, and the cell warning names the setting that helps
    assert "! archiving: off" in out and "TRUECRAFT_ARCHIVE_SHEET_ID" in out, out
    assert "Turn on archiving (TRUECRAFT_ARCHIVE_SHEET_ID" in out


def test_doctor_and_archive_commands_with_an_archive(cli):  # noqa: F811
    # given an archive spreadsheet shared with the service account
    assert cli("init").returncode == 0
    cli.env["TRUECRAFT_ARCHIVE_SHEET_ID"] = cli.standin.create_spreadsheet("Archive")
    # when the seller runs doctor, then `archive restore` with an id TrueCraft doesn't know, and --help
    doctor = cli("doctor").stdout
    unknown = cli("archive", "restore", "TC-9")
    helped = cli("archive", "restore", "--help")
    ran = cli("archive", "run")
    # then each answers in plain words
    assert "✓ archiving: on — closed orders older than 90 days" in doctor and "The archive uses" in doctor, doctor
    assert unknown.returncode == 1 and "There is no order TC-9" in unknown.stdout + unknown.stderr
    assert helped.returncode == 0 and "ORDER_ID" in helped.stdout
    assert ran.returncode == 0 and "0 order(s) archived" in ran.stdout and "Traceback" not in ran.stderr
