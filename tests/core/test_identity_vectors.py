"""core/identity against every identity vector of tests/vectors/status.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from statuscli.core.crypto import secp256k1
from statuscli.core.identity import alias, bigbase, colorhash, emojihash, hd, identicon, keytext, mnemonic, profile
from statuscli.core.identity import data as identity_data
from tests.conftest import VECTORS, vector_id, vectors


# --- BIP-39 ---------------------------------------------------------------------------------
@pytest.mark.parametrize("v", vectors("status.json", "bip39"), ids=vector_id)
def test_bip39_entropy_mnemonic_seed_master(v):
    i, e = v["inputs"], v["expected"]
    entropy = bytes.fromhex(i["entropy"])
    assert mnemonic.from_entropy(entropy, i["language"]) == i["mnemonic"]
    assert mnemonic.to_entropy(i["mnemonic"], i["language"]) == entropy
    assert mnemonic.to_entropy(i["mnemonic"]) == entropy  # language detected
    seed = mnemonic.to_seed(i["mnemonic"], i["passphrase"])
    assert seed.hex() == e["seed"]
    # the canonical (single-space) form gives the same seed, also for Japanese (U+3000 separator)
    assert mnemonic.to_seed(mnemonic.validate(i["mnemonic"]), i["passphrase"]) == seed
    assert hd.master_key(seed).xprv == e["master_xprv"]


def test_mnemonic_library_english_list_equals_the_bip39_vector_list():
    expected = json.loads((VECTORS / "data" / "bip39-english.json").read_text(encoding="utf-8"))
    assert list(mnemonic.wordlist("english")) == expected
    assert len(expected) == 2048


# --- BIP-32 ---------------------------------------------------------------------------------
@pytest.mark.parametrize("v", vectors("status.json", "bip32"), ids=vector_id)
def test_bip32(v):
    i, e = v["inputs"], v["expected"]
    if "seed" in i:
        key = hd.derive(bytes.fromhex(i["seed"]), i["path"])
    elif "master_xprv" in i:
        key = hd.derive_from_extended(i["master_xprv"], i["path"])
    else:
        seed = mnemonic.to_seed(mnemonic.validate(i["mnemonic"]), i["bip39_passphrase"])
        key = hd.derive(seed, i["path"])
    checked = 0
    if "xprv" in e:
        assert key.xprv == e["xprv"]
        checked += 1
    if "xpub" in e:
        assert key.xpub == e["xpub"]
        checked += 1
    if "address" in e:
        assert secp256k1.checksum_address(secp256k1.address(key.public_key)) == e["address"]
        checked += 1
    if "public_key_compressed" in e:
        assert "0x" + secp256k1.compress(key.public_key).hex() == e["public_key_compressed"]
        checked += 1
    if "private_key" in e:
        assert "0x" + key.private_key.hex() == e["private_key"]
        checked += 1
    assert checked, "vector asserted nothing"


# --- Status account keys --------------------------------------------------------------------
@pytest.mark.parametrize("v", vectors("status.json", "status-keys"), ids=vector_id)
def test_status_keys(v):
    i, e = v["inputs"], v["expected"]
    seed = mnemonic.to_seed(mnemonic.validate(i["mnemonic"]), i["bip39_passphrase"])
    keys = hd.status_keys(seed)
    assert keys.key_uid == e["key_uid"]
    assert hd.key_uid(seed) == e["key_uid"]
    assert keys.chat.private_key.hex() == e["chat_private_key"]
    assert "0x" + keys.chat.public_key.hex() == e["chat_public_key"]
    assert "0x" + keys.encryption.public_key.hex() == e["encryption_public_key_hex_used_as_db_password_for_keycard_and_mnemonic_login"]
    assert secp256k1.checksum_address(secp256k1.address(keys.wallet.public_key)) == e["wallet_address_m_44_60_0_0_0"]
    # the same keys through the generic path derivation
    assert hd.derive(seed, "m/43'/60'/1581'/0'/0").private_key == keys.chat.private_key
    prof = profile.public_profile(keys.chat.public_key)
    assert prof["public_key"] == e["chat_public_key"]
    assert prof["compressed_key"] == e["chat_compressed_key"]
    assert prof["alias"] == e["chat_alias"]
    assert prof["emoji_hash"] == e["chat_emoji_hash"]
    assert prof["color_hash"] == e["chat_color_hash"]
    assert prof["color_id"] == e["chat_color_id"]


# --- alias ----------------------------------------------------------------------------------
@pytest.mark.parametrize("v", vectors("status.json", "alias"), ids=vector_id)
def test_alias_from_seed(v):
    got = alias.alias_from_seed(v["inputs"]["seed_uint64"])
    assert got == v["expected"]["alias"]
    assert alias.is_alias(got) and alias.is_alias(got.lower())


def test_is_alias_rejects_non_aliases():
    assert not alias.is_alias("Hard Tame")
    assert not alias.is_alias("Brownbutterfly Tame Hard")


# --- emoji hash -----------------------------------------------------------------------------
@pytest.mark.parametrize("v", vectors("status.json", "emojihash"), ids=vector_id)
def test_emoji_hash(v):
    i = v["inputs"]
    if "public_key" in i:
        got = emojihash.emoji_hash(bytes.fromhex(i["public_key"][2:]))
    else:
        got = emojihash.to_emoji_hash(i["value"], i["hash_len"], i["alphabet"])
    assert got == v["expected"]["emoji_hash"]


def test_emoji_hash_refuses_a_value_too_large_for_the_length():
    with pytest.raises(ValueError):
        emojihash.to_emoji_hash(5**3, 3, ["a", "b", "c", "d", "e"])


# --- color hash -----------------------------------------------------------------------------
@pytest.mark.parametrize("v", vectors("status.json", "colorhash"), ids=vector_id)
def test_color_hash(v):
    i = v["inputs"]
    if "public_key" in i:
        got = colorhash.color_hash(bytes.fromhex(i["public_key"][2:]))
    else:
        alphabet = colorhash.color_hash_alphabet(i["alphabet_units"], i["alphabet_colors"])
        got = colorhash.to_color_hash(int(i["value"], 16), alphabet, i["colors_count"])
    assert got == v["expected"]["color_hash"]


# --- big base and slices --------------------------------------------------------------------
@pytest.mark.parametrize("v", vectors("status.json", "identity-utils"), ids=vector_id)
def test_identity_utils(v):
    i, e = v["inputs"], v["expected"]
    if "compressed_key" in i:
        s = bigbase.slices(bytes.fromhex(i["compressed_key"][2:]))
        assert f"0x{s.cutoff_a:03x}" == e["chars_cutoff_a"]
        assert f"0x{s.emoji_value:040x}" == e["emoji_hash_value"]
        assert f"0x{s.color_value:020x}" == e["color_hash_value"]
        assert f"0x{s.cutoff_b:03x}" == e["chars_cutoff_b"]
        return
    value = i["value"] if isinstance(i["value"], int) else int(i["value"], 16)
    digits = bigbase.to_big_base(value, i["base"])
    if "digits" in e:
        assert digits == e["digits"]
    else:
        assert len(digits) == e["num_digits"]


def test_big_base_of_zero_is_one_zero_digit():
    assert bigbase.to_big_base(0, 10) == [0]


# --- identicon ------------------------------------------------------------------------------
@pytest.mark.parametrize("v", vectors("status.json", "identicon"), ids=vector_id)
def test_identicon(v):
    import hashlib

    i = v["inputs"]
    assert hashlib.md5(i["key_string"].encode()).hexdigest() == i["md5_hex"]
    assert identicon.identicon_pattern(i["key_string"]) == v["expected"]["pattern"]
    cells = identicon.identicon_cells(i["key_string"])
    assert cells == [b % 2 == 0 for b in v["expected"]["pattern"]]
    hue, s, lightness = identicon.identicon_color(i["key_string"])
    assert 0 <= hue <= 360 and (s, lightness) == (0.5, 0.7)
    assert len(identicon.render_text(i["key_string"]).splitlines()) == 5


# --- compressed key text --------------------------------------------------------------------
@pytest.mark.parametrize("v", vectors("status.json", "compressed-key"), ids=vector_id)
def test_compressed_key(v):
    i, e = v["inputs"], v["expected"]
    if "serialized" in e:
        assert keytext.serialize_public_key(i["key"], i["output_base"]) == e["serialized"]
        # and back: the serialized form deserialises to the input key
        assert keytext.deserialize_public_key(e["serialized"], "f") == keytext.deserialize_public_key(i["key"], "f")
    if "deserialized" in e:
        assert keytext.deserialize_public_key(i["key"], i["output_base"]) == e["deserialized"]
    if "compressed_key" in e:
        pub = bytes.fromhex(i["public_key"][2:])
        assert keytext.compressed_key(pub) == e["compressed_key"]
        assert keytext.parse_public_key_text(e["compressed_key"]) == pub
        assert keytext.parse_public_key_text(i["public_key"]) == pub
        assert keytext.parse_public_key_text("0x" + secp256k1.compress(pub).hex()) == pub
        assert keytext.parse_public_key_text(secp256k1.compress(pub).hex()) == pub
        assert len(e["compressed_key"]) == 49 and e["compressed_key"].startswith("zQ3sh")


# --- data files -----------------------------------------------------------------------------
def test_data_lists_have_the_expected_lengths():
    assert len(identity_data.adjectives()) == 1389
    assert len(identity_data.animals()) == 1704
    assert len(identity_data.emojis()) >= 2757
    assert len(identity_data.emoji_alphabet()) == 2757
    assert len(set(identity_data.emoji_alphabet())) == 2757


def test_data_files_are_packaged_next_to_the_code():
    assert (Path(identity_data.DATA_DIR) / "emojis.json").is_file()
