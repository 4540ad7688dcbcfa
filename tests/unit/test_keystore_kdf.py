"""Key-file KDF choices and bounds (issue 12 item 4)."""

from __future__ import annotations

import copy
import os

import pytest

from statuscli.app.accounts import seal_secrets
from statuscli.core.crypto import symmetric
from statuscli.core.errors import KeystoreError
from statuscli.store import keystore


@pytest.fixture
def scrypt_calls(monkeypatch):
    """Count real scrypt runs (the real function still runs)."""
    calls = []
    real = symmetric.scrypt

    def counting(*args, **kwargs):
        calls.append(args[2:5])
        return real(*args, **kwargs)

    monkeypatch.setattr(symmetric, "scrypt", counting)
    return calls


def test_default_is_status_go_light_and_standard_is_geth_standard(scrypt_calls):
    light = keystore.encrypt(b"s" * 32, "pw")
    assert {k: light["crypto"]["kdfparams"][k] for k in ("n", "r", "p")} == {"n": 4096, "r": 8, "p": 6}
    standard = keystore.encrypt(b"s" * 32, "pw", kdf="standard")
    assert {k: standard["crypto"]["kdfparams"][k] for k in ("n", "r", "p")} == {"n": 1 << 18, "r": 8, "p": 1}
    assert keystore.kdf_of(standard) == "standard" and keystore.kdf_of(light) == "light"
    assert keystore.decrypt(standard, "pw") == b"s" * 32
    with pytest.raises(KeystoreError):
        keystore.encrypt(b"s", "pw", kdf="argon2")


@pytest.mark.parametrize(
    "kdf, change",
    [
        ("scrypt", {"n": 1 << 20}),
        ("scrypt", {"n": 1 << 30}),
        ("scrypt", {"r": 1 << 20}),
        ("scrypt", {"p": 1 << 20}),
        ("scrypt", {"n": 1 << 18, "p": 2}),  # twice geth-standard work
        ("scrypt", {"n": 1 << 18, "r": 16}),  # twice geth-standard memory
        ("scrypt", {"n": 4095}),
        ("scrypt", {"n": "4096"}),
        ("scrypt", {"dklen": 1 << 30}),
        ("scrypt", {"salt": "00" * 100_000}),
        ("pbkdf2", {"c": 10**9}),
        ("pbkdf2", {"c": 0}),
        ("pbkdf2", {"dklen": 1 << 30}),
    ],
)
def test_costly_or_odd_parameters_are_refused_before_any_work(kdf, change, scrypt_calls, monkeypatch):
    import hashlib

    pbkdf2_runs = []
    monkeypatch.setattr(hashlib, "pbkdf2_hmac", lambda *a, **k: pbkdf2_runs.append(a) or b"\0" * 32)
    doc = keystore.encrypt(os.urandom(32), "pw")
    scrypt_calls.clear()
    if kdf == "pbkdf2":
        doc["crypto"]["kdf"] = "pbkdf2"
        doc["crypto"]["kdfparams"] = {"c": 262144, "dklen": 32, "prf": "hmac-sha256", "salt": "00" * 32}
    doc["crypto"]["kdfparams"].update(change)
    with pytest.raises(KeystoreError):
        keystore.decrypt(copy.deepcopy(doc), "pw")
    assert scrypt_calls == [] and pbkdf2_runs == []


def test_one_accounts_files_share_a_salt_so_one_scrypt_opens_them_all(scrypt_calls):
    files = seal_secrets("pw", "light", os.urandom, {"a.json": (b"a" * 32, None), "b.json": (b"b" * 32, None)})
    assert len(scrypt_calls) == 1
    salts = {keystore.salt_of(doc) for doc in files.values()}
    assert len(salts) == 1 and None not in salts
    ivs = {doc["crypto"]["cipherparams"]["iv"] for doc in files.values()}
    assert len(ivs) == 2
    scrypt_calls.clear()
    derived: dict = {}
    assert keystore.decrypt(files["a.json"], "pw", derived=derived) == b"a" * 32
    assert keystore.decrypt(files["b.json"], "pw", derived=derived) == b"b" * 32
    assert len(scrypt_calls) == 1
