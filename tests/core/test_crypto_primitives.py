"""core/crypto against vectors and against its own algebra."""

from __future__ import annotations

import pytest

from statuscli.core.crypto import ecies, secp256k1
from statuscli.core.crypto.hashing import keccak256
from statuscli.core.crypto.symmetric import gcm_open, gcm_seal, symkey_from_password
from statuscli.core.errors import BadSignature, DecryptionFailed, MalformedKey
from tests.conftest import vectors

A = b"0" * 32  # the ASCII-digit scalars of status-go's x3dh_test.go
B = b"2" * 32


def test_keccak_is_legacy_keccak_not_sha3():
    assert keccak256(b"").hex() == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"


def test_public_key_of_ascii_zero_scalar_matches_vector():
    v = vectors("status.json", "mvds")[0]  # its public_key_1 is pub("000…0")
    assert secp256k1.public_key(A).hex() == v["inputs"]["public_key_1"]


def test_sign_recover_roundtrip_and_v_in_0_1():
    digest = keccak256(b"hello")
    sig = secp256k1.sign(digest, A)
    assert len(sig) == 65 and sig[64] in (0, 1)
    assert secp256k1.recover(digest, sig) == secp256k1.public_key(A)
    legacy = sig[:64] + bytes([sig[64] + 27])
    assert secp256k1.recover(digest, legacy) == secp256k1.public_key(A)


def test_membership_event_signature_vector_is_reproduced():
    v = vectors("status.json", "membership-update")[0]
    material = v["inputs"]["chat_id"].encode() + bytes.fromhex(v["expected"]["event_protobuf"])
    sig = secp256k1.sign(keccak256(material), bytes.fromhex(v["inputs"]["signing_private_key"]))
    assert sig.hex() == v["expected"]["signature"]
    assert secp256k1.recover(keccak256(material), sig).hex() == v["expected"]["signer_public_key"]


def test_recover_rejects_garbage():
    with pytest.raises(BadSignature):
        secp256k1.recover(b"\0" * 32, b"\1" * 10)
    with pytest.raises(BadSignature):
        secp256k1.recover(b"\0" * 32, b"\0" * 64 + b"\x09")


def test_ecdh_is_symmetric_and_unhashed():
    pa, pb = secp256k1.public_key(A), secp256k1.public_key(B)
    assert secp256k1.ecdh_x(A, pb) == secp256k1.ecdh_x(B, pa)
    # unhashed: equals the X coordinate of the shared point
    import coincurve

    point = coincurve.PublicKey(pb).multiply(A).format(compressed=False)
    assert secp256k1.ecdh_x(A, pb) == point[1:33]


def test_x3dh_vector_from_primitives():
    v = vectors("status.json", "x3dh")[0]
    i = {k: bytes.fromhex(x) for k, x in v["inputs"].items() if k != "note"}
    ik_a, ek_a, ik_b, spk_b = (i["alice_identity_private"], i["alice_ephemeral_private"],
                               i["bob_identity_private"], i["bob_signed_prekey_private"])
    pub = secp256k1.public_key
    sk = keccak256(secp256k1.ecdh_x(ik_a, pub(spk_b)) + secp256k1.ecdh_x(ek_a, pub(ik_b)) + secp256k1.ecdh_x(ek_a, pub(spk_b)))
    assert sk.hex() == v["expected"]["shared_secret"]


def test_compress_decompress_roundtrip():
    p = secp256k1.public_key(A)
    c = secp256k1.compress(p)
    assert len(c) == 33 and secp256k1.decompress(c) == p
    with pytest.raises(MalformedKey):
        secp256k1.parse_public_key(b"\x04" + b"\1" * 64)


def test_checksum_address_keystore_vector():
    v = vectors("status.json", "keystore")[0]
    priv = bytes.fromhex(v["expected"]["private_key"][2:])
    addr = secp256k1.address(secp256k1.public_key(priv))
    assert secp256k1.checksum_address(addr) == v["expected"]["address"]


def test_symkey_from_password_vector():
    for v in vectors("status.json", "symmetric-keys"):
        assert symkey_from_password(v["inputs"]["password"]).hex() == v["expected"]["symmetric_key"]


def test_gcm_layout_nonce_last_and_tamper_detected():
    key, nonce = b"k" * 32, b"n" * 12
    sealed = gcm_seal(key, nonce, b"payload")
    assert sealed[-12:] == nonce and len(sealed) == 7 + 16 + 12
    assert gcm_open(key, sealed) == b"payload"
    with pytest.raises(DecryptionFailed):
        gcm_open(key, bytes([sealed[0] ^ 1]) + sealed[1:])


def test_ecies_roundtrip_layout_and_tamper():
    pb = secp256k1.public_key(B)
    ct = ecies.encrypt(pb, b"secret", ephemeral_priv=b"4" * 32, iv=b"i" * 16)
    assert ct[:65] == secp256k1.public_key(b"4" * 32)
    assert ct[65:81] == b"i" * 16 and len(ct) == 6 + ecies.OVERHEAD
    assert ecies.decrypt(B, ct) == b"secret"
    with pytest.raises(DecryptionFailed):
        ecies.decrypt(A, ct)
    with pytest.raises(DecryptionFailed):
        ecies.decrypt(B, ct[:-1] + bytes([ct[-1] ^ 1]))
    with pytest.raises(DecryptionFailed):
        ecies.decrypt(B, b"\x04" + b"\0" * 200)
