"""Bundles: signature material, signing, verification, codec, rotation rule."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from statuscli.core import bundles
from statuscli.core.bundles import Bundle, SignedPreKey
from statuscli.core.crypto import secp256k1
from statuscli.core.errors import BadSignature, MalformedKey, StatusCliError
from tests.conftest import vector_id, vectors

SIG = [v for v in vectors("status.json", "x3dh") if "signature" in v["expected"]]


def _spks(i):
    return {k: SignedPreKey(bytes.fromhex(x["signed_pre_key"]), x["version"]) for k, x in i["signed_pre_keys"].items()}


@pytest.mark.parametrize("v", SIG, ids=vector_id)
def test_signature_vector(v):
    i, e = v["inputs"], v["expected"]
    b = bundles.sign_bundle(bytes.fromhex(i["identity_private"]), _spks(i), i["timestamp"])
    assert b.signature_material().hex() == e["signature_material_hex"]
    assert b.signature.hex() == e["signature"]
    assert b.verify().hex() == e["recovered_public_key"]
    assert Bundle.decode(b.encode()) == b


def test_material_sorts_ids_bytewise_and_skips_zero_timestamp():
    spk = SignedPreKey(b"\x02" + b"\x11" * 32, 7)
    m = bundles.signature_material({"b": spk, "B": spk, "a": spk}, 0)
    chunk = lambda iid: iid.encode() + spk.signed_pre_key + b"7"  # noqa: E731
    assert m == chunk("B") + chunk("a") + chunk("b")
    assert bundles.signature_material({"a": spk}, -5).endswith(b"7-5")


def test_protocol_version_is_not_signed_but_everything_else_is():
    priv = b"2" * 32
    spk = SignedPreKey(secp256k1.compress(secp256k1.public_key(b"3" * 32)), 1, 1)
    b = bundles.sign_bundle(priv, {"dev": spk}, 1_700_000_000_000_000_000)
    Bundle(b.identity, {"dev": SignedPreKey(spk.signed_pre_key, 1, 5)}, b.signature, b.timestamp).verify()
    for tampered in (
        Bundle(b.identity, {"dev": SignedPreKey(spk.signed_pre_key, 2, 1)}, b.signature, b.timestamp),
        Bundle(b.identity, {"dev2": spk}, b.signature, b.timestamp),
        Bundle(b.identity, b.signed_pre_keys, b.signature, b.timestamp + 1),
        Bundle(secp256k1.compress(secp256k1.public_key(b"4" * 32)), b.signed_pre_keys, b.signature, b.timestamp),
        Bundle(b.identity, b.signed_pre_keys, b.signature[:10] + bytes([b.signature[10] ^ 1]) + b.signature[11:], b.timestamp),
        Bundle(b.identity, b.signed_pre_keys, b"", b.timestamp),
        Bundle(b"\x02" * 5, b.signed_pre_keys, b.signature, b.timestamp),
    ):
        with pytest.raises(BadSignature):
            tampered.verify()


def test_malformed_prekey_in_a_signed_bundle():
    b = bundles.sign_bundle(b"2" * 32, {"d": SignedPreKey(b"\x02" * 3, 1)}, 5)
    with pytest.raises(MalformedKey):
        b.verify()


def test_rotation_rule():
    day_ns = bundles.BUNDLE_REFRESH_MS * 1_000_000
    now_ms = 2_000_000_000_000
    created = now_ms * 1_000_000
    assert not bundles.needs_rotation(created, now_ms)
    assert not bundles.needs_rotation(created - day_ns, now_ms)
    assert bundles.needs_rotation(created - day_ns - 1, now_ms)


def test_container_roundtrip():
    priv, pub = bundles.new_signed_prekey(lambda n: b"\x05" * n)
    b = bundles.sign_bundle(b"2" * 32, {"x": SignedPreKey(pub, 1)}, 3)
    assert bundles.decode_container(bundles.encode_container(b, priv)) == (b, priv)


_spk = st.builds(SignedPreKey, st.binary(min_size=33, max_size=33), st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1))
_bundle = st.builds(
    Bundle,
    st.binary(max_size=40),
    st.dictionaries(st.text(max_size=40), _spk, max_size=4),
    st.binary(max_size=70),
    st.integers(-(2**63), 2**63 - 1),
)


@given(_bundle)
def test_codec_roundtrip(b):
    assert Bundle.decode(b.encode()) == b


@given(st.binary(max_size=300))
def test_decode_garbage_is_typed(data):
    try:
        b = Bundle.decode(data)
    except StatusCliError:
        return
    try:
        b.verify()
    except StatusCliError:
        pass
