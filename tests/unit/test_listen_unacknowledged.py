"""A message ``listen`` received live but did not commit is fetched again by the next listen (issue 13,
Build 3: "same rule for filter pushes").

Filter v2 has no answer to a push (nwaku's client: "Protocol specifies no response"), so nothing
tells the service what the client stored: what was pushed and not committed when the listener
stopped or died exists only in the store. The checkpoint must therefore stay before it — it follows
the last ``receive`` whose whole batch was committed, not the clock. Before, it moved to "now − 2 s":
a listener that had been busy for two minutes before reading its queued pushes, and stopped after the
first, left the second before the next catch-up's window (checkpoint − 60 s).

Real accounts, the real receive pipeline and a real Archive; the wire is a Python call.
"""

from __future__ import annotations

from statuscli.app.messaging import history
from statuscli.app.messaging.content import Content
from statuscli.app.messaging.listener import Listener, ListenOptions
from statuscli.net.transport import Received
from statuscli.store.archive import Archive
from tests.unit.test_listen_coverage import CHANNEL, ArchiveTransport, listen
from tests.unit.test_messaging import clock, parties  # noqa: F401  (fixtures)


class LiveTransport(ArchiveTransport):
    """Also live delivery: at the first ``receive``, ``arrive()`` publishes messages (archived, and queued
    as pushes); the listener reads them ``busy_s`` later (it was busy: a backlog, a slow disk)."""

    def __init__(self, archive: Archive, clock, arrive, busy_s: float) -> None:
        super().__init__(archive)
        self.clock, self.arrive, self.busy_s = clock, arrive, busy_s
        self.queue: list = []

    def receive(self, timeout: float, max_items: int = 1000):
        if self.arrive is not None:
            for env in self.arrive():
                self.publish(env)
                self.queue.append(env)
            self.arrive = None
        out, self.queue = self.queue[:max_items], self.queue[max_items:]
        if out:
            self.clock.advance(self.busy_s)
        return [Received(e.data, e.pubsub_topic, e.hash) for e in out]


def test_pushes_received_but_not_committed_are_fetched_by_the_next_listen(parties, clock):
    alice, bob = parties("alice", "bob")
    store = ArchiveTransport(Archive())
    listen(bob, store)  # bob has listened before: a checkpoint, the channel joined
    clock.advance(10)

    pushed_at = []

    def arrive():
        pushed_at.append(clock.ns)
        return [env for t in ("first pushed", "second pushed") for env in alice.m.send_public(CHANNEL, Content(text=t)).envelopes]

    live = LiveTransport(store.archive, clock, arrive, busy_s=120)
    first: list[dict] = []
    opts = ListenOptions(count=1, timeout=10, channels=(CHANNEL,), publish_bundle=False)
    Listener(bob.m, live, opts, first.append).run()  # stops after the first: the second was received, never committed
    assert [e["text"] for e in first if e["type"] == "message"] == ["first pushed"]
    assert len(live.queue) == 0  # both were handed over
    assert history.checkpoint(bob.account) <= pushed_at[0]  # before: pushed_at + 118 s (the clock when it stopped − 2 s)

    clock.advance(1)
    second = listen(bob, store)  # the next listen: its catch-up (checkpoint − 60 s → now) finds what was not committed
    assert [e["text"] for e in second if e["type"] == "message"] == ["second pushed"]  # before: nothing (lost)
    clock.advance(1)
    assert [e for e in listen(bob, store) if e["type"] == "message"] == []  # and nothing twice


def test_the_checkpoint_follows_the_last_fully_handled_receive(parties, clock):
    """Not stuck either: each ``receive`` handled in full (here: empty, 5 s of waiting each) moves the
    bound, and the checkpoint ends 2 s before the last one was asked — not 2 s before the clock."""

    class Waiting(ArchiveTransport):
        asked: list[int] = []

        def receive(self, timeout: float, max_items: int = 1000):
            self.asked.append(clock.ns)
            clock.advance(5)
            return []

    alice, bob = parties("alice", "bob")
    store = ArchiveTransport(Archive())
    listen(bob, store)
    clock.advance(600)
    waiting = Waiting(store.archive)
    Listener(bob.m, waiting, ListenOptions(timeout=0.05, channels=(CHANNEL,), publish_bundle=False), lambda e: None).run()
    assert len(waiting.asked) >= 2
    assert history.checkpoint(bob.account) == waiting.asked[-1] - 2_000_000_000 > waiting.asked[0]
