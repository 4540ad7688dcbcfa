"""14/WAKU2-MESSAGE: the WakuMessage codec and the deterministic message hash.

Interop rules (spec/waku-protocol.md §1):

* nwaku treats ``payload`` (1) and ``content_topic`` (2) as REQUIRED: :func:`encode` always writes
  both, even when empty. Optional fields are written when they are present (not ``None``), even
  with a zero/empty value, so presence survives a round trip and nwaku/js-waku bytes re-encode
  byte for byte.
* Decoding accepts explicit default values (nwaku writes every field) and missing fields 1/2
  (js-waku omits an empty payload), unless ``strict=True`` asks for nwaku's behaviour.
* ``timestamp`` is a sint64 (zigzag) in Unix nanoseconds. ``meta`` is at most 64 bytes (nwaku
  rejects longer ones, and so do we).
* Message hash = SHA-256(pubsub_topic ‖ payload ‖ content_topic ‖ meta ‖ BE64(timestamp)); the
  timestamp is always appended as 8 bytes (nwaku; js-waku omits it when 0 — never publish 0).
* Relay (gossipsub) message id = SHA-256 of the pubsub message data, i.e. of the encoded bytes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from statuscli.core import protowire as pw
from statuscli.core.errors import DecodeError, InvalidInput

MAX_META = 64
_MASK64 = 0xFFFFFFFFFFFFFFFF
_sha256 = hashlib.sha256
_U32 = (1 << 32) - 1
_I64_MIN, _I64_MAX = -(1 << 63), (1 << 63) - 1

_TAG_VERSION = pw.key(3, pw.VARINT)
_TAG_TIMESTAMP = pw.key(10, pw.VARINT)
_TAG_EPHEMERAL = pw.key(31, pw.VARINT)


@dataclass(frozen=True, slots=True)
class WakuMessage:
    """A Waku v2 message. ``None`` means "field absent" for the optional fields."""

    payload: bytes = b""
    content_topic: str = ""
    version: int | None = None
    timestamp: int | None = None  # Unix nanoseconds
    meta: bytes | None = None
    rate_limit_proof: bytes | None = None
    ephemeral: bool | None = None

    def hash(self, pubsub_topic: str) -> bytes:
        return message_hash(pubsub_topic, self)

    def to_json(self) -> dict:
        return {
            "payload": "0x" + self.payload.hex(),
            "content_topic": self.content_topic,
            "version": self.version,
            "timestamp": self.timestamp,
            "meta": None if self.meta is None else "0x" + self.meta.hex(),
            "rate_limit_proof": None if self.rate_limit_proof is None else "0x" + self.rate_limit_proof.hex(),
            "ephemeral": self.ephemeral,
        }


def encode(msg: WakuMessage) -> bytes:
    """Protobuf bytes of ``msg``; fields 1 and 2 are always written (nwaku requires them)."""
    if msg.version is not None and not 0 <= msg.version <= _U32:
        raise InvalidInput(f"WakuMessage version {msg.version} is not a uint32")
    if msg.timestamp is not None and not _I64_MIN <= msg.timestamp <= _I64_MAX:
        raise InvalidInput(f"WakuMessage timestamp {msg.timestamp} is not an int64")
    if msg.meta is not None and len(msg.meta) > MAX_META:
        raise InvalidInput(f"WakuMessage meta is {len(msg.meta)} bytes; at most {MAX_META} are allowed")
    parts = [pw.field_bytes(1, msg.payload), pw.field_bytes(2, msg.content_topic.encode("utf-8"))]
    if msg.version is not None:
        parts.append(_TAG_VERSION + pw.varint(msg.version))
    if msg.timestamp is not None:
        parts.append(_TAG_TIMESTAMP + pw.varint(pw.zigzag(msg.timestamp)))
    if msg.meta is not None:
        parts.append(pw.field_bytes(11, msg.meta))
    if msg.rate_limit_proof is not None:
        parts.append(pw.field_bytes(21, msg.rate_limit_proof))
    if msg.ephemeral is not None:
        parts.append(_TAG_EPHEMERAL + (b"\x01" if msg.ephemeral else b"\x00"))
    return b"".join(parts)


def decode(data: bytes, *, strict: bool = False) -> WakuMessage:
    """Parse WakuMessage bytes. ``strict`` also requires fields 1 and 2, as nwaku does."""
    payload = topic = version = timestamp = meta = proof = ephemeral = None
    for field, wt, value in pw.iter_fields(data):
        if field == 1:
            pw.expect(field, wt, pw.LEN, "payload")
            payload = value
        elif field == 2:
            pw.expect(field, wt, pw.LEN, "content_topic")
            topic = pw.utf8(value, "content_topic")
        elif field == 3:
            pw.expect(field, wt, pw.VARINT, "version")
            if value > _U32:
                raise DecodeError(f"WakuMessage version {value} does not fit a uint32")
            version = value
        elif field == 10:
            pw.expect(field, wt, pw.VARINT, "timestamp")
            timestamp = pw.unzigzag(value)
        elif field == 11:
            pw.expect(field, wt, pw.LEN, "meta")
            if len(value) > MAX_META:
                raise DecodeError(f"WakuMessage meta is {len(value)} bytes; at most {MAX_META} are allowed")
            meta = value
        elif field == 21:
            pw.expect(field, wt, pw.LEN, "rate_limit_proof")
            proof = value
        elif field == 31:
            pw.expect(field, wt, pw.VARINT, "ephemeral")
            ephemeral = value != 0
    if strict and (payload is None or topic is None):
        missing = "payload (1)" if payload is None else "content_topic (2)"
        raise DecodeError(f"WakuMessage without the required field {missing}")
    return WakuMessage(
        payload=payload if payload is not None else b"",
        content_topic=topic if topic is not None else "",
        version=version,
        timestamp=timestamp,
        meta=meta,
        rate_limit_proof=proof,
        ephemeral=ephemeral,
    )


def hash_fields(pubsub_topic: str, payload: bytes, content_topic: str, meta: bytes | None, timestamp: int | None) -> bytes:
    """The deterministic message hash from its parts (timestamp always as 8 bytes big-endian)."""
    ts = (timestamp or 0) & 0xFFFFFFFFFFFFFFFF
    return hashlib.sha256(
        b"".join((pubsub_topic.encode("utf-8"), payload, content_topic.encode("utf-8"), meta or b"", ts.to_bytes(8, "big")))
    ).digest()


def message_hash(pubsub_topic: str, msg: WakuMessage) -> bytes:
    """SHA-256(pubsub_topic ‖ payload ‖ content_topic ‖ meta ‖ BE64(timestamp)) — 32 bytes."""
    ts = msg.timestamp
    meta = msg.meta
    return _sha256(
        pubsub_topic.encode() + msg.payload + msg.content_topic.encode() + (meta if meta else b"")
        + ((ts & _MASK64) if ts else 0).to_bytes(8, "big")
    ).digest()


def relay_message_id(data: bytes) -> bytes:
    """Gossipsub message id on /vac/waku/relay/2.0.0: SHA-256 of the pubsub message data."""
    return hashlib.sha256(data).digest()
