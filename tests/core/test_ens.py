"""core/ens: EIP-137 namehash and name normalisation, the registry/resolver call data and answers,
and status-go's chat key form (0x04 || x || y), against tests/vectors/ens.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from statuscli.core import ens
from statuscli.core.crypto import secp256k1
from statuscli.core.errors import DecodeError, InvalidEnsName, InvalidInput, MalformedKey

V = json.loads((Path(__file__).parents[1] / "vectors" / "ens.json").read_text(encoding="utf-8"))
STATUS_GO = V["status_go_public_key_of"]


@pytest.mark.parametrize("v", V["namehash"]["vectors"], ids=lambda v: v["name"] or "root")
def test_namehash_matches_eip137(v):
    assert "0x" + ens.namehash(v["name"]).hex() == v["node"]


@pytest.mark.parametrize("v", V["interface_ids"]["vectors"], ids=lambda v: v["signature"])
def test_selectors_match_eip137_interface_ids(v):
    assert "0x" + ens.selector(v["signature"]).hex() == v["id"]


def test_pubkey_selector_is_the_pubkey_interface():
    assert "0x" + ens.PUBKEY_SELECTOR.hex() == "0xc8690233"
    assert ens.RESOLVER_SELECTOR == ens.selector("resolver(bytes32)") != ens.PUBKEY_SELECTOR


def test_mainnet_registry_is_go_ens_address():
    assert ens.MAINNET_REGISTRY == ens.parse_address(V["registry"]["mainnet"])


def test_namehash_is_recursive_over_labels():
    # namehash(label.rest) = keccak(namehash(rest) + keccak(label)), EIP-137's definition
    from statuscli.core.crypto.hashing import keccak256

    assert ens.namehash("alice.foo.eth") == keccak256(ens.namehash("foo.eth") + keccak256(b"alice"))


@pytest.mark.parametrize("text, normal", [("Alice.ETH", "alice.eth"), ("  alice.eth\n", "alice.eth"),
                                          ("FOO.eth", "foo.eth"), ("café.eth", "café.eth"),
                                          ("under_score.eth", "under_score.eth")])  # fmt: skip
def test_normalise_folds_case_like_go_ens(text, normal):
    assert ens.normalize(text) == normal


def test_case_does_not_change_the_node():
    assert ens.namehash(ens.normalize("FOO.ETH")) == ens.namehash("foo.eth")


@pytest.mark.parametrize("bad", ["", "   ", "alice..eth", ".eth", "alice.eth.", "a" * 300 + ".eth", "bad\u200f\u05d0label.eth\x00"])
def test_normalise_refuses_non_names(bad):
    with pytest.raises(InvalidEnsName) as e:
        ens.normalize(bad)
    assert e.value.exit_code == 3


@pytest.mark.parametrize("text, yes", [("alice.eth", True), ("ALICE.ETH", True), ("sub.alice.eth", True), (".eth", False),
                                       ("eth", False), ("alice", False), ("alice.xyz", False), ("al ice.eth", False),
                                       ("https://alice.eth", False), ("zQ3shgXaXEtHSFVhHgTUiCSNAXYKeKryUVnPZZJLBMDutaWHB", False)])  # fmt: skip
def test_looks_like_ens_name(text, yes):
    assert ens.looks_like_ens_name(text) is yes


def test_call_data_is_selector_then_node():
    node = ens.namehash("foo.eth")
    assert ens.resolver_call(node) == bytes.fromhex("0178b8bf") + node
    assert ens.pubkey_call(node) == bytes.fromhex("c8690233") + node
    with pytest.raises(InvalidInput):
        ens.pubkey_call(node[:31])


def test_decode_address():
    addr = bytes(range(1, 21))
    assert ens.decode_address(bytes(12) + addr) == addr
    with pytest.raises(DecodeError):
        ens.decode_address(b"\x01" + bytes(11) + addr)  # high bytes must be zero
    for bad in (b"", bytes(31), bytes(33), bytes(64)):
        with pytest.raises(DecodeError):
            ens.decode_address(bad)


def test_status_go_key_from_coordinates_round_trip():
    key = bytes.fromhex(STATUS_GO["public_key"][2:])
    x, y = ens.coordinates(key)  # what setPubkey is given (status-go ExtractCoordinates)
    assert ens.decode_pubkey(x + y) == (x, y)
    got = ens.chat_key(*ens.decode_pubkey(x + y))
    assert "0x" + got.hex() == STATUS_GO["public_key"]  # "0x04" + hex(x) + hex(y), as PublicKeyOf returns


def test_unset_record_is_none_and_garbage_is_refused():
    assert ens.chat_key(bytes(32), bytes(32)) is None
    with pytest.raises(MalformedKey):
        ens.chat_key(bytes(31) + b"\x01", bytes(31) + b"\x02")  # not on the curve
    for bad in (b"", bytes(32), bytes(96)):
        with pytest.raises(DecodeError):
            ens.decode_pubkey(bad)


@given(st.binary(min_size=32, max_size=32).filter(lambda b: 0 < int.from_bytes(b, "big") < secp256k1.CURVE_ORDER))
def test_any_chat_key_survives_the_record(priv):
    pub = secp256k1.public_key(priv)
    assert ens.chat_key(*ens.decode_pubkey(b"".join(ens.coordinates(pub)))) == pub


@given(st.binary(max_size=100))
def test_garbage_answers_raise_typed_errors(data):
    for decode in (ens.decode_address, ens.decode_pubkey):
        try:
            decode(data)
        except DecodeError:
            pass


@pytest.mark.parametrize("text", ["0x00000000000c2e074ec69a0dfb2997ba6c7d2e1e", "0x00000000000C2E074EC69A0DFB2997BA6C7D2E1E",
                                  "00000000000C2E074eC69A0dFb2997BA6C7d2e1e"])  # fmt: skip
def test_parse_address_accepts_plain_and_checksummed(text):
    assert ens.parse_address(text) == ens.MAINNET_REGISTRY


@pytest.mark.parametrize("bad", ["0x1234", "0x" + "zz" * 20, "0x00000000000c2E074eC69A0dFb2997BA6C7d2e1e", ""])
def test_parse_address_refuses(bad):
    with pytest.raises(InvalidInput):
        ens.parse_address(bad)
