"""Accounts: create (generate or import a mnemonic), open/unlock, list, export, delete.

The interface other use cases build on::

    account = open_account(app)                 # resolves --account / STATUSCLI_ACCOUNT / default, unlocks
    account.name, account.key_uid               # str
    account.chat_public_key                     # 65 bytes
    account.chat_private_key                    # 32 bytes; PassphraseRequired if opened with unlock=False
    account.installation_id                     # UUIDv4 text, made once at creation
    account.dir                                 # Path of the account folder
    account.db                                  # SQLCipher connection to <dir>/state.db, schema applied, opened on first use

Unlocking decrypts only the chat key's own v3 key file (one scrypt, no BIP-32, no bip-utils);
creating derives every key from the mnemonic once and stores the chat key, the mnemonic and the
database key in three separate key files, plus the public data in plain JSON (see
:mod:`statuscli.store.accounts`).

The database key (SQLCipher raw key of ``state.db``) is the private key at ``m/43'/60'/1581'/1'/0``
of the mnemonic (status-go's database-encryption path), or 32 random bytes for an account without a
mnemonic; ``account.json`` says which (``database_key``: ``mnemonic`` | ``random``). It is decrypted
(a second scrypt) only when the database is first used. An account made before the database was
encrypted gets its key file at that moment, and its plaintext ``state.db`` is converted
(:mod:`statuscli.store.state_migration`).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from statuscli.core.crypto import secp256k1
from statuscli.core.errors import AccountExists, AccountNotFound, KeystoreError, PassphraseRequired
from statuscli.store import accounts as store
from statuscli.store import keystore

if TYPE_CHECKING:
    import sqlite3

    from statuscli.app.context import AppContext

Rng = Callable[[int], bytes]


class Account:
    """One account of the home; holds the chat private key only once unlocked."""

    def __init__(self, home: store.Home, metadata: dict, chat_private_key: bytes | None = None):
        self.home = home
        self.metadata = metadata
        self.name: str = metadata["name"]
        self.key_uid: str = metadata["key_uid"]
        self.installation_id: str = metadata["installation_id"]
        self.created_at: int = int(metadata.get("created_at", 0))
        try:
            self.chat_public_key: bytes = secp256k1.parse_public_key(bytes.fromhex(metadata["chat_public_key"][2:]))
        except (ValueError, KeyError):
            raise KeystoreError(f"account {self.name!r} has a malformed chat_public_key in {store.METADATA_FILE}") from None
        self.dir: Path = home.account_dir(self.name)
        self._chat_private_key = chat_private_key
        self._db: sqlite3.Connection | None = None
        self._db_key: bytes | None = None
        #: where the passphrase comes from if the database key is needed (set by open_account)
        self.passphrase_source: Callable[[], str] | None = None
        self._passphrase: str | None = None  # the one that unlocked the chat key, until the db key is read
        self._derived: dict | None = None  # its scrypt output (db-key.json shares chat-key.json's salt)

    def __repr__(self) -> str:
        return f"Account(name={self.name!r}, key_uid={self.key_uid!r}, unlocked={self.unlocked})"

    # --- secrets ---------------------------------------------------------------------------
    @property
    def unlocked(self) -> bool:
        return self._chat_private_key is not None

    @property
    def chat_private_key(self) -> bytes:
        if self._chat_private_key is None:
            raise PassphraseRequired(f"account {self.name!r} is locked: its chat private key needs the passphrase")
        return self._chat_private_key

    def unlock(self, passphrase: str) -> Account:
        """Decrypt the chat key file (one scrypt); raises WrongPassphrase."""
        doc = self.home.read_file(self.name, store.CHAT_KEY_FILE)
        derived: dict = {}
        priv = keystore.decrypt(doc, passphrase, derived=derived)
        if len(priv) != 32 or secp256k1.public_key(priv) != self.chat_public_key:
            raise KeystoreError(f"account {self.name!r}: the chat key file does not match the account's public key")
        self._chat_private_key = priv
        self._passphrase, self._derived = passphrase, derived
        return self

    def read_mnemonic(self, passphrase: str) -> tuple[str, str]:
        """``(mnemonic, bip39_passphrase)`` from the encrypted mnemonic file."""
        import json

        doc = self.home.read_file(self.name, store.MNEMONIC_FILE)
        secret = json.loads(keystore.decrypt(doc, passphrase).decode("utf-8"))
        return secret["mnemonic"], secret.get("bip39_passphrase", "")

    def chat_keyfile(self) -> dict:
        """The geth-compatible v3 key file of the chat key (encrypted with the account passphrase)."""
        return self.home.read_file(self.name, store.CHAT_KEY_FILE)

    # --- public forms ----------------------------------------------------------------------
    @property
    def compressed_key(self) -> str:
        from statuscli.core.identity.keytext import compressed_key

        return compressed_key(self.chat_public_key)

    @property
    def address(self) -> str:
        return secp256k1.checksum_address(secp256k1.address(self.chat_public_key))

    # --- state database --------------------------------------------------------------------
    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            from statuscli.store.state_db import open_state

            self._db = open_state(self.dir / store.STATE_DB, self.database_key())
        return self._db

    @property
    def database_key_source(self) -> str | None:
        """``mnemonic`` or ``random``; None for an account whose key file is made at its next unlock."""
        return self.metadata.get("database_key")

    def database_key(self) -> bytes:
        """The 32-byte SQLCipher key of ``state.db`` (decrypts ``db-key.json``; makes it if missing)."""
        if self._db_key is None:
            pw = self._passphrase
            if pw is None:
                if self.passphrase_source is None:
                    raise PassphraseRequired(f"account {self.name!r} is locked: its database key needs the passphrase")
                pw = self.passphrase_source()
            derived = self._derived if self._derived is not None else {}
            if (self.dir / store.DB_KEY_FILE).exists():
                doc = self.home.read_file(self.name, store.DB_KEY_FILE)
            else:
                doc = self._make_database_key(pw, derived)
            key = keystore.decrypt(doc, pw, derived=derived)
            if len(key) != 32:
                raise KeystoreError(f"account {self.name!r}: {store.DB_KEY_FILE} does not hold a 32-byte key")
            self._db_key = key
            self._passphrase = self._derived = None
        return self._db_key

    def _make_database_key(self, passphrase: str, derived: dict) -> dict:
        """For an account made before state.db was encrypted: derive (or draw) its key, store it,
        return the key file (another process's, when it got there first)."""
        if (self.dir / store.MNEMONIC_FILE).exists():
            from statuscli.core.identity import hd, paths
            from statuscli.core.identity import mnemonic as bip39

            phrase, bip39_pw = self.read_mnemonic(passphrase)
            key = hd.derive(bip39.to_seed(phrase, bip39_pw), paths.ENCRYPTION).private_key
            source = "mnemonic"
        else:
            key, source = os.urandom(32), "random"
        chat = self.chat_keyfile()
        doc = keystore.encrypt(key, passphrase, kdf=keystore.kdf_of(chat), salt=keystore.salt_of(chat), derived=derived)
        doc = self.home.add_file_once(self.name, store.DB_KEY_FILE, doc,
                                      metadata={"database_key": source})
        self.metadata = self.home.metadata(self.name)
        return doc

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


# --- resolution -----------------------------------------------------------------------------
def home_of(app: AppContext) -> store.Home:
    return store.Home(app.home)


def resolve_name(app: AppContext) -> str:
    """``--account`` / ``STATUSCLI_ACCOUNT`` (both land in ``app.account``), else the default."""
    home = home_of(app)
    name = app.account or home.default_account()
    if not name:
        raise AccountNotFound(
            f"no account selected and no default account in {app.home}",
            hint="create one with 'statuscli keys generate', or pass --account NAME",
        )
    if not home.exists(name):
        known = home.names()
        raise AccountNotFound(
            f"no account named {name!r} in {app.home}",
            hint=("known accounts: " + ", ".join(known)) if known else "create one with 'statuscli keys generate'",
        )
    return name


def _passphrase(app: AppContext, passphrase: str | None, *, confirm: bool = False) -> str:
    if passphrase is not None:
        return passphrase
    # where passphrases come from (file, environment, terminal prompt) is the caller's business
    if app.passphrase_source is None:
        raise PassphraseRequired("this account is locked and no passphrase source was given")
    return app.passphrase_source(confirm)


def open_account(app: AppContext, *, unlock: bool = True, passphrase: str | None = None, name: str | None = None) -> Account:
    """The selected account, unlocked unless ``unlock=False``.

    Raises AccountNotFound (exit 5) when missing, PassphraseRequired/WrongPassphrase when locked.
    """
    home = home_of(app)
    account = Account(home, home.metadata(name or resolve_name(app)))
    if unlock:
        account.unlock(_passphrase(app, passphrase))
    else:
        account.passphrase_source = lambda: _passphrase(app, passphrase)
    return account


# --- creation -------------------------------------------------------------------------------
def seal_secrets(passphrase: str, kdf: str, rng: Rng, secrets: dict[str, tuple[bytes, bytes | None]]) -> dict[str, dict]:
    """Key files for ``{filename: (secret, address or None)}`` sharing one salt: one scrypt opens them all."""
    salt, derived = rng(32), {}
    return {name: keystore.encrypt(secret, passphrase, address=address, rng=rng, kdf=kdf, salt=salt, derived=derived)
            for name, (secret, address) in secrets.items()}


def _default_name(home: store.Home, alias: str) -> str:
    base = "-".join(alias.lower().split())
    name, n = base, 2
    while home.exists(name):
        name, n = f"{base}-{n}", n + 1
    return name


def create_account(
    app: AppContext,
    *,
    mnemonic: str,
    bip39_passphrase: str = "",
    name: str | None = None,
    passphrase: str | None = None,
    now: int,
    rng: Rng = os.urandom,
    source: str = "imported",
    kdf: str = keystore.KDF_LIGHT,
) -> tuple[Account, bool]:
    """Store an account for a (validated) mnemonic; returns ``(account, became_default)``."""
    from statuscli.core.identity import alias as alias_mod
    from statuscli.core.identity import hd
    from statuscli.core.identity import mnemonic as bip39
    from statuscli.core.identity.keytext import compressed_key

    home = home_of(app)
    if name is not None:
        store.validate_name(name)
        if home.exists(name):
            raise AccountExists(f"an account named {name!r} already exists",
                                hint="choose another --name, or delete it with 'statuscli keys delete'")
    canonical = bip39.validate(mnemonic)
    keys = hd.status_keys(bip39.to_seed(canonical, bip39_passphrase))
    db_key = keys.encryption.private_key
    existing = home.find_by_key_uid(keys.key_uid)
    if existing:
        raise AccountExists(f"this mnemonic is already stored as account {existing!r}", hint=f"use --account {existing}")
    pub = keys.chat.public_key
    name = name or _default_name(home, alias_mod.alias(pub))
    pw = _passphrase(app, passphrase, confirm=True)
    metadata = {
        "version": store.METADATA_VERSION,
        "name": name,
        "key_uid": keys.key_uid,
        "chat_public_key": "0x" + pub.hex(),
        "compressed_key": compressed_key(pub),
        "address": secp256k1.checksum_address(secp256k1.address(pub)),
        "installation_id": str(uuid.UUID(bytes=rng(16), version=4)),
        "created_at": int(now),
        "source": source,
        "mnemonic_words": len(canonical.split()),
        "has_bip39_passphrase": bool(bip39_passphrase),
        "database_key": "mnemonic",
    }
    import json

    secret = json.dumps({"mnemonic": canonical, "bip39_passphrase": bip39_passphrase}).encode("utf-8")
    files = seal_secrets(pw, kdf, rng, {
        store.CHAT_KEY_FILE: (keys.chat.private_key, secp256k1.address(pub)),
        store.MNEMONIC_FILE: (secret, None),
        store.DB_KEY_FILE: (db_key, None),
    })
    _, became_default = home.create(name, metadata, files)
    account = Account(home, metadata, keys.chat.private_key)
    account._db_key = db_key
    return account, became_default


def generate_account(
    app: AppContext,
    *,
    words: int = 12,
    entropy: bytes | None = None,
    name: str | None = None,
    passphrase: str | None = None,
    now: int,
    rng: Rng = os.urandom,
    kdf: str = keystore.KDF_LIGHT,
) -> tuple[Account, str, bool]:
    """A new account from ``entropy`` (random when None); returns ``(account, mnemonic, became_default)``."""
    from statuscli.core.identity import mnemonic as bip39

    if entropy is None:
        entropy = rng(bip39.entropy_length(words))
    phrase = bip39.from_entropy(entropy)
    account, became_default = create_account(
        app, mnemonic=phrase, name=name, passphrase=passphrase, now=now, rng=rng, source="generated", kdf=kdf
    )
    return account, phrase, became_default


def change_passphrase(account: Account, new_passphrase: str, *, kdf: str | None = None,
                      rng: Rng = os.urandom) -> tuple[list[str], str]:
    """Re-encrypt the key files of an unlocked account under ``new_passphrase``; returns (files, kdf).

    Only key files change (state.db keeps its database key). An account from before the database
    was encrypted gets its database key file first. Each file is replaced atomically.
    """
    old = account._passphrase
    if old is None:
        raise PassphraseRequired(f"account {account.name!r} must be unlocked to change its passphrase")
    derived = account._derived
    account.database_key()  # makes db-key.json if an older account has none
    kdf = kdf or keystore.kdf_of(account.chat_keyfile())
    secrets = {}
    for filename in store.SECRET_FILES:
        if not (account.dir / filename).exists():
            continue
        doc = account.home.read_file(account.name, filename)
        secrets[filename] = (keystore.decrypt(doc, old, derived=derived), keystore.address_of(doc))
    account.home.replace_files(account.name, seal_secrets(new_passphrase, kdf, rng, secrets))
    return sorted(secrets), kdf


# --- listing, deleting ----------------------------------------------------------------------
def list_accounts(app: AppContext) -> tuple[list[Account], str | None]:
    home = home_of(app)
    accounts = [Account(home, m) for m in home.all_metadata()]
    return sorted(accounts, key=lambda a: a.name), home.default_account()


def default_account_name(app: AppContext) -> str | None:
    return home_of(app).default_account()


def delete_account(app: AppContext, name: str) -> str | None:
    """Delete an account; returns the default account afterwards (None when none is left)."""
    return home_of(app).delete(name)
