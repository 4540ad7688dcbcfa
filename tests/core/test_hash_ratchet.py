"""Hash ratchet helpers (community keys) against the vectors and round trips."""

from __future__ import annotations

import os
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from statuscli.core import hash_ratchet as hr
from statuscli.core.crypto import secp256k1
from statuscli.core.crypto.hashing import keccak256
from statuscli.core.errors import DecryptionFailed, InvalidInput, StatusCliError
from tests.conftest import vector_id, vectors


@pytest.mark.parametrize("v", vectors("status.json", "hash-ratchet"), ids=vector_id)
def test_public_key_most_relevant_bytes(v):
    pub = secp256k1.public_key(bytes.fromhex(v["inputs"]["private_key"]))
    assert hr.public_key_most_relevant_bytes(pub) == v["expected"]["key_uint32"]
    assert hr.public_key_most_relevant_bytes(secp256k1.compress(pub)) == v["expected"]["key_uint32"]


def test_key_id_layout():
    gid, key = b"\x02" + b"\x07" * 32, b"\x09" * 32
    assert hr.key_id(gid, 0x0102030405, key) == keccak256(gid + struct.pack("<Q", 0x0102030405) + key)
    assert hr.deprecated_key_id(0x1_0000_0005) == 5


def test_message_keys_chain_and_cache():
    key = b"k" * 32
    assert hr.message_key(key, 1) == keccak256(key)
    assert hr.message_key(key, 3) == keccak256(keccak256(keccak256(key)))
    assert hr.message_key(key, 5, cached=(3, hr.message_key(key, 3))) == hr.message_key(key, 5)
    with pytest.raises(InvalidInput):
        hr.message_key(key, 0)
    with pytest.raises(DecryptionFailed):
        hr.message_key(key, hr.MAX_SEQ_NO_DELTA + 1)
    far = hr.MAX_SEQ_NO_DELTA + 5
    assert len(hr.message_key(key, far, cached=(far - 1, b"h" * 32))) == 32


def test_next_key_timestamp():
    assert hr.next_key_timestamp(0, 1000) == 1010
    assert hr.next_key_timestamp(1010, 1000) == 1011


def test_payload_roundtrip_and_key_exchange():
    key = os.urandom(32)
    ct = hr.encrypt(key, 4, b"hello", b"\x01" * 12)
    assert ct.endswith(b"\x01" * 12)
    assert hr.decrypt(key, 4, ct) == b"hello"
    assert hr.decrypt(key, 0, b"raw keys") == b"raw keys"
    with pytest.raises(DecryptionFailed):
        hr.decrypt(key, 5, ct)


def test_rekey_group_roundtrip():
    sender, alice, bob, eve = (secp256k1.generate_private_key(os.urandom) for _ in range(4))
    key = os.urandom(32)
    group = hr.build_rekey_group(sender, [secp256k1.public_key(alice), secp256k1.public_key(bob)], key, 77, os.urandom)
    for item in group.keys.values():
        assert len(item) % hr.REKEY_ITEM_SIZE == 0
    spub = secp256k1.public_key(sender)
    assert hr.decrypt_rekey_group(alice, spub, group) == key
    assert hr.decrypt_rekey_group(bob, spub, group) == key
    assert hr.decrypt_rekey_group(eve, spub, group) is None


_keys = st.builds(
    hr.HRKeys,
    st.lists(st.builds(hr.HRKey, st.binary(max_size=40), st.integers(0, 2**64 - 1), st.integers(0, 2**32 - 1)), max_size=3).map(tuple),
    st.none() | st.builds(hr.RekeyGroup, st.integers(0, 2**64 - 1), st.dictionaries(st.integers(0, 2**32 - 1), st.binary(max_size=120), max_size=3)),
)


@given(_keys)
def test_hr_keys_codec_roundtrip(keys):
    assert hr.decode_hr_keys(hr.encode_hr_keys(keys)) == keys


@given(st.binary(max_size=200))
def test_hr_keys_garbage_is_typed(data):
    try:
        hr.decode_hr_keys(data)
    except StatusCliError:
        pass
