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


def test_generated_module_parses_our_bytes():
    from statuscli.pb import waku_message_pb2

    msg = wm.WakuMessage(b"\x01\x02", "/waku/1/0x01020304/rfc26", 1, 1700000000000000000, b"", b"\x09", False)
    parsed = waku_message_pb2.WakuMessage.FromString(wm.encode(msg))
    assert parsed.payload == msg.payload and parsed.content_topic == msg.content_topic
    assert parsed.timestamp == msg.timestamp and parsed.HasField("meta") and parsed.HasField("ephemeral")
    assert wm.decode(parsed.SerializeToString()) == msg


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
