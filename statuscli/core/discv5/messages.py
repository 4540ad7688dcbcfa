"""discv5 messages: ``message-type(1) ‖ RLP(message-data)`` (discv5-wire.md, "Protocol Messages").

PING [req-id, enr-seq] · PONG [req-id, enr-seq, ip(4|16), port] · FINDNODE [req-id, [distances]]
· NODES [req-id, total, [ENR…]] (records embedded as RLP lists) · TALKREQ [req-id, protocol,
request] · TALKRESP [req-id, response]. Request ids are at most 8 bytes; distances 0..256.
Topic messages (0x07–0x0a) are not implemented: they decode to a DecodeError like garbage.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from statuscli.core.errors import DecodeError, InvalidInput
from statuscli.core.waku import rlp

PING, PONG, FINDNODE, NODES, TALKREQ, TALKRESP = 1, 2, 3, 4, 5, 6
MAX_REQUEST_ID = 8
MAX_DISTANCE = 256


@dataclass(frozen=True)
class Ping:
    request_id: bytes
    enr_seq: int


@dataclass(frozen=True)
class Pong:
    request_id: bytes
    enr_seq: int
    ip: str
    port: int


@dataclass(frozen=True)
class FindNode:
    request_id: bytes
    distances: tuple[int, ...]


@dataclass(frozen=True)
class Nodes:
    request_id: bytes
    total: int
    enrs: tuple[bytes, ...]  # raw RLP records


@dataclass(frozen=True)
class TalkReq:
    request_id: bytes
    protocol: bytes
    request: bytes


@dataclass(frozen=True)
class TalkResp:
    request_id: bytes
    response: bytes


Message = Ping | Pong | FindNode | Nodes | TalkReq | TalkResp
RESPONSES = (Pong, Nodes, TalkResp)


def _check_id(request_id: bytes) -> bytes:
    if len(request_id) > MAX_REQUEST_ID:
        raise InvalidInput("a discv5 request id is at most 8 bytes")
    return bytes(request_id)


def encode(msg: Message) -> bytes:
    rid = _check_id(msg.request_id)
    if isinstance(msg, Ping):
        return bytes([PING]) + rlp.encode([rid, msg.enr_seq])
    if isinstance(msg, Pong):
        return bytes([PONG]) + rlp.encode([rid, msg.enr_seq, ipaddress.ip_address(msg.ip).packed, msg.port])
    if isinstance(msg, FindNode):
        if any(not 0 <= d <= MAX_DISTANCE for d in msg.distances):
            raise InvalidInput("FINDNODE distances are 0..256")
        return bytes([FINDNODE]) + rlp.encode([rid, list(msg.distances)])
    if isinstance(msg, Nodes):
        # the records are signed RLP lists already: embedded as they are, not decoded and re-encoded
        head = rlp.encode(rid) + rlp.encode(msg.total)
        records = rlp.encode_list_of_encoded(msg.enrs)
        return bytes([NODES]) + rlp.encode_list_of_encoded([head, records])
    if isinstance(msg, TalkReq):
        return bytes([TALKREQ]) + rlp.encode([rid, msg.protocol, msg.request])
    if isinstance(msg, TalkResp):
        return bytes([TALKRESP]) + rlp.encode([rid, msg.response])
    raise InvalidInput(f"not a discv5 message: {type(msg).__name__}")


def _rid(item) -> bytes:
    rid = rlp.as_bytes(item, "request id")
    if len(rid) > MAX_REQUEST_ID:
        raise DecodeError("request id longer than 8 bytes")
    return rid


def decode(data: bytes) -> Message:
    """Decode a decrypted message plaintext; any malformation raises :class:`DecodeError`."""
    if not data:
        raise DecodeError("empty discv5 message")
    kind = data[0]
    if kind == NODES:  # records stay encoded: each is decoded (and its signature checked) once, by its user
        f = rlp.split_list(data[1:], "NODES")
        if len(f) != 3:
            raise DecodeError(f"NODES: expected 3 items, got {len(f)}")
        records = rlp.split_list(f[2], "NODES records")
        if any(r[0] < 0xC0 for r in records):
            raise DecodeError("ENR: expected an RLP list, got a string")
        return Nodes(_rid(rlp.decode(f[0])), rlp.decode_uint(rlp.decode(f[1]), "total", bits=8), tuple(records))
    body = rlp.decode(data[1:])
    if kind == PING:
        f = rlp.as_list(body, "PING", 2)
        return Ping(_rid(f[0]), rlp.decode_uint(f[1], "enr-seq", bits=64))
    if kind == PONG:
        f = rlp.as_list(body, "PONG", 4)
        ip = rlp.as_bytes(f[2], "recipient-ip")
        if len(ip) not in (4, 16):
            raise DecodeError("PONG recipient-ip is 4 or 16 bytes")
        port = rlp.decode_uint(f[3], "recipient-port", bits=16)
        return Pong(_rid(f[0]), rlp.decode_uint(f[1], "enr-seq", bits=64), str(ipaddress.ip_address(ip)), port)
    if kind == FINDNODE:
        f = rlp.as_list(body, "FINDNODE", 2)
        dists = tuple(rlp.decode_uint(d, "distance", bits=16) for d in rlp.as_list(f[1], "distances"))
        if any(d > MAX_DISTANCE for d in dists):
            raise DecodeError("FINDNODE distance above 256")
        return FindNode(_rid(f[0]), dists)
    if kind == TALKREQ:
        f = rlp.as_list(body, "TALKREQ", 3)
        return TalkReq(_rid(f[0]), rlp.as_bytes(f[1], "protocol"), rlp.as_bytes(f[2], "request"))
    if kind == TALKRESP:
        f = rlp.as_list(body, "TALKRESP", 2)
        return TalkResp(_rid(f[0]), rlp.as_bytes(f[1], "response"))
    raise DecodeError(f"unknown or unsupported discv5 message type 0x{kind:02x}")
