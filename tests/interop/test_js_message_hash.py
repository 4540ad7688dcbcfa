"""Deterministic message hashes: @waku/message-hash (and @waku/core's copy) against ours.

The messages are the message_hash vectors plus a seeded random set (empty and large payloads,
meta absent/empty/64 bytes, non-ASCII topics, negative and extreme timestamps). Half of the random
set reaches js-waku as WakuMessage bytes produced by our codec, so js-waku's protobuf decoder reads
our encoding (zigzag timestamp, explicit fields) before hashing.

Where the implementations differ: for a timestamp of 0 (or none) js-waku leaves the timestamp out
of the hash, while nwaku and statuscli append eight zero bytes (spec §1.2). The last test pins
that difference down, so that it cannot change silently.
"""

from __future__ import annotations

import hashlib
import json
import random
import subprocess
import sys

import pytest

from statuscli.core.waku import message as wm
from tests.conftest import vectors
from tests.interop.harness import LIGHT, REPO, run_js

pytestmark = pytest.mark.interop

TOPICS = ["/waku/2/rs/16/32", "/waku/2/rs/16/64", "/waku/2/default-waku/proto", "/waku/2/rs/1/7"]
CONTENT_TOPICS = ["/status/1/chat/proto", "/waku/1/0x12345678/rfc26", "/app/2/ünïcødé-✓/json", "/a/1/b/c"]


def _random_messages(count: int, seed: int) -> list[tuple[str, wm.WakuMessage]]:
    rng = random.Random(seed)
    out = []
    for i in range(count):
        payload = rng.randbytes(rng.choice([0, 1, 31, 256, 4000]))
        meta = rng.choice([None, b"", rng.randbytes(rng.randint(1, 64))])
        timestamp = rng.choice([1, 2**63 - 1, -(2**40), rng.randint(1, 2**63 - 1), 1_700_000_000_000_000_000 + i])
        msg = wm.WakuMessage(
            payload=payload, content_topic=rng.choice(CONTENT_TOPICS), version=rng.choice([0, 1]),
            timestamp=timestamp, meta=meta, ephemeral=rng.choice([None, False, True]),
        )
        out.append((rng.choice(TOPICS), msg))
    return out


def _vector_messages() -> list[tuple[str, wm.WakuMessage, str]]:
    out = []
    for v in vectors("waku.json", "message_hash", "message_hash"):
        inp = v["inputs"]
        msg = wm.WakuMessage(
            payload=bytes.fromhex(inp["payload_hex"]),
            content_topic=inp["content_topic"],
            meta=bytes.fromhex(inp["meta_hex"]) if inp.get("meta_hex") is not None else None,
            timestamp=inp.get("timestamp_ns"),
        )
        out.append((inp["pubsub_topic"], msg, v["expected"]["message_hash_hex"]))
    return out


def _as_fields(topic: str, msg: wm.WakuMessage) -> dict:
    entry = {"pubsub_topic": topic, "payload": "0x" + msg.payload.hex(), "content_topic": msg.content_topic}
    if msg.meta is not None:
        entry["meta"] = "0x" + msg.meta.hex()
    if msg.timestamp is not None:
        entry["timestamp"] = str(msg.timestamp)
    return entry


def _js_hashes(entries: list[dict]) -> list[dict]:
    hashes = run_js(LIGHT, "message-hash.mjs", {"messages": entries})["hashes"]
    assert len(hashes) == len(entries)
    for h in hashes:
        assert "error" not in h, h
        assert h["message_hash"] == h["core_hash"], "@waku/message-hash and @waku/core disagree"
    return hashes


def test_hashes_of_vector_messages_agree():
    cases = [c for c in _vector_messages() if c[1].timestamp]  # timestamp 0: see the last test
    assert cases
    js = _js_hashes([_as_fields(topic, msg) for topic, msg, _ in cases])
    for (topic, msg, expected), got in zip(cases, js, strict=True):
        assert wm.message_hash(topic, msg).hex() == expected
        assert got["message_hash"] == "0x" + expected


def test_hashes_of_random_messages_agree_from_fields_and_from_our_protobuf():
    cases = _random_messages(60, seed=20261121)
    entries = []
    for i, (topic, msg) in enumerate(cases):
        if i % 2:
            entries.append({"pubsub_topic": topic, "message": "0x" + wm.encode(msg).hex()})
        else:
            entries.append(_as_fields(topic, msg))
    js = _js_hashes(entries)
    for (topic, msg), got in zip(cases, js, strict=True):
        assert got["message_hash"] == "0x" + wm.message_hash(topic, msg).hex(), (topic, msg)


def test_hashes_agree_with_the_envelope_hash_command():
    """`statuscli envelope hash` (a real subprocess) gives js-waku's hash for the same message."""
    topic, msg = _random_messages(1, seed=7)[0]
    argv = [
        sys.executable, "-m", "statuscli", "--json", "envelope", "hash", "--pubsub-topic", topic,
        "--content-topic", msg.content_topic, "--payload", "0x" + msg.payload.hex(), "--timestamp", str(msg.timestamp),
    ]
    if msg.meta:
        argv += ["--meta", "0x" + msg.meta.hex()]
    proc = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    ours = json.loads(proc.stdout)["message_hash"]
    assert ours == _js_hashes([_as_fields(topic, msg)])[0]["message_hash"]


@pytest.mark.parametrize("timestamp", [0, None])
def test_timestamp_zero_is_where_js_waku_differs(timestamp):
    msg = wm.WakuMessage(payload=b"\x01\x02", content_topic="/a/1/b/proto", timestamp=timestamp)
    topic = "/waku/2/rs/16/32"
    js = _js_hashes([_as_fields(topic, msg)])[0]["message_hash"]
    without_timestamp = hashlib.sha256(topic.encode() + msg.payload + msg.content_topic.encode()).hexdigest()
    assert js == "0x" + without_timestamp  # js-waku: no timestamp bytes at all
    assert wm.message_hash(topic, msg) == hashlib.sha256(
        topic.encode() + msg.payload + msg.content_topic.encode() + bytes(8)
    ).digest()  # nwaku and statuscli: eight zero bytes
    assert js != "0x" + wm.message_hash(topic, msg).hex()
