"""X3DH as status-go runs it (``protocol/encryption/x3dh.go``), sans-IO.

secp256k1 for every key, no one-time prekeys, no KDF but keccak256, no associated data
(spec/status-protocol.md §3.3):

    initiator A:  SK = keccak256( DH(IK_A, SPK_B) ‖ DH(EK_A, IK_B) ‖ DH(EK_A, SPK_B) )
    responder B:  SK = keccak256( DH(SPK_B, IK_A) ‖ DH(IK_B, EK_A) ‖ DH(SPK_B, EK_A) )

where DH(priv, pub) is the raw 32-byte X coordinate of priv·pub. The DH fallback
(``encryptor.go:encryptWithDH``) lives in :mod:`statuscli.core.encryption`.
"""

from __future__ import annotations

from dataclasses import dataclass

from statuscli.core.crypto import secp256k1
from statuscli.core.crypto.hashing import keccak256
from statuscli.core.errors import MalformedKey
from statuscli.core.ratchet import Rng


def _dh(priv: bytes, pub: bytes) -> bytes:
    return secp256k1.ecdh_x(priv, pub)


def x3dh_active(my_identity_priv: bytes, their_identity_pub: bytes, their_spk_pub: bytes, my_ephemeral_priv: bytes) -> bytes:
    """The initiator's 32-byte shared secret (``x3dhActive``)."""
    return keccak256(
        _dh(my_identity_priv, their_spk_pub) + _dh(my_ephemeral_priv, their_identity_pub) + _dh(my_ephemeral_priv, their_spk_pub)
    )


def x3dh_passive(my_identity_priv: bytes, my_spk_priv: bytes, their_identity_pub: bytes, their_ephemeral_pub: bytes) -> bytes:
    """The responder's 32-byte shared secret (``x3dhPassive``); equals the initiator's."""
    return keccak256(
        _dh(my_spk_priv, their_identity_pub) + _dh(my_identity_priv, their_ephemeral_pub) + _dh(my_spk_priv, their_ephemeral_pub)
    )


@dataclass(frozen=True, slots=True)
class ActiveX3DH:
    shared_secret: bytes
    ephemeral_pub: bytes  # compressed (33): goes into X3DHHeader.key
    their_spk: bytes  # compressed (33): the bundle id, X3DHHeader.id / DRHeader.id


def perform_active(my_identity_priv: bytes, their_identity_pub: bytes, their_spk_pub: bytes, rng: Rng) -> ActiveX3DH:
    """``PerformActiveX3DH``: a fresh ephemeral key from ``rng`` and the shared secret."""
    for what, key in (("identity key", their_identity_pub), ("signed prekey", their_spk_pub)):
        if len(key) not in (33, 65):
            raise MalformedKey(f"bundle {what} must be 33 or 65 bytes, got {len(key)}")
    ek = secp256k1.generate_private_key(rng)
    sk = x3dh_active(my_identity_priv, their_identity_pub, their_spk_pub, ek)
    return ActiveX3DH(sk, secp256k1.compress(secp256k1.public_key(ek)), secp256k1.compress(their_spk_pub))
