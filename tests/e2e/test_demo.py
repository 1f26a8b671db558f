"""`python main.py demo` tells the whole story on a fresh folder, with no accounts."""
import subprocess
import sys
from pathlib import Path

from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parents[2]


def test_demo_runs_end_to_end(tmp_path):
    out = subprocess.run([sys.executable, str(ROOT / "main.py"), "demo", "--dir", str(tmp_path / "d")],
                         cwd=tmp_path, capture_output=True, text=True, timeout=300,
                         env={"PATH": "/usr/bin:/bin", "TRUECRAFT_DOTENV": str(tmp_path / "none.env")})
    assert out.returncode == 0, out.stderr
    text = out.stdout
    # the feed, newest first, with both flagged duplicates and their alert text
    assert text.index("TC-12") < text.index("TC-1 ")
    assert ("% match. Same name (Rachel Green / Rach Green), same address, similar item (Linen Wrap Jacket - Sage "
            "(Size: M) / Custom sage linen jacket (size M)), $200.00 vs $210.00, 58 min apart.") in text
    assert "Potential duplicate — " in text and "same amount, 3 min apart." in text
    # the loop: merged, dry-run requests, the e-mail, inventory, and what was saved
    assert "TC-5 is MERGED" in text and "would send: POST https://openapi.etsy.com" in text
    assert "Hi Ana," in text and "LW-001: 2 left" in text
    assert "worth $275.00" in text and "Traceback" not in out.stderr
    wb = load_workbook(tmp_path / "d" / "truecraft-demo.xlsx")
    assert {"Orders", "Duplicates", "Customers", "SKU Map", "Inventory", "Bundles", "Manual Entry",
            "Audit Log", "Dashboard"} <= set(wb.sheetnames)
    assert wb["Orders"].max_row == 13
