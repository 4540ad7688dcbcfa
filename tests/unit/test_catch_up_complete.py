"""A long 1:1 catch-up cannot skip (issue 14.2): a store page that fails in the middle of it is asked
again, and when the store keeps failing the rest stays a recorded gap that the next listen fills.

Before: one failed page ended the catch-up with a note, and the checkpoint moved on to "now" — the
messages on the pages after it were never fetched again (a 10 k backlog from 10 senders arrived
9 906/10 000; ``mailserver fetch --all`` found the rest in the store). 300 messages from 3 senders,
pages of 100, reproduce it; the benchmark (benchmarks/catch_up.py) runs 1 k / 10 k / 50 k.
"""

from __future__ import annotations

import pytest

from statuscli.app.messaging import history
from statuscli.app.messaging.content import Content
from statuscli.store import coverage
from statuscli.app.messaging.listener import Listener, ListenOptions
from statuscli.net.transport import Received
from statuscli.store.archive import Archive
from tests.unit.test_listen_coverage import ArchiveTransport, listen
from tests.unit.test_messaging import Party, clock, make_account, parties  # noqa: F401  (fixtures)

N, SENDERS = 300, 3


@pytest.fixture
def backlog(parties, clock, monkeypatch):
    monkeypatch.setattr(history, "PAGE_RETRY_PAUSES_S", (0.0, 0.0))
    bob, *senders = parties("bob", "s1", "s2", "s3")
    archive = Archive()
    listen(bob, ArchiveTransport(archive))  # bob was in sync once
    clock.advance(60)
    texts = []
    for i in range(N):
        s = senders[i % SENDERS]
        sent = s.m.send_direct(bob.key, Content(text=f"backlog {i}"))
        for env in sent.envelopes:
            ArchiveTransport(archive).publish(env)
        texts.append(f"backlog {i}")
        if i % 50 == 49:
            clock.advance(1)
    clock.advance(60)
    return bob, archive, texts


def got(events) -> list[str]:
    return [e["text"] for e in events if e["type"] == "message"]


def test_a_page_that_fails_once_is_asked_again_and_nothing_is_skipped(backlog):
    bob, archive, texts = backlog
    store = ArchiveTransport(archive, failing=lambda n: n == 2)  # the second page times out once
    events = listen(bob, store)
    assert sorted(got(events)) == sorted(texts) and len(got(events)) == N
    assert [e for e in events if e["type"] == "gap"] == [] and coverage.gaps(bob.account.db) == []


def test_a_store_that_keeps_failing_leaves_the_rest_as_a_gap_for_the_next_listen(backlog, clock):
    bob, archive, texts = backlog
    first = listen(bob, ArchiveTransport(archive, failing=lambda n: n >= 2))  # page 1 answered, then nothing
    assert 0 < len(got(first)) < N and [e["type"] for e in first].count("gap") == 1
    clock.advance(60)
    second = listen(bob, ArchiveTransport(archive))
    assert sorted(got(first) + got(second)) == sorted(texts)  # all of them, none twice
    assert coverage.gaps(bob.account.db) == []


class DroppingNode(ArchiveTransport):
    """Messages arrive while the listener is busy: the node archives them all but its subscription
    buffer keeps only ``kept`` of them and tells the listener the span of the others (what
    :class:`~statuscli.net.control_transport.ControlSocketTransport` reports as ``interruptions``)."""

    def __init__(self, archive, arriving, kept):
        super().__init__(archive)
        self.arriving, self.kept, self.lost = arriving, kept, []
        self.idle = lambda: None

    def receive(self, timeout, max_items=1000):
        envs, self.arriving = self.arriving, []
        if not envs:
            self.idle()  # all delivered (or not): the listener may stop
        for env in envs:
            self.publish(env)
        dropped = envs[self.kept :]
        if dropped:
            self.lost.append((min(e.timestamp_ns for e in dropped), max(e.timestamp_ns for e in dropped), "the node dropped them"))
        return [Received(e.data, e.pubsub_topic, e.hash) for e in envs[: self.kept]]

    def interruptions(self):
        out, self.lost = self.lost, []
        return out


def test_live_messages_the_node_dropped_while_we_caught_up_are_fetched_from_the_store(backlog, clock, tmp_path):
    bob, archive, texts = backlog
    s = Party(make_account(tmp_path / "late", "late", b"\x09" * 16), clock)
    arriving = []
    for i in range(40):
        arriving += s.m.send_direct(bob.key, Content(text=f"live {i}")).envelopes
        texts.append(f"live {i}")
    node = DroppingNode(archive, arriving, kept=10)
    events: list[dict] = []
    listener = Listener(bob.m, node, ListenOptions(publish_bundle=False), events.append)
    node.idle = listener.stop
    listener.run()
    assert sorted(got(events)) == sorted(texts) and len(got(events)) == len(texts)  # none skipped, none twice
    assert [e for e in events if e["type"] == "gap"] == [] and coverage.gaps(bob.account.db) == []
