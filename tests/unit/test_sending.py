"""The send use case (app/messaging/sending.py): build in one transaction, write out, commit, publish.

The "transport" here is a list that records what reached it, standing in for a node: the point is
the order of the steps and what the database holds after each outcome; tests/e2e publish for real.
"""

from __future__ import annotations

import pytest

from statuscli.app.messaging import sending
from statuscli.app.messaging.content import Content
from statuscli.core.errors import NetworkError, OutputFailed
from statuscli.store.state_db import connect_encrypted
from tests.unit.test_messaging import clock, messages, parties  # noqa: F401  (fixtures)
from tests.unit.test_messaging_atomic import dump as messaging_atomic_dump


class Recorder:
    """What a node would have been asked to publish, and the database at that moment."""

    def __init__(self, account, fail: bool = False):
        self.account, self.fail, self.published, self.rows_seen = account, fail, [], []

    def publish(self, env) -> dict:
        other = connect_encrypted(self.account.dir / "state.db", self.account.database_key())  # another reader: only what was committed
        try:
            self.rows_seen.append(other.execute("SELECT count(*) FROM msg_messages").fetchone()[0])
        finally:
            other.close()
        if self.fail:
            raise NetworkError("node refused")
        self.published.append(env)
        return {"hash": "0x" + env.hash.hex(), "relay_peer_count": 1}


def dump(account) -> list[str]:
    return messaging_atomic_dump(account.db)


def test_a_failed_write_sends_nothing_and_changes_nothing(parties):
    alice, bob = parties("alice", "bob")
    bob.take(alice.m.send_direct(bob.key, Content(text="warm up")).envelopes)
    before = dump(alice.account)
    t = Recorder(alice.account)

    def deliver(sent):
        raise OutputFailed("disk full")

    with pytest.raises(OutputFailed):
        sending.send(alice.m, [sending.Outgoing.direct(bob.key, Content(text=f"m{i}")) for i in range(3)], deliver=deliver, transport=t)
    assert t.published == [] and dump(alice.account) == before


def test_results_are_written_before_the_commit_and_published_after_it(parties):
    alice, bob = parties("alice", "bob")
    t = Recorder(alice.account)
    seen_at_delivery = []

    def deliver(sent):
        seen_at_delivery.append((len(sent), t.published[:]))

    out = [sending.Outgoing.direct(bob.key, Content(text=f"m{i}")) for i in range(3)] + [sending.Outgoing.public("status", Content(text="gm"))]
    report = sending.send(alice.m, out, deliver=deliver, transport=t)
    assert seen_at_delivery == [(4, [])]  # written out before anything was published
    assert t.rows_seen and min(t.rows_seen) == 4  # every message row committed before the first publish
    assert len(report.published) == len(t.published) == sum(len(s.envelopes) for s in report.sent)
    got = bob.take([e for e in t.published if e.content_topic != report.sent[-1].envelopes[0].content_topic])
    assert [e["text"] for e in messages(got)] == ["m0", "m1", "m2"]


def test_a_refused_publish_after_the_commit_leaves_the_message_to_mvds(parties, clock):
    alice, bob = parties("alice", "bob")
    t = Recorder(alice.account, fail=True)
    with pytest.raises(NetworkError):
        sending.send(alice.m, [sending.Outgoing.direct(bob.key, Content(text="queued"))], deliver=lambda s: None, transport=t)
    clock.advance(120)  # past the first retransmission's backoff
    envs, _ = alice.tick()
    assert [e["text"] for e in messages(bob.take(envs))] == ["queued"]


def test_a_dry_run_builds_what_a_send_would_and_keeps_nothing(parties):
    alice, bob = parties("alice", "bob")
    bob.take(alice.m.send_direct(bob.key, Content(text="warm up")).envelopes)
    before = dump(alice.account)
    report = sending.send(alice.m, [sending.Outgoing.direct(bob.key, Content(text=f"dry {i}")) for i in range(5)], deliver=lambda s: None)
    assert len(report.sent) == 5 and report.published == [] and dump(alice.account) == before
    real = alice.m.send_direct(bob.key, Content(text="real"))
    assert [e["text"] for e in messages(bob.take(real.envelopes))] == ["real"]
