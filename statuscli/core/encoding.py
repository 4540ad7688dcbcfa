"""Text encodings of bytes used across the protocol: hex, base58btc, base32, base64url, uvarint.

Pure functions; malformed input raises :class:`~statuscli.core.errors.InvalidInput`.
"""

from __future__ import annotations

import base64
import binascii

from statuscli.core.errors import DecodeError, InvalidInput

_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58_ALPHABET)}


def from_hex(text: str, *, what: str = "value", length: int | None = None) -> bytes:
    """Parse hex with or without ``0x``; ``length`` (bytes) is checked when given."""
    t = text.strip()
    if t[:2] in ("0x", "0X"):
        t = t[2:]
    try:
        data = bytes.fromhex(t)
    except ValueError:
        raise InvalidInput(f"{what} is not valid hex: {text[:40]!r}") from None
    if length is not None and len(data) != length:
        raise InvalidInput(f"{what} must be {length} bytes, got {len(data)}")
    return data


def b58encode(data: bytes) -> str:
    n = int.from_bytes(data, "big")
    out = []
    while n:
        n, r = divmod(n, 58)
        out.append(_B58_ALPHABET[r])
    pad = len(data) - len(data.lstrip(b"\0"))
    return "1" * pad + "".join(reversed(out))


def b58decode(text: str) -> bytes:
    n = 0
    for c in text:
        try:
            n = n * 58 + _B58_INDEX[c]
        except KeyError:
            raise InvalidInput(f"invalid base58 character {c!r}") from None
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    pad = len(text) - len(text.lstrip("1"))
    return b"\0" * pad + body


def b64url_encode(data: bytes) -> str:
    """base64url without padding (ENR text, enrtree signatures)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    t = text.strip()
    try:
        return base64.urlsafe_b64decode(t + "=" * (-len(t) % 4))
    except (binascii.Error, ValueError):
        raise InvalidInput(f"invalid base64url: {text[:40]!r}") from None


def b32_encode_nopad(data: bytes) -> str:
    return base64.b32encode(data).rstrip(b"=").decode("ascii")


def b32_decode_nopad(text: str) -> bytes:
    t = text.strip().upper()
    try:
        return base64.b32decode(t + "=" * (-len(t) % 8))
    except (binascii.Error, ValueError):
        raise InvalidInput(f"invalid base32: {text[:40]!r}") from None


def uvarint_encode(n: int) -> bytes:
    if n < 0:
        raise ValueError("uvarint of a negative number")
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def uvarint_decode(data: bytes, pos: int = 0) -> tuple[int, int]:
    """Decode an unsigned varint at ``pos``; returns ``(value, next_pos)``."""
    shift = 0
    value = 0
    while True:
        if pos >= len(data):
            raise DecodeError("truncated varint")
        b = data[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, pos
        shift += 7
        if shift > 63:
            raise DecodeError("varint too long")


def to_hex(data: bytes | None) -> str | None:
    """``0x``-prefixed lowercase hex (None for None): the one helper for byte fields in JSON and text."""
    return None if data is None else "0x" + bytes(data).hex()
