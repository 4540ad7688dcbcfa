"""Public-key text forms (status-go ``api/multiformat/utils.go``, spec §1.4).

* Chat identity on the wire and in JSON: ``0x04…`` (65-byte uncompressed key, 132 characters).
* "Compressed key": multibase of ``uvarint(0xe7) ‖ compressed33`` where ``uvarint(0xe7)`` = ``e7 01``
  (multicodec secp256k1-pub). In base58btc (multibase ``z``) it is 49 characters starting ``zQ3sh``.
* Multibase prefixes understood: ``z`` (base58btc) and ``f`` (lowercase hex); a ``0x`` prefix is
  read as ``f``. Serialising to ``f`` (or ``0x``) writes ``f…``.
* Deserialising re-expands the key: ``e7 01 ‖ uncompressed65``.

Every malformed input raises :class:`~statuscli.core.errors.MalformedKey`.
"""

from __future__ import annotations

from statuscli.core.crypto import secp256k1
from statuscli.core.encoding import b58decode, b58encode, uvarint_decode, uvarint_encode
from statuscli.core.errors import InvalidInput, MalformedKey, StatusCliError, UsageError

#: multicodec secp256k1-pub
SECP256K1_PUB = 0xE7
#: other key multicodecs the status-go helper recognises (not used by chat)
BLS12_381_G1_PUB = 0xEA
BLS12_381_G2_PUB = 0xEB
_CODEC_PREFIX = uvarint_encode(SECP256K1_PUB)  # b"\xe7\x01"


def _hex(text: str) -> bytes:
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise MalformedKey(f"not valid hex: {text[:24]!r}…" if len(text) > 24 else f"not valid hex: {text!r}") from None


def multibase_decode(text: str) -> bytes:
    """Bytes of a multibase text (``z`` base58btc, ``f``/``F`` hex, ``0x`` as hex)."""
    t = text.strip()
    if t[:2] in ("0x", "0X"):
        return _hex(t[2:])
    if not t:
        raise MalformedKey("empty key text")
    base, body = t[0], t[1:]
    if base == "z":
        try:
            return b58decode(body)
        except InvalidInput:
            raise MalformedKey("invalid base58 in key text") from None
    if base in ("f", "F"):
        return _hex(body)
    raise MalformedKey(f"unsupported multibase prefix {base!r} (expected z, f or 0x)")


def multibase_encode(data: bytes, base: str = "z") -> str:
    """Multibase text of ``data``: ``z`` → base58btc, ``f`` or ``0x`` → ``f`` + lowercase hex."""
    if base == "z":
        return "z" + b58encode(data)
    if base in ("f", "0x"):
        return "f" + data.hex()
    raise UsageError(f"unsupported output base {base!r} (use z, f or 0x)")


def _split_codec(data: bytes) -> tuple[int, bytes]:
    try:
        codec, pos = uvarint_decode(data)
    except StatusCliError:
        raise MalformedKey("key text has no multicodec prefix") from None
    return codec, data[pos:]


def _secp_key(data: bytes) -> bytes:
    """``e7 01 ‖ key33|key65`` → validated 65-byte key."""
    codec, key = _split_codec(data)
    if codec in (BLS12_381_G1_PUB, BLS12_381_G2_PUB):
        raise MalformedKey(f"multicodec 0x{codec:x} is a BLS12-381 key, not a secp256k1 chat key")
    if codec != SECP256K1_PUB:
        raise MalformedKey(f"key text does not hold a secp256k1 public key (multicodec 0x{codec:x}, expected 0xe7)")
    return secp256k1.parse_public_key(key)


def serialize_public_key(multicodec_key: str, output_base: str = "z") -> str:
    """status-go ``SerializePublicKey``: multibase(``e7 01 ‖ key``) → multibase(``e7 01 ‖ compressed``)."""
    pub = _secp_key(multibase_decode(multicodec_key))
    return multibase_encode(_CODEC_PREFIX + secp256k1.compress(pub), output_base)


def deserialize_public_key(text: str, output_base: str = "f") -> str:
    """status-go ``DeserializePublicKey``: multibase(``e7 01 ‖ compressed``) → multibase(``e7 01 ‖ uncompressed``)."""
    pub = _secp_key(multibase_decode(text))
    return multibase_encode(_CODEC_PREFIX + pub, output_base)


def compressed_key(pub: bytes) -> str:
    """The ``zQ3…`` text of a 33- or 65-byte public key (status-go ``SerializeLegacyKey``)."""
    return multibase_encode(_CODEC_PREFIX + secp256k1.compress(secp256k1.parse_public_key(pub)), "z")


def parse_compressed_key(text: str) -> bytes:
    """``zQ3…`` (or ``f``/``0x`` multibase with ``e7 01``) → 65-byte uncompressed key."""
    return _secp_key(multibase_decode(text))


def parse_public_key_text(text: str) -> bytes:
    """Any key text a user may type → validated 65-byte uncompressed key.

    Accepts ``0x04…`` (65 bytes), ``0x02…``/``0x03…`` (33 bytes), the same without ``0x``, and the
    multibase forms ``zQ3…``, ``fe701…``, ``0xe701…``.
    """
    t = text.strip()
    if not t:
        raise MalformedKey("empty public key")
    if t[0] in "zfF":  # multibase; a bare hex key starts with 02, 03 or 04, never with f
        return parse_compressed_key(t)
    body = t[2:] if t[:2] in ("0x", "0X") else t
    if body[:4].lower() == "e701":
        return parse_compressed_key("f" + body)
    raw = _hex(body)
    if len(raw) not in (33, 65):
        raise MalformedKey(f"a public key is 33 or 65 bytes, got {len(raw)}")
    if raw[0] not in ((4,) if len(raw) == 65 else (2, 3)):
        raise MalformedKey(f"a {len(raw)}-byte public key cannot start with 0x{raw[0]:02x}")
    return secp256k1.parse_public_key(raw)


def public_key_hex(pub: bytes) -> str:
    """``0x04…`` text of a key (the canonical form in JSON)."""
    return "0x" + secp256k1.decompress(pub).hex()
