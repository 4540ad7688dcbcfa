"""A small, strict protobuf wire-format reader and writer for hand-written codecs.

Used where byte-exact control matters (fields that must always be written, explicit presence)
or where importing the generated modules would cost start-up time. Semantics follow protobuf:
unknown fields are skipped, a repeated scalar field keeps the last value, and decoding never
raises anything but :class:`~statuscli.core.errors.DecodeError` on malformed input.

Wire types: 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32. Groups (3/4) are refused.
"""

from __future__ import annotations

from collections.abc import Iterator

from statuscli.core.errors import DecodeError

VARINT, FIXED64, LEN, FIXED32 = 0, 1, 2, 5
_MASK64 = (1 << 64) - 1


def varint(n: int) -> bytes:
    """Unsigned varint; negative numbers are written as their 64-bit two's complement (int64)."""
    if n < 0:
        n &= _MASK64
    if n < 0x80:
        return bytes((n,))
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def zigzag(n: int) -> int:
    """sint64 zigzag mapping of a signed 64-bit integer."""
    return ((n << 1) ^ (n >> 63)) & _MASK64


def unzigzag(n: int) -> int:
    return (n >> 1) ^ -(n & 1)


def to_int64(n: int) -> int:
    """A varint value (up to 64 bits) read as a signed int64."""
    n &= _MASK64
    return n - (1 << 64) if n >> 63 else n


def key(field: int, wire_type: int) -> bytes:
    return varint((field << 3) | wire_type)


def field_bytes(field: int, data: bytes) -> bytes:
    return key(field, LEN) + varint(len(data)) + data


def field_varint(field: int, n: int) -> bytes:
    return key(field, VARINT) + varint(n)


def read_varint(data: bytes, pos: int) -> tuple[int, int]:
    """Decode a varint at ``pos`` (at most 10 bytes, value masked to 64 bits as protobuf does)."""
    result = 0
    shift = 0
    n = len(data)
    while True:
        if pos >= n:
            raise DecodeError("truncated varint")
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result & _MASK64, pos
        shift += 7
        if shift >= 70:
            raise DecodeError("varint longer than 10 bytes")


def iter_fields(data: bytes) -> Iterator[tuple[int, int, int | bytes]]:
    """Yield ``(field_number, wire_type, value)``: ints for varint/fixed, bytes for length-delimited."""
    pos = 0
    n = len(data)
    while pos < n:
        tag, pos = read_varint(data, pos)
        field, wt = tag >> 3, tag & 7
        if field == 0 or field >= 1 << 29:
            raise DecodeError(f"invalid protobuf field number {field}")
        if wt == VARINT:
            value, pos = read_varint(data, pos)
        elif wt == LEN:
            length, pos = read_varint(data, pos)
            end = pos + length
            if end > n:
                raise DecodeError(f"field {field}: length {length} exceeds the remaining {n - pos} bytes")
            value = bytes(data[pos:end])
            pos = end
        elif wt == FIXED64:
            if pos + 8 > n:
                raise DecodeError(f"field {field}: truncated fixed64")
            value = int.from_bytes(data[pos : pos + 8], "little")
            pos += 8
        elif wt == FIXED32:
            if pos + 4 > n:
                raise DecodeError(f"field {field}: truncated fixed32")
            value = int.from_bytes(data[pos : pos + 4], "little")
            pos += 4
        else:
            raise DecodeError(f"field {field}: unsupported wire type {wt}")
        yield field, wt, value


def expect(field: int, wt: int, wanted: int, what: str) -> None:
    """Raise when a known field arrives with the wrong wire type."""
    if wt != wanted:
        raise DecodeError(f"{what} (field {field}) has wire type {wt}, expected {wanted}")


def utf8(value: bytes, what: str) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        raise DecodeError(f"{what} is not valid UTF-8") from None
