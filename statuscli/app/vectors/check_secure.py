"""Checks of generated ``bundles``, ``x3dh`` and ``ratchet`` vectors."""

from __future__ import annotations

from statuscli.app.vectors.checking import compare, expect, expect_error, h
from statuscli.app.vectors.gen_secure import (
    X3DH_KEYS,
    compute_bundle,
    compute_ratchet,
    compute_x3dh,
    decrypt_single,
    parties,
    x3dh_with_bad_prekey,
)


def check_bundles(v: dict) -> None:
    from statuscli.core.bundles import Bundle

    i, x = v["inputs"], v["expected"]
    if v.get("must_fail"):
        expect_error(lambda: Bundle.decode(h(i["bundle_protobuf"])).verify(), x.get("error"))
        return
    compare(x, compute_bundle(i))
    if "bundle_protobuf" in x:  # the bytes decode, and their signature recovers the identity
        b = Bundle.decode(h(x["bundle_protobuf"]))
        expect("identity recovered from the signature", b.verify().hex(), _uncompressed(b.identity))


def _uncompressed(compressed: bytes) -> str:
    from statuscli.core.crypto import secp256k1

    return secp256k1.decompress(compressed).hex()


def check_x3dh(v: dict) -> None:
    from statuscli.core import x3dh
    from statuscli.core.crypto import secp256k1

    i, x = v["inputs"], v["expected"]
    if v.get("must_fail"):
        expect_error(lambda: x3dh_with_bad_prekey(i), x.get("error"))
        return
    compare(x, compute_x3dh(i))
    ika, eka, ikb, spkb = (h(i[k]) for k in X3DH_KEYS)
    pub = secp256k1.public_key
    if "shared_secret" in x:
        expect("shared secret (passive side)", x3dh.x3dh_passive(ikb, spkb, pub(ika), pub(eka)).hex(), x["shared_secret"])


def check_ratchet(v: dict) -> None:
    from statuscli.core.ratchet import Header

    i, x = v["inputs"], v["expected"]
    if v.get("must_fail"):
        expect_error(lambda: decrypt_single(i), x.get("error"))
        return
    compare(x, compute_ratchet(i))
    # the expected bytes decrypt in order on the receiving side (not only our own re-encryption)
    state, rngs = parties(i)
    for k, (m, e) in enumerate(zip(i["messages"], x["messages"])):
        sender = m["from"]
        receiver = "bob" if sender == "alice" else "alice"
        got = state[receiver].decrypt(Header(h(e["dh"]), e["n"], e["pn"]), h(e["ciphertext"]), rngs[receiver])
        expect(f"message {k + 1} decrypted", got.plaintext.hex(), m["plaintext"])
        state[receiver] = got.state


CHECKS = {"bundles": check_bundles, "x3dh": check_x3dh, "ratchet": check_ratchet}
