"""Checks for the identity categories of the shared ``status.json`` vectors.

Each check takes one vector (a dict) and raises :class:`Mismatch` when statuscli disagrees; the
same rules the unit tests apply, so ``vectors verify tests/vectors/status.json`` passes exactly
when our implementation reproduces status-go's values.
"""

from __future__ import annotations

from statuscli.app.vectors.checking import Mismatch, expect, expect_error, h


def bip39(v: dict) -> None:
    from statuscli.core.identity import hd, mnemonic

    i, x = v["inputs"], v["expected"]
    entropy = h(i["entropy"])
    expect("mnemonic", mnemonic.from_entropy(entropy, i["language"]), i["mnemonic"])
    expect("entropy", mnemonic.to_entropy(i["mnemonic"], i["language"]), entropy)
    seed = mnemonic.to_seed(i["mnemonic"], i["passphrase"])
    expect("seed", seed.hex(), x["seed"])
    expect("master_xprv", hd.master_key(seed).xprv, x["master_xprv"])


def bip32(v: dict) -> None:
    from statuscli.core.crypto import secp256k1
    from statuscli.core.identity import hd, mnemonic

    i, x = v["inputs"], v["expected"]
    if "seed" in i:
        key = hd.derive(h(i["seed"]), i["path"])
    elif "master_xprv" in i:
        key = hd.derive_from_extended(i["master_xprv"], i["path"])
    else:
        key = hd.derive(mnemonic.to_seed(mnemonic.validate(i["mnemonic"]), i["bip39_passphrase"]), i["path"])
    computed = {
        "xprv": key.xprv,
        "xpub": key.xpub,
        "address": secp256k1.checksum_address(secp256k1.address(key.public_key)),
        "public_key_compressed": "0x" + secp256k1.compress(key.public_key).hex(),
        "private_key": "0x" + key.private_key.hex() if key.private_key else None,
    }
    _compare_known(x, computed)


def status_keys(v: dict) -> None:
    from statuscli.core.crypto import secp256k1
    from statuscli.core.identity import hd, mnemonic
    from statuscli.core.identity.profile import public_profile

    i, x = v["inputs"], v["expected"]
    keys = hd.status_keys(mnemonic.to_seed(mnemonic.validate(i["mnemonic"]), i["bip39_passphrase"]))
    prof = public_profile(keys.chat.public_key)
    computed = {
        "key_uid": keys.key_uid,
        "chat_private_key": keys.chat.private_key.hex(),
        "chat_public_key": "0x" + keys.chat.public_key.hex(),
        "encryption_public_key_hex_used_as_db_password_for_keycard_and_mnemonic_login": "0x" + keys.encryption.public_key.hex(),
        "wallet_address_m_44_60_0_0_0": secp256k1.checksum_address(secp256k1.address(keys.wallet.public_key)),
        "chat_compressed_key": prof["compressed_key"],
        "chat_alias": prof["alias"],
        "chat_emoji_hash": prof["emoji_hash"],
        "chat_color_hash": prof["color_hash"],
        "chat_color_id": prof["color_id"],
    }
    _compare_known(x, computed)


def _compare_known(expected: dict, computed: dict) -> None:
    """Compare the fields we compute; fields we do not know are an error (never silently passed)."""
    unknown = sorted(set(expected) - set(computed))
    if unknown:
        raise Mismatch(f"fields statuscli does not check: {', '.join(unknown)}")
    for key, want in expected.items():
        expect(key, computed[key], want)


def alias(v: dict) -> None:
    from statuscli.core.identity import alias as a

    got = a.alias_from_seed(v["inputs"]["seed_uint64"])
    expect("alias", got, v["expected"]["alias"])
    expect("is_alias", a.is_alias(got), True)


def emojihash(v: dict) -> None:
    from statuscli.core.identity import emojihash as e

    i = v["inputs"]
    if "public_key" in i:
        got = e.emoji_hash(h(i["public_key"]))
    else:
        got = e.to_emoji_hash(i["value"], i["hash_len"], i["alphabet"])
    expect("emoji_hash", got, v["expected"]["emoji_hash"])


def colorhash(v: dict) -> None:
    from statuscli.core.identity import colorhash as c

    i = v["inputs"]
    if "public_key" in i:
        got = c.color_hash(h(i["public_key"]))
    else:
        got = c.to_color_hash(int(i["value"], 16), c.color_hash_alphabet(i["alphabet_units"], i["alphabet_colors"]), i["colors_count"])
    expect("color_hash", got, v["expected"]["color_hash"])


def identity_utils(v: dict) -> None:
    from statuscli.core.identity import bigbase

    i, x = v["inputs"], v["expected"]
    if "compressed_key" in i:
        s = bigbase.slices(h(i["compressed_key"]))
        _compare_known(x, {
            "chars_cutoff_a": f"0x{s.cutoff_a:03x}",
            "emoji_hash_value": f"0x{s.emoji_value:040x}",
            "color_hash_value": f"0x{s.color_value:020x}",
            "chars_cutoff_b": f"0x{s.cutoff_b:03x}",
        })  # fmt: skip
        return
    value = i["value"] if isinstance(i["value"], int) else int(i["value"], 16)
    digits = bigbase.to_big_base(value, i["base"])
    _compare_known(x, {"digits": digits, "num_digits": len(digits)})


def identicon(v: dict) -> None:
    import hashlib

    from statuscli.core.identity import identicon as ic

    i = v["inputs"]
    if "md5_hex" in i:
        expect("md5 of the key string", hashlib.md5(i["key_string"].encode()).hexdigest(), i["md5_hex"])
    expect("pattern", ic.identicon_pattern(i["key_string"]), v["expected"]["pattern"])


def compressed_key(v: dict) -> None:
    from statuscli.core.crypto import secp256k1
    from statuscli.core.identity import keytext

    i, x = v["inputs"], v["expected"]
    checked = 0
    if "serialized" in x:
        expect("serialized", keytext.serialize_public_key(i["key"], i["output_base"]), x["serialized"])
        expect("deserialized again", keytext.deserialize_public_key(x["serialized"], "f"), keytext.deserialize_public_key(i["key"], "f"))
        checked += 1
    if "deserialized" in x:
        expect("deserialized", keytext.deserialize_public_key(i["key"], i["output_base"]), x["deserialized"])
        checked += 1
    if "compressed_key" in x:
        pub = h(i["public_key"])
        expect("compressed_key", keytext.compressed_key(pub), x["compressed_key"])
        expect("key parsed from the zQ3 text", keytext.parse_public_key_text(x["compressed_key"]), secp256k1.parse_public_key(pub))
        checked += 1
    if not checked:
        raise Mismatch("no field of this vector is one statuscli checks")


def keystore(v: dict) -> None:
    from statuscli.core.crypto import secp256k1
    from statuscli.store import keystore as ks

    i, x = v["inputs"], v["expected"]
    if "error" in x:
        expect_error(lambda: ks.decrypt(i["keyfile_json"], i["password"]))
        return
    priv = ks.decrypt(i["keyfile_json"], i["password"])
    expect("private_key", "0x" + priv.hex(), x["private_key"])
    expect("address", secp256k1.checksum_address(secp256k1.address(secp256k1.public_key(priv))), x["address"])
    expect_error(lambda: ks.decrypt(i["keyfile_json"], i["password"] + "x"), "wrong-passphrase")


CHECKS = {
    ("bip39", None): bip39,
    ("bip32", None): bip32,
    ("status-keys", None): status_keys,
    ("alias", None): alias,
    ("emojihash", None): emojihash,
    ("colorhash", None): colorhash,
    ("identity-utils", None): identity_utils,
    ("identicon", None): identicon,
    ("compressed-key", None): compressed_key,
    ("keystore", None): keystore,
}
