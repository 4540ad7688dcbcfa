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

:class:`Reassembler` is sans-IO state; it serialises to JSON so it can live in the account DB.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from statuscli.core import protowire as pw
from statuscli.core.crypto.hashing import keccak256
from statuscli.core.errors import DecodeError, InvalidInput

MAX_MESSAGE_SIZE = 1_048_576
SEGMENT_SIZE = MAX_MESSAGE_SIZE // 4 * 3
_U32 = (1 << 32) - 1


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
    out = []
    if s.entire_message_hash:
        out.append(pw.field_bytes(1, s.entire_message_hash))
    for field, value in ((2, s.index), (3, s.segments_count)):
        if not 0 <= value <= _U32:
            raise InvalidInput("segment numbers are uint32")
        if value:
            out.append(pw.field_varint(field, value))
    if s.payload:
        out.append(pw.field_bytes(4, s.payload))
    for field, value in ((5, s.parity_segment_index), (6, s.parity_segments_count)):
        if not 0 <= value <= _U32:
            raise InvalidInput("segment numbers are uint32")
        if value:
            out.append(pw.field_varint(field, value))
    return b"".join(out)


def decode_segment(data: bytes) -> Segment:
    """Parse a SegmentMessage; DecodeError unless it is a valid segment (as status-go checks)."""
    vals = {1: b"", 2: 0, 3: 0, 4: b"", 5: 0, 6: 0}
    for field, wt, value in pw.iter_fields(data):
        if field in (1, 4):
            pw.expect(field, wt, pw.LEN, "segment bytes")
            vals[field] = value
        elif field in (2, 3, 5, 6):
            pw.expect(field, wt, pw.VARINT, "segment number")
            if value > _U32:
                raise DecodeError("segment number does not fit a uint32")
            vals[field] = value
    s = Segment(vals[1], vals[2], vals[3], vals[4], vals[5], vals[6])
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
