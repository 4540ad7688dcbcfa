"""26/WAKU2-PAYLOAD (= Waku v1 payload), as status-go, nwaku and js-waku encode it.

Plaintext before encryption::

    flags(1) ‖ size(k bytes, little-endian) ‖ data ‖ padding ‖ [signature(65)]

* ``flags & 0x03`` = k (1 if len < 256, 2 if < 65 536, 3 if < 2^24); ``flags & 0x04`` = signed.
* padding: 1..256 bytes so that ``1 + k + len(data) + (65 if signed) + len(padding)`` is a
  multiple of 256 (a full 256 when already aligned). Core takes the padding bytes as an argument
  (status-go uses random bytes); :func:`padding_length` says how many.
* signature: flag 0x04 set first, then ``sign(keccak256(flags ‖ size ‖ data ‖ padding))`` as
  ``r‖s‖v`` with v ∈ {0,1}; 27/28 accepted on input.
* symmetric: AES-256-GCM, 12-byte nonce, no AAD, wire ``ciphertext ‖ tag ‖ nonce``.
* asymmetric: go-ethereum ECIES (see ``core.crypto.ecies``), wire ``R(65) ‖ IV ‖ c ‖ mac(32)``.

Decoding follows go-ethereum: a size field of 0 bytes means no data (everything is padding);
data that runs past the end is a :class:`DecodeError`; a signature that recovers to no key is
a :class:`BadSignature`. There is no in-band marker of symmetric vs asymmetric: try your keys.
"""

from __future__ import annotations

from dataclasses import dataclass

from statuscli.core.crypto import ecies, secp256k1
from statuscli.core.crypto.hashing import keccak256
from statuscli.core.crypto.symmetric import GCM_NONCE, gcm_open, gcm_seal
from statuscli.core.errors import DecodeError, InvalidInput

FLAG_SIGNED = 0x04
SIZE_MASK = 0x03
SIGNATURE_LENGTH = 65
MAX_DATA = (1 << 24) - 1
ECIES_IV = 16


@dataclass(frozen=True, slots=True)
class OpenedPayload:
    """What a v1 payload holds: the data, its padding, and the signer when it was signed."""

    data: bytes
    padding: bytes
    signature: bytes | None
    signer: bytes | None  # 65-byte uncompressed public key

    @property
    def signed(self) -> bool:
        return self.signature is not None


def size_field_length(data_len: int) -> int:
    if data_len < 256:
        return 1
    if data_len < 1 << 16:
        return 2
    if data_len <= MAX_DATA:
        return 3
    raise InvalidInput(f"payload of {data_len} bytes is too large for Waku payload v1 (max {MAX_DATA})")


def padding_length(data_len: int, signed: bool) -> int:
    """Bytes of padding status-go/js-waku add automatically (1..256)."""
    used = 1 + size_field_length(data_len) + data_len + (SIGNATURE_LENGTH if signed else 0)
    return 256 - used % 256


def encode_plaintext(data: bytes, padding: bytes, signing_key: bytes | None = None) -> bytes:
    """The unencrypted layout; signs with ``signing_key`` when given."""
    k = size_field_length(len(data))
    flags = k | (FLAG_SIGNED if signing_key is not None else 0)
    body = b"".join((bytes((flags,)), len(data).to_bytes(k, "little"), data, padding))
    if signing_key is None:
        return body
    return body + secp256k1.sign(keccak256(body), signing_key)


def decode_plaintext(plain: bytes) -> OpenedPayload:
    """Parse the layout and recover the signer (BadSignature if a signature recovers nothing)."""
    if not plain:
        raise DecodeError("empty payload v1 plaintext")
    flags = plain[0]
    end = len(plain)
    signature = signer = None
    if flags & FLAG_SIGNED:
        end -= SIGNATURE_LENGTH
        if end < 1:
            raise DecodeError("payload v1 flagged as signed but too short for a signature")
        signature = plain[end:]
        signer = secp256k1.recover(keccak256(plain[:end]), signature)
    k = flags & SIZE_MASK
    pos = 1
    size = 0
    if k:
        if pos + k > end:
            raise DecodeError("payload v1 size field runs past the end")
        size = int.from_bytes(plain[pos : pos + k], "little")
        pos += k
        if pos + size > end:
            raise DecodeError(f"payload v1 declares {size} data bytes but only {end - pos} remain")
    return OpenedPayload(data=plain[pos : pos + size], padding=plain[pos + size : end], signature=signature, signer=signer)


def encrypt_symmetric(plain: bytes, key: bytes, nonce: bytes) -> bytes:
    if len(key) != 32:
        raise InvalidInput(f"a symmetric key is 32 bytes, got {len(key)}")
    if len(nonce) != GCM_NONCE:
        raise InvalidInput(f"an AES-GCM nonce is {GCM_NONCE} bytes, got {len(nonce)}")
    return gcm_seal(key, nonce, plain)


def decrypt_symmetric(payload: bytes, key: bytes) -> bytes:
    if len(key) != 32:
        raise InvalidInput(f"a symmetric key is 32 bytes, got {len(key)}")
    return gcm_open(key, payload)


def encrypt_asymmetric(plain: bytes, recipient_pub: bytes, ephemeral_key: bytes, iv: bytes) -> bytes:
    if len(iv) != ECIES_IV:
        raise InvalidInput(f"an ECIES IV is {ECIES_IV} bytes, got {len(iv)}")
    return ecies.encrypt(recipient_pub, plain, ephemeral_priv=ephemeral_key, iv=iv)


def decrypt_asymmetric(payload: bytes, private_key: bytes) -> bytes:
    return ecies.decrypt(private_key, payload)


def seal_symmetric(data: bytes, key: bytes, *, padding: bytes, nonce: bytes, signing_key: bytes | None = None) -> bytes:
    """Layout (signed when ``signing_key``) then AES-256-GCM → the WakuMessage payload."""
    return encrypt_symmetric(encode_plaintext(data, padding, signing_key), key, nonce)


def seal_asymmetric(
    data: bytes, recipient_pub: bytes, *, padding: bytes, ephemeral_key: bytes, iv: bytes, signing_key: bytes | None = None
) -> bytes:
    """Layout (signed when ``signing_key``) then ECIES to ``recipient_pub`` → the WakuMessage payload."""
    return encrypt_asymmetric(encode_plaintext(data, padding, signing_key), recipient_pub, ephemeral_key, iv)


def open_symmetric(payload: bytes, key: bytes) -> OpenedPayload:
    return decode_plaintext(decrypt_symmetric(payload, key))


def open_asymmetric(payload: bytes, private_key: bytes) -> OpenedPayload:
    return decode_plaintext(decrypt_asymmetric(payload, private_key))


def auto_padding(data_len: int, signed: bool, rng) -> bytes:
    """Padding of :func:`padding_length` bytes drawn from ``rng(n) -> bytes`` (entropy is an argument)."""
    return rng(padding_length(data_len, signed))
