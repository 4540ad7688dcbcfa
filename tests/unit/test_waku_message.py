"""WakuMessage codec and deterministic hash against the vectors; property tests for the codec."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from statuscli.core.errors import DecodeError, InvalidInput, StatusCliError
from statuscli.core.waku import message as wm
from tests.conftest import vectors


def _hex(v):
    return bytes.fromhex(v) if v else b""


@pytest.mark.parametrize("v", vectors("waku.json", "message_hash", "message_hash"), ids=lambda v: v["description"][:50])
def test_message_hash_vectors(v):
    i = v["inputs"]
    msg = wm.WakuMessage(
        payload=_hex(i["payload_hex"]),
        content_topic=i["content_topic"],
        timestamp=i["timestamp_ns"],
        meta=None if i["meta_hex"] is None else _hex(i["meta_hex"]),
    )
    assert wm.message_hash(i["pubsub_topic"], msg).hex() == v["expected"]["message_hash_hex"]
    assert wm.hash_fields(i["pubsub_topic"], msg.payload, msg.content_topic, msg.meta, msg.timestamp) == msg.hash(i["pubsub_topic"])


def test_relay_message_id_vector():
    (v,) = vectors("waku.json", "message_hash", "relay_message_id")
    assert wm.relay_message_id(_hex(v["inputs"]["pubsub_message_data_hex"])).hex() == v["expected"]["message_id_hex"]


@pytest.mark.parametrize("v", [v for v in vectors("status.json", "waku-v2") if "message_hash" in v["expected"]], ids=lambda v: v["id"])
def test_status_message_hash_vectors(v):
    i = v["inputs"]
    msg = wm.WakuMessage(payload=_hex(i["payload"]), content_topic=i["content_topic"], timestamp=i["timestamp_ns"], meta=_hex(i["meta"] or ""))
    assert wm.message_hash(i["pubsub_topic"], msg).hex() == v["expected"]["message_hash"]


@pytest.mark.parametrize("v", [v for v in vectors("status.json", "waku-v2") if "waku_message_protobuf" in v["expected"]], ids=lambda v: v["id"])
def test_status_go_post_bytes(v):
    i = v["inputs"]
    msg = wm.WakuMessage(_hex(i["payload"]), i["content_topic"], i["version"], i["timestamp_ns"], _hex(i["meta"]), None, i["ephemeral"])
    raw = wm.encode(msg)
    assert raw.hex() == v["expected"]["waku_message_protobuf"]
    assert wm.decode(raw) == msg


@pytest.mark.parametrize("v", vectors("waku.json", "protobuf", "protobuf_waku_message"), ids=lambda v: v["description"][:50])
def test_protobuf_waku_message_vectors(v):
    i = v["inputs"]
    if "error" in v["expected"]:  # must fail: meta longer than 64 bytes
        raw = wm.encode(wm.WakuMessage(b"x", "/t/1/a/proto")) + b"\x5a" + bytes([i["meta_len"]]) + bytes(i["meta_len"])
        with pytest.raises(DecodeError, match="meta"):
            wm.decode(raw)
        with pytest.raises(InvalidInput, match="meta"):
            wm.encode(wm.WakuMessage(b"x", "/t/1/a/proto", meta=bytes(i["meta_len"])))
        return
    msg = wm.WakuMessage(
        payload=_hex(i["payload_hex"]),
        content_topic=i["content_topic"],
        version=i["version"],
        timestamp=i["timestamp"],
        meta=_hex(i["meta_hex"]) if "meta_hex" in i else None,
        rate_limit_proof=_hex(i["proof_hex"]) if "proof_hex" in i else None,
        ephemeral=i["ephemeral"],
    )
    expected = bytes.fromhex(v["expected"]["bytes_hex"])
    assert wm.decode(expected) == msg  # accepts explicit defaults
    assert wm.encode(msg) == expected  # and reproduces them byte for byte


def test_empty_fields_1_and_2_are_always_written():
    raw = wm.encode(wm.WakuMessage())
    assert raw == b"\x0a\x00\x12\x00"
    assert wm.decode(raw, strict=True) == wm.WakuMessage()


def test_missing_required_fields_lenient_and_strict():
    js_style = b"\x12\x03/a/"  # js-waku omits an empty payload
    assert wm.decode(js_style) == wm.WakuMessage(b"", "/a/")
    with pytest.raises(DecodeError, match="payload"):
        wm.decode(js_style, strict=True)


def test_negative_timestamp_zigzag_and_hash():
    msg = wm.WakuMessage(b"p", "/c/1/t/proto", timestamp=-1)
    raw = wm.encode(msg)
    assert raw.endswith(b"\x50\x01")  # zigzag(-1) == 1
    assert wm.decode(raw) == msg
    assert len(wm.message_hash("/waku/2/rs/16/32", msg)) == 32


def test_schema_matches_go_waku_and_every_field_has_presence():
    """protos/waku_message.proto against go-waku's WakuMessage (protobufs.json 'extra'), and every
    field proto3-optional: that is what lets fields 1/2 and nwaku's explicit defaults be written."""
    import json

    from statuscli.pb import waku_message_pb2
    from tests.conftest import VECTORS

    facts = json.loads((VECTORS / "protobufs.json").read_text())["extra"]["waku.message.v1.WakuMessage"]["fields"]
    desc = waku_message_pb2.WakuMessage.DESCRIPTOR
    assert sorted(f.number for f in desc.fields) == sorted(f["number"] for f in facts)
    names = {"bytes": "TYPE_BYTES", "string": "TYPE_STRING", "uint32": "TYPE_UINT32", "sint64": "TYPE_SINT64", "bool": "TYPE_BOOL"}
    for f in facts:
        field = desc.fields_by_number[f["number"]]
        assert field.name == f["name"] and field.type == getattr(field, names[f["type"]]), f
        assert field.has_presence, f"{f['name']} must be proto3 optional"


@pytest.mark.parametrize("v", [v for v in vectors("waku.json", "protobuf", "protobuf_waku_message") if "bytes_hex" in v["expected"]],
                         ids=lambda v: v["description"][:30])
def test_presence_is_read_from_the_vector_bytes(v):
    """The vector bytes, split at field boundaries without protobuf, hold exactly the fields the
    decoder reports as present (fields 1 and 2 always), in field-number order."""
    from tests.unit.wire import fields

    raw = bytes.fromhex(v["expected"]["bytes_hex"])
    msg = wm.decode(raw, strict=True)
    present = [n for n, name in ((1, "payload"), (2, "content_topic"), (3, "version"), (10, "timestamp"), (11, "meta"),
                                 (21, "rate_limit_proof"), (31, "ephemeral")) if n in (1, 2) or getattr(msg, name) is not None]
    assert [number for number, _, _ in fields(raw)] == present


@pytest.mark.parametrize(
    "raw, what",
    [
        (b"\x08\x05\x12\x01a", "payload"),  # payload (bytes) sent as a varint
        (b"\x0a\x00\x12\x00\x1a\x01a", "version"),  # version (uint32) sent length-delimited
        (b"\x0a\x00\x12\x00\x55\x00\x00\x00\x00", "timestamp"),  # timestamp as fixed32
        (b"\x0a\x00\x12\x00\xfa\x01\x00", "ephemeral"),  # ephemeral (bool) sent length-delimited
        (b"\x0a\x00\x12\x00\x2b\x08\x01\x2c", "group"),  # an unknown field 5 as a (deprecated) group
    ],
)
def test_mistyped_fields_are_refused(raw, what):
    with pytest.raises(DecodeError, match=what):
        wm.decode(raw)


def test_invalid_utf8_topic_and_bad_input_are_typed():
    with pytest.raises(DecodeError):
        wm.decode(b"\x0a\x00\x12\x02\xff\xfe")
    with pytest.raises(InvalidInput):
        wm.encode(wm.WakuMessage(b"", "\ud800"))
    assert wm.encode(wm.WakuMessage(bytearray(b"ab"), "t")) == wm.encode(wm.WakuMessage(b"ab", "t"))


# --- properties -----------------------------------------------------------------------------
messages = st.builds(
    wm.WakuMessage,
    payload=st.binary(max_size=300),
    content_topic=st.text(max_size=40),
    version=st.none() | st.integers(0, 2**32 - 1),
    timestamp=st.none() | st.integers(-(2**63), 2**63 - 1),
    meta=st.none() | st.binary(max_size=64),
    rate_limit_proof=st.none() | st.binary(max_size=100),
    ephemeral=st.none() | st.booleans(),
)


@given(messages)
def test_roundtrip(msg):
    assert wm.decode(wm.encode(msg), strict=True) == msg


@given(st.binary(max_size=200))
@settings(max_examples=400)
def test_garbage_gives_typed_errors(data):
    try:
        wm.decode(data)
    except StatusCliError:
        pass


@given(messages, st.data())
def test_truncation_gives_typed_errors(msg, data):
    raw = wm.encode(msg)
    cut = data.draw(st.integers(0, len(raw)))
    try:
        wm.decode(raw[:cut])
    except DecodeError:
        pass


@pytest.mark.parametrize("v", [v for v in vectors("status.json", "waku-v2") if "pubsub_topic" in v["expected"]], ids=lambda v: v["id"])
def test_status_pubsub_topic_vectors(v):
    from statuscli.core.topics.sharding import static_shard_topic

    assert static_shard_topic(v["inputs"]["cluster"], v["inputs"]["shard"]) == v["expected"]["pubsub_topic"]
