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

The wire codec is the generated ``statuscli.pb.waku_message_pb2.WakuMessage`` (every field
proto3 ``optional``, so presence is explicit and nwaku's explicit defaults re-encode byte for
byte). It is imported on first encode/decode: hashing alone does not load protobuf.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from statuscli.core.errors import DecodeError, InvalidInput
from statuscli.core.protobuf_codec import as_bytes, lazy_class, parse

MAX_META = 64
_MASK64 = 0xFFFFFFFFFFFFFFFF
_sha256 = hashlib.sha256
_U32 = (1 << 32) - 1
_I64_MIN, _I64_MAX = -(1 << 63), (1 << 63) - 1
_pb_class = lazy_class("waku_message_pb2", "WakuMessage")


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
    cls = _pb_class()
    try:  # None leaves an optional field unset; payload and content_topic are always set
        pb = cls(payload=msg.payload, content_topic=msg.content_topic, version=msg.version, timestamp=msg.timestamp,
                 meta=msg.meta, rate_limit_proof=msg.rate_limit_proof, ephemeral=msg.ephemeral)
    except TypeError:  # protobuf takes only bytes for bytes fields: accept bytearray/memoryview too
        pb = _build_coerced(cls, msg)
    except ValueError as e:  # e.g. a content topic that is not encodable as UTF-8
        raise InvalidInput(f"invalid WakuMessage field: {e}") from None
    return pb.SerializeToString()


def _build_coerced(cls: Any, msg: WakuMessage) -> Any:
    try:
        return cls(payload=as_bytes(msg.payload), content_topic=msg.content_topic, version=msg.version, timestamp=msg.timestamp,
                   meta=as_bytes(msg.meta), rate_limit_proof=as_bytes(msg.rate_limit_proof), ephemeral=msg.ephemeral)
    except (TypeError, ValueError) as e:
        raise InvalidInput(f"invalid WakuMessage field: {e}") from None


def decode(data: bytes, *, strict: bool = False) -> WakuMessage:
    """Parse WakuMessage bytes. ``strict`` also requires fields 1 and 2, as nwaku does.

    Refused in both modes: anything protobuf cannot parse, a declared field with the wrong wire
    type, a content topic that is not UTF-8, meta longer than 64 bytes. (A version varint wider
    than 32 bits is truncated to a uint32, as protobuf specifies.)
    """
    m = parse(_pb_class(), data, "WakuMessage")
    has = m.HasField
    if strict and not (has("payload") and has("content_topic")):
        missing = "payload (1)" if not has("payload") else "content_topic (2)"
        raise DecodeError(f"WakuMessage without the required field {missing}")
    meta = m.meta if has("meta") else None
    if meta is not None and len(meta) > MAX_META:
        raise DecodeError(f"WakuMessage meta is {len(meta)} bytes; at most {MAX_META} are allowed")
    return WakuMessage(
        payload=m.payload,
        content_topic=m.content_topic,
        version=m.version if has("version") else None,
        timestamp=m.timestamp if has("timestamp") else None,
        meta=meta,
        rate_limit_proof=m.rate_limit_proof if has("rate_limit_proof") else None,
        ephemeral=m.ephemeral if has("ephemeral") else None,
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
