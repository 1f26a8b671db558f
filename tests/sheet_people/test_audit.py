"""An Audit Log for people: one line per change in words, Old/New/Editor, the seller's time zone, no machine detail."""
import argparse
import re
from datetime import datetime

from core.config import Settings
from sheet_schema.tabs import AUDIT_LOG, ORDERS
from tests.sheet_people.conftest import table

MACHINE = re.compile(r'\{"|idempotency|dup_score|match_reasons|demo:|Content-Transfer-Encoding|[A-Za-z0-9+/=]{60,}')


def test_a_status_change_reads_as_words_with_old_new_editor_and_zone(workbook):
    # given the demo day, where the assistant marked the orders FULFILLED in the workbook
    lines = [r for r in table(workbook, AUDIT_LOG) if r["Order ID"] == "TC-12"]
    status = next(r for r in lines if str(r["What"]).startswith("Status"))
    # then the line says what changed, from what, to what, and who did it
    assert status["What"] == "Status UNFULFILLED → FULFILLED"
    assert (status["Old"], status["New"], status["Source"]) == ("UNFULFILLED", "FULFILLED", "Sheet edit")
    assert status["Editor"] == "sam@truecraft-demo.example"
    # and its time is on the seller's clock, which is named (TRUECRAFT_TIMEZONE=America/Los_Angeles)
    assert status["Time Zone"] == "PST (America/Los_Angeles)"
    # and the merge the seller decided is one line, with what it was before
    merged = [r for r in table(workbook, AUDIT_LOG) if r["Order ID"] == "TC-5" and "MERGED" in str(r["What"])]
    assert [(m["What"], m["Editor"]) for m in merged] == [("Status UNFULFILLED → MERGED", "maya@truecraft-demo.example")]


def test_entries_are_timed_when_the_change_happened(workbook):
    # given orders received through the day and shipped after the last one
    received = {r["Order ID"]: str(r["Received"]) for r in table(workbook, ORDERS)}
    lines = table(workbook, AUDIT_LOG)
    for line in lines:
        when = str(line["When"])
        if line["What"] == "Order received":  # logged the moment the order arrived, not before it
            assert when[:16] == received[line["Order ID"]][:16], line
    shipped = [str(r["When"]) for r in lines if str(r["What"]).startswith("Status UNFULFILLED → FULFILLED")]
    assert min(shipped) > max(received.values())


def test_no_machine_detail_lands_in_the_sheet(workbook):
    # then no cell holds request JSON, idempotency keys, e-mail source, internal field names or "demo:" sources
    for line in table(workbook, AUDIT_LOG):
        for header, value in line.items():
            assert not MACHINE.search(str(value or "")), (header, value)
    sources = {r["Source"] for r in table(workbook, AUDIT_LOG)}
    assert sources <= {"Etsy", "Shopify", "Square", "Amazon", "Sheet edit", "TrueCraft"}, sources
    # and the dry-run line points to the command that shows the request
    dry = next(r for r in table(workbook, AUDIT_LOG) if r["Order ID"] == "TC-10" and "dry run" in r["What"])
    assert dry["Detail"] == "full detail: python main.py audit TC-10"


def test_the_audit_command_shows_the_machine_detail(demo_dir, capsys):
    # given the demo journal
    from cli.audit_cmd import run

    settings = Settings(db=str(demo_dir / "truecraft-demo.db"), timezone="America/Los_Angeles")
    # when the seller asks about TC-10
    lines: list[str] = []
    assert run(argparse.Namespace(order_id="tc-10", last=30), settings, out=lines.append) == 0
    text = "\n".join(lines)
    # then she sees the request that would have been sent, the e-mail as written, and the times with their zone
    assert text.startswith("TC-10: Square #SQ-ORD-88B2, Ana Souza, $28.00 (times in America/Los_Angeles)")
    assert '"idempotency_key": "tc-push-tc-10-' in text and "Hi Ana," in text and "PST" in text
    assert "status changed  (source: sheet by sam@truecraft-demo.example)" in text
    # and a wrong id is explained
    lines.clear()
    assert run(argparse.Namespace(order_id="TC-99", last=30), settings, out=lines.append) == 1
    assert lines == [f"There is no order TC-99 in the journal ({settings.db}). Check the Order ID in the sheet."]


def test_audit_has_help(capsys):
    import pytest

    from cli.app import main

    with pytest.raises(SystemExit):
        main(["audit", "--help"])
    assert "TC-12" in capsys.readouterr().out


def test_received_time_parses(workbook):
    # the When cell is a time the sheet can sort: a date-time, or text in the sheet's time format
    value = table(workbook, AUDIT_LOG)[0]["When"]
    assert isinstance(value, datetime) or datetime.strptime(str(value), "%Y-%m-%d %H:%M")
