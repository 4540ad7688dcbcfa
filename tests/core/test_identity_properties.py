"""core/identity: round trips (hypothesis) and typed errors for bad input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from statuscli.core.crypto import secp256k1
from statuscli.core.errors import InvalidInput, InvalidMnemonic, MalformedKey, StatusCliError
from statuscli.core.identity import keytext, mnemonic, paths

private_keys = st.integers(min_value=1, max_value=secp256k1.CURVE_ORDER - 1).map(lambda n: n.to_bytes(32, "big"))


@given(st.sampled_from([16, 20, 24, 28, 32]).flatmap(lambda n: st.binary(min_size=n, max_size=n)))
@settings(max_examples=60)
def test_mnemonic_entropy_round_trip(entropy):
    words = mnemonic.from_entropy(entropy)
    assert len(words.split()) == {16: 12, 20: 15, 24: 18, 28: 21, 32: 24}[len(entropy)]
    assert mnemonic.to_entropy(words) == entropy
    assert mnemonic.to_entropy("  " + words.upper().replace(" ", "\n  ") + "\n") == entropy


def test_mnemonic_wrong_checksum_says_so():
    words = ["abandon"] * 12  # 'about' is the valid last word
    with pytest.raises(InvalidMnemonic, match="checksum"):
        mnemonic.validate(" ".join(words))


def test_mnemonic_unknown_word_names_its_position_but_never_the_word():
    with pytest.raises(InvalidMnemonic, match=r"word list: word 3$") as e:
        mnemonic.validate("abandon abandon abandonn " + "abandon " * 8 + "about")
    assert "abandonn" not in str(e.value)


def test_mnemonic_wrong_word_count():
    with pytest.raises(InvalidMnemonic, match="11"):
        mnemonic.validate("abandon " * 10 + "about")
    with pytest.raises(InvalidMnemonic, match="empty"):
        mnemonic.validate("   ")


def test_mnemonic_invalid_errors_are_exit_code_3():
    assert InvalidMnemonic("x").exit_code == 3


def test_entropy_length_validation():
    with pytest.raises(InvalidInput):
        mnemonic.from_entropy(b"\0" * 15)
    assert mnemonic.entropy_length(24) == 32
    with pytest.raises(InvalidInput):
        mnemonic.entropy_length(13)


@given(st.text(max_size=200))
@settings(max_examples=200)
def test_mnemonic_garbage_gives_typed_error(text):
    try:
        mnemonic.to_entropy(text)
    except StatusCliError:
        pass


@given(private_keys)
@settings(max_examples=50)
def test_key_text_round_trips(priv):
    pub = secp256k1.public_key(priv)
    z = keytext.compressed_key(pub)
    assert z.startswith("zQ3sh") and len(z) == 49
    assert keytext.parse_public_key_text(z) == pub
    assert keytext.parse_public_key_text("0x" + pub.hex()) == pub
    assert keytext.parse_public_key_text(pub.hex()) == pub
    assert keytext.parse_public_key_text("0x" + secp256k1.compress(pub).hex()) == pub
    f = keytext.serialize_public_key(z, "f")
    assert keytext.parse_public_key_text(f) == pub
    assert keytext.parse_public_key_text("0x" + f[1:]) == pub
    assert keytext.deserialize_public_key(z) == "f" + "e701" + pub.hex()


@given(st.text(max_size=140))
@settings(max_examples=300)
def test_key_text_garbage_gives_typed_error(text):
    try:
        pub = keytext.parse_public_key_text(text)
    except StatusCliError:
        return
    assert len(pub) == 65


@pytest.mark.parametrize(
    "text",
    [
        "",
        "0x",
        "0x04",
        "zQ3shPyZJnxZK4Bwyx9QsaksNKDYTPmpwPvGSjMYVHoXHeEg0",  # 0 is not base58
        "0x05" + "11" * 64,
        "0x04" + "00" * 64,  # not on the curve
        "xyz",
        "fea01" + "02" * 33,  # BLS codec
    ],
)
def test_malformed_keys(text):
    with pytest.raises(MalformedKey):
        keytext.parse_public_key_text(text)


def test_paths_parse_and_format():
    assert paths.parse_path(paths.CHAT) == [0x8000002B, 0x8000003C, 0x8000062D, 0x80000000, 0]
    assert paths.format_path(paths.parse_path("m/44h/60H/0'/0/0")) == paths.WALLET
    assert paths.parse_path("chat") == paths.parse_path(paths.CHAT)
    assert paths.parse_path("m") == []
    for bad in ("44'/60'", "m/x", "m/-1", "m/2147483648", "m//0", "m/１"):
        with pytest.raises(InvalidInput):
            paths.parse_path(bad)
