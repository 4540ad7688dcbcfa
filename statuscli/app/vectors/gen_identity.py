"""Generated vectors of the identity family: ``keys`` (BIP-39/BIP-32 and the Status keys) and
``identity`` (the formats people see of a chat key).

``compute_*`` turn a vector's inputs into its expected values with statuscli's core; the
generators draw inputs from the seed and call them; ``check_identity`` compares and inverts.
"""

from __future__ import annotations

from collections.abc import Iterator

from statuscli.app.vectors.entropy import Entropy
from statuscli.app.vectors.schema import Vector, case, negatives

ENTROPY_SIZES = (16, 20, 24, 28, 32)


def compute_keys(inputs: dict) -> dict:
    from statuscli.app.vectors.checking import h
    from statuscli.core.crypto import secp256k1
    from statuscli.core.identity import hd, mnemonic
    from statuscli.core.identity.keytext import compressed_key

    phrase = mnemonic.from_entropy(h(inputs["entropy"]), inputs.get("language", "english"))
    seed = mnemonic.to_seed(phrase, inputs["bip39_passphrase"])
    keys = hd.status_keys(seed)
    derived = hd.derive(seed, inputs["path"])
    return {
        "mnemonic": phrase,
        "seed": seed.hex(),
        "master_xprv": keys.master.xprv,
        "key_uid": keys.key_uid,
        "chat_private_key": keys.chat.private_key.hex(),
        "chat_public_key": "0x" + keys.chat.public_key.hex(),
        "chat_compressed_key": compressed_key(keys.chat.public_key),
        "encryption_public_key": "0x" + keys.encryption.public_key.hex(),
        "wallet_address": secp256k1.checksum_address(secp256k1.address(keys.wallet.public_key)),
        "derived": {
            "path": derived.path,
            "private_key": derived.private_key.hex(),
            "public_key": "0x" + derived.public_key.hex(),
            "xpub": derived.xpub,
            "address": secp256k1.checksum_address(secp256k1.address(derived.public_key)),
        },
    }


def compute_identity(inputs: dict) -> dict:
    from statuscli.core.crypto import secp256k1
    from statuscli.core.identity.keytext import parse_public_key_text
    from statuscli.core.identity.profile import public_profile

    pub = parse_public_key_text(inputs["public_key"])
    out = public_profile(pub)
    out["compressed_public_key"] = "0x" + secp256k1.compress(pub).hex()
    return out


def gen_keys(ent: Entropy, count: int) -> Iterator[Vector]:
    for i in range(count):
        size = ENTROPY_SIZES[i % len(ENTROPY_SIZES)]
        passphrase = "" if i % 3 else ent.word(f"{i}/passphrase", 4, 12)
        path = f"m/44'/60'/0'/0/{ent.int(f'{i}/index', 0, 2**31 - 1)}"
        inputs = {"entropy": ent.bytes(f"{i}/entropy", size).hex(), "language": "english", "bip39_passphrase": passphrase, "path": path}
        yield case(
            f"{size * 8}-bit entropy → {size * 3 // 4}-word mnemonic → seed{' (BIP-39 passphrase)' if passphrase else ''}; "
            f"keyUID, chat/encryption/wallet keys and {path}",
            inputs, compute_keys(inputs),
        )  # fmt: skip
    for j in range(negatives(count)):
        yield case("a mnemonic whose last word breaks the checksum must be refused",
                   {"mnemonic": _bad_checksum_mnemonic(ent, j)}, {"error": "invalid-mnemonic"}, must_fail=True)


def _bad_checksum_mnemonic(ent: Entropy, j: int) -> str:
    from statuscli.core.identity import mnemonic

    words = mnemonic.from_entropy(ent.bytes(f"bad/{j}/entropy", 16)).split()
    wordlist = mnemonic.wordlist("english")
    start = ent.int(f"bad/{j}/word", 0, len(wordlist) - 1)
    for k in range(len(wordlist)):
        words[-1] = wordlist[(start + k) % len(wordlist)]
        if not mnemonic.is_valid(" ".join(words)):
            return " ".join(words)
    raise AssertionError("unreachable: every last word kept the checksum")


def gen_identity(ent: Entropy, count: int) -> Iterator[Vector]:
    from statuscli.core.crypto import secp256k1

    for i in range(count):
        pub = secp256k1.public_key(ent.private_key(f"{i}/key"))
        inputs = {"public_key": "0x" + pub.hex()}
        yield case("identity formats of a chat key: zQ3 key, alias, emoji hash, color hash and id, identicon, address",
                   inputs, compute_identity(inputs))
    for j in range(negatives(count)):
        text, why = _bad_key_text(ent, j)
        yield case(f"{why} must be refused", {"public_key": text}, {"error": "malformed-key"}, must_fail=True)


def _bad_key_text(ent: Entropy, j: int) -> tuple[str, str]:
    """A key text that does not hold a point of the curve (three flavours, by ``j``)."""
    from statuscli.core.crypto import secp256k1
    from statuscli.core.errors import StatusCliError
    from statuscli.core.identity.keytext import compressed_key, parse_public_key_text

    def refused(text: str) -> bool:
        try:
            parse_public_key_text(text)
        except StatusCliError as e:
            return e.code == "malformed-key"
        return False

    for attempt in range(256):
        label = f"bad/{j}/{attempt}"
        if j % 3 == 0:
            pub = bytearray(secp256k1.public_key(ent.private_key(label)))
            pub[-1] ^= 1  # y no longer matches x
            text, why = "0x" + pub.hex(), "an uncompressed key whose point is not on the curve"
        elif j % 3 == 1:
            text, why = "0x02" + ent.bytes(label, 32).hex(), "a compressed key whose x has no point on the curve"
        else:
            good = list(compressed_key(secp256k1.public_key(ent.private_key(label))))
            pos = ent.int(label + "/pos", 5, len(good) - 1)
            good[pos] = ent.choice(label + "/char", [c for c in "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz" if c != good[pos]])
            text, why = "".join(good), "a zQ3 key with one character changed (no longer a curve point)"
        if refused(text):
            return text, why
    raise AssertionError("no refused key text found")


GENERATORS = {"keys": gen_keys, "identity": gen_identity}
