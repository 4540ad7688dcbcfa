"""The one opener of an account's state database (``<account>/state.db``).

Every reader and writer of account state gets its connection from :func:`open_state`, which
applies the whole schema of :mod:`statuscli.store.schema` before returning. The connection
carries ``memo``, a dict for per-connection caches of derived facts (e.g. which peers are known to
have agreed a shared secret): it lives and dies with the connection, never outlives a rollback of
what it caches only if the caller fills it after commit.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from statuscli.store import schema
from statuscli.store.db import BUSY_TIMEOUT_MS, apply_steps


class StateConnection(sqlite3.Connection):
    """A connection to an account database, with a ``memo`` dict for per-connection caches."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.memo: dict = {}


def open_state(path: str | os.PathLike) -> StateConnection:
    """Open (creating if needed, mode 0600) an account database with its schema applied."""
    p = Path(path)
    if not p.exists():
        p.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.close(os.open(p, os.O_CREAT | os.O_WRONLY, 0o600))
    conn = sqlite3.connect(str(p), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                           check_same_thread=False, factory=StateConnection)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.row_factory = sqlite3.Row
    apply_steps(conn, schema.STEPS)
    return conn
