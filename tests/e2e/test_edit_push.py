"""A signed sheet push gets a FULFILLED edit to the platform well before the next poll, exactly once.

Real parts: `python main.py serve` in a subprocess (google backend), the Sheets and Shopify stand-ins
on loopback, the Apps Script's payload and signature. Polls are every 30 s, so only the push can
explain a fulfilment that arrives within seconds.
"""
from bench.edit_to_platform import report, run

POLL_SECONDS = 30


def test_sheet_push_reaches_shopify_before_the_poll_exactly_once():
    # given serve polling every 30 s, and two Shopify orders already rows in the sheet
    # when each row is marked FULFILLED with a UPS number and the Apps Script push is sent
    result = run(n=2, poll_seconds=POLL_SECONDS, modes=("push",), log=lambda *_: None, settle=5)
    # then each fulfilment reached Shopify in well under the poll interval
    latencies = result.modes["push"].latencies
    assert len(latencies) == 2 and None not in latencies, report(result)
    assert max(latencies) < 10, report(result)
    # and each order holds exactly one fulfilment, from exactly one fulfillmentCreate
    assert result.fulfilments and all(v == 1 for v in result.fulfilments.values()), report(result)
    assert all(v == 1 for v in result.creates.values()), report(result)
    # and the Sheets traffic stayed within the per-minute budget
    assert result.peak_per_minute <= result.budget, report(result)
