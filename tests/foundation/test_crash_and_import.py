"""A crash between the journal and the sheet loses nothing and doubles nothing; CSV import rules."""
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from core.journal import Journal
from sheet_schema.tabs import ORDERS
from sheets.local_backend import LocalWorkbookBackend
from sheets.sync import SheetSync
from tests.foundation.factories import make_order

ROOT = Path(__file__).resolve().parents[2]


class Crash(Exception):
    pass


@pytest.mark.parametrize("crash_at", ["before_write", "after_write_before_mark"])
def test_crash_between_journal_and_sheet(tmp_path, monkeypatch, crash_at):
    # given orders stored durably
    j = Journal(tmp_path / "j.db")
    backend = LocalWorkbookBackend(tmp_path / "t.xlsx")
    j.upsert_many([make_order(str(n)) for n in range(5)])
    sync = SheetSync(j, backend)
    # when the process dies at that moment
    if crash_at == "before_write":
        monkeypatch.setattr(backend, "write", lambda batch: (_ for _ in ()).throw(Crash()))
    else:
        monkeypatch.setattr(j, "mark_written", lambda written: (_ for _ in ()).throw(Crash()))
    with pytest.raises(Crash):
        sync.flush()
    j.close()
    # and a fresh process starts over from disk
    j2 = Journal(tmp_path / "j.db")
    SheetSync(j2, LocalWorkbookBackend(tmp_path / "t.xlsx")).flush()
    ids = [r[0] for r in load_workbook(tmp_path / "t.xlsx")[ORDERS].iter_rows(min_row=2, values_only=True)]
    # then every order is in the sheet exactly once
    assert sorted(ids) == [f"TC-{n}" for n in range(1, 6)] and j2.backlog() == 0


CSV_HEADER = ("platform,platform_order_id,created_at,customer_name,email,phone,address1,address2,city,"
              "region,postal_code,country,sku,title,quantity,unit_price,total,currency\n")


def _run(args, tmp_path):
    env = {"TRUECRAFT_DB": str(tmp_path / "j.db"), "TRUECRAFT_WORKBOOK": str(tmp_path / "t.xlsx"),
           "PATH": "/usr/bin:/bin", "TRUECRAFT_DOTENV": str(tmp_path / "none.env")}
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)


def test_import_reports_bad_lines_and_loads_the_rest_once(tmp_path):
    csv = tmp_path / "orders.csv"
    csv.write_text(CSV_HEADER
                   + "etsy,1,2026-11-27T11:00:00Z,Ann,,,1 A St,,X,OR,97201,US,S1,Mug,1,10,20,USD\n"
                   + "etsy,1,2026-11-27T11:00:00Z,Ann,,,1 A St,,X,OR,97201,US,S2,Cup,1,10,20,USD\n"
                   + "etsy,2,yesterday,Bo,,,,,,,,,,Mug,1,10,10,USD\n"
                   + "ebay,3,2026-11-27T11:00:00Z,Cy,,,,,,,,,,Mug,1,10,10,USD\n"
                   + "square,4,2026-11-27T12:00:00Z,\"=HYPERLINK(\"\"http://x\"\")\",,,,,,,,,,Mug,1,5,5,USD\n")
    first = _run(["import", str(csv)], tmp_path)
    assert first.returncode == 0, first.stderr
    assert "line 4:" in first.stderr and "line 5:" in first.stderr and "Traceback" not in first.stderr
    assert "2 new" in first.stdout
    second = _run(["import", str(csv)], tmp_path)
    assert "0 new" in second.stdout
    ws = load_workbook(tmp_path / "t.xlsx")[ORDERS]
    header = [c.value for c in ws[1]]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 2
    assert rows[0][header.index("Items")] == "1 × Mug; 1 × Cup"
    assert rows[1][header.index("Customer")] == '=HYPERLINK("http://x")'


def test_import_of_missing_file_is_plain(tmp_path):
    out = _run(["import", "nope.csv"], tmp_path)
    assert out.returncode == 2 and "There is no file" in out.stderr and "Traceback" not in out.stderr
