"""The one opener of an account's state database (``<account>/state.db``), a SQLCipher 4 file.

Every reader and writer of account state gets its connection from :func:`open_state`:

* the file and its WAL are SQLCipher 4 (AES-256-CBC pages, HMAC-SHA512 per page) under a 32-byte
  *raw* key (``PRAGMA key = "x'…'"``: no per-open PBKDF2, the key is already random or derived);
  the key lives in the keystore (``db-key.json``), see :mod:`statuscli.app.accounts`;
* a plaintext database left by an earlier statuscli is converted first, without loss and safe
  against a kill at any moment (:mod:`statuscli.store.state_migration`);
* a key that does not open the file raises :class:`~statuscli.core.errors.WrongDatabaseKey` (exit 5);
* the schema of :mod:`statuscli.store.schema` is applied before the connection is returned.

The connection carries ``memo``, a dict for per-connection caches of derived facts (e.g. which
peers are known to have agreed a shared secret): it lives and dies with the connection.

The standard library's ``sqlite3`` is for public data only (the node's archive): nothing opens
``state.db`` with it. ``sqlcipher3`` is imported here, lazily (commands without state never pay).
"""

from __future__ import annotations

import os
from pathlib import Path

from statuscli.core.errors import WrongDatabaseKey
from statuscli.store import schema
from statuscli.store.db import BUSY_TIMEOUT_MS, apply_steps

KEY_BYTES = 32
_CLASS = None


def driver():
    """The SQLCipher DB-API module (``sqlcipher3.dbapi2``)."""
    import sqlcipher3.dbapi2

    return sqlcipher3.dbapi2


def _connection_class():
    global _CLASS
    if _CLASS is None:
        class StateConnection(driver().Connection):
            """A connection to an account database, with a ``memo`` dict for per-connection caches."""

            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self.memo: dict = {}

        _CLASS = StateConnection
    return _CLASS


def key_pragma(key: bytes) -> str:
    if len(key) != KEY_BYTES:
        raise ValueError(f"a database key is {KEY_BYTES} bytes")
    return f"PRAGMA key = \"x'{key.hex()}'\""


def connect_encrypted(path: str | os.PathLike, key: bytes):
    """A bare SQLCipher connection to ``path`` keyed with ``key`` (no schema, no WAL switch).

    Raises :class:`WrongDatabaseKey` when the file does not decrypt with ``key``.
    """
    conn = driver().connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                            check_same_thread=False, factory=_connection_class())
    try:
        conn.execute(key_pragma(key))
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except driver().DatabaseError:
        conn.close()
        raise WrongDatabaseKey(
            f"{path} does not open with this account's database key",
            hint="the database key file (db-key.json) and state.db do not belong together; restore both from one backup",
        ) from None
    return conn


def open_state(path: str | os.PathLike, key: bytes):
    """Open (creating if needed, mode 0600) an account database with its schema applied."""
    from statuscli.store import state_migration

    p = Path(path)
    state_migration.recover(p)
    if state_migration.is_plaintext(p):
        state_migration.encrypt_in_place(p, key)
    if not p.exists():
        p.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.close(os.open(p, os.O_CREAT | os.O_WRONLY, 0o600))
    conn = connect_encrypted(p, key)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.row_factory = driver().Row
    apply_steps(conn, schema.STEPS)
    return conn
