"""Recursive Length Prefix (Ethereum RLP): a small encoder and a strict decoder.

Items are ``bytes`` or lists of items. Integers encode as minimal big-endian byte strings
(0 is the empty string). Decoding is canonical-only and raises :class:`DecodeError` on:
truncated input ("declared length exceeds input"), trailing bytes, a single byte < 0x80 wrapped
in a string header, long-form headers for short items, and length fields with leading zeros.
"""

from __future__ import annotations

from typing import Union

from statuscli.core.errors import DecodeError, InvalidInput

Item = Union[bytes, list["Item"]]

#: nesting guard: deeper lists are refused rather than recursing without bound
MAX_DEPTH = 64


def _header(length: int, offset: int) -> bytes:
    if length < 56:
        return bytes((offset + length,))
    blen = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes((offset + 55 + len(blen),)) + blen


def encode_uint(n: int) -> bytes:
    """The minimal big-endian form of a non-negative integer (as RLP stores integers)."""
    if n < 0:
        raise InvalidInput("RLP cannot encode a negative integer")
    return n.to_bytes((n.bit_length() + 7) // 8, "big")


def encode(item) -> bytes:
    """RLP of ``item``: bytes, int (non-negative), str (UTF-8), bool, or a list/tuple of those."""
    if isinstance(item, (bytes, bytearray, memoryview)):
        b = bytes(item)
        if len(b) == 1 and b[0] < 0x80:
            return b
        return _header(len(b), 0x80) + b
    if isinstance(item, bool):
        return encode(b"\x01" if item else b"")
    if isinstance(item, int):
        return encode(encode_uint(item))
    if isinstance(item, str):
        return encode(item.encode("utf-8"))
    if isinstance(item, (list, tuple)):
        body = b"".join(encode(x) for x in item)
        return _header(len(body), 0xC0) + body
    raise InvalidInput(f"RLP cannot encode a {type(item).__name__}")


def _length(data: bytes, pos: int, n: int, end: int) -> int:
    if pos + n > end:
        raise DecodeError("RLP: declared length exceeds input")
    if data[pos] == 0:
        raise DecodeError("RLP: length with leading zero bytes")
    length = int.from_bytes(data[pos : pos + n], "big")
    if length < 56:
        raise DecodeError("RLP: long form used for a short item")
    return length


def _decode_at(data: bytes, pos: int, end: int, depth: int) -> tuple[Item, int]:
    if pos >= end:
        raise DecodeError("RLP: declared length exceeds input")
    b = data[pos]
    if b < 0x80:
        return data[pos : pos + 1], pos + 1
    if b < 0xB8:
        length = b - 0x80
        start = pos + 1
        if start + length > end:
            raise DecodeError("RLP: declared length exceeds input")
        if length == 1 and data[start] < 0x80:
            raise DecodeError("RLP: single byte below 0x80 must not have a string header")
        return bytes(data[start : start + length]), start + length
    if b < 0xC0:
        n = b - 0xB7
        length = _length(data, pos + 1, n, end)
        start = pos + 1 + n
        if start + length > end:
            raise DecodeError("RLP: declared length exceeds input")
        return bytes(data[start : start + length]), start + length
    if depth >= MAX_DEPTH:
        raise DecodeError("RLP: lists nested too deeply")
    if b < 0xF8:
        length = b - 0xC0
        start = pos + 1
    else:
        n = b - 0xF7
        length = _length(data, pos + 1, n, end)
        start = pos + 1 + n
    stop = start + length
    if stop > end:
        raise DecodeError("RLP: declared length exceeds input")
    items: list[Item] = []
    p = start
    while p < stop:
        item, p = _decode_at(data, p, stop, depth + 1)
        items.append(item)
    return items, stop


def decode(data: bytes) -> Item:
    """Decode exactly one RLP item spanning all of ``data``."""
    data = bytes(data)
    item, pos = _decode_at(data, 0, len(data), 0)
    if pos != len(data):
        raise DecodeError(f"RLP: {len(data) - pos} trailing bytes after the item")
    return item


def encode_list_of_encoded(encoded_items) -> bytes:
    """RLP of a list whose items are given already encoded (e.g. signed records kept as bytes)."""
    body = b"".join(bytes(x) for x in encoded_items)
    return _header(len(body), 0xC0) + body


def _span(data: bytes, pos: int, end: int) -> tuple[bool, int, int]:
    """``(is_list, payload start, item end)`` of the item at ``pos``; its header checked, not its payload."""
    if pos >= end:
        raise DecodeError("RLP: declared length exceeds input")
    b = data[pos]
    if b < 0x80:
        return False, pos, pos + 1
    if b < 0xB8 or 0xC0 <= b < 0xF8:
        is_list = b >= 0xC0
        length, start = b - (0xC0 if is_list else 0x80), pos + 1
        if not is_list and length == 1 and start < end and data[start] < 0x80:
            raise DecodeError("RLP: single byte below 0x80 must not have a string header")
    else:
        is_list = b >= 0xF8
        n = b - (0xF7 if is_list else 0xB7)
        length, start = _length(data, pos + 1, n, end), pos + 1 + n
    if start + length > end:
        raise DecodeError("RLP: declared length exceeds input")
    return is_list, start, start + length


def split_list(data: bytes, what: str = "list") -> list[bytes]:
    """The items of the one RLP list spanning ``data``, each as its own (still encoded) bytes.
    Only the headers are checked here: decode an item to check its inside."""
    data = bytes(data)
    is_list, start, stop = _span(data, 0, len(data))
    if not is_list:
        raise DecodeError(f"{what}: expected an RLP list, got a string")
    if stop != len(data):
        raise DecodeError(f"RLP: {len(data) - stop} trailing bytes after the item")
    out, p = [], start
    while p < stop:
        _, _, q = _span(data, p, stop)
        out.append(data[p:q])
        p = q
    return out


def decode_prefix(data: bytes) -> tuple[Item, int]:
    """Decode the first RLP item of ``data``; returns ``(item, bytes consumed)``."""
    return _decode_at(bytes(data), 0, len(data), 0)


def decode_uint(b: Item, what: str = "integer", *, bits: int | None = None) -> int:
    """An RLP integer: a byte string without leading zeros (``bits`` bounds the value)."""
    if not isinstance(b, bytes):
        raise DecodeError(f"{what}: expected an RLP string, got a list")
    if b[:1] == b"\x00":
        raise DecodeError(f"{what}: integer with leading zero bytes")
    n = int.from_bytes(b, "big")
    if bits is not None and n >> bits:
        raise DecodeError(f"{what}: {n} does not fit in {bits} bits")
    return n


def as_bytes(b: Item, what: str, length: int | None = None) -> bytes:
    if not isinstance(b, bytes):
        raise DecodeError(f"{what}: expected an RLP string, got a list")
    if length is not None and len(b) != length:
        raise DecodeError(f"{what}: expected {length} bytes, got {len(b)}")
    return b


def as_list(b: Item, what: str, length: int | None = None) -> list:
    if not isinstance(b, list):
        raise DecodeError(f"{what}: expected an RLP list, got a string")
    if length is not None and len(b) != length:
        raise DecodeError(f"{what}: expected {length} items, got {len(b)}")
    return b
