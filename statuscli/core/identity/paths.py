"""The BIP-32 derivation paths Status uses (status-go ``api/defaults.go``).

The chat path hardens the key-type level (``0'``) but not the index (``0``), whatever the comment
in status-go's ``extkeys`` says; spec 2/ACCOUNT agrees.
"""

from __future__ import annotations

#: BIP-44 Ethereum wallet root, stored by status-go as ``WalletRootAddress``.
WALLET_ROOT = "m/44'/60'/0'/0"
#: The default wallet account (``DappsAddress``, first wallet account).
WALLET = "m/44'/60'/0'/0/0"
#: EIP-1581 root.
EIP1581_ROOT = "m/43'/60'/1581'"
#: The chat (identity) key: signs messages, takes part in X3DH, is the public identity.
CHAT = "m/43'/60'/1581'/0'/0"
#: The database-encryption key (its public key is the SQLCipher passphrase for keycard logins).
ENCRYPTION = "m/43'/60'/1581'/1'/0"

#: Names accepted on the command line for ``--path``.
NAMED = {"chat": CHAT, "encryption": ENCRYPTION, "wallet": WALLET, "wallet-root": WALLET_ROOT, "eip1581": EIP1581_ROOT}

HARDENED = 0x80000000


def parse_path(path: str) -> list[int]:
    """``m/44'/60'/0'/0/0`` (``'``, ``h`` or ``H`` for hardened) → child indexes; named paths allowed."""
    from statuscli.core.errors import InvalidPath

    text = NAMED.get(path, path).strip()
    parts = text.split("/")
    if not parts or parts[0] not in ("m", "M"):
        raise InvalidPath(f"a derivation path starts with 'm/': {path!r}",
                           hint="e.g. m/43'/60'/1581'/0'/0, or one of: " + ", ".join(NAMED))
    out = []
    for part in parts[1:]:
        hardened = part[-1:] in ("'", "h", "H")
        digits = part[:-1] if hardened else part
        if not digits.isdigit() or not digits.isascii():
            raise InvalidPath(f"bad derivation path element {part!r} in {path!r}")
        index = int(digits)
        if index >= HARDENED:
            raise InvalidPath(f"derivation index {index} is too large (max {HARDENED - 1})")
        out.append(index + HARDENED if hardened else index)
    return out


def format_path(indexes: list[int]) -> str:
    return "/".join(["m"] + [f"{i - HARDENED}'" if i >= HARDENED else str(i) for i in indexes])
