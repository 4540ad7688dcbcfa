"""Application payloads: the signed wrapper, message types, ChatMessage, clocks (vectors + properties)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from statuscli.core.crypto import secp256k1
from statuscli.core.errors import BadSignature, DecodeError, InvalidInput, StatusCliError
from statuscli.core.payloads import amm, chat, clock, message_types
from tests.conftest import VECTORS, vectors

H = bytes.fromhex
PNG = b"\x89PNG\r\n\x1a\n" + bytes(20)


@pytest.fixture(scope="module")
def v001():
    (v,) = vectors("status.json", "payloads")
    return v


def test_chat_message_and_wrapper_vector(v001):
    f, x = v001["inputs"]["chat_message_fields"], v001["expected"]
    payload = chat.encode(chat.build(**f))
    assert payload.hex() == x["chat_message_protobuf"]
    raw = amm.wrap(payload, message_types.CHAT_MESSAGE, H(v001["inputs"]["author_private"]))
    assert raw.hex() == x["application_metadata_message_protobuf"]
    got = amm.unwrap(raw)
    assert got.signature.hex() == x["amm_signature"]
    assert got.signer == secp256k1.public_key(H(v001["inputs"]["author_private"]))
    assert "0x" + got.message_id.hex() == x["message_id"]
    assert got.type_name == "CHAT_MESSAGE" and got.payload == payload
    decoded = chat.decode(got.payload)
    assert decoded.text == f["text"] and decoded.chat_id == f["chat_id"]
    assert chat.to_json(decoded)["content_type"] == "TEXT_PLAIN"


def test_message_id_is_over_bytes_as_received(v001):
    raw = H(v001["expected"]["application_metadata_message_protobuf"])
    # the same wrapper with an unknown field appended parses identically but has another id
    extended = amm.unwrap(raw + b"\x20\x01")
    assert extended.payload == amm.unwrap(raw).payload
    assert extended.message_id != amm.unwrap(raw).message_id


def test_unsigned_wrapper_and_bad_signature():
    unsigned = amm.unwrap(amm.encode(b"payload", 22, b""))
    assert unsigned.signer is None and unsigned.message_id is None and unsigned.type_name == "EMOJI_REACTION"
    with pytest.raises(BadSignature):
        amm.unwrap(amm.encode(b"payload", 1, bytes(64) + b"\x00"))
    assert not amm.looks_like_amm(b"\xff\xff")


def test_wrapper_bytes_follow_status_go_field_numbers(v001):
    """The vector wrapper, split without protobuf, has status-go's field numbers (protobufs.json) in
    order; a declared field with the wrong wire type is refused rather than silently dropped."""
    from tests.unit.wire import fields

    files = json.loads((VECTORS / "protobufs.json").read_text())["files"]
    (f,) = [f for f in files if f["file"].endswith("application_metadata_message.proto")]
    num = {x["name"]: x["number"] for x in f["messages"][0]["fields"]}
    raw = H(v001["expected"]["application_metadata_message_protobuf"])
    split = fields(raw)
    assert [(n, wt) for n, wt, _ in split] == [(num["signature"], 2), (num["payload"], 2), (num["type"], 0)]
    assert amm.parse(raw) == (split[0][2], split[1][2], split[2][2])
    with pytest.raises(DecodeError, match="type"):
        amm.parse(raw + bytes([num["type"] << 3 | 2, 0]))  # type (an enum) sent length-delimited
    assert not amm.looks_like_amm(raw + bytes([num["type"] << 3 | 2, 0]))


def test_message_type_table_matches_the_proto():
    from statuscli.pb import application_metadata_message_pb2 as pb

    enum = pb.ApplicationMetadataMessage.Type
    assert {v.number: v.name for v in enum.DESCRIPTOR.values} == message_types.TYPES
    files = json.loads((VECTORS / "protobufs.json").read_text())["files"]
    (f,) = [f for f in files if f["file"].endswith("application_metadata_message.proto")]
    assert {v["number"]: v["name"] for v in f["messages"][0]["enums"][0]["values"]} == message_types.TYPES
    assert not {14, 55, 65, 66, 71} & set(message_types.TYPES)
    assert message_types.type_value("emoji_reaction") == 22 and message_types.type_name(999) == "UNKNOWN_999"
    for module, name in message_types.PAYLOAD_MESSAGES.values():
        import importlib

        assert hasattr(importlib.import_module(f"statuscli.pb.{module}"), name)


def test_chat_message_field_numbers_match_status_go():
    from statuscli.pb import chat_message_pb2

    files = json.loads((VECTORS / "protobufs.json").read_text())["files"]
    (f,) = [f for f in files if f["file"].endswith("/chat_message.proto")]
    for m in f["messages"]:
        desc = getattr(chat_message_pb2, m["name"]).DESCRIPTOR
        assert {x["name"]: x["number"] for x in m["fields"]} == {x.name: x.number for x in desc.fields}, m["name"]


def test_content_types_build_and_validate():
    base = dict(chat_id="c", clock=1_700_000_000_000, timestamp=1_700_000_000_000)
    w = 1_700_000_000_000
    for msg in (
        chat.build(text="hi", **base),
        chat.build(text="🙂", content_type=chat.EMOJI, **base),
        chat.build(text="sticker", sticker=("Qmhash", 1), **base),
        chat.build(image=PNG, **base),
        chat.build(text="voice", audio=(b"#!AMR\n" + bytes(10), 1200), **base),
    ):
        chat.validate_received(msg, w)
        assert chat.decode(chat.encode(msg)) == msg
    with pytest.raises(InvalidInput):
        chat.build(image=b"not an image", **base)


@pytest.mark.parametrize(
    "changes, why",
    [
        ({"clock": 0}, "clock can't be 0"),
        ({"clock": 1_700_000_000_000 + 120_001}, "too high"),
        ({"timestamp": 0}, "timestamp"),
        ({"text": "  "}, "text can't be empty"),
        ({"text": "x" * 4097}, "longer"),
        ({"chat_id": ""}, "chatId"),
        ({"message_type": 4}, "message type"),
        ({"content_type": 0}, "unknown content type"),
        ({"content_type": 5}, "transaction"),
        ({"content_type": 2}, "sticker"),
        ({"content_type": 7}, "image"),
        ({"content_type": 8}, "audio"),
        ({"content_type": 6}, "private group system"),
        ({"content_type": 16}, "mutual"),
        ({"display_name": "ab"}, "display name"),
        ({"display_name": "alice_eth"}, "eth"),
    ],
)
def test_validation_rejections(changes, why):
    fields = dict(chat_id="c", clock=1_700_000_000_000, timestamp=1_700_000_000_000, text="hello")
    fields.update(changes)
    msg = chat.build(**fields)
    with pytest.raises(InvalidInput, match=why) as e:
        chat.validate_received(msg, 1_700_000_000_000)
    assert e.value.code == "invalid-message"


def test_transaction_commands():
    t, payload = chat.transaction_command("request-transaction", clock=5, address="0xabc", value="1.5", chat_id="c")
    assert t == 9 and message_types.type_name(t) == "REQUEST_TRANSACTION"
    from statuscli.pb import command_pb2

    assert command_pb2.RequestTransaction.FromString(payload).value == "1.5"
    with pytest.raises(InvalidInput):
        chat.transaction_command("steal-money")


def test_lamport_clock():
    assert clock.next_clock(0, 1000) == (1000, 1000)
    assert clock.next_clock(999, 1000) == (1000, 1000)
    assert clock.next_clock(5000, 1000) == (5001, 1000)
    c = clock.LamportClock()
    assert c.tick(10) == (10, 10) and c.tick(10) == (11, 10)
    assert c.observe(50) == 50 and c.tick(20) == (51, 20)
    assert clock.waku_timestamp_ms(1_700_000_000_999_999_999) == 1_700_000_000_000
    clock.validate_clock(1_700_000_120_000, 1_700_000_000_000)
    with pytest.raises(InvalidInput):
        clock.validate_clock(1_700_000_120_001, 1_700_000_000_000)


# --- properties -----------------------------------------------------------------------------
privs = st.binary(min_size=32, max_size=32).filter(lambda b: 0 < int.from_bytes(b, "big") < secp256k1.CURVE_ORDER)


@given(st.binary(max_size=300), st.integers(0, 2**31 - 1), privs)
@settings(max_examples=50, deadline=None)
def test_wrap_unwrap_roundtrip(payload, t, priv):
    raw = amm.wrap(payload, t, priv)
    got = amm.unwrap(raw)
    assert (got.payload, got.type, got.signer, got.raw) == (payload, t, secp256k1.public_key(priv), raw)
    assert got.message_id == amm.message_id(secp256k1.compress(got.signer), raw)


@given(st.binary(max_size=100), st.integers(0, 2**32 - 1), st.binary(max_size=80))
def test_encode_parse_roundtrip(payload, t, sig):
    assert amm.parse(amm.encode(payload, t, sig)) == (sig, payload, t)


@given(st.binary(max_size=200))
@settings(max_examples=300)
def test_wrapper_garbage_typed(data):
    try:
        amm.unwrap(data)
    except StatusCliError:
        pass


@given(st.data())
@settings(max_examples=50)
def test_wrapper_truncation_typed(data):
    raw = amm.wrap(b"some payload bytes", 1, bytes(range(1, 33)))
    cut = data.draw(st.integers(0, len(raw) - 1))
    try:
        amm.unwrap(raw[:cut])
    except StatusCliError:
        pass


chat_fields = st.fixed_dictionaries(
    {
        "chat_id": st.text(max_size=20),
        "clock": st.integers(0, 2**64 - 1),
        "timestamp": st.integers(0, 2**64 - 1),
        "text": st.text(max_size=50),
        "message_type": st.integers(0, 6),
        "response_to": st.text(max_size=10),
    },
    optional={"sticker": st.tuples(st.text(max_size=10), st.integers(-(2**31), 2**31 - 1)), "community": st.binary(max_size=20)},
)


@given(chat_fields)
def test_chat_roundtrip(fields):
    if "sticker" in fields and "community" in fields:
        del fields["community"]
    msg = chat.build(**fields)
    assert chat.decode(chat.encode(msg)) == msg


@given(st.binary(max_size=200))
@settings(max_examples=300)
def test_chat_garbage_typed(data):
    try:
        chat.decode(data)
    except DecodeError:
        pass
