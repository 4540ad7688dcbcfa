"""go-ethereum ECIES on secp256k1 (ECIES_AES128_SHA256, empty shared info s1 = s2 = ∅).

    z  = ECDH_X(r, K_B)                   r: ephemeral private key, K_B: recipient public key
    K  = SHA-256(BE32(1) ‖ z)             one block of the NIST SP 800-56 concatenation KDF
    kE = K[0:16]                          AES-128 key
    kM = SHA-256(K[16:32])                HMAC key (note the extra hash)
    c  = IV(16) ‖ AES-128-CTR(kE, IV, m)
    d  = HMAC-SHA256(kM, c)
    wire = R(65, uncompressed) ‖ c ‖ d(32)          overhead 113 bytes
"""

from __future__ import annotations

import hmac as _hmac

from statuscli.core.crypto import secp256k1
from statuscli.core.crypto.hashing import sha256
from statuscli.core.crypto.symmetric import aes_ctr, hmac_sha256
from statuscli.core.errors import DecryptionFailed, MalformedKey

OVERHEAD = 65 + 16 + 32


def _keys(z: bytes) -> tuple[bytes, bytes]:
    k = sha256(b"\x00\x00\x00\x01" + z)
    return k[:16], sha256(k[16:32])


def encrypt(recipient_pub: bytes, plaintext: bytes, *, ephemeral_priv: bytes, iv: bytes) -> bytes:
    """Encrypt to ``recipient_pub`` with the given ephemeral key and 16-byte IV (entropy is input)."""
    ke, km = _keys(secp256k1.ecdh_x(ephemeral_priv, recipient_pub))
    c = iv + aes_ctr(ke, iv, plaintext)
    return secp256k1.public_key(ephemeral_priv) + c + hmac_sha256(km, c)


def decrypt(recipient_priv: bytes, data: bytes) -> bytes:
    if len(data) <= OVERHEAD or data[0] != 4:
        raise DecryptionFailed("not an ECIES message (too short or no uncompressed ephemeral key)")
    try:
        z = secp256k1.ecdh_x(recipient_priv, data[:65])
    except MalformedKey:
        raise DecryptionFailed("ECIES ephemeral key is not on the curve") from None
    ke, km = _keys(z)
    c, tag = data[65:-32], data[-32:]
    if not _hmac.compare_digest(hmac_sha256(km, c), tag):
        raise DecryptionFailed("ECIES MAC mismatch (wrong key or tampered data)")
    return aes_ctr(ke, c[:16], c[16:])
