"""MVDS wire format with status-go's field numbers (package ``mvds``, vendored in status-go).

    Payload { repeated bytes acks = 5001; repeated bytes offers = 5002; repeated bytes requests = 5003;
              repeated Message messages = 5004; repeated Offer group_offers = 5005 }
    Message { bytes group_id = 6001; int64 timestamp = 6002 (unix seconds); bytes body = 6003 }
    Offer   { bytes group_id = 1; repeated bytes message_ids = 2 }

* A payload is "valid" (status-go treats the bytes as MVDS) only if some list is non-empty.
* Message id = SHA-256("MESSAGE_ID" ‖ group_id ‖ LE64(timestamp) ‖ body).
* 1:1 group id = keccak256(compressed(A) ‖ compressed(B)), the key with the smaller X first.
* Encoding is proto3-canonical in field order, like protobuf-go.

The wire codec is the generated ``statuscli.pb.mvds_pb2`` (from protos/mvds.proto), imported on
first use; a declared field with the wrong wire type is refused at every level.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from statuscli.core.crypto import secp256k1
from statuscli.core.crypto.hashing import keccak256
from statuscli.core.errors import DecodeError, InvalidInput
from statuscli.core.protobuf_codec import as_bytes, lazy_module, parse, refuse_mistyped

_I64_MIN, _I64_MAX = -(1 << 63), (1 << 63) - 1


_pb = lazy_module("mvds_pb2")


def message_id(group_id: bytes, timestamp: int, body: bytes) -> bytes:
    return hashlib.sha256(b"MESSAGE_ID" + group_id + (timestamp & 0xFFFFFFFFFFFFFFFF).to_bytes(8, "little") + body).digest()


def one_to_one_group_id(key1: bytes, key2: bytes) -> bytes:
    """Group id of a 1:1 chat between two public keys (33 or 65 bytes each)."""
    a, b = secp256k1.compress(secp256k1.decompress(key1)), secp256k1.compress(secp256k1.decompress(key2))
    if secp256k1.x_coordinate(a) < secp256k1.x_coordinate(b):
        return keccak256(a + b)
    return keccak256(b + a)


@dataclass(frozen=True, slots=True)
class Message:
    group_id: bytes
    timestamp: int
    body: bytes

    @property
    def id(self) -> bytes:
        return message_id(self.group_id, self.timestamp, self.body)


@dataclass(frozen=True, slots=True)
class Offer:
    group_id: bytes
    message_ids: tuple[bytes, ...] = ()


@dataclass(frozen=True, slots=True)
class Payload:
    acks: tuple[bytes, ...] = ()
    offers: tuple[bytes, ...] = ()
    requests: tuple[bytes, ...] = ()
    messages: tuple[Message, ...] = field(default=())
    group_offers: tuple[Offer, ...] = field(default=())

    @property
    def is_valid(self) -> bool:
        return bool(self.acks or self.offers or self.requests or self.messages or self.group_offers)

    def to_json(self) -> dict:
        hx = lambda b: "0x" + b.hex()  # noqa: E731
        return {
            "acks": [hx(a) for a in self.acks],
            "offers": [hx(a) for a in self.offers],
            "requests": [hx(a) for a in self.requests],
            "messages": [
                {"id": hx(m.id), "group_id": hx(m.group_id), "timestamp": m.timestamp, "body_size": len(m.body)} for m in self.messages
            ],
            "group_offers": [{"group_id": hx(o.group_id), "message_ids": [hx(i) for i in o.message_ids]} for o in self.group_offers],
        }


def _message_pb(pb: Any, m: Message) -> Any:
    if not _I64_MIN <= m.timestamp <= _I64_MAX:
        raise InvalidInput("MVDS timestamp is an int64")
    return pb.Message(group_id=as_bytes(m.group_id), timestamp=m.timestamp, body=as_bytes(m.body))


def encode_message(m: Message) -> bytes:
    try:
        return _message_pb(_pb(), m).SerializeToString()
    except (TypeError, ValueError) as e:
        raise InvalidInput(f"invalid MVDS message field: {e}") from None


def decode_message(data: bytes) -> Message:
    m = parse(_pb().Message, data, "mvds.Message")
    return Message(m.group_id, m.timestamp, m.body)


def encode_payload(p: Payload) -> bytes:
    pb = _pb()
    try:
        return pb.Payload(
            acks=[as_bytes(a) for a in p.acks],
            offers=[as_bytes(a) for a in p.offers],
            requests=[as_bytes(a) for a in p.requests],
            messages=[_message_pb(pb, m) for m in p.messages],
            group_offers=[pb.Offer(group_id=as_bytes(o.group_id), message_ids=[as_bytes(i) for i in o.message_ids])
                          for o in p.group_offers],
        ).SerializeToString()
    except (TypeError, ValueError) as e:
        raise InvalidInput(f"invalid MVDS payload field: {e}") from None


def decode_payload(data: bytes, *, require_valid: bool = True) -> Payload:
    """Parse a Payload; with ``require_valid`` an empty payload is a DecodeError (not MVDS)."""
    m = parse(_pb().Payload, data, "mvds.Payload")
    for sub in m.messages:
        refuse_mistyped(sub, "mvds.Message")
    for sub in m.group_offers:
        refuse_mistyped(sub, "mvds.Offer")
    p = Payload(
        acks=tuple(m.acks),
        offers=tuple(m.offers),
        requests=tuple(m.requests),
        messages=tuple(Message(x.group_id, x.timestamp, x.body) for x in m.messages),
        group_offers=tuple(Offer(o.group_id, tuple(o.message_ids)) for o in m.group_offers),
    )
    if require_valid and not p.is_valid:
        raise DecodeError("not an MVDS payload (no acks, offers, requests or messages)")
    return p
