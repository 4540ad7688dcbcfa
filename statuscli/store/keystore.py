"""Web3 Secret Storage v3 (go-ethereum key files), as status-go writes them.

Encryption of a secret ``s`` under passphrase ``P``:

* ``dk = scrypt(UTF-8(P), salt32, N=4096, r=8, p=6, dklen=32)`` (go-ethereum "light" parameters,
  what status-go uses; ``pbkdf2`` with ``hmac-sha256`` is also read, as geth does);
* ``ciphertext = AES-128-CTR(key = dk[0:16], iv16, s)``;
* ``mac = keccak256(dk[16:32] ‖ ciphertext)``; decryption checks the MAC first and raises
  :class:`~statuscli.core.errors.WrongPassphrase` when it does not match.

A file for a private key carries its ``address`` (lowercase hex, no ``0x``) and is what
``geth account import``/MetaMask read. Any other secret (our mnemonic file) uses the same ``crypto``
section with no address.
"""

from __future__ import annotations

import hmac
import json
import os
import uuid
from collections.abc import Callable

from statuscli.core.crypto.hashing import keccak256
from statuscli.core.errors import KeystoreError, WrongPassphrase

LIGHT_SCRYPT_N = 4096
LIGHT_SCRYPT_P = 6
SCRYPT_R = 8
DKLEN = 32
#: go-ethereum's "standard" parameters, accepted when reading
STANDARD_SCRYPT_N = 1 << 18
STANDARD_SCRYPT_P = 1

Rng = Callable[[int], bytes]


def _derive(passphrase: str, kdf: str, params: dict) -> bytes:
    pw = passphrase.encode("utf-8")
    try:
        salt = bytes.fromhex(params["salt"])
        dklen = int(params["dklen"])
        if dklen < 32:
            raise KeystoreError(f"key file dklen {dklen} is too short (need 32)")
        if kdf == "scrypt":
            from statuscli.core.crypto.symmetric import scrypt

            n, r, p = int(params["n"]), int(params["r"]), int(params["p"])
            if n < 2 or n & (n - 1) or n > 1 << 20 or r * p >= 1 << 30:
                raise KeystoreError(f"key file scrypt parameters out of range (n={n}, r={r}, p={p})")
            return scrypt(pw, salt, n, r, p, dklen)
        if kdf == "pbkdf2":
            import hashlib

            if params.get("prf") != "hmac-sha256":
                raise KeystoreError(f"unsupported pbkdf2 prf {params.get('prf')!r} (only hmac-sha256)")
            return hashlib.pbkdf2_hmac("sha256", pw, salt, int(params["c"]), dklen)
    except (KeyError, ValueError, TypeError) as e:
        raise KeystoreError(f"malformed key file kdf parameters: {e}") from None
    raise KeystoreError(f"unsupported key file kdf {kdf!r} (scrypt or pbkdf2)")


def encrypt(
    secret: bytes,
    passphrase: str,
    *,
    address: bytes | None = None,
    rng: Rng = os.urandom,
    n: int = LIGHT_SCRYPT_N,
    p: int = LIGHT_SCRYPT_P,
    key_id: str | None = None,
) -> dict:
    """A v3 key-file document protecting ``secret`` (any length)."""
    from statuscli.core.crypto.symmetric import aes_ctr, scrypt

    salt, iv = rng(32), rng(16)
    dk = scrypt(passphrase.encode("utf-8"), salt, n, SCRYPT_R, p, DKLEN)
    ciphertext = aes_ctr(dk[:16], iv, secret)
    doc: dict = {}
    if address is not None:
        doc["address"] = address.hex()
    doc["crypto"] = {
        "cipher": "aes-128-ctr",
        "ciphertext": ciphertext.hex(),
        "cipherparams": {"iv": iv.hex()},
        "kdf": "scrypt",
        "kdfparams": {"dklen": DKLEN, "n": n, "p": p, "r": SCRYPT_R, "salt": salt.hex()},
        "mac": keccak256(dk[16:32] + ciphertext).hex(),
    }
    doc["id"] = key_id or str(uuid.UUID(bytes=rng(16), version=4))
    doc["version"] = 3
    return doc


def decrypt(doc: dict | str | bytes, passphrase: str) -> bytes:
    """The secret in a v3 key file; :class:`WrongPassphrase` when the MAC does not match."""
    if isinstance(doc, (str, bytes)):
        try:
            doc = json.loads(doc)
        except ValueError:
            raise KeystoreError("key file is not JSON") from None
    if not isinstance(doc, dict):
        raise KeystoreError("key file is not a JSON object")
    if doc.get("version") != 3:
        raise KeystoreError(f"unsupported key file version {doc.get('version')!r} (only 3)")
    c = doc.get("crypto") or doc.get("Crypto")
    if not isinstance(c, dict):
        raise KeystoreError("key file has no crypto section")
    try:
        if c["cipher"] != "aes-128-ctr":
            raise KeystoreError(f"unsupported key file cipher {c['cipher']!r} (only aes-128-ctr)")
        ciphertext = bytes.fromhex(c["ciphertext"])
        iv = bytes.fromhex(c["cipherparams"]["iv"])
        mac = bytes.fromhex(c["mac"])
        kdf, params = c["kdf"], c["kdfparams"]
    except (KeyError, ValueError, TypeError) as e:
        raise KeystoreError(f"malformed key file: {e}") from None
    if len(iv) != 16:
        raise KeystoreError("malformed key file: iv must be 16 bytes")
    dk = _derive(passphrase, kdf, params)
    if not hmac.compare_digest(keccak256(dk[16:32] + ciphertext), mac):
        raise WrongPassphrase("wrong passphrase (the key file's MAC does not match)",
                              hint="check the passphrase source: --password-file, STATUSCLI_PASSWORD_FILE or STATUSCLI_PASSWORD")
    from statuscli.core.crypto.symmetric import aes_ctr

    return aes_ctr(dk[:16], iv, ciphertext)


def address_of(doc: dict) -> bytes | None:
    """The ``address`` field of a key file, if any."""
    a = doc.get("address")
    if not a:
        return None
    try:
        return bytes.fromhex(a[2:] if a.startswith("0x") else a)
    except ValueError:
        raise KeystoreError("malformed key file address") from None
