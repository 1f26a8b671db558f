"""Sheets answers 429/500/503 for a while: nothing lost or doubled, the budget holds, serve recovers alone."""
from __future__ import annotations

from tests.reliability.scenarios import quota_storm

BUDGET = 40  # per minute; low enough that the storm's retries run into it


def test_quota_storm_loses_nothing_stays_in_budget_and_recovers_by_itself(make_rig):
    # given serve with a Sheets budget of 40 requests/minute, some orders already in the sheet
    rig = make_rig(TRUECRAFT_SHEETS_BUDGET_PER_MINUTE=str(BUDGET))
    # when Sheets fails every request for 10 s while the rest of 100 orders arrive
    fig = quota_storm(rig.sheet, rig.serve, n=100, storm_s=10.0, budget=BUDGET)
    # then every order was acknowledged (the journal does not need the sheet) and is in the sheet once
    assert fig.acked == fig.sent == 100
    assert (fig.lost, fig.duplicated, fig.strays, fig.in_sheet) == (0, 0, 0, 100), fig
    # and in no 60-second window did serve send more than its budget, though it did run into it.
    # (Stamps are taken on arrival at the stand-in, whose threads share a busy CI core with the senders;
    # half a second of slack keeps that jitter from counting as a breach. The exact figure is in chaos.py.)
    assert fig.extra["max_requests_59_5s"] <= BUDGET, fig.extra
    assert fig.extra["max_requests_60s"] >= BUDGET, "the storm never reached the budget; nothing was proved"
    # and /healthz said what was wrong during the storm, then ok with nothing owed, without help
    assert any("Google" in s for s in fig.extra["status_during"]), fig.extra
    assert fig.extra["backlog_during"] > 0
    assert (fig.extra["status_after"], fig.extra["backlog_after"]) == ("ok", 0)
    assert fig.recovery_s is not None and fig.recovery_s < 90, fig
