"""listen's catch-up covers only what a store answered: a failed catch-up leaves a recorded gap that a
later listen or mailserver fetch with a store fills (issue 19.1).

The store is a real :class:`~statuscli.store.archive.Archive` (what ``node run`` serves from), the
accounts and the whole receive pipeline are real; only the wire between them is a Python call.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from statuscli.app.messaging import history
from statuscli.app.messaging.content import Content
from statuscli.app.messaging.incoming import Receiver
from statuscli.app.messaging.listener import Listener, ListenOptions
from statuscli.net.transport import Received
from statuscli.core.errors import InvalidInput, TimeoutExpired
from statuscli.core.waku import message as wm
from statuscli.store import coverage
from statuscli.store.archive import Archive
from tests.unit.test_messaging import clock, parties  # noqa: F401  (fixtures)

CHANNEL = "catch-up-test"


class ArchiveTransport:
    """A node with a store: what is published is archived, store queries page through the archive."""

    kind = "test"
    filters_topics = False

    def __init__(self, archive: Archive | None, *, failing: Callable[[int], bool] = lambda n: False):
        self.archive = archive
        self.queries = 0
        self.failing = failing  # query number (from 1) -> the node does not answer in time

    def subscribe(self, content_topics=None) -> None:
        pass

    def receive(self, timeout: float, max_items: int = 1000) -> list[Received]:
        return []

    def publish(self, env) -> dict:
        if self.archive is not None:
            msg = wm.decode(env.data)
            self.archive.add([(env.hash, env.pubsub_topic, msg.content_topic, msg.timestamp, env.data)])
        return {}

    def store_query(self, content_topics, *, pubsub_topic, time_start=None, time_end=None, cursor=None, limit=100, forward=True, peer=None):
        self.queries += 1
        if self.failing(self.queries):
            raise TimeoutExpired("the Waku node did not answer in time")
        if self.archive is None:
            raise InvalidInput("this node keeps no archive", hint="query a store node: pass its multiaddr")
        rows, nxt = self.archive.query(pubsub_topic=pubsub_topic, content_topics=content_topics, time_start=time_start, time_end=time_end,
                                       cursor=cursor, forward=forward, limit=limit)  # fmt: skip
        return [Received(data, pt, h) for h, pt, data in rows], nxt


def listen(party, transport, **opts) -> list[dict]:
    """One ``listen`` that runs until it is idle: catch-up done, then stopped at the first ``receive``
    that brings nothing (not at a timeout: a timeout would cut a catch-up short on a slow machine)."""
    out: list[dict] = []
    run_until_idle(Listener(party.m, transport, ListenOptions(channels=(CHANNEL,), publish_bundle=False, **opts), out.append), transport)
    return out


def run_until_idle(listener: Listener, transport) -> int:
    receive = transport.receive

    def receive_then_stop(timeout: float, max_items: int = 1000) -> list[Received]:
        got = receive(timeout, max_items)
        if not got:
            listener.stop()
        return got

    transport.receive = receive_then_stop
    try:
        return listener.run()
    finally:
        del transport.receive


@pytest.fixture
def world(parties, clock):
    alice, bob = parties("alice", "bob")
    store = ArchiveTransport(Archive())
    listen(bob, store)  # bob has listened before: a checkpoint, the channel joined
    clock.advance(600)
    sent = alice.m.send_public(CHANNEL, Content(text="posted while bob was away"))
    for env in sent.envelopes:
        store.publish(env)
    clock.advance(600)
    return alice, bob, store, sent


def test_a_storeless_catch_up_keeps_the_gap_and_a_later_store_catch_up_gets_the_message(world, clock):
    alice, bob, store, sent = world
    events = listen(bob, ArchiveTransport(None))  # the node in use has no store
    (gap,) = [e for e in events if e["type"] == "gap"]
    assert gap["reason"]["code"] == "store-unavailable" and "no archive" in gap["reason"]["message"]
    assert gap["from"] < sent.envelopes[0].timestamp_ns < gap["to"] and gap["cursor"] > 0
    assert len(coverage.gaps(bob.account.db)) == 1
    clock.advance(600)
    got = [e for e in listen(bob, store) if e["type"] == "message"]
    assert [e["text"] for e in got] == ["posted while bob was away"]
    assert coverage.gaps(bob.account.db) == []  # filled
    clock.advance(600)
    assert [e for e in listen(bob, store) if e["type"] in ("message", "gap")] == []  # nothing twice


def test_no_catch_up_also_leaves_the_gap_and_mailserver_style_retry_fills_it(world, clock):
    alice, bob, store, sent = world
    events = listen(bob, store, catch_up=False)
    (gap,) = [e for e in events if e["type"] == "gap"]
    assert gap["reason"]["code"] == "no-catch-up" and store.queries == 1  # only the first listen queried
    clock.advance(600)
    got: list[dict] = []
    assert history.retry_gaps(bob.m, Receiver(bob.m, extra_channels=(CHANNEL,)), store, emit=got.append)  # what mailserver fetch does first
    assert [e["text"] for e in got if e["type"] == "message"] == ["posted while bob was away"]
    assert coverage.gaps(bob.account.db) == []


def test_a_failed_retry_keeps_the_gap_and_says_so_again(world, clock):
    alice, bob, store, sent = world
    listen(bob, ArchiveTransport(None))
    clock.advance(600)
    again = listen(bob, ArchiveTransport(None))
    gaps = [e for e in again if e["type"] == "gap"]
    assert len(gaps) == 2  # the old one, still open, and the window since the last listen
    assert len(coverage.gaps(bob.account.db)) == 2
    got = [e for e in listen(bob, store) if e["type"] == "message"]
    assert [e["text"] for e in got] == ["posted while bob was away"] and coverage.gaps(bob.account.db) == []
