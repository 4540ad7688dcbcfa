"""Our signed prekeys (the private halves of the bundles we publish).

One row per signed prekey (SPK) we ever generated for an installation of ours. Rules:

* the *current* SPK of an installation is its highest-version row that is not expired;
* a new SPK gets version = highest stored version for that installation + 1 (the first is 1),
  like status-go ``persistence.go:AddPrivateBundle``;
* rotation (``CreateBundle`` after 24 h) marks every current SPK expired and adds a new one;
* expired SPKs stay usable for decryption (a late X3DH message naming them still works, and
  sessions started from them keep decrypting) for :data:`KEEP_EXPIRED_MS`, then are deleted.

All writes happen inside the caller's ``transaction(conn)``.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass


#: how long an expired signed prekey's private key is kept for late messages (30 days)
KEEP_EXPIRED_MS = 30 * 24 * 60 * 60 * 1000

SCHEMA = """
CREATE TABLE secure_own_prekeys (
    spk             BLOB PRIMARY KEY,      -- compressed public key = the bundle id peers use
    private_key     BLOB NOT NULL,
    installation_id TEXT NOT NULL,
    version         INTEGER NOT NULL,
    created_ns      INTEGER NOT NULL,      -- bundle creation time (ns), drives the 24 h rotation
    expired_ms      INTEGER                -- NULL while current
);
CREATE INDEX secure_own_prekeys_by_installation ON secure_own_prekeys (installation_id, version)
"""


@dataclass(frozen=True, slots=True)
class OwnPrekey:
    spk: bytes
    private_key: bytes
    installation_id: str
    version: int
    created_ns: int
    expired_ms: int | None

    @property
    def expired(self) -> bool:
        return self.expired_ms is not None

    def to_json(self) -> dict:
        return {
            "signed_pre_key": self.spk,
            "installation_id": self.installation_id,
            "version": self.version,
            "created_ns": self.created_ns,
            "expired": self.expired,
        }


def _row(r) -> OwnPrekey:
    return OwnPrekey(bytes(r[0]), bytes(r[1]), r[2], r[3], r[4], r[5])


_COLS = "spk, private_key, installation_id, version, created_ns, expired_ms"


def current(conn: sqlite3.Connection, installation_id: str) -> OwnPrekey | None:
    r = conn.execute(
        f"SELECT {_COLS} FROM secure_own_prekeys WHERE installation_id = ? AND expired_ms IS NULL"
        " ORDER BY version DESC LIMIT 1",
        (installation_id,),
    ).fetchone()
    return _row(r) if r else None


def private_key_for(conn: sqlite3.Connection, spk: bytes) -> bytes | None:
    """Private key of one of our SPKs, expired or not (``GetPrivateKeyBundle``)."""
    r = conn.execute("SELECT private_key FROM secure_own_prekeys WHERE spk = ?", (spk,)).fetchone()
    return bytes(r[0]) if r else None


def is_current(conn: sqlite3.Connection, spk: bytes) -> bool:
    r = conn.execute("SELECT 1 FROM secure_own_prekeys WHERE spk = ? AND expired_ms IS NULL", (spk,)).fetchone()
    return r is not None


def add(conn: sqlite3.Connection, installation_id: str, spk: bytes, private_key: bytes, created_ns: int) -> OwnPrekey:
    r = conn.execute("SELECT MAX(version) FROM secure_own_prekeys WHERE installation_id = ?", (installation_id,)).fetchone()
    version = (r[0] or 0) + 1
    conn.execute(
        f"INSERT INTO secure_own_prekeys ({_COLS}) VALUES (?, ?, ?, ?, ?, NULL)",
        (spk, private_key, installation_id, version, created_ns),
    )
    return OwnPrekey(spk, private_key, installation_id, version, created_ns, None)


def expire_all(conn: sqlite3.Connection, now_ms: int) -> int:
    """Mark every current SPK expired (``MarkBundleExpired``); returns how many."""
    return conn.execute("UPDATE secure_own_prekeys SET expired_ms = ? WHERE expired_ms IS NULL", (now_ms,)).rowcount


def prune(conn: sqlite3.Connection, now_ms: int, keep_ms: int = KEEP_EXPIRED_MS) -> int:
    """Forget SPKs that expired more than ``keep_ms`` ago (forward secrecy for old sessions' starts)."""
    return conn.execute("DELETE FROM secure_own_prekeys WHERE expired_ms IS NOT NULL AND expired_ms < ?", (now_ms - keep_ms,)).rowcount


def all_prekeys(conn: sqlite3.Connection) -> list[OwnPrekey]:
    return [_row(r) for r in conn.execute(f"SELECT {_COLS} FROM secure_own_prekeys ORDER BY installation_id, version")]
