"""Two TrueCraft processes on one journal push each fulfilment once (issue 17.1).

Real processes: `serve`'s jobs and a `sync --once` run by hand both run the outbox.
Here two OS processes each run push_pending() on the same journal against the Etsy
stand-in, whose tracking write takes a second, so the two overlap as they do in life.
"""
from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

from automations.fulfilment.service import FulfilmentService
from connectors.etsy.connector import EtsyConnector
from core.journal import Journal
from tests.connectors.conftest import etsy_receipts
from tests.fulfilment.helpers import NOW, diff, fulfil_edits
from tests.standin.etsy_server import EtsyStandin

REPO = Path(__file__).resolve().parents[2]
PUSH = """
import json, sys
from automations.fulfilment.service import FulfilmentService
from connectors.etsy.connector import EtsyConnector
from core.journal import Journal
env = json.loads(sys.argv[2])
journal = Journal(sys.argv[1])
svc = FulfilmentService(journal, {"etsy": EtsyConnector.from_env(env)})
print(json.dumps([o.state for o in svc.push_pending()]))
journal.close()
"""


def test_two_processes_pushing_at_once_create_one_etsy_shipment(tmp_path):
    # given an Etsy order marked FULFILLED in the sheet (the decision is in the journal's outbox)
    etsy = EtsyStandin().start()
    try:
        receipt = copy.deepcopy(etsy_receipts()["paid_with_variations_no_email"])
        rid = etsy.add_receipt(receipt)
        env = {"ETSY_API_KEY": etsy.api_key, "ETSY_SHOP_ID": str(etsy.shop_id),
               "ETSY_ACCESS_TOKEN": etsy.access_token, "ETSY_API_URL": etsy.url}
        journal = Journal(tmp_path / "j.db")
        connector = EtsyConnector.from_env(env)
        order = connector.get_order(rid)
        oid = journal.upsert(order).order_id
        svc = FulfilmentService(journal, {"etsy": connector}, clock=lambda: NOW)
        svc.handle_edits(diff(*fulfil_edits(oid)), {s.order_id: s for s in journal.all_orders()})
        journal.close()
        etsy.slow_when = lambda r: r.method == "POST" and r.path.endswith("/tracking")
        etsy.slow_seconds = 1.0
        # when two processes run the outbox at the same moment
        procs = [subprocess.Popen([sys.executable, "-c", PUSH, str(tmp_path / "j.db"), json.dumps(env)],
                                  cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]
        outs = [p.communicate(timeout=60) for p in procs]
        assert all(p.returncode == 0 for p in procs), outs
        # then Etsy holds exactly one shipment, and only one process sent it
        assert len(etsy.shipments(rid)) == 1
        states = sorted(json.loads(out) for out, _ in outs)
        assert states[0] == [] and len(states[1]) == 1, states
    finally:
        etsy.stop()


SEND = """
import json, sys
from automations.fulfilment.mailer import Mailer
from automations.fulfilment.service import FulfilmentService
from core.journal import Journal
journal = Journal(sys.argv[1])
svc = FulfilmentService(journal, {}, mailer=Mailer(sys.argv[2], "shop@maker.example"))
print(json.dumps([o.state for o in svc.push_pending()]))
journal.close()
"""


def test_two_processes_at_once_send_one_tracking_email(tmp_path):
    import asyncio
    import socket

    from aiosmtpd.controller import Controller

    from tests.fulfilment.helpers import square_order

    class SlowSink:
        """A mail server that takes a second to accept a message, so two senders overlap."""

        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
            await asyncio.sleep(1.0)
            self.messages.append(envelope.content)
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sink = SlowSink()
    smtp = Controller(sink, hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        # given a Square invoice order marked shipped: TrueCraft owes the buyer the tracking e-mail
        journal = Journal(tmp_path / "j.db")
        oid = journal.upsert(square_order("SQ-MAIL")).order_id
        svc = FulfilmentService(journal, {}, clock=lambda: NOW)
        svc.handle_edits(diff(*fulfil_edits(oid)), {s.order_id: s for s in journal.all_orders()})
        journal.close()
        # when two processes run the outbox at the same moment
        procs = [subprocess.Popen([sys.executable, "-c", SEND, str(tmp_path / "j.db"), f"smtp://127.0.0.1:{port}"],
                                  cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]
        outs = [p.communicate(timeout=60) for p in procs]
        assert all(p.returncode == 0 for p in procs), outs
        # then the buyer got exactly one tracking e-mail
        assert len(sink.messages) == 1, outs
    finally:
        smtp.stop()
