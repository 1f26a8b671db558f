"""Remake docs/screenshots/: the demo's Orders, Duplicates and Dashboard tabs as a person sees them printed.

Runs the demo in a scratch folder, then renders each tab headless:
LibreOffice (xlsx -> PDF, with the tab's own print setup) and pdftoppm (PDF page 1 -> PNG).
Needs `soffice` and `pdftoppm` on PATH. Usage: python docs/make_screenshots.py
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
TABS = {"Orders": "orders.png", "Duplicates": "duplicates.png", "Dashboard": "dashboard.png"}


def run(cmd: list[str], cwd: Path) -> None:
    """Run a tool; stop with its own words if it fails."""
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        sys.exit(f"{cmd[0]} failed: {done.stderr.strip() or done.stdout.strip()}")


DPI = 140
MARGIN = 12


def content_box(ppm: Path) -> tuple[int, int, int, int]:
    """(x, y, width, height) around what is not white on a binary PPM page, plus a small margin."""
    data = ppm.read_bytes()
    fields, pos = [], 0
    while len(fields) < 4:  # magic, width, height, maxval, separated by whitespace
        while data[pos:pos + 1].isspace():
            pos += 1
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    width, height = int(fields[1]), int(fields[2])
    pixels = data[pos + 1:]
    rows = [y for y in range(height) if pixels[y * width * 3:(y + 1) * width * 3].strip(b"\xff")]
    if not rows:
        return 0, 0, width, height
    left, right = width, 0
    for y in rows[:: max(1, len(rows) // 400)]:
        line = pixels[y * width * 3:(y + 1) * width * 3]
        first = (len(line) - len(line.lstrip(b"\xff"))) // 3
        last = (len(line.rstrip(b"\xff")) - 1) // 3
        left, right = min(left, first), max(right, last)
    x, y = max(0, left - MARGIN), max(0, rows[0] - MARGIN)
    return x, y, min(width, right + MARGIN) - x, min(height, rows[-1] + MARGIN) - y


def one_tab(workbook: Path, tab: str, folder: Path) -> Path:
    """A copy of the workbook that prints only `tab` (the others hidden, so formulas still see them)."""
    wb = load_workbook(workbook)
    for ws in wb.worksheets:
        ws.sheet_state = "visible" if ws.title == tab else "hidden"
        if ws.title != tab:  # LibreOffice prints a hidden tab's print area too
            ws.print_area = None
    wb.active = wb.sheetnames.index(tab)
    path = folder / f"{tab.lower()}.xlsx"
    wb.save(path)
    return path


def main() -> int:
    """Render the three tabs into docs/screenshots/."""
    for tool in ("soffice", "pdftoppm"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is not installed; install LibreOffice and poppler-utils first.")
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="truecraft-shots-") as tmp:
        folder = Path(tmp)
        run([sys.executable, str(ROOT / "main.py"), "demo", "--dir", str(folder / "demo")], folder)
        workbook = folder / "demo" / "truecraft-demo.xlsx"
        profile = f"-env:UserInstallation=file://{folder / 'lo-profile'}"  # never touch a person's LibreOffice
        for tab, png in TABS.items():
            xlsx = one_tab(workbook, tab, folder)
            run(["soffice", profile, "--headless", "--convert-to", "pdf", "--outdir", str(folder), str(xlsx)], folder)
            pdf = str(xlsx.with_suffix(".pdf"))
            run(["pdftoppm", "-r", str(DPI), "-f", "1", "-l", "1", "-singlefile", pdf, str(folder / tab)], folder)
            x, y, w, h = content_box(folder / f"{tab}.ppm")  # the page without its empty margins
            run(["pdftoppm", "-png", "-r", str(DPI), "-f", "1", "-l", "1", "-singlefile", "-x", str(x), "-y", str(y),
                 "-W", str(w), "-H", str(h), pdf, str(folder / tab)], folder)
            shutil.copy(folder / f"{tab}.png", OUT / png)
            print(f"wrote {OUT / png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
