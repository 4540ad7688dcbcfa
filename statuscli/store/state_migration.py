"""Converting a plaintext ``state.db`` (statuscli before SQLCipher) into an encrypted one, without loss.

Steps, under an exclusive lock on ``<account>/.state.db.lock`` (a second process waits, then finds
the work done):

1. open the plaintext file (SQLCipher with no key reads plain SQLite; a WAL left by a crash is
   replayed), hard-link its WAL aside (``.state.db.plain-wal``) and export everything into
   ``.state.db.encrypting`` keyed with the account's key (``sqlcipher_export``); close, which
   checkpoints the WAL into the plaintext file and removes it (the link keeps its bytes for 4);
2. check the new file: it opens with the key and every table has the same row count; fsync it;
3. hard-link the plaintext file aside (``.state.db.plain``), then ``rename`` the new file over
   ``state.db`` (atomic) and fsync the folder;
4. overwrite the two set-aside plaintext inodes with zeros, fsync, unlink.

A kill -9 at any moment leaves ``state.db`` either the old plaintext (steps 1–3: next open starts
again) or the new encrypted database (after 3) — never neither, since ``rename`` replaces the name
in one step. :func:`recover`, run before every open, finishes what a killed run left: it deletes a
half-written ``.encrypting`` file, drops a set-aside name that is still the live file, and wipes
one that no longer is. Wiping by overwrite is best effort on copy-on-write or flash storage: the
docs say so (docs/secrets.md).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from statuscli.core.errors import KeystoreError

SQLITE_HEADER = b"SQLite format 3\x00"
_WIPE_CHUNK = 1 << 20


def _aside(path: Path, suffix: str) -> Path:
    return path.with_name(f".{path.name}.{suffix}")


def is_plaintext(path: Path) -> bool:
    """True when ``path`` starts with the plain SQLite header (an encrypted file starts with its salt)."""
    try:
        with open(path, "rb") as f:
            return f.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except FileNotFoundError:
        return False


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    fd = os.open(_aside(path, "lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _fsync(path: Path) -> None:
    """fsync a file, or a folder (so a rename or unlink inside it is durable)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def wipe(path: Path) -> None:
    """Overwrite a file's bytes with zeros, fsync, then unlink it."""
    try:
        fd = os.open(path, os.O_WRONLY)
    except FileNotFoundError:
        return
    try:
        size = os.fstat(fd).st_size
        zeros = bytes(min(size, _WIPE_CHUNK))
        done = 0
        while done < size:
            done += os.write(fd, zeros[: min(len(zeros), size - done)])
        os.fsync(fd)
    finally:
        os.close(fd)
    os.unlink(path)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except FileNotFoundError:
        return False


def _drop_aside(aside: Path, live: Path) -> None:
    """An extra name of the live file is just removed; a dead plaintext inode is wiped first."""
    if not aside.exists():
        return
    if _same_file(aside, live):
        os.unlink(aside)
    else:
        wipe(aside)


def recover(path: Path) -> None:
    """Finish or undo what a killed migration left next to ``path`` (cheap when nothing is there)."""
    encrypting, plain, plain_wal = _aside(path, "encrypting"), _aside(path, "plain"), _aside(path, "plain-wal")
    if not (encrypting.exists() or plain.exists() or plain_wal.exists()):
        return
    with _locked(path):
        for leftover in (encrypting, encrypting.with_name(encrypting.name + "-journal")):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(leftover)
        _drop_aside(plain, path)
        _drop_aside(plain_wal, path.with_name(path.name + "-wal"))
        _fsync(path.parent)


def _row_counts(conn) -> dict[str, int]:
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def encrypt_in_place(path: Path, key: bytes) -> dict[str, int]:
    """Convert the plaintext database at ``path`` to SQLCipher under ``key``; returns its row counts.

    Callers run :func:`recover` first (it takes the same lock, so it is not called from here)."""
    from statuscli.store.state_db import connect_encrypted, driver

    with _locked(path):
        if not is_plaintext(path):
            return {}
        encrypting, plain, plain_wal = _aside(path, "encrypting"), _aside(path, "plain"), _aside(path, "plain-wal")
        wal = path.with_name(path.name + "-wal")
        for leftover in (encrypting, encrypting.with_name(encrypting.name + "-journal")):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(leftover)
        os.close(os.open(encrypting, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600))
        src = driver().connect(str(path), isolation_level=None, timeout=30)
        try:
            counts = _row_counts(src)  # replays a WAL a crash left behind
            if wal.exists():
                os.link(wal, plain_wal)
            src.execute(f"ATTACH DATABASE ? AS encrypted KEY \"x'{key.hex()}'\"", (str(encrypting),))
            src.execute("SELECT sqlcipher_export('encrypted')")
            src.execute("DETACH DATABASE encrypted")
        except driver().DatabaseError as e:
            raise KeystoreError(f"cannot read the plaintext {path} to encrypt it: {e}") from None
        finally:
            src.close()  # checkpoints and removes the plaintext WAL (its bytes stay under plain-wal)
        if wal.exists() and wal.stat().st_size > 0:
            raise KeystoreError(f"{path} is open in another process; close it and run the command again")
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path.with_name(path.name + "-shm"))
        with contextlib.suppress(FileNotFoundError):
            os.unlink(wal)
        check = connect_encrypted(encrypting, key)
        try:
            if _row_counts(check) != counts:
                raise KeystoreError(f"encrypting {path} lost rows; the plaintext file is kept")
        finally:
            check.close()
        _fsync(encrypting)
        if plain.exists():
            os.unlink(plain)
        os.link(path, plain)
        os.replace(encrypting, path)
        _fsync(path.parent)
        _drop_aside(plain, path)
        _drop_aside(plain_wal, wal)
        _fsync(path.parent)
        return counts
