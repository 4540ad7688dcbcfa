"""store/keystore: the v3 key-file vector, round trips, wrong passphrase, malformed files."""

from __future__ import annotations

import copy
import json

import pytest

from statuscli.core.crypto import secp256k1
from statuscli.core.errors import KeystoreError, WrongPassphrase
from statuscli.store import keystore
from tests.conftest import vector_id, vectors


@pytest.mark.parametrize("v", vectors("status.json", "keystore"), ids=vector_id)
def test_keystore_vector_decrypts(v):
    i, e = v["inputs"], v["expected"]
    priv = keystore.decrypt(i["keyfile_json"], i["password"])
    assert "0x" + priv.hex() == e["private_key"]
    addr = secp256k1.address(secp256k1.public_key(priv))
    assert secp256k1.checksum_address(addr) == e["address"]
    assert keystore.address_of(i["keyfile_json"]) == addr
    # the same file as JSON text
    assert keystore.decrypt(json.dumps(i["keyfile_json"]), i["password"]) == priv


@pytest.mark.parametrize("v", vectors("status.json", "keystore"), ids=vector_id)
def test_keystore_vector_wrong_password(v):
    with pytest.raises(WrongPassphrase) as err:
        keystore.decrypt(v["inputs"]["keyfile_json"], v["inputs"]["password"] + "x")
    assert err.value.exit_code == 5


@pytest.mark.parametrize("v", vectors("status.json", "keystore"), ids=vector_id)
def test_encrypt_reproduces_the_vector_with_its_salt_and_iv(v):
    """Feeding the vector's salt, iv and id back in gives byte-identical crypto."""
    kf = v["inputs"]["keyfile_json"]
    c = kf["crypto"]
    stream = iter([bytes.fromhex(c["kdfparams"]["salt"]), bytes.fromhex(c["cipherparams"]["iv"])])
    doc = keystore.encrypt(
        bytes.fromhex(v["expected"]["private_key"][2:]), v["inputs"]["password"],
        address=bytes.fromhex(kf["address"]), rng=lambda n: next(stream), key_id=kf["id"],
    )
    assert doc == kf


def test_round_trip_any_secret_and_fresh_salts():
    secret = "legal winner thank year wave sausage worth useful legal winner thank yellow".encode()
    a = keystore.encrypt(secret, "pässwörd")
    b = keystore.encrypt(secret, "pässwörd")
    assert a["crypto"]["kdfparams"]["salt"] != b["crypto"]["kdfparams"]["salt"]
    assert a["crypto"]["kdfparams"] | {"salt": None} == {"dklen": 32, "n": 4096, "p": 6, "r": 8, "salt": None}
    assert "address" not in a and a["version"] == 3
    assert keystore.decrypt(a, "pässwörd") == secret
    with pytest.raises(WrongPassphrase):
        keystore.decrypt(a, "password")


def test_pbkdf2_files_are_read():
    import hashlib

    from statuscli.core.crypto.hashing import keccak256
    from statuscli.core.crypto.symmetric import aes_ctr

    salt, iv, secret = b"s" * 32, b"i" * 16, b"k" * 32
    dk = hashlib.pbkdf2_hmac("sha256", b"pw", salt, 1000, 32)
    ct = aes_ctr(dk[:16], iv, secret)
    doc = {"version": 3, "crypto": {"cipher": "aes-128-ctr", "ciphertext": ct.hex(), "cipherparams": {"iv": iv.hex()},
           "kdf": "pbkdf2", "kdfparams": {"c": 1000, "dklen": 32, "prf": "hmac-sha256", "salt": salt.hex()},
           "mac": keccak256(dk[16:] + ct).hex()}}
    assert keystore.decrypt(doc, "pw") == secret


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.update(version=1),
        lambda d: d["crypto"].update(cipher="aes-256-gcm"),
        lambda d: d["crypto"].update(kdf="argon2"),
        lambda d: d["crypto"].pop("mac"),
        lambda d: d["crypto"].update(ciphertext="zz"),
        lambda d: d["crypto"]["kdfparams"].update(n=3),
        lambda d: d["crypto"]["cipherparams"].update(iv="00"),
        lambda d: d.pop("crypto"),
    ],
)
def test_malformed_files_are_keystore_errors(mutate):
    doc = copy.deepcopy(vectors("status.json", "keystore")[0]["inputs"]["keyfile_json"])
    mutate(doc)
    with pytest.raises(KeystoreError):
        keystore.decrypt(doc, "TEST_PASSWORD")


def test_not_json():
    with pytest.raises(KeystoreError):
        keystore.decrypt("{nope", "x")
    with pytest.raises(KeystoreError):
        keystore.decrypt("[1]", "x")
