"""Private-group membership events and group state; segmentation and reassembly."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from statuscli.core.crypto import secp256k1
from statuscli.core.errors import BadSignature, DecodeError, InvalidInput, StatusCliError
from statuscli.core.payloads import chat, membership as M, segmentation as S
from tests.conftest import vectors

H = bytes.fromhex
ALICE, BOB, CAROL, DAVE = (bytes(range(i, i + 32)) for i in (1, 2, 3, 4))
A, B, C, D = (M.key_text(secp256k1.public_key(k)) for k in (ALICE, BOB, CAROL, DAVE))
CHAT = "4f1a2b3c-0000-4000-8000-000000000000-" + A


def test_membership_vector():
    (v,) = vectors("status.json", "membership-update")
    i, x = v["inputs"], v["expected"]
    ev = M.sign_event(i["chat_id"], H(i["signing_private_key"]), clock=i["clock"], type=i["type"], name=i["name"])
    assert ev.raw_payload.hex() == x["event_protobuf"]
    assert ev.signature.hex() == x["signature"]
    assert ev.wire.hex() == x["wire_event"]
    parsed = M.parse_event(i["chat_id"], H(x["wire_event"]))
    assert parsed.author == "0x" + x["signer_public_key"]
    assert (parsed.clock, parsed.name, parsed.type) == (i["clock"], i["name"], i["type"])
    # the chat id is part of the signed material: under another chat id another key is recovered
    assert M.parse_event("other-chat", H(x["wire_event"])).author != "0x" + x["signer_public_key"]


def _group_events():
    return [
        M.sign_event(CHAT, ALICE, clock=1, type=M.CHAT_CREATED, name="friends", color="#ff0000"),
        M.sign_event(CHAT, ALICE, clock=2, type=M.MEMBERS_ADDED, members=[B, C]),
        M.sign_event(CHAT, BOB, clock=3, type=M.MEMBER_JOINED),
        M.sign_event(CHAT, ALICE, clock=4, type=M.ADMINS_ADDED, members=[B]),
        M.sign_event(CHAT, BOB, clock=5, type=M.NAME_CHANGED, name="best friends"),
        M.sign_event(CHAT, BOB, clock=6, type=M.MEMBER_REMOVED, members=[C]),
    ]


def test_group_state_from_a_membership_update_message():
    events = _group_events()
    msg = chat.encode(chat.build(chat_id=CHAT, clock=7, timestamp=7, text="hi all", message_type=chat.PRIVATE_GROUP))
    raw = M.encode_update(CHAT, list(reversed(events)), chat_message=msg)  # order on the wire does not matter
    update = M.decode_update(raw)
    assert update.message.text == "hi all" and len(update.events) == 6
    g = M.Group.from_events(update.chat_id, update.events)
    assert (g.name, g.color, g.creator) == ("best friends", "#ff0000", A)
    assert g.members == [A, B] and g.admins == [A, B]
    assert g.to_json()["events"] == 6


@pytest.mark.parametrize(
    "bad",
    [
        lambda: M.sign_event(CHAT, DAVE, clock=9, type=M.NAME_CHANGED, name="x"),  # outsider
        lambda: M.sign_event(CHAT, ALICE, clock=9, type=M.NAME_CHANGED, name=""),  # empty name
        lambda: M.sign_event(CHAT, ALICE, clock=9, type=M.CHAT_CREATED, name="again"),
        lambda: M.sign_event(CHAT, ALICE, clock=9, type=M.ADMINS_ADDED, members=[D]),  # not a member
        lambda: M.sign_event(CHAT, ALICE, clock=9, type=M.ADMIN_REMOVED, members=[B]),  # only self
        lambda: M.sign_event(CHAT, ALICE, clock=9, type=M.MEMBER_REMOVED, members=[A, B]),
        lambda: M.sign_event(CHAT, ALICE, clock=9, type=0),
    ],
)
def test_invalid_events_are_refused(bad):
    g = M.Group.from_events(CHAT, _group_events()[:4])
    with pytest.raises(InvalidInput) as e:
        g.apply(bad())
    assert e.value.code == "invalid-group"


def test_group_chat_id_and_first_event_rules():
    with pytest.raises(InvalidInput, match="creator"):
        M.Group.from_events("uuid-" + B, [M.sign_event("uuid-" + B, ALICE, clock=1, type=M.CHAT_CREATED, name="x")])
    with pytest.raises(InvalidInput):
        M.Group.from_events(CHAT, [M.sign_event(CHAT, ALICE, clock=1, type=M.NAME_CHANGED, name="x")])
    with pytest.raises(DecodeError):
        M.parse_event(CHAT, b"\x00" * 65)
    with pytest.raises(BadSignature):
        M.parse_event(CHAT, bytes(64) + b"\x00" + b"\x08\x01")


# --- segmentation ---------------------------------------------------------------------------
def test_segment_and_reassemble_out_of_order_with_parity_tolerated():
    payload = bytes(i % 251 for i in range(5000))
    segs = S.segment(payload, 1200)
    assert len(segs) == 5 and S.segment(b"small", 1200) == [b"small"]
    r = S.Reassembler()
    parity = S.encode_segment(S.Segment(S.decode_segment(segs[0]).entire_message_hash, 0, 0, b"p" * 1200, 0, 1))
    assert r.add(S.decode_segment(parity), b"signer") is None
    results = [r.add(S.decode_segment(s), b"signer") for s in (segs[3], segs[0], segs[4], segs[2], segs[1])]
    assert results[:-1] == [None] * 4 and results[-1] == payload
    assert r.add(S.decode_segment(segs[0]), b"signer") is None  # already completed


def test_reassembly_keyed_by_signer_and_hash_checked():
    payload = bytes(3000)
    segs = [S.decode_segment(s) for s in S.segment(payload, 1000)]
    r = S.Reassembler()
    r.add(segs[0], b"a")
    r.add(segs[1], b"b")
    assert r.add(segs[2], b"a") is None  # a's set lacks segment 1
    forged = S.Segment(segs[1].entire_message_hash, 1, 3, b"x" * 1000)
    with pytest.raises(DecodeError, match="hash"):
        r.add(forged, b"a")
    state = S.Reassembler.from_json(r.to_json())
    assert state.pending == r.pending and state.completed == r.completed


def test_segment_detection_rejects_non_segments():
    for raw in (b"", S.encode_segment(S.Segment(bytes(32), 0, 1, b"x")), S.encode_segment(S.Segment(b"short", 0, 2, b"x")),
                S.encode_segment(S.Segment(bytes(32), 5, 2, b"x"))):
        with pytest.raises(DecodeError):
            S.decode_segment(raw)


def test_segment_bytes_follow_status_go_field_numbers():
    """Encoded segments, split without protobuf, carry segment_message.proto's numbers (protobufs.json)
    with proto3 defaults omitted; a wrapper (field 2 = bytes) is not mistaken for a segment."""
    import json

    from tests.conftest import VECTORS
    from tests.unit.wire import fields

    files = json.loads((VECTORS / "protobufs.json").read_text())["files"]
    (f,) = [f for f in files if f["file"].endswith("segment_message.proto")]
    num = {x["name"]: x["number"] for x in f["messages"][0]["fields"]}
    seg = S.Segment(bytes(32), 1, 3, b"part")
    assert fields(S.encode_segment(seg)) == [(num["entire_message_hash"], 2, bytes(32)), (num["index"], 0, 1),
                                             (num["segments_count"], 0, 3), (num["payload"], 2, b"part")]
    parity = S.Segment(bytes(32), 0, 0, b"p", 2, 1)
    assert [n for n, _, _ in fields(S.encode_segment(parity))] == [num[k] for k in (
        "entire_message_hash", "payload", "parity_segment_index", "parity_segments_count")]
    with pytest.raises(DecodeError, match="index"):  # index (uint32) sent length-delimited
        S.decode_segment(S.encode_segment(S.Segment(bytes(32), 0, 2, b"x")) + b"\x12\x00")


segments = st.builds(S.Segment, st.binary(min_size=32, max_size=32), st.integers(0, 10), st.integers(11, 2**32 - 1),
                     st.binary(max_size=50), st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1))


@given(segments)
def test_segment_roundtrip(seg):
    assert S.decode_segment(S.encode_segment(seg)) == seg


@given(st.binary(max_size=120))
@settings(max_examples=300)
def test_segment_garbage_typed(data):
    try:
        S.decode_segment(data)
    except DecodeError:
        pass


@given(st.binary(max_size=150))
@settings(max_examples=200)
def test_membership_garbage_typed(data):
    for f in (lambda d: M.decode_update(d), lambda d: M.parse_event("c", d)):
        try:
            f(data)
        except StatusCliError:
            pass


@given(st.integers(1, 2**64 - 1), st.sampled_from(range(10)), st.lists(st.text(max_size=8), max_size=3), st.text(max_size=10))
@settings(max_examples=30, deadline=None)
def test_membership_event_roundtrip(clk, t, members, name):
    # (an all-default event encodes to nothing; status-go refuses such events, and so do we)
    ev = M.sign_event(CHAT, ALICE, clock=clk, type=t, members=members, name=name)
    back = M.decode_update(M.encode_update(CHAT, [ev])).events[0]
    assert back == ev
