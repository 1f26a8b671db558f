"""Chaos bench: the REAL `python main.py serve` against the Sheets stand-in, with kills, storms and tampering.

Prints a Markdown table for the README's "Guarantees" section: per scenario, orders sent /
acknowledged / in the sheet / duplicated, faults injected and recovery time. Loopback only.

    python bench/chaos.py            # 1,000 orders and 5 kill -9s; a 2-minute quota storm
    python bench/chaos.py --quick    # CI-sized (about 2 minutes)
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.reliability import tamper  # noqa: E402
from tests.reliability.harness import ServeProcess, send_orders, serve_env, start_sheet, wait_for  # noqa: E402
from tests.reliability.scenarios import Figures, crash, quota_storm, settle, tally  # noqa: E402


def _rig(tmp: Path, **extra: str):
    sheet = start_sheet(tmp)
    return sheet, ServeProcess(tmp, serve_env(tmp, sheet, **extra))


def run_crash(n: int, kills: int, rate: float) -> Figures:
    """kill -9 serve at random moments (and right after sheet appends) while n orders arrive."""
    with tempfile.TemporaryDirectory() as tmp:
        sheet, serve = _rig(Path(tmp))
        try:
            return crash(sheet, serve, n=n, kills=kills, rate=rate, settle_timeout=180)
        finally:
            serve.kill_all()
            sheet.standin.stop()


def run_storm(n: int, storm_s: float, budget: int) -> Figures:
    """Sheets answers 429/500/503 for storm_s seconds while orders arrive."""
    with tempfile.TemporaryDirectory() as tmp:
        sheet, serve = _rig(Path(tmp), TRUECRAFT_SHEETS_BUDGET_PER_MINUTE=str(budget))
        try:
            return quota_storm(sheet, serve, n=n, storm_s=storm_s, budget=budget, settle_timeout=240)
        finally:
            serve.kill_all()
            sheet.standin.stop()


def run_tampering(n: int) -> Figures:
    """A person deletes rows, sorts, inserts rows/columns, moves a column, clears the header, renames the tab."""
    steps = [("delete 5 rows", lambda s: tamper.delete_rows(s, 3, 5)),
             ("sort by Customer", lambda s: tamper.sort_by(s, "Customer")),
             ("insert 3 rows", lambda s: tamper.insert_rows(s, 4, 3)),
             ("insert a column", lambda s: tamper.insert_column(s, 0, "Priority")),
             ("move Total", lambda s: tamper.move_column(s, "Total", 2)),
             ("clear header row", tamper.clear_header),
             ("rename tab", lambda s: tamper.rename_tab(s, "Orders (old)"))]
    with tempfile.TemporaryDirectory() as tmp:
        sheet, serve = _rig(Path(tmp))
        try:
            serve.start()
            numbers = list(range(n))
            delivery = send_orders(lambda: serve.base, numbers, clients=4)
            settle(sheet, serve, delivery.acked, 60)
            began, worst, per_step = time.monotonic(), 0.0, {}
            for name, act in steps:
                act(sheet)
                t0 = time.monotonic()
                ok = wait_for(lambda: sorted(sheet.order_counts().values()) == [1] * n, 60, interval=0.2)
                per_step[name] = round(time.monotonic() - t0, 1) if ok else None
                worst = max(worst, time.monotonic() - t0)
            fig = tally(Figures("sheet tampering"), sheet, delivery, numbers)
            fig.faults = f"{len(steps)} edits: " + ", ".join(name for name, _ in steps)
            fig.recovery_s = round(worst, 1) if None not in per_step.values() else None
            fig.extra = {"total_s": round(time.monotonic() - began, 1), "repair_s_per_edit": per_step,
                         "audit": sheet.column("What", tab="Audit Log").count("row missing from sheet")
                         + sheet.column("What", tab="Audit Log").count("row restored")}
            return fig
        finally:
            serve.kill_all()
            sheet.standin.stop()


def table(figs: list[Figures]) -> str:
    """The Markdown table for the README."""
    out = ["| scenario | faults injected | orders sent | acknowledged | in the sheet | duplicated | lost "
           "(acked, not in sheet) | recovery |",
           "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for f in figs:
        rec = "did not recover" if f.recovery_s is None else f"{f.recovery_s:.1f} s"
        out.append(f"| {f.scenario} | {f.faults} | {f.sent:,} | {f.acked:,} | {f.in_sheet:,} | {f.duplicated} | "
                   f"{f.lost} | {rec} |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Run the scenarios and print the table (exit 1 if any order was lost or doubled)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="CI-sized: 200 orders / 2 kills, 10 s storm")
    parser.add_argument("--only", choices=["crash", "storm", "tampering"], action="append",
                        help="run only these scenarios (repeatable)")
    args = parser.parse_args(argv)
    wanted = set(args.only or ["crash", "storm", "tampering"])
    q = args.quick
    figs: list[Figures] = []
    if "crash" in wanted:
        figs.append(run_crash(n=200 if q else 1000, kills=2 if q else 5, rate=25.0 if q else 40.0))
    if "storm" in wanted:
        figs.append(run_storm(n=100 if q else 400, storm_s=10.0 if q else 120.0, budget=40 if q else 50))
    if "tampering" in wanted:
        figs.append(run_tampering(n=30 if q else 200))
    print(table(figs))
    print()
    for f in figs:
        print(f"- {f.scenario}: {f.deliveries:,} deliveries (retries included); strays {f.strays}; "
              f"{json.dumps(f.extra, ensure_ascii=False)}")
    return 0 if all(f.lost == 0 and f.duplicated == 0 and f.recovery_s is not None for f in figs) else 1


if __name__ == "__main__":
    sys.exit(main())
