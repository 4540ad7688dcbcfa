"""Segmentation of large payloads (``protocol/common/message_segmentation.go``).

* Payloads longer than :data:`SEGMENT_SIZE` (786 432 bytes) are cut into consecutive slices, each
  sent in its own SegmentMessage {entire_message_hash (keccak256 of the whole), index,
  segments_count, payload}. status-go adds floor(n × 0.125) Reed-Solomon parity segments
  (segments_count = 0, parity_segment_index/parity_segments_count set).
* OMITTED: we do not generate Reed-Solomon parity (receivers only need the data segments), and
  we do not use received parity to repair a missing data segment: parity segments are accepted
  and kept but a message completes only when every data segment has arrived.
* Reassembly is keyed by (entire_message_hash, Waku signer); a segment is valid when
  segments_count ≥ 2 or it is a parity segment; the keccak256 of the joined data must match.
* The wire codec is the generated ``statuscli.pb.segment_message_pb2.SegmentMessage``, imported
  on first use (uint32 fields: a wider varint is truncated, as protobuf specifies).

:class:`Reassembler` is sans-IO state; it serialises to JSON so it can live in the account DB.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from statuscli.core.crypto.hashing import keccak256
from statuscli.core.errors import DecodeError, InvalidInput
from statuscli.core.protobuf_codec import as_bytes, lazy_class, parse

MAX_MESSAGE_SIZE = 1_048_576
SEGMENT_SIZE = MAX_MESSAGE_SIZE // 4 * 3
_U32 = (1 << 32) - 1
_pb_class = lazy_class("segment_message_pb2", "SegmentMessage")


@dataclass(frozen=True, slots=True)
class Segment:
    entire_message_hash: bytes
    index: int
    segments_count: int
    payload: bytes
    parity_segment_index: int = 0
    parity_segments_count: int = 0

    @property
    def is_parity(self) -> bool:
        return self.segments_count == 0 and self.parity_segments_count > 0

    @property
    def is_valid(self) -> bool:
        return self.segments_count >= 2 or self.parity_segments_count > 0


def encode_segment(s: Segment) -> bytes:
    numbers = (s.index, s.segments_count, s.parity_segment_index, s.parity_segments_count)
    if not all(0 <= n <= _U32 for n in numbers):
        raise InvalidInput("segment numbers are uint32")
    try:
        msg = _pb_class()(entire_message_hash=as_bytes(s.entire_message_hash), index=s.index,
                                   segments_count=s.segments_count, payload=as_bytes(s.payload),
                                   parity_segment_index=s.parity_segment_index, parity_segments_count=s.parity_segments_count)
    except (TypeError, ValueError) as e:
        raise InvalidInput(f"invalid segment field: {e}") from None
    return msg.SerializeToString()


def decode_segment(data: bytes) -> Segment:
    """Parse a SegmentMessage; DecodeError unless it is a valid segment (as status-go checks)."""
    m = parse(_pb_class(), data, "SegmentMessage")
    s = Segment(m.entire_message_hash, m.index, m.segments_count, m.payload, m.parity_segment_index, m.parity_segments_count)
    if len(s.entire_message_hash) != 32 or not s.is_valid:
        raise DecodeError("not a segment (needs a 32-byte hash and segments_count ≥ 2 or parity)")
    if not s.is_parity and s.index >= s.segments_count:
        raise DecodeError(f"segment index {s.index} out of range for {s.segments_count} segments")
    return s


def segment(payload: bytes, segment_size: int = SEGMENT_SIZE) -> list[bytes]:
    """Encoded SegmentMessages for ``payload`` (just ``[payload]`` when it fits; no parity)."""
    if len(payload) <= segment_size:
        return [payload]
    digest = keccak256(payload)
    count = -(-len(payload) // segment_size)
    return [encode_segment(Segment(digest, i, count, payload[i * segment_size : (i + 1) * segment_size])) for i in range(count)]


class Reassembler:
    """Collects segments per (hash, signer); :meth:`add` returns the whole payload once complete."""

    def __init__(self) -> None:
        self.pending: dict[tuple[bytes, bytes], dict[int, bytes]] = {}
        self.parity: dict[tuple[bytes, bytes], dict[int, bytes]] = {}
        self.completed: set[bytes] = set()

    def add(self, seg: Segment, signer: bytes) -> bytes | None:
        if seg.entire_message_hash in self.completed:
            return None  # status-go: ErrMessageSegmentsAlreadyCompleted
        key = (seg.entire_message_hash, bytes(signer))
        if seg.is_parity:
            self.parity.setdefault(key, {})[seg.parity_segment_index] = seg.payload
            return None
        parts = self.pending.setdefault(key, {})
        parts[seg.index] = seg.payload
        if len(parts) < seg.segments_count:
            return None
        whole = b"".join(parts[i] for i in range(seg.segments_count) if i in parts)
        if len(parts) != seg.segments_count or keccak256(whole) != seg.entire_message_hash:
            del self.pending[key]
            self.parity.pop(key, None)
            raise DecodeError("segments do not reassemble to the announced hash")
        del self.pending[key]
        self.parity.pop(key, None)
        self.completed.add(seg.entire_message_hash)
        return whole

    def to_json(self) -> str:
        def enc(d):
            return [[h.hex(), s.hex(), {str(i): p.hex() for i, p in parts.items()}] for (h, s), parts in d.items()]

        return json.dumps({"pending": enc(self.pending), "parity": enc(self.parity), "completed": sorted(h.hex() for h in self.completed)})

    @classmethod
    def from_json(cls, text: str) -> "Reassembler":
        r = cls()
        try:
            d = json.loads(text)
            for name in ("pending", "parity"):
                for h, s, parts in d[name]:
                    getattr(r, name)[(bytes.fromhex(h), bytes.fromhex(s))] = {int(i): bytes.fromhex(p) for i, p in parts.items()}
            r.completed = {bytes.fromhex(h) for h in d["completed"]}
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise DecodeError(f"invalid reassembler state: {e}") from None
        return r
