"""A write whose answer was lost never doubles rows (issue 11.3; shared/specs/FACTS.md 4).

A relay between TrueCraft and the Sheets stand-in forwards an Orders append, lets it
land, then hangs up without the answer — a reset after Google applied the write.
"""
from __future__ import annotations

import subprocess
import sys
import time

from core.journal import Journal
from tests.foundation.factories import make_order
from tests.reliability.harness import REPO, platform_order_id
from tests.reliability.scenarios import settle, tally
from tests.reliability.harness import Delivery, send_orders
from tests.reliability.scenarios import Figures
from tests.standin.relay import LossyRelay, is_orders_append


def _audit_kinds(sheet) -> list[str]:
    return [k for k in sheet.column("What", tab="Audit Log") if k]


def test_sync_after_a_lost_append_answer_shows_every_order_once(make_rig, tmp_path):
    # given 120 orders waiting in the journal and a relay that loses the answer of the first Orders append
    rig = make_rig()
    relay = LossyRelay(rig.sheet.standin.url, is_orders_append, drops=1).start()
    try:
        env = dict(rig.serve.env, TRUECRAFT_SHEETS_API_URL=relay.url)
        journal = Journal(env["TRUECRAFT_DB"])
        journal.upsert_many([make_order(f"LA-{i}", minutes=i) for i in range(120)])
        journal.close()
        # when `sync --once` runs
        done = subprocess.run([sys.executable, str(REPO / "main.py"), "sync", "--once"], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        # then the append did land unanswered, yet every order is in the sheet exactly once
        assert relay.dropped, "the relay never dropped an answer; the test proved nothing"
        counts = rig.sheet.order_counts()
        assert len(counts) == 120 and set(counts.values()) == {1}, counts
        # and a second run adds nothing and says in the Audit Log what happened
        subprocess.run([sys.executable, str(REPO / "main.py"), "sync", "--once"], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=120, check=True)
        assert set(rig.sheet.order_counts().values()) == {1}
        assert "sheet answer lost" in _audit_kinds(rig.sheet)
        assert "Traceback" not in done.stdout + done.stderr
    finally:
        relay.stop()


def test_serve_under_a_webhook_burst_with_lost_append_answers_doubles_nothing(make_rig):
    # given serve writing to the sheet through a relay that loses the answers of three Orders appends
    rig = make_rig()
    relay = LossyRelay(rig.sheet.standin.url, is_orders_append, drops=3).start()
    try:
        rig.serve.env["TRUECRAFT_SHEETS_API_URL"] = relay.url
        rig.serve.start()
        # when 150 signed orders arrive from 6 concurrent senders
        numbers = list(range(150))
        delivery = send_orders(lambda: rig.serve.base, numbers, clients=6, delivery=Delivery(), rate=60.0)
        settled = settle(rig.sheet, rig.serve, delivery.acked, 90)
        fig = tally(Figures("lost answers"), rig.sheet, delivery, numbers)
        # then every acknowledged order is in the sheet exactly once
        assert len(relay.dropped) >= 1, "no answer was lost; the test proved nothing"
        assert settled, rig.serve.health()
        assert fig.acked == 150
        assert (fig.lost, fig.duplicated, fig.strays) == (0, 0, 0), fig
        assert platform_order_id(0) in rig.sheet.order_counts()
        # The audit line can go out with a later sheet write than the rows (a busy machine can
        # put several seconds between them), so wait for it rather than read once.
        deadline = time.monotonic() + 60
        while "sheet answer lost" not in _audit_kinds(rig.sheet) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert "sheet answer lost" in _audit_kinds(rig.sheet)
    finally:
        relay.stop()
