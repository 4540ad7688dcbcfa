"""Web3 Secret Storage v3 (go-ethereum key files), as status-go writes them.

Encryption of a secret ``s`` under passphrase ``P``:

* ``dk = scrypt(UTF-8(P), salt32, N, r=8, p, dklen=32)``; ``pbkdf2`` with ``hmac-sha256`` is also
  read, as geth does;
* ``ciphertext = AES-128-CTR(key = dk[0:16], iv16, s)``;
* ``mac = keccak256(dk[16:32] ‖ ciphertext)``; decryption checks the MAC first and raises
  :class:`~statuscli.core.errors.WrongPassphrase` when it does not match.

Two parameter sets are written (``kdf=``):

* ``light`` (default) — N=4096, r=8, p=6: go-ethereum's "light" scrypt, what status-go writes.
  4 MiB of memory; tens of milliseconds per call, and the same per guess for an attacker;
* ``standard`` — N=2^18, r=8, p=1: go-ethereum's standard scrypt (``geth account new``).
  256 MiB of memory; most of a second per call, and per guess. docs/secrets.md has measured figures.

Reading bounds every parameter before any work (:data:`MAX_SCRYPT_WORK`, :data:`MAX_PBKDF2_ROUNDS`,
…), so a crafted key file cannot make statuscli spend minutes or gigabytes on one unlock.

A file for a private key carries its ``address`` (lowercase hex, no ``0x``) and is what
``geth account import``/MetaMask read. Any other secret (our mnemonic and database-key files) uses
the same ``crypto`` section with no address.
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
STANDARD_SCRYPT_N = 1 << 18
STANDARD_SCRYPT_P = 1

KDF_LIGHT = "light"
KDF_STANDARD = "standard"
#: name → (N, p) written by :func:`encrypt` (r is always 8)
KDF_PARAMS = {KDF_LIGHT: (LIGHT_SCRYPT_N, LIGHT_SCRYPT_P), KDF_STANDARD: (STANDARD_SCRYPT_N, STANDARD_SCRYPT_P)}

#: bounds on what a key file may ask for: scrypt's memory is 128·N·r bytes and its work 128·N·r·p;
#: the largest allowed is go-ethereum's standard set (256 MiB, N·r·p = 2^21)
MAX_SCRYPT_N = 1 << 18
MAX_SCRYPT_R = 32
MAX_SCRYPT_MEMORY_NR = STANDARD_SCRYPT_N * SCRYPT_R
MAX_SCRYPT_WORK = STANDARD_SCRYPT_N * SCRYPT_R * STANDARD_SCRYPT_P
#: geth writes c = 262 144 for pbkdf2 files; allow 4× that (about a second)
MAX_PBKDF2_ROUNDS = 1 << 20
MAX_DKLEN = 64
MAX_SALT_BYTES = 256
MAX_CIPHERTEXT_BYTES = 64 * 1024

Rng = Callable[[int], bytes]


def _bounded(name: str, value, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise KeystoreError(f"key file kdf parameter {name} is not an integer")
    if not low <= value <= high:
        raise KeystoreError(f"key file kdf parameter {name}={value} is out of range ({low}..{high})",
                            hint="statuscli refuses key files that would take minutes or gigabytes to unlock")
    return value


def _derive(passphrase: str, kdf: str, params: dict) -> bytes:
    pw = passphrase.encode("utf-8")
    if not isinstance(params, dict):
        raise KeystoreError("malformed key file: kdfparams is not an object")
    try:
        salt = bytes.fromhex(params["salt"])
        dklen = _bounded("dklen", params["dklen"], 32, MAX_DKLEN)
        if len(salt) > MAX_SALT_BYTES:
            raise KeystoreError(f"key file salt of {len(salt)} bytes is too long")
        if kdf == "scrypt":
            from statuscli.core.crypto.symmetric import scrypt

            n = _bounded("n", params["n"], 2, MAX_SCRYPT_N)
            r = _bounded("r", params["r"], 1, MAX_SCRYPT_R)
            p = _bounded("p", params["p"], 1, MAX_SCRYPT_WORK)
            if n & (n - 1):
                raise KeystoreError(f"key file scrypt n={n} is not a power of two")
            if n * r > MAX_SCRYPT_MEMORY_NR or n * r * p > MAX_SCRYPT_WORK:
                raise KeystoreError(f"key file scrypt parameters n={n}, r={r}, p={p} cost more than go-ethereum's standard set",
                                    hint="statuscli refuses key files that would take minutes or gigabytes to unlock")
            return scrypt(pw, salt, n, r, p, dklen)
        if kdf == "pbkdf2":
            import hashlib

            if params.get("prf") != "hmac-sha256":
                raise KeystoreError(f"unsupported pbkdf2 prf {params.get('prf')!r} (only hmac-sha256)")
            c = _bounded("c", params["c"], 1, MAX_PBKDF2_ROUNDS)
            return hashlib.pbkdf2_hmac("sha256", pw, salt, c, dklen)
    except (KeyError, ValueError, TypeError) as e:
        raise KeystoreError(f"malformed key file kdf parameters: {e}") from None
    raise KeystoreError(f"unsupported key file kdf {kdf!r} (scrypt or pbkdf2)")


def kdf_of(doc: dict) -> str:
    """``standard`` when a key file uses scrypt with go-ethereum's standard N, else ``light``."""
    c = doc.get("crypto") or doc.get("Crypto") or {}
    params = c.get("kdfparams") if isinstance(c, dict) else None
    n = params.get("n") if isinstance(params, dict) else None
    return KDF_STANDARD if n == STANDARD_SCRYPT_N else KDF_LIGHT


def encrypt(
    secret: bytes,
    passphrase: str,
    *,
    address: bytes | None = None,
    rng: Rng = os.urandom,
    kdf: str = KDF_LIGHT,
    key_id: str | None = None,
    salt: bytes | None = None,
    derived: dict | None = None,
) -> dict:
    """A v3 key-file document protecting ``secret`` (any length), with the ``kdf`` parameter set.

    ``salt`` (default: 32 fresh bytes) may be shared by the key files of one account so that one
    scrypt unlocks them all (an attacker needs one scrypt per guess either way: any one file
    verifies a guess); ``derived`` is the caller's cache of derived keys (see :func:`decrypt`).
    """
    try:
        n, p = KDF_PARAMS[kdf]
    except KeyError:
        raise KeystoreError(f"unknown kdf {kdf!r} (light or standard)") from None
    from statuscli.core.crypto.symmetric import aes_ctr

    salt = rng(32) if salt is None else salt
    iv = rng(16)
    params = {"dklen": DKLEN, "n": n, "p": p, "r": SCRYPT_R, "salt": salt.hex()}
    dk = _derive_cached(passphrase, "scrypt", params, derived)
    ciphertext = aes_ctr(dk[:16], iv, secret)
    doc: dict = {}
    if address is not None:
        doc["address"] = address.hex()
    doc["crypto"] = {
        "cipher": "aes-128-ctr",
        "ciphertext": ciphertext.hex(),
        "cipherparams": {"iv": iv.hex()},
        "kdf": "scrypt",
        "kdfparams": params,
        "mac": keccak256(dk[16:32] + ciphertext).hex(),
    }
    doc["id"] = key_id or str(uuid.UUID(bytes=rng(16), version=4))
    doc["version"] = 3
    return doc


def _derive_cached(passphrase: str, kdf: str, params, derived: dict | None) -> bytes:
    if derived is None:
        return _derive(passphrase, kdf, params)
    key = (passphrase, kdf, json.dumps(params, sort_keys=True))
    if key not in derived:
        derived[key] = _derive(passphrase, kdf, params)
    return derived[key]


def salt_of(doc: dict) -> bytes | None:
    """The scrypt salt of a key file (None for pbkdf2 or a malformed file)."""
    c = doc.get("crypto") or doc.get("Crypto") or {}
    try:
        return bytes.fromhex(c["kdfparams"]["salt"]) if c.get("kdf") == "scrypt" else None
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def decrypt(doc: dict | str | bytes, passphrase: str, *, derived: dict | None = None) -> bytes:
    """The secret in a v3 key file; :class:`WrongPassphrase` when the MAC does not match.

    ``derived``: a dict the caller keeps for one unlock; key files sharing a salt and parameters
    then cost one scrypt together. It holds derived keys: drop it with the secrets."""
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
        if len(c["ciphertext"]) > 2 * MAX_CIPHERTEXT_BYTES:
            raise KeystoreError("malformed key file: ciphertext too long")
        ciphertext = bytes.fromhex(c["ciphertext"])
        iv = bytes.fromhex(c["cipherparams"]["iv"])
        mac = bytes.fromhex(c["mac"])
        kdf, params = c["kdf"], c["kdfparams"]
    except (KeyError, ValueError, TypeError) as e:
        raise KeystoreError(f"malformed key file: {e}") from None
    if len(iv) != 16:
        raise KeystoreError("malformed key file: iv must be 16 bytes")
    dk = _derive_cached(passphrase, kdf, params, derived)
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
