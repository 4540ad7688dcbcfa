"""SQLite databases: one state database per account, and the node's store archive.

Rules every store module follows:

* The account database is opened by :func:`statuscli.store.state_db.open_state` only (it applies
  the schema of :mod:`statuscli.store.schema`); other databases (the node's archive) by
  :func:`connect`. Both give: WAL journal, a busy timeout (concurrent invocations of statuscli on one
  account wait for each other instead of failing), foreign keys on, file mode 0600.
* Change state only inside ``with transaction(conn):`` — ``BEGIN IMMEDIATE`` takes the write lock
  up front, so a read-modify-write (e.g. advance a ratchet and record what it produced) is atomic
  against a second process, and a crash rolls the whole step back. A function that writes inside
  its caller's transaction says so (``in_transaction=True`` / :func:`require_transaction`); a
  sub-step that may fail alone uses :func:`savepoint`.
* Schemas are named, append-only steps applied by :func:`apply_steps` when a database opens
  (recorded in ``schema_steps``); the account database's steps are listed in
  :mod:`statuscli.store.schema`. Never edit a step that has shipped: add a new one.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path

BUSY_TIMEOUT_MS = 30_000


def connect(path: str | os.PathLike, *, readonly: bool = False) -> sqlite3.Connection:
    """Open (creating if needed, mode 0600) a database in WAL mode with a busy timeout."""
    p = Path(path)
    if not readonly and not p.exists():
        p.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(p, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
    uri = f"file:{p}?mode=ro" if readonly else f"file:{p}"
    conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if not readonly:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.row_factory = sqlite3.Row
    return conn


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` (or ``ROLLBACK`` on any exception). Not re-entrant."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")


@contextlib.contextmanager
def held(conn: sqlite3.Connection, *, keep: bool = True) -> Iterator[sqlite3.Connection]:
    """Like :func:`transaction`, but ``keep=False`` always rolls back: a dry run computes every
    change on the database as it would happen and throws all of it away."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT" if keep else "ROLLBACK")


@contextlib.contextmanager
def savepoint(conn: sqlite3.Connection, name: str = "step") -> Iterator[sqlite3.Connection]:
    """Inside a transaction: a nested step undone alone (``ROLLBACK TO``) when it raises."""
    if not conn.in_transaction:
        raise RuntimeError("savepoint() runs inside a transaction")
    conn.execute(f"SAVEPOINT {name}")
    try:
        yield conn
    except BaseException:
        conn.execute(f"ROLLBACK TO {name}")
        conn.execute(f"RELEASE {name}")
        raise
    else:
        conn.execute(f"RELEASE {name}")


def require_transaction(conn: sqlite3.Connection) -> None:
    """For functions that write inside their caller's ``transaction(conn)``."""
    if not conn.in_transaction:
        raise RuntimeError("this step must run inside the caller's transaction(conn)")


def apply_steps(conn: sqlite3.Connection, steps: Sequence[tuple[str, str]]) -> list[str]:
    """Apply, in order, the named steps not yet recorded in ``schema_steps``; returns their names.

    One read when nothing is missing; otherwise one ``BEGIN IMMEDIATE`` transaction that re-reads
    the record (a concurrent process may have applied them meanwhile) and applies the rest.
    """
    conn.execute("CREATE TABLE IF NOT EXISTS schema_steps (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)")
    if not _missing(conn, steps):
        return []
    with transaction(conn):
        missing = _missing(conn, steps)
        for name, sql in missing:
            for statement in _split_sql(sql):
                conn.execute(statement)
            conn.execute("INSERT INTO schema_steps (name, applied_at) VALUES (?, strftime('%s','now'))", (name,))
    return [name for name, _ in missing]


def _missing(conn: sqlite3.Connection, steps: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    done = {r[0] for r in conn.execute("SELECT name FROM schema_steps")}
    return [(name, sql) for name, sql in steps if name not in done]


def _split_sql(sql: str) -> list[str]:
    return [s.strip() for s in sql.split(";") if s.strip()]
