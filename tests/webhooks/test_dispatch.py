"""Waitress's queue under a /healthz flood: deliveries first, anonymous requests bounded."""
from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import pytest

from webhooks.dispatch import WebhooksFirst


class FakeChannel:
    """What waitress hands the dispatcher: a channel whose first request is complete."""

    def __init__(self, method: str, path: str, log: list, gate: threading.Event | None = None,
                 busy: list | None = None) -> None:
        self.requests = [SimpleNamespace(command=method, path=path)]
        self.path, self.log, self.gate, self.busy = path, log, gate, busy
        self.done, self.started = threading.Event(), threading.Event()

    def service(self) -> None:
        self.started.set()
        if self.busy is not None:
            self.busy.append(1)
            self.log.append(("running", len(self.busy)))
        if self.gate is not None:
            self.gate.wait(5)
        self.log.append(self.path)
        if self.busy is not None:
            self.busy.pop()
        self.done.set()

    def cancel(self) -> None:
        self.done.set()


@pytest.fixture
def dispatcher():
    made = []

    def make(**kw) -> WebhooksFirst:
        made.append(WebhooksFirst(**kw))
        return made[-1]
    yield make
    for d in made:
        d.shutdown(cancel_pending=True, timeout=2)


def test_a_delivery_jumps_a_queue_of_polls(dispatcher):
    # given one thread held by a poll, and 20 more polls queued behind it
    log: list = []
    gate = threading.Event()
    d = dispatcher(threads=1, other_per_second=10_000)
    first = FakeChannel("GET", "/healthz", log, gate)
    d.add_task(first)
    assert first.started.wait(5)
    polls = [FakeChannel("GET", "/healthz", log) for _ in range(20)]
    for p in polls:
        d.add_task(p)
    # when a signed delivery arrives, then the thread frees up
    delivery = FakeChannel("POST", "/webhooks/shopify", log)
    d.add_task(delivery)
    gate.set()
    assert delivery.done.wait(5)
    for p in polls:
        assert p.done.wait(5)
    # then the delivery was served right after the poll in progress, before the 20 queued ones
    assert log[0] == "/healthz" and log[1] == "/webhooks/shopify"
    assert log.count("/healthz") == 21


@pytest.mark.parametrize("method,path,urgent", [
    ("POST", "/webhooks/etsy", True),
    ("POST", "/webhooks/sheet", True),
    ("GET", "/webhooks/etsy", False),   # a GET is nobody's delivery
    ("POST", "/healthz", False),
    ("GET", "/healthz", False),
    ("POST", "/elsewhere/webhooks/etsy", False),
])
def test_only_posts_to_webhook_paths_are_urgent(dispatcher, method, path, urgent):
    # given a dispatcher whose threads may not take "other" work yet (rate spent)
    d = dispatcher(threads=2, other_per_second=0.001)
    d._next_other = time.monotonic() + 60
    log: list = []
    channel = FakeChannel(method, path, log)
    # when the request is queued
    d.add_task(channel)
    # then only a delivery is served now
    assert channel.done.wait(0.5 if urgent else 0.3) is urgent


def test_polls_never_take_more_than_their_threads(dispatcher):
    # given 8 threads and 12 slow polls
    log: list = []
    busy: list = []
    gate = threading.Event()
    d = dispatcher(threads=8, other_threads=2, other_per_second=10_000)
    polls = [FakeChannel("GET", "/healthz", log, gate, busy) for _ in range(12)]
    for p in polls:
        d.add_task(p)
    time.sleep(0.2)  # let every thread that may take a poll take one
    # then at most 2 run at once, and a delivery still gets a free thread at once
    delivery = FakeChannel("POST", "/webhooks/square", log)
    d.add_task(delivery)
    assert delivery.done.wait(2)
    assert max(n for entry in log if isinstance(entry, tuple) for n in [entry[1]]) <= 2
    gate.set()
    for p in polls:
        assert p.done.wait(5)


def test_polls_are_served_at_a_bounded_rate(dispatcher):
    # given a limit of 50 polls a second and 200 polls waiting
    log: list = []
    d = dispatcher(threads=4, other_per_second=50)
    polls = [FakeChannel("GET", "/healthz", log) for _ in range(200)]
    began = time.monotonic()
    for p in polls:
        d.add_task(p)
    # when half a second passes
    time.sleep(0.5)
    served = sum(p.done.is_set() for p in polls)
    # then about 25 were answered, never all 200 (the rest wait unread, costing nothing)
    assert 5 <= served <= 50, served
    assert time.monotonic() - began < 5
