"""X3DH on secp256k1 (status-go x3dh.go) against the vectors."""

from __future__ import annotations

import os

import pytest

from statuscli.core import x3dh
from statuscli.core.crypto import secp256k1
from statuscli.core.errors import MalformedKey
from tests.conftest import vector_id, vectors

X3DH = vectors("status.json", "x3dh")
SECRETS = [v for v in X3DH if "shared_secret" in v["expected"]]
KEYS = [v for v in X3DH if "alice_identity" in v["expected"]]


def _keys(i):
    return tuple(bytes.fromhex(i[k]) for k in ("alice_identity_private", "alice_ephemeral_private", "bob_identity_private", "bob_signed_prekey_private"))


@pytest.mark.parametrize("v", SECRETS, ids=vector_id)
def test_active_and_passive_secret(v):
    ika, eka, ikb, spkb = _keys(v["inputs"])
    pub = secp256k1.public_key
    active = x3dh.x3dh_active(ika, pub(ikb), pub(spkb), eka)
    passive = x3dh.x3dh_passive(ikb, spkb, pub(ika), pub(eka))
    assert active.hex() == v["expected"]["shared_secret"]
    assert passive == active


@pytest.mark.parametrize("v", KEYS, ids=vector_id)
def test_fixture_public_keys(v):
    names = ("alice_identity", "alice_ephemeral", "bob_identity", "bob_signed_prekey")
    for name, priv in zip(names, _keys(v["inputs"])):
        pub = secp256k1.public_key(priv)
        assert pub.hex() == v["expected"][name]["uncompressed"]
        assert secp256k1.compress(pub).hex() == v["expected"][name]["compressed"]


@pytest.mark.parametrize("v", SECRETS[:1], ids=vector_id)
def test_perform_active_uses_given_entropy_and_accepts_compressed_keys(v):
    ika, eka, ikb, spkb = _keys(v["inputs"])
    c = lambda k: secp256k1.compress(secp256k1.public_key(k))  # noqa: E731
    out = x3dh.perform_active(ika, c(ikb), c(spkb), lambda n: eka)
    assert out.shared_secret.hex() == v["expected"]["shared_secret"]
    assert out.ephemeral_pub == c(eka) and out.their_spk == c(spkb)


def test_perform_active_random_roundtrip():
    ika, ikb, spkb = (secp256k1.generate_private_key(os.urandom) for _ in range(3))
    out = x3dh.perform_active(ika, secp256k1.public_key(ikb), secp256k1.public_key(spkb), os.urandom)
    assert x3dh.x3dh_passive(ikb, spkb, secp256k1.public_key(ika), out.ephemeral_pub) == out.shared_secret


def test_malformed_bundle_keys():
    with pytest.raises(MalformedKey):
        x3dh.perform_active(b"1" * 32, b"\x02" * 10, b"\x02" * 33, os.urandom)
