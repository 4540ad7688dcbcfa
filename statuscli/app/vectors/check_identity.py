"""Checks of the identity family (our format): ``keys`` and ``identity``."""

from __future__ import annotations

from statuscli.app.vectors.checking import compare, expect, expect_error, h
from statuscli.app.vectors.gen_identity import compute_identity, compute_keys


def check_keys(v: dict) -> None:
    from statuscli.core.identity import mnemonic

    i, x = v["inputs"], v["expected"]
    if v.get("must_fail"):
        expect_error(lambda: mnemonic.validate(i["mnemonic"]), x.get("error"))
        return
    compare(x, compute_keys(i))
    if "mnemonic" in x:  # and back: the words give the entropy again
        expect("entropy of the mnemonic", mnemonic.to_entropy(x["mnemonic"]), h(i["entropy"]))


def check_identity(v: dict) -> None:
    from statuscli.core.identity.alias import is_alias
    from statuscli.core.identity.keytext import parse_public_key_text

    i, x = v["inputs"], v["expected"]
    if v.get("must_fail"):
        expect_error(lambda: parse_public_key_text(i["public_key"]), x.get("error"))
        return
    compare(x, compute_identity(i))
    pub = parse_public_key_text(i["public_key"])
    for form in ("compressed_key", "compressed_public_key"):
        if form in x:  # every text form names the same key
            expect(f"key parsed from {form}", parse_public_key_text(x[form]), pub)
    if "alias" in x:
        expect("alias is three alias words", is_alias(x["alias"]), True)


CHECKS = {"keys": check_keys, "identity": check_identity}
