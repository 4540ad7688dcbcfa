"""MVDS: codec (status-go field numbers), ids, and the sans-IO node's transitions."""

from __future__ import annotations

import hashlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from statuscli.core.crypto import secp256k1
from statuscli.core.errors import DecodeError, StatusCliError
from statuscli.core.mvds import codec as C
from statuscli.core.mvds import node as N
from tests.conftest import VECTORS, vectors

A = secp256k1.public_key(bytes(range(1, 33)))
B = secp256k1.public_key(bytes(range(2, 34)))
T0 = 1_700_000_000_000  # ms
ZERO = lambda n: 0  # noqa: E731


def test_one_to_one_group_id_vector():
    (v,) = vectors("status.json", "mvds")
    k1, k2 = bytes.fromhex(v["inputs"]["public_key_1"]), bytes.fromhex(v["inputs"]["public_key_2"])
    assert C.one_to_one_group_id(k1, k2).hex() == v["expected"]["group_id"]
    assert C.one_to_one_group_id(k2, secp256k1.compress(k1)).hex() == v["expected"]["group_id"]  # symmetric, any form


def test_message_id_layout():
    m = C.Message(bytes(range(32)), 1_700_000_000, b"body")
    expected = hashlib.sha256(b"MESSAGE_ID" + m.group_id + (1_700_000_000).to_bytes(8, "little") + b"body").digest()
    assert m.id == expected == C.message_id(m.group_id, m.timestamp, m.body)


def _sync_proto() -> dict:
    files = json.loads((VECTORS / "protobufs.json").read_text())["files"]
    (f,) = [f for f in files if f["file"].endswith("mvds/protobuf/sync.proto")]
    return {m["name"]: {x["name"]: x for x in m["fields"]} for m in f["messages"]}


def test_schema_matches_status_go():
    """protos/mvds.proto against the sync.proto vendored in status-go (protobufs.json)."""
    from statuscli.pb import mvds_pb2

    for name, facts in _sync_proto().items():
        desc = getattr(mvds_pb2, name).DESCRIPTOR
        assert {f.name: (f.number, f.is_repeated) for f in desc.fields} == {
            n: (x["number"], x.get("label") == "repeated") for n, x in facts.items()}, name


def test_encoded_bytes_follow_status_go_field_numbers():
    """The bytes, split without protobuf, carry status-go's field numbers in order, int64 timestamps
    as two's-complement varints, and proto3 defaults (empty body) omitted."""
    from tests.unit.wire import fields

    schema = _sync_proto()
    num = {name: {n: x["number"] for n, x in facts.items()} for name, facts in schema.items()}
    p = C.Payload(acks=(b"a" * 32,), offers=(b"o" * 32,), requests=(b"r" * 32,),
                  messages=(C.Message(b"g" * 32, -5, b"x"), C.Message(b"g" * 32, 7, b"")), group_offers=(C.Offer(b"g" * 32, (b"i" * 32,)),))
    raw = C.encode_payload(p)
    top = fields(raw)
    P = num["Payload"]
    assert [(n, wt) for n, wt, _ in top] == [(P["acks"], 2), (P["offers"], 2), (P["requests"], 2), (P["messages"], 2),
                                             (P["messages"], 2), (P["group_offers"], 2)]
    assert [v for _, _, v in top[:3]] == [b"a" * 32, b"o" * 32, b"r" * 32]
    M = num["Message"]
    assert fields(top[3][2]) == [(M["group_id"], 2, b"g" * 32), (M["timestamp"], 0, 2**64 - 5), (M["body"], 2, b"x")]
    assert fields(top[4][2]) == [(M["group_id"], 2, b"g" * 32), (M["timestamp"], 0, 7)]
    O = num["Offer"]  # noqa: E741
    assert fields(top[5][2]) == [(O["group_id"], 2, b"g" * 32), (O["message_ids"], 2, b"i" * 32)]
    assert C.decode_payload(raw) == p
    assert p.to_json()["messages"][0]["timestamp"] == -5


def test_mistyped_fields_are_refused_at_every_level():
    from statuscli.core.encoding import uvarint_encode

    num = {name: {n: x["number"] for n, x in facts.items()} for name, facts in _sync_proto().items()}

    def tag(number: int, wire_type: int) -> bytes:
        return uvarint_encode(number << 3 | wire_type)

    def field(number: int, value: bytes) -> bytes:
        return tag(number, 2) + uvarint_encode(len(value)) + value

    with pytest.raises(DecodeError, match="acks"):
        C.decode_payload(tag(num["Payload"]["acks"], 0) + b"\x01")
    message = field(num["Message"]["group_id"], b"g") + field(num["Message"]["timestamp"], b"\x01")
    with pytest.raises(DecodeError, match="timestamp"):
        C.decode_payload(field(num["Payload"]["messages"], message))
    offer = field(num["Offer"]["group_id"], b"g") + tag(num["Offer"]["message_ids"], 0) + b"\x01"
    with pytest.raises(DecodeError, match="message_ids"):
        C.decode_payload(field(num["Payload"]["group_offers"], offer))


def test_empty_payload_is_not_mvds():
    with pytest.raises(DecodeError, match="not an MVDS payload"):
        C.decode_payload(b"")
    assert C.decode_payload(b"", require_valid=False) == C.Payload()


def _pair(mode=N.BATCH):
    g = C.one_to_one_group_id(A, B)
    a, b = N.MvdsNode(A, mode=mode), N.MvdsNode(B, mode=mode)
    a.add_peer(g, B)
    b.add_peer(g, A)
    return g, a, b


def test_batch_message_ack_cycle():
    g, a, b = _pair()
    mid = a.append_message(g, b"hello", T0)
    assert a.tick(T0, ZERO) == []  # first send is at the next epoch
    ((peer, raw),) = a.tick(T0 + N.EPOCH_MS, ZERO)
    assert peer == B and C.decode_payload(raw).messages[0].body == b"hello"
    (ev,) = b.receive(raw, A, T0 + 400)
    assert isinstance(ev, N.MessageReceived) and ev.message_id == mid and not ev.duplicate
    ((peer, ack),) = b.tick(T0 + 500, ZERO)
    assert peer == A and C.decode_payload(ack).acks == (mid,)
    assert a.receive(ack, B, T0 + 600) == [N.Acked(mid, B)]
    assert a.pending() == [] and a.messages == {} and a.next_due_epoch() is None
    # a retransmission that crossed the ack is acknowledged again and flagged as a duplicate
    (dup,) = b.receive(raw, A, T0 + 700)
    assert dup.duplicate and C.decode_payload(b.tick(T0 + 800, ZERO)[0][1]).acks == (mid,)


def test_retransmission_schedule_and_expiry():
    g, a, _ = _pair()
    a.append_message(g, b"x", T0)
    sends = []
    epoch = T0 // N.EPOCH_MS
    for e in range(epoch, epoch + 2**16 * 90 + 10):
        due = a.next_due_epoch()
        if due is None:
            break
        e = max(e, due)
        if a.tick(e * N.EPOCH_MS, lambda n: n - 1):
            sends.append(e)
    assert sends[0] == epoch + 1
    gaps = [b - a_ for a_, b in zip(sends, sends[1:])]
    assert gaps == [(1 << (c - 1)) * 90 + 29 for c in range(1, len(sends))]
    assert len(sends) == N.MAX_SEND_COUNT + 1  # status-go clears after the pass: 16 transmissions
    assert len(a.expired) == 1 and a.pending() == []


def test_interactive_offer_request_message_ack():
    g, a, b = _pair(N.INTERACTIVE)
    mid = a.append_message(g, b"hi", T0)
    t = T0 + N.EPOCH_MS
    ((_, offer),) = a.tick(t, ZERO)
    assert C.decode_payload(offer).offers == (mid,)
    assert b.receive(offer, A, t) == []
    ((_, request),) = b.tick(t + N.EPOCH_MS, ZERO)
    assert C.decode_payload(request).requests == (mid,)
    a.receive(request, B, t + N.EPOCH_MS)
    ((_, message),) = a.tick(t + 2 * N.EPOCH_MS, ZERO)  # the request replaced the pending offer
    p = C.decode_payload(message)
    assert p.messages[0].id == mid and p.offers == ()
    (ev,) = b.receive(message, A, t + 2 * N.EPOCH_MS)
    assert ev.message.body == b"hi" and b.pending() == []  # the request record is settled by the message
    ((_, ack),) = b.tick(t + 3 * N.EPOCH_MS, ZERO)
    assert a.receive(ack, B, t + 3 * N.EPOCH_MS) == [N.Acked(mid, B)]
    assert a.pending() == []  # one record per (message, peer): the ack settles it


def test_state_serialises_mid_flight_and_peer_online():
    g, a, b = _pair()
    a.append_message(g, b"one", T0)
    a.tick(T0 + N.EPOCH_MS, ZERO)
    b.receive(C.encode_payload(C.Payload(offers=(b"z" * 32,))), A, T0)
    a2 = N.MvdsNode.from_bytes(a.to_bytes())
    assert a2.to_json() == a.to_json() and a2.pending() == a.pending()
    a2.peer_online(B, T0 + 2 * N.EPOCH_MS, lambda n: 7)
    assert a2.pending()[0].send_epoch == (T0 + 2 * N.EPOCH_MS) // N.EPOCH_MS + 7
    with pytest.raises(DecodeError):
        N.MvdsNode.from_json('{"version": 2}')
    with pytest.raises(StatusCliError):
        a.append_message(b"unknown group", b"x", T0)


@given(st.lists(st.booleans(), min_size=1, max_size=40).filter(lambda ls: sum(ls) <= 12),
       st.lists(st.binary(min_size=1, max_size=20), min_size=1, max_size=5))
@settings(max_examples=40, deadline=None)
def test_lossy_link_eventually_delivers_everything(losses, bodies):
    """With fewer lost transmissions than the 16 sends a record gets, every message is delivered and acked."""
    g, a, b = _pair()
    sent = [a.append_message(g, body, T0 + i) for i, body in enumerate(bodies)]
    delivered, acked = set(), set()
    loss = iter(losses + [False] * 200)
    epoch = T0 // N.EPOCH_MS
    for _ in range(60):
        epoch = max(epoch + 1, a.next_due_epoch() or epoch + 1)
        now = epoch * N.EPOCH_MS
        for _, raw in a.tick(now, ZERO):
            if not next(loss):
                delivered |= {e.message_id for e in b.receive(raw, A, now)}
        for _, raw in b.tick(now, ZERO):
            if not next(loss):
                acked |= {e.message_id for e in a.receive(raw, B, now)}
        if acked == set(sent):
            break
    assert delivered == set(sent) and acked == set(sent) and a.pending() == []


# --- codec properties -----------------------------------------------------------------------
ids = st.binary(min_size=32, max_size=32)
msgs = st.builds(C.Message, st.binary(max_size=32), st.integers(-(2**63), 2**63 - 1), st.binary(max_size=64))
payloads = st.builds(
    C.Payload,
    st.lists(ids, max_size=3).map(tuple), st.lists(ids, max_size=3).map(tuple), st.lists(ids, max_size=3).map(tuple),
    st.lists(msgs, max_size=3).map(tuple), st.lists(st.builds(C.Offer, st.binary(max_size=32), st.lists(ids, max_size=2).map(tuple)), max_size=2).map(tuple),
)


@given(payloads)
def test_payload_roundtrip(p):
    assert C.decode_payload(C.encode_payload(p), require_valid=False) == p


@given(st.binary(max_size=200))
@settings(max_examples=300)
def test_payload_garbage_typed(data):
    try:
        C.decode_payload(data)
    except DecodeError:
        pass


@given(payloads.filter(lambda p: p.is_valid), st.data())
def test_payload_truncation_typed(p, data):
    raw = C.encode_payload(p)
    cut = data.draw(st.integers(0, len(raw) - 1))
    try:
        C.decode_payload(raw[:cut])
    except DecodeError:
        pass


@given(st.binary(max_size=300))
@settings(max_examples=100)
def test_node_state_garbage_typed(data):
    try:
        N.MvdsNode.from_bytes(data)
    except StatusCliError:
        pass
    except UnicodeDecodeError:
        pytest.fail("undecodable state must be a typed error")


def test_a_dead_link_expires_the_record_after_its_sends():
    g, a, _ = _pair()
    mid = a.append_message(g, b"into the void", T0)
    epoch = T0 // N.EPOCH_MS
    sends = 0
    while a.next_due_epoch() is not None:
        epoch = max(epoch + 1, a.next_due_epoch())
        sends += len(a.tick(epoch * N.EPOCH_MS, ZERO))
    assert sends == N.MAX_SEND_COUNT + 1 and [r.message_id for r in a.expired] == [mid]
