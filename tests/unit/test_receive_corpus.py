"""listen and envelope inspect run the same peel: for every envelope of a corpus they get the same trace.

The corpus: the status-go WakuMessage vector (waku-v2-002, on the #status topic), and captures of
real conversations between three accounts — a contact request (DH), the X3DH reply, Double Ratchet
messages, a public channel message, a segmented image, a private group's membership update and
message, an accepted contact request, Carol's forgery (issue 13). Each envelope is inspected first
(read-only), then handled by the recipient's Receiver; ``peel_data`` is recorded (not replaced) at
both call sites. Afterwards ``envelope inspect`` of an envelope already received says so.
"""

from __future__ import annotations

import os

import pytest

from statuscli.app.inspect import Keys, inspect
from statuscli.app.messaging import groups
from statuscli.app.messaging.content import Content
from statuscli.core.receive import layers as L
from statuscli.core.receive import peel
from statuscli.core.topics.sharding import STATUS_DEFAULT_PUBSUB_TOPIC
from statuscli.store import chats as chat_store
from statuscli.store.db import transaction
from tests.conftest import vectors
from tests.unit.test_messaging import clock, parties  # noqa: F401  (fixtures)
from tests.unit.test_messaging_attribution import _via_session, _wrapper

PUBSUB = STATUS_DEFAULT_PUBSUB_TOPIC
PNG = b"\x89PNG\r\n\x1a\n" + os.urandom(150_000)


@pytest.fixture
def recorded(monkeypatch):
    traces: list[tuple] = []
    real = peel.peel_data

    def record(data, ctx, depth=0):
        t = real(data, ctx, depth)
        if depth == 0:
            traces.append(t)
        return t

    monkeypatch.setattr(peel, "peel_data", record)
    return traces


def _join(party, channel: str) -> None:
    with transaction(party.account.db):
        chat_store.join_public(party.account.db, channel, party.m.now_ms())
    party.r.refresh(force=True)


class Compare:
    """Each envelope inspected first (read-only), then handled by the recipient; both traces kept."""

    def __init__(self, recorded):
        self.recorded, self.pairs = recorded, []

    def deliver(self, to, datas) -> list[dict]:
        events = []
        for data in datas:
            self.recorded.clear()
            tree = inspect(data, Keys(account=to.account, now_ms=to.m.now_ms()))
            assert tree.name == "waku-message"
            inspected = list(self.recorded)
            self.recorded.clear()
            to.r.refresh()
            events += to.r.handle(data, PUBSUB).events
            self.pairs.append((inspected, list(self.recorded)))
        return events


def test_inspect_and_listen_get_the_same_trace_for_every_envelope(parties, recorded):
    alice, bob, carol = parties("alice", "bob", "carol")
    for p in (alice, bob):
        _join(p, "corpus")
    _join(bob, "status")  # the vector's topic and key (PBKDF2 of "status")
    c = Compare(recorded)

    def deliver(to, envelopes):
        return c.deliver(to, [e.data for e in envelopes])

    (h,) = [h for h in vectors("status.json", "waku-v2") if "waku_message_protobuf" in h["expected"]]
    c.deliver(bob, [bytes.fromhex(h["expected"]["waku_message_protobuf"])])
    req = alice.m.send_direct(bob.key, Content(text="hello bob", contact_request=True))
    deliver(bob, req.envelopes)  # DH, bundle attached
    deliver(alice, bob.m.send_direct(alice.key, Content(text="hi alice")).envelopes)  # X3DH
    deliver(bob, alice.m.send_direct(bob.key, Content(text="third")).envelopes)  # Double Ratchet
    deliver(bob, alice.m.send_direct(bob.key, Content(text="a picture", image=PNG)).envelopes)  # segments
    deliver(alice, bob.m.accept_contact_request(alice.key, "0x" + req.message_id.hex()).envelopes)
    deliver(bob, alice.m.send_public("corpus", Content(text="to everyone")).envelopes)
    g = groups.create(alice.account, "friends", [bob.key], now_ms=alice.m.now_ms(), rng=os.urandom)
    deliver(bob, alice.m.send_membership(g.chat_id, [bob.key]).envelopes)
    deliver(bob, alice.m.send_group(g.chat_id, Content(text="in the group")).envelopes)
    deliver(bob, carol.m.send_direct(bob.key, Content(text="carol here", contact_request=True)).envelopes)
    forged, _ = _wrapper(alice, bob.key, "pay carol", carol.m.now_ms())
    events = deliver(bob, _via_session(carol, bob, forged))
    assert [e["reason"]["code"] for e in events if e["type"] == "undecryptable"] == ["sender-mismatch"]

    seen = set()
    for inspected, listened in c.pairs:
        assert len(listened) == 1 and inspected == listened, [L.names(t) for t in inspected + listened]
        seen.update(L.names(listened[0]))
    assert len(c.pairs) >= 12
    for name in ("SegmentLayer", "ProtocolLayer", "MvdsLayer", "AppLayer", "ChatLayer", "MembershipLayer", "AcceptLayer",
                 "Failed(application: sender-mismatch)", "Failed(application: unknown-payload)", "Failed(segment: segment-incomplete)"):
        assert name in seen, name


def test_inspect_of_an_envelope_already_received_shows_the_stored_result(parties):
    alice, bob = parties("alice", "bob")
    bob.take(alice.m.send_direct(bob.key, Content(text="start", contact_request=True)).envelopes)
    alice.take(bob.m.send_direct(alice.key, Content(text="ok")).envelopes)
    sent = alice.m.send_direct(bob.key, Content(text="read me once"))
    (env,) = sent.envelopes
    before = inspect(env.data, Keys(account=bob.account, now_ms=bob.m.now_ms())).to_json()
    proto = before["inner"]["inner"]
    assert proto["layer"] == "protocol-message" and proto["path"] == "double-ratchet" and "error" not in proto
    bob.take([env])  # listen receives it: the message key is used up
    after = inspect(env.data, Keys(account=bob.account, now_ms=bob.m.now_ms())).to_json()
    proto = after["inner"]["inner"]
    assert "error" not in proto and "received it already" in proto["note"]
    got = proto["inner"]
    assert got["layer"] == "received" and got["message_ids"] == ["0x" + sent.message_id.hex()]
    assert got["messages"][0]["text"] == "read me once" and got["note"].startswith("received at ")
