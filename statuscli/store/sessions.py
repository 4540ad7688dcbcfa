"""Double Ratchet sessions, their skipped message keys, the outbox, and hash-ratchet keys.

A session row is status-go's ``ratchet_info_v2`` and ``sessions`` rows in one:

* identity: (peer identity, peer installation id, bundle id). The bundle id is the signed prekey the
  X3DH ran against: the peer's (we initiated) or ours (we responded). status-go's session id is
  ``bundle id ‖ installation id``; keying by the peer identity as well keeps two identities that
  claim one installation id apart.
* ``our_ephemeral`` is set while an initiator session is unconfirmed: every message we send on it
  carries the X3DH header, until a DR-headed message arrives for that bundle id
  (``RatchetInfoConfirmed``). ``their_ephemeral`` remembers which X3DH created a responder session.
* a session is *sendable* while its bundle is current: for an initiator session the peer's prekey
  row is not expired, for a responder session our prekey is not expired (``GetAnyRatchetInfo``
  joins on ``expired = 0``). Among sendable sessions of one installation the oldest wins (status-go
  takes the first row). Any session, expired or not, still decrypts (``GetRatchetInfo``).
* skipped keys: per session, (ratchet key, N) → message key with a creation sequence number; at most
  MAX_MESSAGE_KEYS_PER_SESSION are kept (oldest first out) and keys with seq ≤ KeysCount − MAX_KEEP
  are dropped. A key is deleted as soon as it decrypted its message.
* outbox: every encrypted ProtocolMessage is recorded in the same transaction that advanced the
  ratchet, so what the ratchet produced is never lost; the last OUTBOX_KEEP rows are kept.

All writes happen inside the caller's ``transaction(conn)``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from statuscli.core.ratchet import MAX_KEEP, MAX_MESSAGE_KEYS_PER_SESSION, RatchetState, SkippedKey

INITIATOR = "initiator"
RESPONDER = "responder"
OUTBOX_KEEP = 1000

SCHEMA = """
CREATE TABLE secure_sessions (
    id                   INTEGER PRIMARY KEY,   -- creation order
    peer_identity        BLOB NOT NULL,         -- compressed (33)
    peer_installation_id TEXT NOT NULL,
    bundle_id            BLOB NOT NULL,         -- signed prekey the X3DH used (compressed)
    role                 TEXT NOT NULL CHECK (role IN ('initiator', 'responder')),
    sk                   BLOB NOT NULL,         -- X3DH shared secret
    our_ephemeral        BLOB,                  -- initiator, until confirmed
    their_ephemeral      BLOB,                  -- responder: the X3DH that created it
    state                BLOB NOT NULL,         -- RatchetState.to_bytes()
    created_ms           INTEGER NOT NULL,
    updated_ms           INTEGER NOT NULL,
    UNIQUE (peer_identity, peer_installation_id, bundle_id)
);
CREATE TABLE secure_skipped_keys (
    session INTEGER NOT NULL REFERENCES secure_sessions (id) ON DELETE CASCADE,
    dh      BLOB NOT NULL,
    n       INTEGER NOT NULL,
    mk      BLOB NOT NULL,
    seq     INTEGER NOT NULL,
    PRIMARY KEY (session, dh, n)
);
CREATE INDEX secure_skipped_keys_by_seq ON secure_skipped_keys (session, seq);
CREATE TABLE secure_outbox (
    id            INTEGER PRIMARY KEY,
    peer_identity BLOB NOT NULL,
    created_ms    INTEGER NOT NULL,
    message       BLOB NOT NULL,
    sent          INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE secure_hr_keys (
    key_id    BLOB PRIMARY KEY,
    group_id  BLOB NOT NULL,
    timestamp INTEGER NOT NULL,
    key       BLOB NOT NULL
);
CREATE INDEX secure_hr_keys_by_group ON secure_hr_keys (group_id, timestamp)
"""


@dataclass(slots=True)
class Session:
    peer_identity: bytes
    peer_installation_id: str
    bundle_id: bytes
    role: str
    sk: bytes
    state: RatchetState
    our_ephemeral: bytes | None = None
    their_ephemeral: bytes | None = None
    id: int | None = None

    def to_json(self) -> dict:
        return {
            "peer_installation_id": self.peer_installation_id,
            "bundle_id": self.bundle_id,
            "role": self.role,
            "confirmed": self.our_ephemeral is None,
            "send_n": self.state.send_n,
            "recv_n": self.state.recv_n,
        }


_COLS = "id, peer_identity, peer_installation_id, bundle_id, role, sk, our_ephemeral, their_ephemeral, state"


def _row(r) -> Session:
    return Session(
        bytes(r[1]), r[2], bytes(r[3]), r[4], bytes(r[5]), RatchetState.from_bytes(bytes(r[8])),
        bytes(r[6]) if r[6] is not None else None, bytes(r[7]) if r[7] is not None else None, r[0],
    )  # fmt: skip


def sendable(conn: sqlite3.Connection, peer_identity: bytes, installation_id: str) -> Session | None:
    """The session we encrypt with for this installation, if any (``GetAnyRatchetInfo``)."""
    r = conn.execute(
        f"SELECT {_COLS} FROM secure_sessions s WHERE peer_identity = ? AND peer_installation_id = ? AND ("
        " (role = 'initiator' AND EXISTS (SELECT 1 FROM secure_peer_bundles b WHERE b.identity = s.peer_identity"
        "   AND b.installation_id = s.peer_installation_id AND b.spk = s.bundle_id AND b.expired = 0))"
        " OR (role = 'responder' AND EXISTS (SELECT 1 FROM secure_own_prekeys p WHERE p.spk = s.bundle_id"
        "   AND p.expired_ms IS NULL)))"
        " ORDER BY id LIMIT 1",
        (peer_identity, installation_id),
    ).fetchone()
    return _row(r) if r else None


def by_bundle(conn: sqlite3.Connection, peer_identity: bytes, installation_id: str, bundle_id: bytes) -> Session | None:
    """The session for a received DR header (``GetRatchetInfo``), expired or not."""
    r = conn.execute(
        f"SELECT {_COLS} FROM secure_sessions WHERE peer_identity = ? AND peer_installation_id = ? AND bundle_id = ?",
        (peer_identity, installation_id, bundle_id),
    ).fetchone()
    return _row(r) if r else None


def find_peer(conn: sqlite3.Connection, installation_id: str, bundle_id: bytes) -> list[bytes]:
    """Identities that have a session with this installation and bundle id (to name a sender)."""
    return [
        bytes(r[0])
        for r in conn.execute(
            "SELECT DISTINCT peer_identity FROM secure_sessions WHERE peer_installation_id = ? AND bundle_id = ?",
            (installation_id, bundle_id),
        )
    ]


def for_peer(conn: sqlite3.Connection, peer_identity: bytes) -> list[Session]:
    return [_row(r) for r in conn.execute(f"SELECT {_COLS} FROM secure_sessions WHERE peer_identity = ? ORDER BY id", (peer_identity,))]


def insert(conn: sqlite3.Connection, s: Session, now_ms: int) -> int:
    """Store a new session, replacing (with its skipped keys) one with the same identity."""
    conn.execute(
        "DELETE FROM secure_sessions WHERE peer_identity = ? AND peer_installation_id = ? AND bundle_id = ?",
        (s.peer_identity, s.peer_installation_id, s.bundle_id),
    )
    cur = conn.execute(
        "INSERT INTO secure_sessions (peer_identity, peer_installation_id, bundle_id, role, sk, our_ephemeral,"
        " their_ephemeral, state, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (s.peer_identity, s.peer_installation_id, s.bundle_id, s.role, s.sk, s.our_ephemeral, s.their_ephemeral,
         s.state.to_bytes(), now_ms, now_ms),
    )  # fmt: skip
    s.id = cur.lastrowid
    return s.id


def save_state(conn: sqlite3.Connection, s: Session, now_ms: int) -> None:
    conn.execute(
        "UPDATE secure_sessions SET state = ?, our_ephemeral = ?, updated_ms = ? WHERE id = ?",
        (s.state.to_bytes(), s.our_ephemeral, now_ms, s.id),
    )


def confirm(conn: sqlite3.Connection, peer_identity: bytes, installation_id: str, bundle_id: bytes) -> None:
    """A DR message arrived for this bundle id: stop sending the X3DH header (``RatchetInfoConfirmed``)."""
    conn.execute(
        "UPDATE secure_sessions SET our_ephemeral = NULL"
        " WHERE peer_identity = ? AND peer_installation_id = ? AND bundle_id = ? AND our_ephemeral IS NOT NULL",
        (peer_identity, installation_id, bundle_id),
    )


# --- skipped message keys ------------------------------------------------------------------
def skipped_key(conn: sqlite3.Connection, session_id: int, dh: bytes, n: int) -> bytes | None:
    r = conn.execute("SELECT mk FROM secure_skipped_keys WHERE session = ? AND dh = ? AND n = ?", (session_id, dh, n)).fetchone()
    return bytes(r[0]) if r else None


def delete_skipped(conn: sqlite3.Connection, session_id: int, dh: bytes, n: int) -> None:
    conn.execute("DELETE FROM secure_skipped_keys WHERE session = ? AND dh = ? AND n = ?", (session_id, dh, n))


def add_skipped(conn: sqlite3.Connection, session_id: int, keys: Iterable[SkippedKey], keys_count: int) -> None:
    """Store new skipped keys and apply the bounds (``applyChanges``: TruncateMks, DeleteOldMks)."""
    keys = list(keys)
    if keys:
        conn.executemany(
            "INSERT OR REPLACE INTO secure_skipped_keys (session, dh, n, mk, seq) VALUES (?, ?, ?, ?, ?)",
            [(session_id, k.dh, k.n, k.mk, k.seq) for k in keys],
        )
        conn.execute(
            "DELETE FROM secure_skipped_keys WHERE rowid IN (SELECT rowid FROM secure_skipped_keys WHERE session = ?"
            " ORDER BY seq DESC LIMIT -1 OFFSET ?)",
            (session_id, MAX_MESSAGE_KEYS_PER_SESSION),
        )
    if keys_count >= MAX_KEEP:
        conn.execute("DELETE FROM secure_skipped_keys WHERE session = ? AND seq <= ?", (session_id, keys_count - MAX_KEEP))


def count_skipped(conn: sqlite3.Connection, session_id: int | None = None) -> int:
    if session_id is None:
        return conn.execute("SELECT COUNT(*) FROM secure_skipped_keys").fetchone()[0]
    return conn.execute("SELECT COUNT(*) FROM secure_skipped_keys WHERE session = ?", (session_id,)).fetchone()[0]


# --- outbox --------------------------------------------------------------------------------
def record_outgoing(conn: sqlite3.Connection, peer_identity: bytes, message: bytes, now_ms: int) -> int:
    cur = conn.execute(
        "INSERT INTO secure_outbox (peer_identity, created_ms, message) VALUES (?, ?, ?)", (peer_identity, now_ms, message)
    )
    oid = cur.lastrowid
    if oid % 64 == 0:  # prune now and then, not on every message
        conn.execute("DELETE FROM secure_outbox WHERE id <= ?", (oid - OUTBOX_KEEP,))
    return oid


def outgoing(conn: sqlite3.Connection, outbox_id: int) -> tuple[bytes, bool] | None:
    r = conn.execute("SELECT message, sent FROM secure_outbox WHERE id = ?", (outbox_id,)).fetchone()
    return (bytes(r[0]), bool(r[1])) if r else None


def unsent(conn: sqlite3.Connection, peer_identity: bytes | None = None) -> list[tuple[int, bytes, bytes]]:
    q = "SELECT id, peer_identity, message FROM secure_outbox WHERE sent = 0"
    args: tuple = ()
    if peer_identity is not None:
        q += " AND peer_identity = ?"
        args = (peer_identity,)
    return [(r[0], bytes(r[1]), bytes(r[2])) for r in conn.execute(q + " ORDER BY id", args)]


def mark_sent(conn: sqlite3.Connection, outbox_id: int) -> None:
    conn.execute("UPDATE secure_outbox SET sent = 1 WHERE id = ?", (outbox_id,))


# --- hash-ratchet keys ---------------------------------------------------------------------
def add_hr_key(conn: sqlite3.Connection, group_id: bytes, key_id: bytes, timestamp: int, key: bytes) -> None:
    conn.execute(
        "INSERT OR IGNORE INTO secure_hr_keys (key_id, group_id, timestamp, key) VALUES (?, ?, ?, ?)",
        (key_id, group_id, timestamp, key),
    )


def hr_key(conn: sqlite3.Connection, group_id: bytes, key_id: bytes, deprecated_key_id: int = 0) -> bytes | None:
    """A hash-ratchet key by id, or (old senders) by group and uint32(timestamp)."""
    if key_id:
        r = conn.execute("SELECT key FROM secure_hr_keys WHERE key_id = ?", (key_id,)).fetchone()
    else:
        r = conn.execute(
            "SELECT key FROM secure_hr_keys WHERE group_id = ? AND (timestamp & 4294967295) = ? ORDER BY timestamp DESC LIMIT 1",
            (group_id, deprecated_key_id),
        ).fetchone()
    return bytes(r[0]) if r else None
