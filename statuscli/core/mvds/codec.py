"""MVDS wire format with status-go's field numbers (package ``mvds``, vendored in status-go).

    Payload { repeated bytes acks = 5001; repeated bytes offers = 5002; repeated bytes requests = 5003;
              repeated Message messages = 5004; repeated Offer group_offers = 5005 }
    Message { bytes group_id = 6001; int64 timestamp = 6002 (unix seconds); bytes body = 6003 }
    Offer   { bytes group_id = 1; repeated bytes message_ids = 2 }

* A payload is "valid" (status-go treats the bytes as MVDS) only if some list is non-empty.
* Message id = SHA-256("MESSAGE_ID" ‖ group_id ‖ LE64(timestamp) ‖ body).
* 1:1 group id = keccak256(compressed(A) ‖ compressed(B)), the key with the smaller X first.
* Encoding is proto3-canonical in field order, like protobuf-go.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from statuscli.core import protowire as pw
from statuscli.core.crypto import secp256k1
from statuscli.core.crypto.hashing import keccak256
from statuscli.core.errors import DecodeError, InvalidInput

_I64_MIN, _I64_MAX = -(1 << 63), (1 << 63) - 1


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


def encode_message(m: Message) -> bytes:
    if not _I64_MIN <= m.timestamp <= _I64_MAX:
        raise InvalidInput("MVDS timestamp is an int64")
    out = []
    if m.group_id:
        out.append(pw.field_bytes(6001, m.group_id))
    if m.timestamp:
        out.append(pw.field_varint(6002, m.timestamp))
    if m.body:
        out.append(pw.field_bytes(6003, m.body))
    return b"".join(out)


def decode_message(data: bytes) -> Message:
    group_id = body = b""
    ts = 0
    for f, wt, value in pw.iter_fields(data):
        if f == 6001:
            pw.expect(f, wt, pw.LEN, "Message.group_id")
            group_id = value
        elif f == 6002:
            pw.expect(f, wt, pw.VARINT, "Message.timestamp")
            ts = pw.to_int64(value)
        elif f == 6003:
            pw.expect(f, wt, pw.LEN, "Message.body")
            body = value
    return Message(group_id, ts, body)


def _encode_offer(o: Offer) -> bytes:
    return (pw.field_bytes(1, o.group_id) if o.group_id else b"") + b"".join(pw.field_bytes(2, i) for i in o.message_ids)


def _decode_offer(data: bytes) -> Offer:
    group_id, ids = b"", []
    for f, wt, value in pw.iter_fields(data):
        if f == 1:
            pw.expect(f, wt, pw.LEN, "Offer.group_id")
            group_id = value
        elif f == 2:
            pw.expect(f, wt, pw.LEN, "Offer.message_ids")
            ids.append(value)
    return Offer(group_id, tuple(ids))


def encode_payload(p: Payload) -> bytes:
    out = [pw.field_bytes(5001, a) for a in p.acks]
    out += [pw.field_bytes(5002, a) for a in p.offers]
    out += [pw.field_bytes(5003, a) for a in p.requests]
    out += [pw.field_bytes(5004, encode_message(m)) for m in p.messages]
    out += [pw.field_bytes(5005, _encode_offer(o)) for o in p.group_offers]
    return b"".join(out)


def decode_payload(data: bytes, *, require_valid: bool = True) -> Payload:
    """Parse a Payload; with ``require_valid`` an empty payload is a DecodeError (not MVDS)."""
    lists: dict[int, list] = {5001: [], 5002: [], 5003: [], 5004: [], 5005: []}
    for f, wt, value in pw.iter_fields(data):
        if f in lists:
            pw.expect(f, wt, pw.LEN, f"Payload field {f}")
            if f == 5004:
                value = decode_message(value)
            elif f == 5005:
                value = _decode_offer(value)
            lists[f].append(value)
    p = Payload(*(tuple(lists[k]) for k in (5001, 5002, 5003, 5004, 5005)))
    if require_valid and not p.is_valid:
        raise DecodeError("not an MVDS payload (no acks, offers, requests or messages)")
    return p
