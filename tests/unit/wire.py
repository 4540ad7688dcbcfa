"""Test helpers: split protobuf bytes at field boundaries without the protobuf library.

The codecs under test are built on the generated protobuf classes, so checking them against the
same library would prove nothing. These helpers read only the wire layout (tag = field << 3 |
wire type; varint, length-delimited, fixed32/64) so that tests can compare encoded bytes with the
field numbers recorded in tests/vectors/protobufs.json.
"""

from __future__ import annotations

from statuscli.core.encoding import uvarint_decode


def fields(raw: bytes) -> list[tuple[int, int, int | bytes]]:
    """``[(field number, wire type, value)]`` in wire order: ints for varints/fixed, bytes otherwise."""
    out, pos = [], 0
    while pos < len(raw):
        tag, pos = uvarint_decode(raw, pos)
        number, wire_type = tag >> 3, tag & 7
        if wire_type == 0:
            value, pos = uvarint_decode(raw, pos)
        elif wire_type == 2:
            n, pos = uvarint_decode(raw, pos)
            value, pos = raw[pos : pos + n], pos + n
            assert pos <= len(raw), "length runs past the end"
        elif wire_type in (1, 5):
            size = 8 if wire_type == 1 else 4
            value, pos = int.from_bytes(raw[pos : pos + size], "little"), pos + size
        else:
            raise AssertionError(f"unexpected wire type {wire_type}")
        out.append((number, wire_type, value))
    return out
