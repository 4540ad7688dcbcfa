"""secp256k1 as Status uses it (coincurve / libsecp256k1).

* Public keys: 65-byte uncompressed (``04‖X‖Y``) is the canonical form in this code base;
  33-byte compressed (``02/03‖X``) where the protocol asks for it.
* Signatures: 65 bytes ``r‖s‖v`` with the recovery id ``v ∈ {0,1}`` (go-ethereum ``crypto.Sign``),
  RFC-6979 nonces, low-S, over a 32-byte digest (always ``keccak256(material)`` in the protocol).
  Verification is by recovery. ``recover`` also accepts ``v ∈ {27,28}`` (lenient input).
* ECDH: the raw 32-byte X coordinate of ``priv·pub`` (go-ethereum ``GenerateShared``) — NOT
  coincurve's default ``ecdh()``, which hashes the point.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import coincurve

from statuscli.core.crypto.hashing import keccak256
from statuscli.core.errors import BadSignature, MalformedKey

CURVE_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141

Rng = Callable[[int], bytes]


def validate_private_key(priv: bytes) -> bytes:
    if len(priv) != 32:
        raise MalformedKey(f"a private key is 32 bytes, got {len(priv)}")
    if not 0 < int.from_bytes(priv, "big") < CURVE_ORDER:
        raise MalformedKey("private key out of range for secp256k1")
    return priv


def generate_private_key(rng: Rng) -> bytes:
    """A uniformly random valid private key drawn from ``rng`` (rejection sampling)."""
    while True:
        candidate = rng(32)
        if 0 < int.from_bytes(candidate, "big") < CURVE_ORDER:
            return candidate


def _pub(pub: bytes) -> coincurve.PublicKey:
    try:
        return coincurve.PublicKey(pub)
    except (ValueError, TypeError):
        raise MalformedKey(f"not a valid secp256k1 public key ({len(pub)} bytes)") from None


def public_key(priv: bytes) -> bytes:
    """Uncompressed 65-byte public key of ``priv``."""
    return coincurve.PublicKey.from_valid_secret(validate_private_key(priv)).format(compressed=False)


def parse_public_key(pub: bytes) -> bytes:
    """Validate a 33- or 65-byte key and return its 65-byte uncompressed form."""
    if len(pub) not in (33, 65):
        raise MalformedKey(f"a public key is 33 or 65 bytes, got {len(pub)}")
    return _pub(pub).format(compressed=False)


def compress(pub: bytes) -> bytes:
    if len(pub) == 33 and pub[0] in (2, 3):
        return bytes(pub)
    if len(pub) == 65 and pub[0] == 4:
        return bytes([2 + (pub[64] & 1)]) + pub[1:33]
    raise MalformedKey(f"cannot compress a {len(pub)}-byte key")


def decompress(pub: bytes) -> bytes:
    if len(pub) == 65 and pub[0] == 4:
        return bytes(pub)
    return parse_public_key(pub)


def x_coordinate(pub: bytes) -> int:
    """The X coordinate of a public key as an integer."""
    if len(pub) == 65 or len(pub) == 33:
        return int.from_bytes(pub[1:33], "big")
    raise MalformedKey(f"a public key is 33 or 65 bytes, got {len(pub)}")


@functools.lru_cache(maxsize=32)
def _signer(priv: bytes) -> coincurve.PrivateKey:
    # coincurve.PrivateKey() derives the public key (a scalar multiplication) on construction:
    # keeping the few signing keys a process uses saves that on every signature.
    return coincurve.PrivateKey(priv)


def sign(digest: bytes, priv: bytes) -> bytes:
    """Recoverable signature ``r‖s‖v`` (v ∈ {0,1}) of a 32-byte digest."""
    if len(digest) != 32:
        raise ValueError("sign() takes a 32-byte digest")
    return _signer(bytes(priv)).sign_recoverable(digest, hasher=None)


def recover(digest: bytes, signature: bytes) -> bytes:
    """Recover the uncompressed public key that made ``signature`` over ``digest``."""
    if len(signature) != 65:
        raise BadSignature(f"a signature is 65 bytes, got {len(signature)}")
    if signature[64] in (27, 28):
        signature = signature[:64] + bytes([signature[64] - 27])
    if signature[64] not in (0, 1, 2, 3):
        raise BadSignature(f"invalid recovery id {signature[64]}")
    try:
        key = coincurve.PublicKey.from_signature_and_message(signature, digest, hasher=None)
    except (ValueError, TypeError):
        raise BadSignature("signature does not recover to a public key") from None
    return key.format(compressed=False)


def verify_compact(digest: bytes, signature64: bytes, pub: bytes) -> bool:
    """Verify a 64-byte ``r‖s`` signature (ENR, protected topics) against a public key."""
    if len(signature64) != 64:
        return False
    try:
        der = coincurve.ecdsa.cdata_to_der(coincurve.ecdsa.deserialize_compact(signature64))
        return _pub(pub).verify(der, digest, hasher=None)
    except (ValueError, TypeError):
        return False


def ecdh_x(priv: bytes, pub: bytes) -> bytes:
    """X coordinate (32 bytes, big-endian) of ``priv·pub``; no hashing."""
    return _pub(pub).multiply(priv).format(compressed=True)[1:]


def address(pub: bytes) -> bytes:
    """20-byte Ethereum address of a public key."""
    return keccak256(decompress(pub)[1:])[12:]


def checksum_address(addr: bytes) -> str:
    """EIP-55 mixed-case ``0x`` address text."""
    lower = addr.hex()
    h = keccak256(lower.encode("ascii")).hex()
    return "0x" + "".join(c.upper() if int(h[i], 16) >= 8 else c for i, c in enumerate(lower))
