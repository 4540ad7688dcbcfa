"""Our own node's hand-over of received messages to ``listen`` is bounded in bytes (issue 13: "bound
every queue and buffer in bytes, count every drop"). Before, ``net/embedded.py`` queued filter pushes
in an unbounded ``queue.Queue``: a listener busy for a while (a long catch-up, a slow disk) let it
grow without limit.

The queue is :class:`statuscli.net.receive_queue.ReceiveQueue`; beyond its bound the new arrival is
dropped, counted and its timestamp span handed to ``listen``, which fetches it from the store — in
the same run, or (when the run ends first) through the next run's catch-up. Real WakuMessages,
real accounts, the real receive pipeline and a real Archive; the wire is a Python call.
"""

from __future__ import annotations

import threading

import pytest

from statuscli.app.messaging import history
from statuscli.app.messaging.content import Content
from statuscli.app.messaging.listener import Listener, ListenOptions
from statuscli.core.errors import UsageError
from statuscli.core.waku import message as wm
from statuscli.net.limits import DEFAULT_RECEIVE_QUEUE_BYTES, NodeLimits, parse_byte_size
from statuscli.net.receive_queue import ReceiveQueue, item_size
from statuscli.net.transport import Received
from statuscli.store.archive import Archive
from tests.unit.test_listen_coverage import CHANNEL, ArchiveTransport, listen
from tests.unit.test_messaging import clock, parties  # noqa: F401  (fixtures)

TOPIC = "/waku/2/rs/16/32"


def _message(i: int, size: int) -> tuple[Received, int]:
    ts = 1_700_000_000_000_000_000 + i * 1_000_000
    msg = wm.WakuMessage(payload=bytes([i % 256]) * size, content_topic="/waku/1/0x12345678/rfc26", timestamp=ts)
    data = wm.encode(msg)
    return Received(data, TOPIC, wm.message_hash(TOPIC, msg)), ts


def test_the_queue_never_holds_more_than_its_bound_and_counts_every_drop():
    q = ReceiveQueue(1024 * 1024)
    items = [_message(i, 100_000) for i in range(40)]  # ~4 MB offered to a 1 MiB queue
    results: list[bool] = []
    offering = threading.Thread(target=lambda: results.extend(q.offer(r, ts) for r, ts in items))
    offering.start()
    offering.join(10)
    assert not offering.is_alive()  # nothing blocks: a full queue drops, it never waits for the reader

    kept = results.count(True)
    assert kept == (1024 * 1024) // item_size(items[0][0]) == 10
    assert results == [True] * kept + [False] * (40 - kept)  # the newest arrivals are the ones dropped
    assert q.bytes == sum(item_size(r) for r, _ in items[:kept]) <= q.max_bytes
    assert q.dropped == 30
    assert q.take_lost() == (30, items[kept][1], items[-1][1])  # the span the listener fetches from the store
    assert q.take_lost() is None

    got = q.get(0, 4)
    assert got == [r for r, _ in items[:4]]  # oldest first, at most max_items
    assert q.offer(*items[kept]) and q.dropped == 30  # room again
    assert len(q.get(0, 1000)) == kept - 4 + 1 and q.bytes == 0


def test_tiny_messages_are_bounded_too_and_an_empty_get_waits_then_returns_nothing():
    q = ReceiveQueue(64 * 1024)
    r, ts = _message(1, 1)
    accepted = sum(q.offer(r, ts) for _ in range(10_000))
    assert accepted == (64 * 1024) // item_size(r) < 10_000 and q.dropped == 10_000 - accepted
    q.get(0, 10_000)
    assert q.get(0.01, 10) == []


def test_a_reader_waiting_on_an_empty_queue_is_woken_by_an_offer():
    q = ReceiveQueue(1024 * 1024)
    r, ts = _message(1, 10)
    got: list = []
    reader = threading.Thread(target=lambda: got.extend(q.get(30, 10)))
    reader.start()
    q.offer(r, ts)
    reader.join(10)
    assert not reader.is_alive() and got == [r]


def test_the_bound_is_configured_with_the_node_limits_and_the_environment():
    assert NodeLimits().receive_queue_bytes == DEFAULT_RECEIVE_QUEUE_BYTES == 16 * 1024 * 1024
    assert parse_byte_size("64MiB") == parse_byte_size("64m") == 64 * 1024 * 1024
    assert parse_byte_size("300000") == 300_000
    for bad in ("lots", "1k", "-5MiB"):  # not a size, or below one maximal message
        with pytest.raises(UsageError):
            parse_byte_size(bad)


class QueuedTransport(ArchiveTransport):
    """Live delivery through a real :class:`ReceiveQueue` (as ``EmbeddedTransport`` does): at the first
    ``receive`` Alice's messages are archived and pushed; the queue holds only ``room`` of them."""

    filters_topics = True

    def __init__(self, archive: Archive, arrive, room: int) -> None:
        super().__init__(archive)
        self.arrive, self.room = arrive, room
        self.queue: ReceiveQueue | None = None

    def receive(self, timeout: float, max_items: int = 1000):
        if self.arrive is not None:
            pushes = []
            for env in self.arrive():
                self.publish(env)
                pushes.append((Received(env.data, env.pubsub_topic, env.hash), wm.decode(env.data).timestamp))
            self.queue = ReceiveQueue(sum(item_size(r) for r, _ in pushes[: self.room]))
            for r, ts in pushes:
                self.queue.offer(r, ts)
            self.arrive = None
        return self.queue.get(0, max_items) if self.queue is not None else []

    def interruptions(self):
        lost = self.queue.take_lost() if self.queue is not None else None
        return [] if lost is None else [(lost[1], lost[2], f"{lost[0]} live message(s) dropped: the receive queue was full")]


TEXTS = ("one", "two", "three")


def _sender(alice):
    return lambda: [env for t in TEXTS for env in alice.m.send_public(CHANNEL, Content(text=t)).envelopes]


def test_pushes_dropped_by_a_full_queue_are_fetched_from_the_store_in_the_same_run(parties, clock):
    alice, bob = parties("alice", "bob")
    store = ArchiveTransport(Archive())
    listen(bob, store)
    clock.advance(10)
    live = QueuedTransport(store.archive, _sender(alice), room=1)
    out: list[dict] = []
    Listener(bob.m, live, ListenOptions(count=3, timeout=10, channels=(CHANNEL,), publish_bundle=False), out.append).run()
    assert live.queue.dropped == 2  # counted
    texts = [e["text"] for e in out if e["type"] == "message"]
    assert texts[0] == "one" and sorted(texts) == sorted(TEXTS)  # the two dropped came from the store (same timestamp: any order)


def test_pushes_dropped_by_a_full_queue_are_printed_by_the_next_listen(parties, clock):
    """The run stops (``--count 1``) before it fetched the dropped span: its checkpoint stays before
    them, and the next ``listen``'s catch-up prints them, once."""
    alice, bob = parties("alice", "bob")
    store = ArchiveTransport(Archive())
    listen(bob, store)
    clock.advance(10)
    live = QueuedTransport(store.archive, _sender(alice), room=1)
    first: list[dict] = []
    Listener(bob.m, live, ListenOptions(count=1, timeout=10, channels=(CHANNEL,), publish_bundle=False), first.append).run()
    assert [e["text"] for e in first if e["type"] == "message"] == ["one"] and live.queue.dropped == 2
    assert history.checkpoint(bob.account) <= clock.ns  # not past the dropped (sent at clock.ns)

    clock.advance(1)
    assert sorted(e["text"] for e in listen(bob, store) if e["type"] == "message") == ["three", "two"]
    clock.advance(1)
    assert [e for e in listen(bob, store) if e["type"] == "message"] == []  # nothing twice
