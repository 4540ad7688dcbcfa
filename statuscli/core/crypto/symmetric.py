"""Symmetric primitives from ``cryptography``: AES-GCM/CTR, HMAC, HKDF, PBKDF2, scrypt.

Layouts follow status-go exactly:

* ``gcm_seal``/``gcm_open``: AES-256-GCM, 12-byte nonce, no AAD, wire form
  ``ciphertext ‖ tag(16) ‖ nonce(12)`` (nonce LAST) — Waku payload v1 symmetric, DH fallback,
  hash-ratchet payloads (go-ethereum ``EncryptSymmetric``).
* ``gcm_seal_nonce_first``/``gcm_open_nonce_first``: ``nonce(12) ‖ ciphertext ‖ tag`` — hash-ratchet
  rekey items and community grants.
"""

from __future__ import annotations

import functools
import hashlib
import hmac as _hmac

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from statuscli.core.errors import DecryptionFailed

GCM_NONCE = 12
GCM_TAG = 16

#: PBKDF2 iterations of go-ethereum/Whisper ``AddSymKeyFromPassword``: 65356 (sic, not 65536).
SYMKEY_PBKDF2_ITERATIONS = 65356


# AESGCM objects are immutable; keeping the key schedules of recently used keys is safe and saves
# rebuilding them for every message under the same (topic or chat) key.
_aesgcm = functools.lru_cache(maxsize=64)(AESGCM)


def hmac_sha256(key: bytes, data: bytes) -> bytes:
    return _hmac.new(key, data, hashlib.sha256).digest()


def hkdf_sha256(ikm: bytes, salt: bytes, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


def pbkdf2_sha256(password: bytes, salt: bytes, iterations: int, length: int = 32) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password, salt, iterations, length)


def symkey_from_password(password: str) -> bytes:
    """Status/Waku symmetric key from a string: PBKDF2-HMAC-SHA256, empty salt, 65356 rounds."""
    return pbkdf2_sha256(password.encode("utf-8"), b"", SYMKEY_PBKDF2_ITERATIONS, 32)


def scrypt(password: bytes, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    return hashlib.scrypt(password, salt=salt, n=n, r=r, p=p, dklen=length, maxmem=2**31 - 1)


def aes_ctr(key: bytes, iv: bytes, data: bytes) -> bytes:
    """AES-CTR (128/256 by key length) with a full 16-byte big-endian counter block = ``iv``."""
    enc = Cipher(algorithms.AES(key), modes.CTR(iv)).encryptor()
    return enc.update(data) + enc.finalize()


def gcm_seal(key: bytes, nonce: bytes, plaintext: bytes) -> bytes:
    """AES-GCM → ``ciphertext ‖ tag ‖ nonce``."""
    return _aesgcm(bytes(key)).encrypt(nonce, plaintext, None) + nonce


def gcm_open(key: bytes, data: bytes) -> bytes:
    """Inverse of :func:`gcm_seal`; raises :class:`DecryptionFailed` on a bad tag or length."""
    if len(data) < GCM_NONCE + GCM_TAG:
        raise DecryptionFailed("AES-GCM data too short")
    try:
        return _aesgcm(bytes(key)).decrypt(data[-GCM_NONCE:], data[:-GCM_NONCE], None)
    except (InvalidTag, ValueError):
        raise DecryptionFailed("AES-GCM authentication failed") from None


def gcm_seal_nonce_first(key: bytes, nonce: bytes, plaintext: bytes) -> bytes:
    return nonce + _aesgcm(bytes(key)).encrypt(nonce, plaintext, None)


def gcm_open_nonce_first(key: bytes, data: bytes) -> bytes:
    if len(data) < GCM_NONCE + GCM_TAG:
        raise DecryptionFailed("AES-GCM data too short")
    try:
        return _aesgcm(bytes(key)).decrypt(data[:GCM_NONCE], data[GCM_NONCE:], None)
    except (InvalidTag, ValueError):
        raise DecryptionFailed("AES-GCM authentication failed") from None
