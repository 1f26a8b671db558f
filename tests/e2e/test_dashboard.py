"""A Dashboard that shows the money (issue 14.7): live formulas that compare dates, saved with their results.

The demo's day: 12 orders, two of them duplicates merged (TC-5 $210, TC-7 $65),
all received today; Ceramic Earrings run low after the day's shipping.
"""
import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from core.http import RetryPolicy
from core.journal import Journal
from sheet_schema.dashboard import FIGURES
from sheet_schema.tabs import DASHBOARD, WORKBOOK
from sheets.google_backend import GoogleSheetsBackend
from sheets.sync import SheetSync
from tests.foundation.factories import make_order

ROOT = Path(__file__).resolve().parents[2]
ROW = {key: row for row, _, key, _ in FIGURES if key}
REAL_TOTALS = 64 + 48 + 36 + 200 + 65 + 200 + 72 + 28 + 48 + 32  # the ten orders that are sales


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    out = subprocess.run([sys.executable, str(ROOT / "main.py"), "demo", "--dir", str(folder)], cwd=folder,
                         capture_output=True, text=True, timeout=300,
                         env={"PATH": "/usr/bin:/bin", "TRUECRAFT_DOTENV": str(folder / "none.env")})
    assert out.returncode == 0, out.stderr
    return folder / "truecraft-demo.xlsx"


def test_dashboard_figures_are_formulas_that_compare_dates_not_text(demo):
    ws = load_workbook(demo)[DASHBOARD]
    labels = [ws.cell(row=r, column=1).value for r, *_ in FIGURES]
    assert [label for _, label, *_ in FIGURES] == labels
    for key, row in ROW.items():
        formula = ws.cell(row=row, column=2).value
        assert formula.startswith("="), key
        assert "TEXT(" not in formula and "yyyy" not in formula and '"*"' not in formula, key
    assert "TODAY()" in ws.cell(row=ROW["today_all"], column=2).value
    assert ws.cell(row=ROW["saved_all"], column=2).number_format == '"$"#,##0.00'


def test_dashboard_figures_are_saved_with_their_results_for_previews(demo):
    # a viewer that doesn't calculate (a phone preview) reads the stored result
    ws = load_workbook(demo, data_only=True)[DASHBOARD]
    value = {key: ws.cell(row=row, column=2).value for key, row in ROW.items()}
    assert value["saved_all"] == value["saved_month"] == 275  # TC-5 ($210) and TC-7 ($65), merged
    assert value["today_all"] == 10 and value["today_excluded"] == 2
    assert value["today:Etsy"] == 4 and value["today:Square"] == 1
    assert value["revenue_week"] == REAL_TOTALS
    assert value["dups_waiting"] == 0 and value["unfulfilled"] == 0
    assert value["low_stock"] >= 1


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_computes_the_same_figures_from_the_formulas(demo, tmp_path):
    # when LibreOffice opens the workbook and recalculates every formula itself
    wb = load_workbook(demo)
    for ws in wb.worksheets:
        ws.sheet_state = "visible" if ws.title == DASHBOARD else "hidden"
    wb.active = wb.sheetnames.index(DASHBOARD)
    wb.move_sheet(DASHBOARD, offset=-wb.sheetnames.index(DASHBOARD))  # csv export writes the first tab
    wb.save(tmp_path / "d.xlsx")
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path / 'lo'}", "--headless", "--convert-to",
                    "csv", "--outdir", str(tmp_path), str(tmp_path / "d.xlsx")], capture_output=True, timeout=120,
                   check=True)
    rows = list(csv.reader((tmp_path / "d.csv").open(encoding="utf-8", errors="replace")))
    stored = load_workbook(demo, data_only=True)[DASHBOARD]
    # then each figure matches the result TrueCraft stored
    for key, row in ROW.items():
        shown = rows[row - 1][1].replace("$", "").replace(",", "")
        assert float(shown) == float(stored.cell(row=row, column=2).value), key


@pytest.fixture()
def google(tmp_path):
    """(stand-in, spreadsheet id, backend) with the workbook laid out, on the Sheets stand-in."""
    from tests.standin.sheets_server import SheetsStandin

    standin = SheetsStandin().start()
    try:
        sid = standin.create_spreadsheet("TrueCraft")
        backend = GoogleSheetsBackend(sid, standin.write_service_account_file(tmp_path / "sa.json"), standin.url,
                                      budget_per_minute=1000, policy=RetryPolicy(attempts=2, base=0, cap=0,
                                                                                 timeout=10, sleep=lambda s: None))
        backend.init_layout(WORKBOOK)
        yield standin, sid, backend
    finally:
        standin.stop()


def test_google_dashboard_has_the_same_figures_as_live_formulas(google, tmp_path):
    standin, sid, backend = google
    journal = Journal(tmp_path / "j.db")
    journal.upsert_many([make_order("1")])
    SheetSync(journal, backend).flush()
    journal.close()
    sheet = standin.sheet(sid, DASHBOARD)
    for key, row in ROW.items():
        formula = sheet.lookup(row - 1, 1).get("v", {}).get("formulaValue", "")
        assert formula.startswith("=") and "TEXT(" not in formula, key
    money = sheet.lookup(ROW["saved_all"] - 1, 1)["fmt"]["numberFormat"]
    assert money == {"type": "CURRENCY", "pattern": '"$"#,##0.00'}
    # and init again changes nothing on the Dashboard
    assert not any("Dashboard" in d for d in backend.init_layout(WORKBOOK))


def test_google_dashboard_links_a_print_of_each_tab_with_the_print_setup(google):
    # Google's API stores no print settings; the Dashboard links each tab's PDF export with them
    standin, sid, _ = google
    sheet = standin.sheet(sid, DASHBOARD)
    links = [sheet.lookup(r, 3).get("v", {}).get("formulaValue", "") for r in (3, 4, 5)]
    for tab, link in zip(("Orders", "Duplicates", "Dashboard"), links):
        gid = standin.sheet(sid, tab).sheet_id
        assert f"/d/{sid}/export?format=pdf&gid={gid}&portrait=false&fitw=true&fzr=true" in link, tab
        assert link.endswith(f',"{tab}")'), tab


def test_google_formulas_are_sent_with_separators_every_locale_reads(google):
    # Google rejects ',' between arguments in decimal-comma locales (de_DE, tr_TR) and takes ';' in all
    standin, sid, backend = google
    rules = standin.sheet(sid, "Orders").conditional_formats
    formulas = [r["booleanRule"]["condition"]["values"][0]["userEnteredValue"] for r in rules]
    assert all("," not in f.replace('","', "") for f in formulas if "(" in f), formulas
    # the stand-in stores ',' as en_US does; TrueCraft reads that as the same formula: no churn
    assert backend.init_layout(WORKBOOK) == []
