"""The encryption envelope: ProtocolMessage codec, DH fallback, dispatch order."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from statuscli.core import encryption as enc
from statuscli.core.bundles import Bundle, SignedPreKey
from statuscli.core.crypto import secp256k1
from statuscli.core.encryption import DHHeader, DRHeader, EncryptedMessage, ProtocolMessage, X3DHHeader
from statuscli.core.errors import DecodeError, DecryptionFailed, StatusCliError
from statuscli.core.hash_ratchet import HRHeader, HRKey, HRKeys
from statuscli.pb import encryption_pb2 as pb

u32 = st.integers(0, 2**32 - 1)
_bundle = st.builds(
    Bundle,
    st.binary(max_size=34),
    st.dictionaries(st.text(max_size=12), st.builds(SignedPreKey, st.binary(max_size=33), u32, u32), max_size=2),
    st.binary(max_size=65),
    st.integers(-(2**63), 2**63 - 1),
)
_entry = st.builds(
    EncryptedMessage,
    st.binary(max_size=64),
    st.none() | st.builds(X3DHHeader, st.binary(max_size=33), st.binary(max_size=33)),
    st.none() | st.builds(DRHeader, st.binary(max_size=33), u32, u32, st.binary(max_size=33)),
    st.none() | st.builds(DHHeader, st.binary(max_size=33)),
    st.none()
    | st.builds(
        HRHeader, u32, st.binary(max_size=33), st.binary(max_size=32), u32,
        st.none() | st.builds(HRKeys, st.lists(st.builds(HRKey, st.binary(max_size=32), st.integers(0, 2**64 - 1), u32), max_size=2).map(tuple)),
    ),  # fmt: skip
)
_message = st.builds(
    ProtocolMessage,
    st.text(max_size=40),
    st.lists(_bundle, max_size=2).map(tuple),
    st.dictionaries(st.text(max_size=40), _entry, max_size=3),
    st.binary(max_size=64),
)


@given(_message)
@settings(max_examples=200)
def test_protocol_message_roundtrip(m):
    data = m.encode()
    assert ProtocolMessage.decode(data) == m
    assert ProtocolMessage.decode(data).encode() == data


@given(st.binary(max_size=400))
@settings(max_examples=300)
def test_garbage_is_typed(data):
    try:
        ProtocolMessage.decode(data)
    except StatusCliError:
        pass


def test_invalid_utf8_installation_id_is_decode_error():
    bad = bytes([0x12, 2, 0xFF, 0xFE])  # field 2, length 2, not UTF-8
    with pytest.raises(DecodeError):
        ProtocolMessage.decode(bad)


def test_field_numbers_match_status_go():
    m = ProtocolMessage(
        "inst",
        encrypted={"none": EncryptedMessage(b"p", dh=DHHeader(b"k"), hr=HRHeader(seq_no=1))},
        public_message=b"",
    )
    raw = pb.ProtocolMessage.FromString(m.encode())
    assert [f.number for f, _ in raw.ListFields()] == [2, 101]
    e = raw.encrypted_message["none"]
    assert sorted(f.number for f, _ in e.ListFields()) == [3, 101, 102]
    d = EncryptedMessage(b"", X3DHHeader(b"e", b"i"), DRHeader(b"k", 1, 2, b"i"))
    raw = pb.ProtocolMessage.FromString(ProtocolMessage("x", encrypted={"a": d}).encode()).encrypted_message["a"]
    assert sorted(f.number for f, _ in raw.ListFields()) == [1, 2]
    assert [f.number for f, _ in raw.X3DH_header.ListFields()] == [1, 4]
    assert [f.number for f, _ in raw.DR_header.ListFields()] == [1, 2, 3, 4]


def test_dispatch_order_and_entry_selection():
    x = X3DHHeader(b"e", b"i")
    dr = DRHeader(b"k", 0, 0, b"i")
    assert EncryptedMessage(x3dh=x, dr=dr, dh=DHHeader(b"d")).path() == enc.PATH_X3DH
    assert EncryptedMessage(dr=dr, dh=DHHeader(b"d"), hr=HRHeader()).path() == enc.PATH_DR
    assert EncryptedMessage(dh=DHHeader(b"d"), hr=HRHeader()).path() == enc.PATH_DH
    assert EncryptedMessage(hr=HRHeader()).path() == enc.PATH_HR
    assert EncryptedMessage(x3dh=x).path() is None
    mine, none = EncryptedMessage(b"1"), EncryptedMessage(b"2")
    m = ProtocolMessage(encrypted={"me": mine, "none": none, "other": EncryptedMessage(b"3")})
    assert m.entry_for("me") is mine and m.entry_for("someone") is none
    assert ProtocolMessage(encrypted={"other": mine}).entry_for("me") is None


def test_protocol_version_rule():
    b1 = Bundle(b"", {"a": SignedPreKey(b"", 1, 1)})
    b2 = Bundle(b"", {"b": SignedPreKey(b"", 1, 1)})
    assert enc.protocol_version((b1,), "a") == 1
    assert enc.protocol_version((b2, b1), "a") == 0  # the first bundle with prekeys decides
    assert enc.protocol_version((Bundle(b""), b1), "a") == 1
    assert enc.protocol_version((b1,), "") == 0


def test_dh_fallback_roundtrip_and_layout():
    me = secp256k1.generate_private_key(os.urandom)
    eph = secp256k1.generate_private_key(os.urandom)
    nonce = b"\x07" * 12
    e = enc.dh_encrypt(secp256k1.public_key(me), b"hi there", eph, nonce)
    assert e.dh.key == secp256k1.compress(secp256k1.public_key(eph))
    assert e.payload.endswith(nonce) and len(e.payload) == 8 + 16 + 12
    assert e.path() == enc.PATH_DH
    assert enc.dh_decrypt(me, e) == b"hi there"
    other = secp256k1.generate_private_key(os.urandom)
    with pytest.raises(DecryptionFailed):
        enc.dh_decrypt(other, e)
    with pytest.raises(DecryptionFailed):
        enc.dh_decrypt(me, EncryptedMessage(e.payload, dh=DHHeader(b"\x02" + b"\xff" * 32)))
