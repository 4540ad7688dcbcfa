"""The messaging pipeline both ways, without a network: Messenger → envelopes → Receiver → events.

Accounts live in temporary homes; envelopes are handed from one side to the other by hand (what
a node would do), so every layer runs for real: ChatMessage, signed wrapper, MVDS, X3DH/Double
Ratchet, payload v1, WakuMessage.
"""

from __future__ import annotations

import os

import pytest

from statuscli.app.messaging import history, topics
from statuscli.app.messaging.content import Content
from statuscli.app.messaging.events import Expired, text_line
from statuscli.app.messaging.incoming import Receiver
from statuscli.app.messaging.messenger import Messenger
from statuscli.core.errors import InvalidInput, UsageError
from statuscli.store import messages as msg_store
from statuscli.store import mvds_state

NOW_NS = 1_790_000_000_000_000_000


class Clock:
    def __init__(self, ns: int = NOW_NS):
        self.ns = ns

    def __call__(self) -> int:
        return self.ns

    def advance(self, seconds: float) -> None:
        self.ns += int(seconds * 1e9)


class Party:
    def __init__(self, account, clock: Clock):
        self.account = account
        self.m = Messenger(account, clock=clock)
        self.r = Receiver(self.m)

    @property
    def key(self) -> bytes:
        return self.account.chat_public_key

    def take(self, envelopes) -> list[dict]:
        out = []
        self.r.refresh()
        for e in envelopes:
            out.extend(self.r.handle(e.data, e.pubsub_topic).events)
        return out

    def tick(self):
        envs, expired = self.m.tick()
        self.m.published(envs)
        return envs, expired


def make_account(home, name: str, entropy: bytes):
    from statuscli.app import accounts
    from statuscli.app.context import AppContext

    acct, _, _ = accounts.generate_account(AppContext(home=home), entropy=entropy, name=name, passphrase="pw", now=1)
    return acct


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def parties(tmp_path, clock):
    def make(*names):
        return [Party(make_account(tmp_path / n, n, bytes([i + 1]) * 16), clock) for i, n in enumerate(names)]

    return make


def kinds(events):
    return [e["type"] for e in events]


def messages(events):
    return [e for e in events if e["type"] in ("message", "contact_request")]


# --- 1:1 --------------------------------------------------------------------------------------
def test_contact_request_reply_and_topic_agreement(parties):
    alice, bob = parties("alice", "bob")
    sent = alice.m.send_direct(bob.key, Content(text="hello bob", contact_request=True))
    (rcpt,) = sent.recipients
    assert rcpt["topic"] == "partitioned" and rcpt["paths"] == {"none": "dh"}  # no bundle of bob known yet
    assert sent.envelopes[0].content_topic == topics.partitioned(bob.key).content_topic
    evs = bob.take(sent.envelopes)
    assert kinds(evs) == ["bundle", "contact_request"]
    req = evs[1]
    assert req["text"] == "hello bob" and req["from"] == "0x" + alice.key.hex() and req["id"] == "0x" + sent.message_id.hex()
    assert req["chat"] == {"kind": "one-to-one", "id": "0x" + alice.key.hex()}
    assert req["layers"] == ["payload-v1/partitioned", "protocol-message/dh", "mvds", "application/CHAT_MESSAGE"]
    assert req["envelope"] == "0x" + sent.envelopes[0].data.hex() and req["cursor"] > 0
    # bob's reply: X3DH with alice's bundle (it came with her message), on the negotiated topic
    reply = bob.m.send_direct(alice.key, Content(text="hi alice", response_to=req["id"]))
    assert reply.recipients[0]["topic"] == "negotiated" and list(reply.recipients[0]["paths"].values()) == ["x3dh"]
    evs = alice.take(reply.envelopes)
    (msg,) = messages(evs)
    assert msg["text"] == "hi alice" and msg["response_to"] == req["id"]
    assert msg["layers"][:2] == ["payload-v1/negotiated", "protocol-message/x3dh"]
    assert "delivered" in kinds(evs)  # bob's MVDS payload carried the ack of alice's request
    # alice now answers on the negotiated topic with the Double Ratchet
    third = alice.m.send_direct(bob.key, Content(text="third"))
    assert third.recipients[0]["topic"] == "negotiated" and list(third.recipients[0]["paths"].values()) == ["double-ratchet"]
    evs = bob.take(third.envelopes)
    assert [e["text"] for e in messages(evs)] == ["third"] and "delivered" in kinds(evs)


def test_many_messages_each_way_none_lost_or_repeated(parties):
    alice, bob = parties("alice", "bob")
    bob.take(alice.m.send_direct(bob.key, Content(text="start")).envelopes)
    sent_a, sent_b, got_a, got_b = [], [], [], []
    for i in range(40):
        s = alice.m.send_direct(bob.key, Content(text=f"a{i}"))
        sent_a.append(s.message_id)
        got_b += bob.take(s.envelopes)
        s = bob.m.send_direct(alice.key, Content(text=f"b{i}"))
        sent_b.append(s.message_id)
        got_a += alice.take(s.envelopes)
    assert [e["text"] for e in messages(got_b)] == [f"a{i}" for i in range(40)]
    assert [e["text"] for e in messages(got_a)] == [f"b{i}" for i in range(40)]
    delivered_to_alice = {e["id"] for e in got_a if e["type"] == "delivered"}
    assert {"0x" + m.hex() for m in sent_a} <= delivered_to_alice  # each ack rode on bob's next message


def test_duplicates_are_not_repeated(parties, clock):
    alice, bob = parties("alice", "bob")
    s = alice.m.send_direct(bob.key, Content(text="once"))
    assert len(messages(bob.take(s.envelopes))) == 1
    assert bob.take(s.envelopes) == []  # the same envelope again: skipped by hash
    h = bob.r.handle(s.envelopes[0].data, s.envelopes[0].pubsub_topic)
    assert h.duplicate and h.events == []
    # bob never acknowledged: alice's MVDS retransmits in a new envelope; bob stores the message once
    clock.advance(40)
    envs, _ = alice.tick()
    assert envs and envs[0].hash != s.envelopes[0].hash
    assert messages(bob.take(envs)) == []
    assert msg_store.count_messages(bob.account.db, "in") == 1


def test_retransmission_until_acked_then_delivered(parties, clock):
    alice, bob = parties("alice", "bob")
    s = alice.m.send_direct(bob.key, Content(text="are you there"))
    assert alice.tick()[0] == []  # nothing due right after sending
    clock.advance(26)
    assert alice.tick()[0] == []  # first retransmission comes after 27–36 s (status-go backoff)
    clock.advance(11)
    envs, _ = alice.tick()
    assert len(envs) == 1
    bob.take(envs)  # bob finally hears it
    acks, _ = bob.tick()
    evs = alice.take(acks)
    assert [e["id"] for e in evs if e["type"] == "delivered"] == ["0x" + s.message_id.hex()]
    clock.advance(3600)
    assert alice.tick()[0] == []  # acknowledged: never sent again
    assert mvds_state.pending(alice.account.db)[0]["pending"] == 0


def test_a_record_expires_after_sixteen_transmissions(parties, clock):
    alice, bob = parties("alice", "bob")
    alice.m.send_direct(bob.key, Content(text="into the void"))
    sends, expired = 1, []
    for _ in range(40):
        clock.advance(7 * 86400)  # longer than the longest backoff (27 s × 2^14)
        envs, exp = alice.tick()
        sends += len(envs)
        expired += exp
        if expired:
            break
    assert sends == 16 and len(expired) == 1 and isinstance(expired[0], Expired)  # a typed event like the others
    assert alice.tick() == ([], [])
    (logged,) = history._log(alice.m, expired)  # stored in the event log, printed as it always was (keys in this order)
    mvds_id = "0x" + expired[0].mvds_id.hex()
    assert list(logged.items()) == [("type", "expired"), ("mvds_id", mvds_id), ("to", "0x" + bob.key.hex()),
                                    ("reason", "no acknowledgement after 16 transmissions"), ("cursor", logged["cursor"])]  # fmt: skip
    assert msg_store.events_after(alice.account.db, logged["cursor"] - 1, 10) == [(logged["cursor"], {k: v for k, v in logged.items() if k != "cursor"})]
    assert text_line(logged).startswith(f"gave up on {mvds_id[:10]}… to ")


# --- public channels and groups ----------------------------------------------------------------
def test_public_channel_with_three_members(parties):
    alice, bob, carol = parties("alice", "bob", "carol")
    for p in (alice, bob, carol):
        p.m.send_public("town-square", Content(text=f"hi from {p.account.name}"))
    # everyone joined by sending; now a round where each hears the others
    sent = {p.account.name: p.m.send_public("town-square", Content(text=f"second from {p.account.name}")) for p in (alice, bob, carol)}
    for p in (alice, bob, carol):
        got = []
        for name, s in sent.items():
            got += p.take(s.envelopes) if name != p.account.name else []
        assert sorted(e["text"] for e in messages(got)) == sorted(f"second from {n}" for n in sent if n != p.account.name)
        assert all(e["chat"] == {"kind": "public", "id": "town-square"} for e in messages(got))
        assert all(e["layers"] == ["payload-v1/public", "protocol-message/public", "application/CHAT_MESSAGE"] for e in messages(got))


def test_a_channel_not_joined_is_not_ours(parties):
    alice, bob = parties("alice", "bob")
    s = alice.m.send_public("elsewhere", Content(text="x"))
    h = bob.r.handle(s.envelopes[0].data, s.envelopes[0].pubsub_topic)
    assert not h.ours and h.events == []


def test_private_group_of_three(parties):
    from statuscli.app.messaging import groups

    alice, bob, carol = parties("alice", "bob", "carol")
    g = groups.create(alice.account, "friends", [bob.key, carol.key], now_ms=alice.m.now_ms(), rng=os.urandom)
    ann = alice.m.send_membership(g.chat_id, [bob.key, carol.key])
    assert len(ann.recipients) == 2
    by_peer = {r["peer"]: r for r in ann.recipients}
    for p in (bob, carol):
        envs = [e for e in ann.envelopes if e.content_topic == topics.partitioned(p.key).content_topic]
        evs = p.take(envs)
        (gev,) = [e for e in evs if e["type"] == "group"]
        assert gev["group"]["name"] == "friends" and len(gev["group"]["members"]) == 3 and gev["new_events"] == 2
        assert by_peer["0x" + p.key.hex()]["mvds_id"]
    msg = alice.m.send_group(g.chat_id, Content(text="dinner at 8?"))
    assert len(msg.recipients) == 2
    for p in (bob, carol):
        (m,) = messages(p.take(msg.envelopes))
        assert m["text"] == "dinner at 8?" and m["chat"] == {"kind": "group", "id": g.chat_id, "name": "friends"}
        assert m["layers"][-1] == "application/MEMBERSHIP_UPDATE_MESSAGE"
    # bob answers the group: alice and carol hear him (bob and carol had never talked)
    r = bob.m.send_group(g.chat_id, Content(text="yes!"))
    for p in (alice, carol):
        assert [e["text"] for e in messages(p.take(r.envelopes))] == ["yes!"]
    with pytest.raises(InvalidInput):
        groups.add_members(alice.account, g.chat_id, [bob.key], now_ms=alice.m.now_ms())


def test_group_message_from_a_non_member_is_refused(parties):
    from statuscli.app.messaging import groups

    alice, bob, mallory = parties("alice", "bob", "mallory")
    g = groups.create(alice.account, "club", [bob.key], now_ms=alice.m.now_ms(), rng=os.urandom)
    bob.take(alice.m.send_membership(g.chat_id, [bob.key]).envelopes)
    # mallory copies the group's events and writes into it
    groups.merge(mallory.account.db, mallory.account, _update_of(alice, g), 0)
    from statuscli.core.payloads import membership

    forged = membership.encode_update(g.chat_id, g.events, chat_message=_chat(g.chat_id, "let me in"))
    evs = _send_raw(mallory, bob, forged)
    assert [e["type"] for e in evs][-1] == "undecryptable" and evs[-1]["reason"]["code"] == "not-a-member"


def _update_of(alice, g):
    from statuscli.core.payloads import membership

    return membership.decode_update(membership.encode_update(g.chat_id, g.events))


def _chat(chat_id, text):
    from statuscli.core.payloads import chat

    return chat.encode(chat.build(chat_id=chat_id, clock=NOW_NS // 10**6, timestamp=NOW_NS // 10**6, text=text, message_type=3))


def _send_raw(sender: Party, receiver: Party, membership_payload: bytes):
    from statuscli.app.messaging import content
    from statuscli.core.payloads import message_types

    wrapped, mid = content.wrap(membership_payload, message_types.MEMBERSHIP_UPDATE_MESSAGE, sender.account.chat_private_key, sender.key)
    from statuscli.app.messaging import mvds_link
    from statuscli.store.db import transaction

    with transaction(sender.account.db):
        _, payloads = mvds_link.append(sender.account.db, sender.account, receiver.key, wrapped, mid, sender.m.now_ms(), os.urandom)
    envs = []
    for p in payloads:
        envs += sender.m.encrypt_direct(receiver.key, p)[0]
    return receiver.take(envs)


# --- content types -------------------------------------------------------------------------------
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def test_content_types(parties):
    alice, bob = parties("alice", "bob")
    first = alice.m.send_direct(bob.key, Content(text="hello"))
    bob.take(first.envelopes)
    cases = [
        (Content(sticker=("Qme8vJtyrEHxABcSVGPF95PtozDgUyfr1xGjePmFdZgk9v", 1)), "STICKER", lambda e: e["sticker"]["pack"] == 1),
        (Content(text="👍", emoji=True), "EMOJI", lambda e: e["text"] == "👍"),
        (Content(text="a cat", image=PNG), "IMAGE", lambda e: e["image"] == {"format": "PNG", "size": len(PNG), "data": "0x" + PNG.hex()}),
        (Content(audio=(b"#!AMR\n" + b"\0" * 100, 1500)), "AUDIO", lambda e: e["audio"]["type"] == "AMR" and e["audio"]["duration_ms"] == 1500),
        (Content(text="re", response_to="0x" + first.message_id.hex()), "TEXT_PLAIN", lambda e: e["response_to"] == "0x" + first.message_id.hex()),
    ]
    for content, ct, check in cases:
        (e,) = messages(bob.take(alice.m.send_direct(bob.key, content).envelopes))
        assert e["content_type"] == ct and check(e), (ct, e)


def test_content_is_checked_before_anything_is_sent(parties):
    alice, bob = parties("alice", "bob")
    for bad, exc in [(Content(text="  "), InvalidInput), (Content(text="x", emoji=True, image=PNG), UsageError),
                     (Content(text="x", response_to="nope"), InvalidInput), (Content(text="x" * 5000), InvalidInput),
                     (Content(text="", image=b"not an image"), InvalidInput)]:  # fmt: skip
        with pytest.raises(exc):
            alice.m.send_direct(bob.key, bad)
    assert msg_store.count_messages(alice.account.db) == 0 and mvds_state.pending(alice.account.db) == []
    with pytest.raises(InvalidInput):
        alice.m.send_direct(alice.key, Content(text="me"))


def test_large_payloads_travel_in_segments(parties):
    from statuscli.app.messaging.waku_layer import SEGMENT_SIZE

    alice, bob = parties("alice", "bob")
    big = b"\x89PNG\r\n\x1a\n" + os.urandom(int(SEGMENT_SIZE * 2.5))
    s = alice.m.send_direct(bob.key, Content(image=big))
    assert len(s.envelopes) == 3 and all(len(e.data) < 150 * 1024 for e in s.envelopes)
    got = []
    for e in reversed(s.envelopes):  # any order
        got += bob.take([e])
    (m,) = messages(got)
    assert m["image"]["size"] == len(big)


# --- failures are events ---------------------------------------------------------------------------
def _reseal(envelope, sender: Party, *, payload, topic, ts=None):
    """A new WakuMessage (signed by ``sender``) around ``payload`` on ``topic``."""
    from statuscli.app.messaging.waku_layer import seal

    return seal(payload, topic, signing_key=sender.account.chat_private_key, now_ns=ts or NOW_NS + 1, rng=os.urandom)


def test_undecryptable_envelopes_become_events(parties):
    from statuscli.core.waku import message as wm

    alice, bob = parties("alice", "bob")
    s = alice.m.send_direct(bob.key, Content(text="hello"))
    raw = wm.decode(s.envelopes[0].data)
    # 1. a payload no key opens (on bob's partitioned topic)
    bad = wm.encode(wm.WakuMessage(b"\x04" + os.urandom(300), raw.content_topic, 1, NOW_NS, b"", None, False))
    (e,) = bob.r.handle(bad).events
    assert e["type"] == "undecryptable" and e["layer"] == "payload-v1" and e["reason"]["code"] == "decryption-failed"
    assert e["envelope"] == "0x" + bad.hex() and e["cursor"] > 0
    # 2. version 0 (clear) payloads are not Status messages
    (e,) = bob.r.handle(wm.encode(wm.WakuMessage(b"hi", raw.content_topic, 0, NOW_NS, None, None, None))).events
    assert e["reason"]["code"] == "unsupported-version"
    # 3. an unsigned payload
    from statuscli.core.waku import payload_v1

    body = payload_v1.seal_asymmetric(b"data", bob.key, padding=b"\0" * 10, ephemeral_key=b"\x07" * 32, iv=b"\x01" * 16)
    (e,) = bob.r.handle(wm.encode(wm.WakuMessage(body, raw.content_topic, 1, NOW_NS, b"", None, False))).events
    assert e["reason"]["code"] == "unsigned"
    # 4. the real message works; its inner ProtocolMessage again in a new envelope (DH: no replay
    #    protection at that layer) is recognised by its message id and not repeated
    assert messages(bob.take(s.envelopes))
    opened = payload_v1.open_asymmetric(raw.payload, bob.account.chat_private_key)
    assert bob.take([_reseal(None, alice, payload=opened.data, topic=topics.partitioned(bob.key))]) == []
    #    a Double Ratchet message replayed in a new envelope fails at the ratchet layer
    r = bob.m.send_direct(alice.key, Content(text="reply"))
    assert messages(alice.take(r.envelopes))
    neg = topics.negotiated(alice.account, bob.key)
    inner = payload_v1.open_symmetric(wm.decode(r.envelopes[0].data).payload, neg.sym_key).data
    (e,) = alice.take([_reseal(None, bob, payload=inner, topic=neg)])
    assert e["type"] == "undecryptable" and e["layer"] == "protocol-message" and e["reason"]["code"] == "decryption-failed"
    # 5. not a WakuMessage at all
    (e,) = bob.r.handle(b"\xff\x00garbage").events
    assert e["layer"] == "waku-message"
    # every failure is in the event log, in order
    logged = [ev for _, ev in msg_store.events_after(bob.account.db, 0)]
    assert [x["type"] for x in logged].count("undecryptable") >= 4


def test_a_message_from_the_future_is_refused(parties, clock):
    alice, bob = parties("alice", "bob")
    clock.advance(600)  # alice's clock runs 10 minutes ahead of the Waku timestamp bob sees
    s = alice.m.send_direct(bob.key, Content(text="from the future"))
    from statuscli.core.waku import message as wm

    raw = wm.decode(s.envelopes[0].data)
    opened = __import__("statuscli.core.waku.payload_v1", fromlist=["x"]).open_asymmetric(raw.payload, bob.account.chat_private_key)
    env = _reseal(None, alice, payload=opened.data, topic=topics.partitioned(bob.key), ts=NOW_NS)
    evs = bob.take([env])
    assert evs[-1]["type"] == "undecryptable" and evs[-1]["layer"] == "chat-message" and evs[-1]["reason"]["code"] == "invalid-message"


def test_own_echoes_and_foreign_topics_are_skipped(parties):
    alice, bob = parties("alice", "bob")
    bob.take(alice.m.send_direct(bob.key, Content(text="hello")).envelopes)
    r = bob.m.send_direct(alice.key, Content(text="back"))
    h = bob.r.handle(r.envelopes[0].data)  # bob hears his own message on the negotiated topic
    assert h.events == []
    other = alice.m.send_public("nobody-listens", Content(text="x"))
    assert not bob.r.handle(other.envelopes[0].data).ours


def test_event_log_replays_in_order(parties):
    alice, bob = parties("alice", "bob")
    printed = []
    for i in range(5):
        printed += bob.take(alice.m.send_direct(bob.key, Content(text=f"m{i}")).envelopes)
    logged = msg_store.events_after(bob.account.db, printed[1]["cursor"])
    assert [seq for seq, _ in logged] == [e["cursor"] for e in printed[2:]]
    assert [ev["type"] for _, ev in logged] == [e["type"] for e in printed[2:]]
