"""26/WAKU2-PAYLOAD (payload v1) against the vectors; round-trip and garbage properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from statuscli.core.crypto import secp256k1
from statuscli.core.errors import BadSignature, DecodeError, DecryptionFailed, InvalidInput, StatusCliError
from statuscli.core.waku import payload_v1 as P
from tests.conftest import vectors

H = bytes.fromhex


@pytest.mark.parametrize("v", vectors("waku.json", "payload_v1", "payload_v1_padding") + [v for v in vectors("status.json", "waku-v1-payload") if "padding_len" in v["expected"]], ids=lambda v: v["description"][:50])
def test_padding_lengths(v):
    n, signed = v["inputs"]["payload_len"], v["inputs"]["signed"]
    pad = P.padding_length(n, signed)
    assert pad == v["expected"]["padding_len"]
    k = P.size_field_length(n)
    if "plaintext_len_before_encryption" in v["expected"]:
        assert 1 + k + n + pad + (65 if signed else 0) == v["expected"]["plaintext_len_before_encryption"]
    if "len_before_signature" in v["expected"]:
        assert 1 + k + n + pad == v["expected"]["len_before_signature"]


def test_layout_vectors():
    unsigned, size = vectors("waku.json", "payload_v1", "payload_v1_layout")
    data = unsigned["inputs"]["payload_utf8"].encode()
    plain = P.encode_plaintext(data, H(unsigned["inputs"]["padding_hex"]))
    assert plain.hex() == unsigned["expected"]["plaintext_hex"]
    assert plain[0] == int(unsigned["expected"]["flags"], 16)
    opened = P.decode_plaintext(plain)
    assert (opened.data, opened.padding, opened.signer) == (data, H(unsigned["inputs"]["padding_hex"]), None)
    n = size["inputs"]["payload_len"]
    plain = P.encode_plaintext(bytes(n), b"\x01")
    assert plain[0] & 3 == size["expected"]["flags_low2"]
    assert plain[1:3].hex() == size["expected"]["length_field_hex"]


def test_symmetric_vector():
    (v,) = vectors("waku.json", "payload_v1", "payload_v1_symmetric")
    i = v["inputs"]
    out = P.encrypt_symmetric(H(i["plaintext_hex"]), H(i["key_hex"]), H(i["iv_hex"]))
    assert out.hex() == v["expected"]["payload_hex"]
    assert P.decrypt_symmetric(out, H(i["key_hex"])) == H(i["plaintext_hex"])
    assert P.open_symmetric(out, H(i["key_hex"])).data == b"hello waku"


def test_asymmetric_vector():
    (v,) = vectors("waku.json", "payload_v1", "payload_v1_asymmetric")
    i = v["inputs"]
    assert secp256k1.public_key(H(i["recipient_private_key_hex"])).hex() == i["recipient_public_key_hex"]
    out = P.encrypt_asymmetric(H(i["plaintext_hex"]), H(i["recipient_public_key_hex"]), H(i["ephemeral_private_key_hex"]), H(i["iv_hex"]))
    assert out.hex() == v["expected"]["payload_hex"]
    opened = P.open_asymmetric(out, H(i["recipient_private_key_hex"]))
    assert opened.data == b"hello waku" and opened.signer is None


def test_status_go_signed_symmetric_vector():
    (v,) = [v for v in vectors("status.json", "waku-v1-payload") if "encrypted_payload" in v["expected"]]
    i, x = v["inputs"], v["expected"]
    data = i["data_utf8"].encode()
    assert P.encode_plaintext(data, H(i["padding_hex"]), H(i["signing_private_key"])).hex() == x["plaintext_payload"]
    sealed = P.seal_symmetric(data, H(i["symmetric_key"]), padding=H(i["padding_hex"]), nonce=H(i["gcm_nonce"]), signing_key=H(i["signing_private_key"]))
    assert sealed.hex() == x["encrypted_payload"]
    opened = P.open_symmetric(H(x["encrypted_payload"]), H(i["symmetric_key"]))
    assert opened.data == data and opened.padding == H(i["padding_hex"])
    assert opened.signer.hex() == x["signer_public_key"]


def test_wrong_keys_and_tampering():
    key = bytes(range(32))
    sealed = P.seal_symmetric(b"hi", key, padding=b"\x00" * 4, nonce=bytes(12))
    with pytest.raises(DecryptionFailed):
        P.open_symmetric(sealed, bytes(32))
    priv = bytes(range(1, 33))
    sealed = P.seal_asymmetric(b"hi", secp256k1.public_key(priv), padding=b"p", ephemeral_key=bytes(range(2, 34)), iv=bytes(16))
    with pytest.raises(DecryptionFailed):
        P.open_asymmetric(sealed, bytes(range(3, 35)))
    with pytest.raises(DecryptionFailed):
        P.open_asymmetric(sealed[:-1] + bytes([sealed[-1] ^ 1]), priv)


def test_signature_v_27_28_accepted_and_garbage_signature_rejected():
    priv = bytes(range(1, 33))
    plain = bytearray(P.encode_plaintext(b"data", b"pad", priv))
    plain[-1] += 27
    assert P.decode_plaintext(bytes(plain)).signer == secp256k1.public_key(priv)
    plain[-1] = 9
    with pytest.raises(BadSignature):
        P.decode_plaintext(bytes(plain))


def test_zero_size_field_means_all_padding_and_overruns_fail():
    assert P.decode_plaintext(b"\x00abc") == P.OpenedPayload(b"", b"abc", None, None)
    with pytest.raises(DecodeError, match="declares"):
        P.decode_plaintext(b"\x01\x09abc")
    with pytest.raises(DecodeError, match="size field"):
        P.decode_plaintext(b"\x03\x01")
    with pytest.raises(InvalidInput):
        P.size_field_length(1 << 24)
    with pytest.raises(InvalidInput):
        P.encrypt_symmetric(b"x", bytes(31), bytes(12))


# --- properties -----------------------------------------------------------------------------
privs = st.binary(min_size=32, max_size=32).filter(lambda b: 0 < int.from_bytes(b, "big") < secp256k1.CURVE_ORDER)


@given(st.binary(max_size=700), st.none() | privs, st.integers(0, 300))
@settings(deadline=None)
def test_plaintext_roundtrip(data, signer, padlen):
    pad = bytes((i * 7) & 0xFF for i in range(padlen))
    opened = P.decode_plaintext(P.encode_plaintext(data, pad, signer))
    assert (opened.data, opened.padding) == (data, pad)
    assert opened.signer == (secp256k1.public_key(signer) if signer else None)


@given(st.binary(max_size=400), privs, st.binary(min_size=32, max_size=32), st.binary(min_size=12, max_size=12))
@settings(max_examples=40, deadline=None)
def test_symmetric_roundtrip_with_auto_padding(data, signer, key, nonce):
    pad = P.auto_padding(len(data), True, lambda n: b"\x5a" * n)
    sealed = P.seal_symmetric(data, key, padding=pad, nonce=nonce, signing_key=signer)
    plain_len = len(sealed) - 28
    assert plain_len % 256 == 0
    opened = P.open_symmetric(sealed, key)
    assert opened.data == data and opened.signer == secp256k1.public_key(signer)


@given(st.binary(max_size=300), privs, privs, st.binary(min_size=16, max_size=16))
@settings(max_examples=30, deadline=None)
def test_asymmetric_roundtrip(data, recipient, eph, iv):
    sealed = P.seal_asymmetric(data, secp256k1.public_key(recipient), padding=b"\x01", ephemeral_key=eph, iv=iv, signing_key=recipient)
    assert P.open_asymmetric(sealed, recipient).data == data


@given(st.binary(max_size=400))
@settings(max_examples=400)
def test_garbage_plaintext_typed(data):
    try:
        P.decode_plaintext(data)
    except StatusCliError:
        pass


@given(st.binary(max_size=300))
@settings(max_examples=200)
def test_garbage_ciphertexts_typed(data):
    for f, k in ((P.open_symmetric, bytes(32)), (P.open_asymmetric, bytes(range(1, 33)))):
        try:
            f(data, k)
        except StatusCliError:
            pass


@given(st.data())
@settings(max_examples=50, deadline=None)
def test_truncated_sealed_fails_typed(data):
    key = bytes(range(32))
    sealed = P.seal_symmetric(b"hello", key, padding=b"\x00" * 10, nonce=bytes(12), signing_key=bytes(range(1, 33)))
    cut = data.draw(st.integers(0, len(sealed) - 1))
    with pytest.raises(StatusCliError):
        P.open_symmetric(sealed[:cut], key)
