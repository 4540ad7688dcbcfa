"""Account folders under the statuscli home.

Layout (directories 0700, files 0600)::

    <home>/config.json                 {"default_account": NAME}
    <home>/accounts/<name>/account.json   public data: name, key_uid, chat public key, installation id, …
    <home>/accounts/<name>/chat-key.json  the chat private key, Web3 Secret Storage v3 (a geth key file)
    <home>/accounts/<name>/mnemonic.json  the mnemonic (+ BIP-39 passphrase), v3-encrypted
    <home>/accounts/<name>/db-key.json    the 32-byte SQLCipher key of state.db, v3-encrypted
    <home>/accounts/<name>/state.db       the account's SQLCipher state (store.state_db opens it)

Rules:

* Unlocking for messaging decrypts ``chat-key.json`` only (one scrypt, no BIP-32). Listing and
  showing read ``account.json`` only (no passphrase).
* An account appears atomically: its files are written into a hidden temporary folder that is then
  renamed to ``accounts/<name>``; a name that exists is refused.
* ``config.json`` changes happen under an exclusive lock on ``<home>/.lock`` and are written to a
  temporary file then renamed, so concurrent invocations never see half a file.
* The first account created becomes the default; deleting the default makes the oldest remaining
  account the default (or none when no account is left).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

from statuscli.core.errors import AccountExists, AccountNotFound, InvalidAccountName, KeystoreError

ACCOUNTS_DIR = "accounts"
CONFIG_FILE = "config.json"
LOCK_FILE = ".lock"
METADATA_FILE = "account.json"
CHAT_KEY_FILE = "chat-key.json"
MNEMONIC_FILE = "mnemonic.json"
DB_KEY_FILE = "db-key.json"
#: the passphrase-encrypted files of an account (``keys passwd`` re-encrypts exactly these)
SECRET_FILES = (CHAT_KEY_FILE, MNEMONIC_FILE, DB_KEY_FILE)
STATE_DB = "state.db"
METADATA_VERSION = 1

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def validate_name(name: str) -> str:
    if not _NAME_RE.match(name or ""):
        raise InvalidAccountName(
            f"invalid account name {name!r}",
            hint="1-64 characters: letters, digits, '.', '_' or '-', starting with a letter or digit",
        )
    return name


def ensure_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    return path


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically with mode 0600."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    os.replace(tmp, path)


def write_json(path: Path, doc: dict) -> None:
    write_private(path, (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))


def read_json(path: Path) -> dict:
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except FileNotFoundError:
        raise
    except (OSError, ValueError) as e:
        raise KeystoreError(f"cannot read {path}: {e}") from None
    if not isinstance(doc, dict):
        raise KeystoreError(f"{path} is not a JSON object")
    return doc


class Home:
    """The statuscli home folder: accounts and the config."""

    def __init__(self, path: Path | str):
        self.path = Path(path)

    @property
    def accounts_dir(self) -> Path:
        return self.path / ACCOUNTS_DIR

    def account_dir(self, name: str) -> Path:
        return self.accounts_dir / validate_name(name)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        import fcntl

        ensure_dir(self.path)
        fd = os.open(self.path / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    # --- config ----------------------------------------------------------------------------
    def config(self) -> dict:
        try:
            return read_json(self.path / CONFIG_FILE)
        except FileNotFoundError:
            return {}

    def _write_config(self, cfg: dict) -> None:
        ensure_dir(self.path)
        write_json(self.path / CONFIG_FILE, cfg)

    def default_account(self) -> str | None:
        name = self.config().get("default_account")
        return name if isinstance(name, str) and name else None

    def set_default(self, name: str | None) -> None:
        with self.locked():
            if name is not None and not self.exists(name):
                raise AccountNotFound(f"no account named {name!r}")
            cfg = self.config()
            cfg["default_account"] = name
            self._write_config(cfg)

    # --- accounts --------------------------------------------------------------------------
    def exists(self, name: str) -> bool:
        return (self.account_dir(name) / METADATA_FILE).is_file()

    def names(self) -> list[str]:
        if not self.accounts_dir.is_dir():
            return []
        return sorted(p.name for p in self.accounts_dir.iterdir()
                      if not p.name.startswith(".") and (p / METADATA_FILE).is_file())

    def metadata(self, name: str) -> dict:
        path = self.account_dir(name) / METADATA_FILE
        try:
            return read_json(path)
        except FileNotFoundError:
            raise AccountNotFound(f"no account named {name!r} in {self.path}") from None

    def all_metadata(self) -> list[dict]:
        out = []
        for name in self.names():
            with contextlib.suppress(AccountNotFound):
                out.append(self.metadata(name))
        return out

    def find_by_key_uid(self, key_uid: str) -> str | None:
        for meta in self.all_metadata():
            if meta.get("key_uid") == key_uid:
                return meta.get("name")
        return None

    def create(self, name: str, metadata: dict, files: dict[str, dict]) -> tuple[Path, bool]:
        """Create account ``name`` atomically with ``account.json`` = ``metadata`` and the given JSON files.

        Returns ``(account dir, became_default)``.
        """
        validate_name(name)
        with self.locked():
            if self.exists(name):
                raise AccountExists(f"an account named {name!r} already exists",
                                    hint="choose another --name, or delete it with 'statuscli keys delete'")
            ensure_dir(self.accounts_dir)
            tmp = self.accounts_dir / f".new-{name}-{os.getpid()}"
            if tmp.exists():
                shutil.rmtree(tmp)
            ensure_dir(tmp)
            try:
                for filename, doc in files.items():
                    write_json(tmp / filename, doc)
                write_json(tmp / METADATA_FILE, metadata)
                final = self.accounts_dir / name
                if final.exists():  # a leftover without metadata (crashed delete): replace it
                    shutil.rmtree(final)
                os.rename(tmp, final)
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
            cfg = self.config()
            became_default = False
            current = cfg.get("default_account")
            if not current or not self.exists(current):
                cfg["default_account"] = name
                self._write_config(cfg)
                became_default = True
            return final, became_default

    def delete(self, name: str) -> str | None:
        """Remove an account folder; returns the default account afterwards."""
        with self.locked():
            if not self.exists(name):
                raise AccountNotFound(f"no account named {name!r} in {self.path}")
            final = self.account_dir(name)
            trash = self.accounts_dir / f".deleted-{name}-{os.getpid()}"
            os.rename(final, trash)  # the account disappears at once, then its files go
            shutil.rmtree(trash, ignore_errors=True)
            cfg = self.config()
            default = cfg.get("default_account")
            if default == name or (default and not self.exists(default)):
                remaining = sorted(self.all_metadata(), key=lambda m: (m.get("created_at", 0), m.get("name", "")))
                default = remaining[0]["name"] if remaining else None
                cfg["default_account"] = default
                self._write_config(cfg)
            return default

    def add_file_once(self, name: str, filename: str, doc: dict, *, metadata: dict | None = None) -> dict:
        """Store ``doc`` as the account's ``filename`` unless it exists; returns the stored document.

        Under the home lock, so two processes racing to create the same file agree on one; the
        ``metadata`` keys are merged into ``account.json`` only by the one that wrote the file.
        """
        with self.locked():
            path = self.account_dir(name) / filename
            if path.exists():
                return read_json(path)
            write_json(path, doc)
            if metadata:
                meta = self.metadata(name)
                meta.update(metadata)
                write_json(self.account_dir(name) / METADATA_FILE, meta)
            return doc

    def replace_files(self, name: str, docs: dict[str, dict]) -> None:
        """Replace existing account files (each written to a temporary name, fsynced, renamed)."""
        with self.locked():
            for filename, doc in docs.items():
                write_json(self.account_dir(name) / filename, doc)

    def read_file(self, name: str, filename: str) -> dict:
        path = self.account_dir(name) / filename
        try:
            return read_json(path)
        except FileNotFoundError:
            raise KeystoreError(f"account {name!r} has no {filename}", hint="the account folder is incomplete") from None
