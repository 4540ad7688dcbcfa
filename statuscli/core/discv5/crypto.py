"""discv5 "v4" identity-scheme cryptography (discv5-theory.md, "Handshake Steps").

* ``ecdh``: the 33-byte compressed point ``privkey·pubkey`` (``02/03 ‖ x``), not only its X.
* Session keys: ``prk = HKDF-Extract(salt=challenge-data, ikm=secret)``, ``key-data =
  HKDF-Expand(prk, "discovery v5 key agreement" ‖ node-id-A ‖ node-id-B, 32)``;
  initiator-key = key-data[:16], recipient-key = key-data[16:] (HMAC-SHA-256).
* id-signature: 64-byte ``r‖s`` over ``sha256("discovery v5 identity proof" ‖ challenge-data ‖
  ephemeral-pubkey ‖ node-id-B)`` made with the initiator's static key.
* Messages: AES-128-GCM, 12-byte nonce, the 16-byte tag appended to the ciphertext, associated
  data ``masking-iv ‖ unmasked header``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import coincurve
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from statuscli.core.crypto import secp256k1
from statuscli.core.crypto.hashing import sha256
from statuscli.core.crypto.symmetric import hkdf_sha256
from statuscli.core.errors import DecryptionFailed, MalformedKey

KDF_INFO = b"discovery v5 key agreement"
ID_SIGNATURE_TEXT = b"discovery v5 identity proof"
KEY_SIZE = 16
NONCE_SIZE = 12
TAG_SIZE = 16

_aesgcm = functools.lru_cache(maxsize=256)(AESGCM)


@dataclass(frozen=True)
class SessionKeys:
    """Keys of one session as seen by one side: write with ``write``, read with ``read``."""

    write: bytes
    read: bytes


def ecdh(public_key: bytes, private_key: bytes) -> bytes:
    """33-byte compressed shared point of ``private_key · public_key``."""
    try:
        point = coincurve.PublicKey(bytes(public_key))
    except (ValueError, TypeError):
        raise MalformedKey(f"not a secp256k1 public key ({len(public_key)} bytes)") from None
    return point.multiply(secp256k1.validate_private_key(bytes(private_key))).format(compressed=True)


def derive_keys(secret: bytes, challenge_data: bytes, initiator_id: bytes, recipient_id: bytes) -> tuple[bytes, bytes]:
    """(initiator-key, recipient-key) from the ECDH secret and the WHOAREYOU challenge."""
    data = hkdf_sha256(secret, challenge_data, KDF_INFO + initiator_id + recipient_id, 2 * KEY_SIZE)
    return data[:KEY_SIZE], data[KEY_SIZE:]


def initiator_keys(ephemeral_key: bytes, recipient_pubkey: bytes, challenge_data: bytes, initiator_id: bytes, recipient_id: bytes) -> SessionKeys:
    ikey, rkey = derive_keys(ecdh(recipient_pubkey, ephemeral_key), challenge_data, initiator_id, recipient_id)
    return SessionKeys(write=ikey, read=rkey)


def recipient_keys(static_key: bytes, ephemeral_pubkey: bytes, challenge_data: bytes, initiator_id: bytes, recipient_id: bytes) -> SessionKeys:
    ikey, rkey = derive_keys(ecdh(ephemeral_pubkey, static_key), challenge_data, initiator_id, recipient_id)
    return SessionKeys(write=rkey, read=ikey)


def _id_digest(challenge_data: bytes, ephemeral_pubkey: bytes, recipient_id: bytes) -> bytes:
    return sha256(ID_SIGNATURE_TEXT + challenge_data + ephemeral_pubkey + recipient_id)


def id_sign(static_key: bytes, challenge_data: bytes, ephemeral_pubkey: bytes, recipient_id: bytes) -> bytes:
    """The 64-byte ``r‖s`` id-signature of the handshake initiator."""
    return secp256k1.sign(_id_digest(challenge_data, ephemeral_pubkey, recipient_id), static_key)[:64]


def id_verify(public_key: bytes, signature: bytes, challenge_data: bytes, ephemeral_pubkey: bytes, recipient_id: bytes) -> bool:
    return secp256k1.verify_compact(_id_digest(challenge_data, ephemeral_pubkey, recipient_id), signature, public_key)


def encrypt(key: bytes, nonce: bytes, plaintext: bytes, associated_data: bytes) -> bytes:
    """AES-128-GCM ciphertext with the tag appended."""
    return _aesgcm(bytes(key)).encrypt(bytes(nonce), bytes(plaintext), bytes(associated_data))


def decrypt(key: bytes, nonce: bytes, ciphertext: bytes, associated_data: bytes) -> bytes:
    """Inverse of :func:`encrypt`; :class:`DecryptionFailed` when the tag does not authenticate."""
    if len(ciphertext) < TAG_SIZE:
        raise DecryptionFailed("discv5 message shorter than its GCM tag")
    try:
        return _aesgcm(bytes(key)).decrypt(bytes(nonce), bytes(ciphertext), bytes(associated_data))
    except (InvalidTag, ValueError):
        raise DecryptionFailed("discv5 message does not authenticate under the session key") from None
