"""Waku v1 status options (packet 0 "Status" and 22 "Status Update"): RLP list of [key, value].

Keys (status-go ``waku/v1/status_options.go``): 0 pow requirement (float64 bits as uint64),
1 bloom filter (64 bytes), 2 light node (bool), 3 confirmations enabled (bool), 4 packet rate
limits [ip, peer id, topic], 5 topic interest (list of 4-byte topics, ≤ 10 000), 6 byte rate
limits [ip, peer id, topic]. Unknown keys are kept as raw RLP items.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from statuscli.core.errors import DecodeError, InvalidInput
from statuscli.core.waku import rlp

MAX_TOPIC_INTEREST = 10_000


@dataclass
class StatusOptions:
    pow_requirement: float | None = None
    bloom: bytes | None = None
    light_node: bool | None = None
    confirmations: bool | None = None
    packet_rate_limits: tuple[int, int, int] | None = None
    topic_interest: list[bytes] | None = None
    byte_rate_limits: tuple[int, int, int] | None = None
    unknown: dict[int, object] = field(default_factory=dict)


def encode(o: StatusOptions) -> bytes:
    pairs: list = []
    if o.pow_requirement is not None:
        pairs.append([0, struct.unpack(">Q", struct.pack(">d", o.pow_requirement))[0]])
    if o.bloom is not None:
        if len(o.bloom) != 64:
            raise InvalidInput("a Waku v1 bloom filter is 64 bytes")
        pairs.append([1, o.bloom])
    if o.light_node is not None:
        pairs.append([2, o.light_node])
    if o.confirmations is not None:
        pairs.append([3, o.confirmations])
    if o.packet_rate_limits is not None:
        pairs.append([4, list(o.packet_rate_limits)])
    if o.topic_interest is not None:
        if len(o.topic_interest) > MAX_TOPIC_INTEREST or any(len(t) != 4 for t in o.topic_interest):
            raise InvalidInput("topic interest is at most 10 000 topics of 4 bytes")
        pairs.append([5, list(o.topic_interest)])
    if o.byte_rate_limits is not None:
        pairs.append([6, list(o.byte_rate_limits)])
    return rlp.encode(pairs)


def _flag(item) -> bool:
    b = rlp.as_bytes(item, "bool option")
    if b not in (b"", b"\x01"):
        raise DecodeError("boolean option must be 0x80 or 0x01")
    return b == b"\x01"


def _limits(item) -> tuple[int, int, int]:
    vals = rlp.as_list(item, "rate limits", 3)
    return tuple(rlp.decode_uint(v, "rate limit", bits=64) for v in vals)  # type: ignore[return-value]


def decode(data: bytes) -> StatusOptions:
    o = StatusOptions()
    for pair in rlp.as_list(rlp.decode(data), "status options"):
        k, v = rlp.as_list(pair, "status option", 2)
        key = rlp.decode_uint(k, "option key", bits=64)
        if key == 0:
            bits = rlp.decode_uint(v, "pow requirement", bits=64)
            o.pow_requirement = struct.unpack(">d", bits.to_bytes(8, "big"))[0]
        elif key == 1:
            o.bloom = rlp.as_bytes(v, "bloom", 64)
        elif key == 2:
            o.light_node = _flag(v)
        elif key == 3:
            o.confirmations = _flag(v)
        elif key == 4:
            o.packet_rate_limits = _limits(v)
        elif key == 5:
            topics = [rlp.as_bytes(t, "topic", 4) for t in rlp.as_list(v, "topic interest")]
            if len(topics) > MAX_TOPIC_INTEREST:
                raise DecodeError("topic interest holds more than 10 000 topics")
            o.topic_interest = topics
        elif key == 6:
            o.byte_rate_limits = _limits(v)
        else:
            o.unknown[key] = v
    return o
