"""Messages of an account: seen envelopes, received/sent messages, the event log, sync marks.

Tables (all writes inside the caller's ``transaction(conn)``):

* ``msg_envelopes`` — Waku message hashes already handled (received, or published by us), so an
  envelope that arrives twice (relay and store, or our own echo) is processed once.
* ``msg_messages`` — application messages by message id (keccak256(signer ‖ wrapper bytes)),
  ``direction`` ``in``/``out``. A message id is stored once: duplicates are not repeated.
* ``msg_outgoing`` — MVDS message id → application message id and peer, for ``delivered`` events.
* ``msg_events`` — the event log. ``seq`` (AUTOINCREMENT, never reused) is the cursor ``listen``
  prints with every event; ``listen --since SEQ`` replays what came after it. An event is written
  in the same transaction as the state change that produced it.
* ``msg_sync`` — small named values (the store catch-up checkpoint, the last bundle publication).
* ``msg_segments`` / ``msg_segments_done`` — data segments of large payloads until all arrived
  (keyed by whole-payload hash and Waku signer, spec §4.7), and the payloads already completed.
"""

from __future__ import annotations

import json
import sqlite3


SCHEMA = """
CREATE TABLE msg_envelopes (
    hash         BLOB PRIMARY KEY,     -- Waku deterministic message hash (32)
    timestamp_ns INTEGER NOT NULL,
    seen_ms      INTEGER NOT NULL,
    direction    TEXT NOT NULL         -- 'in' | 'out'
);
CREATE TABLE msg_messages (
    id           BLOB PRIMARY KEY,     -- application message id (32)
    direction    TEXT NOT NULL,        -- 'in' | 'out'
    chat_kind    TEXT NOT NULL,        -- 'one-to-one' | 'public' | 'group'
    chat_id      TEXT NOT NULL,
    sender       BLOB NOT NULL,        -- 65-byte public key
    amm_type     INTEGER NOT NULL,
    clock        INTEGER NOT NULL,
    timestamp_ms INTEGER NOT NULL,
    text         TEXT NOT NULL,
    envelope     BLOB,                 -- Waku hash of the envelope it came in (incoming)
    created_ms   INTEGER NOT NULL
);
CREATE INDEX msg_messages_chat ON msg_messages (chat_id, clock);
CREATE TABLE msg_outgoing (
    mvds_id    BLOB NOT NULL,
    peer       BLOB NOT NULL,          -- 65-byte public key
    message_id BLOB NOT NULL,
    delivered  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (mvds_id, peer)
);
CREATE TABLE msg_events (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    type       TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    body       TEXT NOT NULL           -- the event as JSON, without its cursor
);
CREATE TABLE msg_sync (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
CREATE TABLE msg_segments (
    hash    BLOB NOT NULL,             -- keccak256 of the whole payload
    signer  BLOB NOT NULL,
    idx     INTEGER NOT NULL,
    count   INTEGER NOT NULL,
    payload BLOB NOT NULL,
    PRIMARY KEY (hash, signer, idx)
);
CREATE TABLE msg_segments_done (
    hash BLOB PRIMARY KEY
)
"""

FAILURES_SCHEMA = """
CREATE TABLE msg_failures (
    hash BLOB PRIMARY KEY,
    attempts INTEGER NOT NULL,
    last_error TEXT NOT NULL
)
"""


def record_failure(conn: sqlite3.Connection, h: bytes, error: str) -> int:
    """Count one more failed attempt at handling envelope ``h``; returns the attempts so far."""
    conn.execute(
        "INSERT INTO msg_failures (hash, attempts, last_error) VALUES (?, 1, ?) "
        "ON CONFLICT(hash) DO UPDATE SET attempts = attempts + 1, last_error = excluded.last_error",
        (h, error),
    )
    return conn.execute("SELECT attempts FROM msg_failures WHERE hash = ?", (h,)).fetchone()[0]


# --- envelopes -------------------------------------------------------------------------------
def envelope_seen(conn: sqlite3.Connection, h: bytes) -> bool:
    return conn.execute("SELECT 1 FROM msg_envelopes WHERE hash = ?", (h,)).fetchone() is not None


def envelope_received(conn: sqlite3.Connection, h: bytes) -> dict | None:
    """When an incoming envelope was handled, and the messages it brought (``envelope inspect``)."""
    r = conn.execute("SELECT seen_ms, direction FROM msg_envelopes WHERE hash = ?", (h,)).fetchone()
    if r is None:
        return None
    rows = conn.execute("SELECT id, chat_kind, chat_id, sender, text FROM msg_messages WHERE envelope = ? ORDER BY created_ms, id",
                        (h,)).fetchall()  # fmt: skip
    events = [t for (t,) in conn.execute("SELECT type FROM msg_events WHERE json_extract(body, '$.hash') = ? ORDER BY seq",
                                         ("0x" + h.hex(),))]  # fmt: skip
    msgs = [{"id": "0x" + bytes(m[0]).hex(), "chat": {"kind": m[1], "id": m[2]}, "from": "0x" + bytes(m[3]).hex(), "text": m[4]}
            for m in rows]  # fmt: skip
    return {"seen_ms": int(r[0]), "direction": r[1], "messages": msgs, "events": events}


def mark_envelope(conn: sqlite3.Connection, h: bytes, timestamp_ns: int, now_ms: int, direction: str = "in") -> bool:
    """Record an envelope; False when it was already there."""
    cur = conn.execute(
        "INSERT OR IGNORE INTO msg_envelopes (hash, timestamp_ns, seen_ms, direction) VALUES (?, ?, ?, ?)",
        (h, timestamp_ns, now_ms, direction),
    )
    return cur.rowcount == 1


# --- messages --------------------------------------------------------------------------------
def has_message(conn: sqlite3.Connection, message_id: bytes) -> bool:
    return conn.execute("SELECT 1 FROM msg_messages WHERE id = ?", (message_id,)).fetchone() is not None


def add_message(conn: sqlite3.Connection, *, message_id: bytes, direction: str, chat_kind: str, chat_id: str, sender: bytes,
                amm_type: int, clock: int, timestamp_ms: int, text: str, envelope: bytes | None, now_ms: int) -> bool:  # fmt: skip
    """Store a message; False (nothing written) when its id is already known."""
    cur = conn.execute(
        "INSERT OR IGNORE INTO msg_messages (id, direction, chat_kind, chat_id, sender, amm_type, clock, timestamp_ms, text,"
        " envelope, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (message_id, direction, chat_kind, chat_id, sender, amm_type, clock, timestamp_ms, text, envelope, now_ms),
    )
    return cur.rowcount == 1


def messages(conn: sqlite3.Connection, chat_id: str | None = None, limit: int = 100) -> list[dict]:
    q = "SELECT id, direction, chat_kind, chat_id, sender, amm_type, clock, timestamp_ms, text FROM msg_messages"
    args: tuple = ()
    if chat_id is not None:
        q += " WHERE chat_id = ?"
        args = (chat_id,)
    q += " ORDER BY clock DESC, id LIMIT ?"
    rows = conn.execute(q, args + (limit,)).fetchall()
    keys = ("id", "direction", "chat_kind", "chat_id", "sender", "amm_type", "clock", "timestamp_ms", "text")
    return [dict(zip(keys, r)) for r in reversed(rows)]


def count_messages(conn: sqlite3.Connection, direction: str | None = None) -> int:
    if direction is None:
        return conn.execute("SELECT count(*) FROM msg_messages").fetchone()[0]
    return conn.execute("SELECT count(*) FROM msg_messages WHERE direction = ?", (direction,)).fetchone()[0]


# --- MVDS ids of what we sent ------------------------------------------------------------------
def add_outgoing(conn: sqlite3.Connection, mvds_id: bytes, peer: bytes, message_id: bytes) -> None:
    conn.execute("INSERT OR IGNORE INTO msg_outgoing (mvds_id, peer, message_id) VALUES (?, ?, ?)", (mvds_id, peer, message_id))


def delivered(conn: sqlite3.Connection, mvds_id: bytes, peer: bytes) -> bytes | None:
    """Mark an MVDS message acknowledged by ``peer``; the application message id (first time only)."""
    r = conn.execute("SELECT message_id, delivered FROM msg_outgoing WHERE mvds_id = ? AND peer = ?", (mvds_id, peer)).fetchone()
    if r is None or r[1]:
        return None
    conn.execute("UPDATE msg_outgoing SET delivered = 1 WHERE mvds_id = ? AND peer = ?", (mvds_id, peer))
    return bytes(r[0])


def undelivered(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT count(*) FROM msg_outgoing WHERE delivered = 0").fetchone()[0]


# --- the event log ---------------------------------------------------------------------------
def append_event(conn: sqlite3.Connection, event: dict, now_ms: int) -> int:
    """Store an event (a JSON-able dict with ``type``); returns its cursor."""
    cur = conn.execute("INSERT INTO msg_events (type, created_ms, body) VALUES (?, ?, ?)",
                       (event["type"], now_ms, json.dumps(event, separators=(",", ":"))))  # fmt: skip
    return int(cur.lastrowid)


def events_after(conn: sqlite3.Connection, seq: int, limit: int = 1000) -> list[tuple[int, dict]]:
    rows = conn.execute("SELECT seq, body FROM msg_events WHERE seq > ? ORDER BY seq LIMIT ?", (seq, limit)).fetchall()
    return [(int(r[0]), json.loads(r[1])) for r in rows]


def last_event_id(conn: sqlite3.Connection, event_type: str, sender: str) -> str | None:
    """The ``id`` of the newest stored event of ``event_type`` whose ``from`` is ``sender`` (0x04…)."""
    r = conn.execute("SELECT json_extract(body, '$.id') FROM msg_events WHERE type = ? AND json_extract(body, '$.from') = ?"
                     " ORDER BY seq DESC LIMIT 1", (event_type, sender)).fetchone()  # fmt: skip
    return r[0] if r else None


def message_direction(conn: sqlite3.Connection, message_id: bytes) -> str | None:
    """``in``/``out`` for a stored application message, None when unknown."""
    r = conn.execute("SELECT direction FROM msg_messages WHERE id = ?", (message_id,)).fetchone()
    return r[0] if r else None


def last_cursor(conn: sqlite3.Connection) -> int:
    r = conn.execute("SELECT max(seq) FROM msg_events").fetchone()
    return int(r[0] or 0)


# --- sync marks ------------------------------------------------------------------------------
def get_mark(conn: sqlite3.Connection, name: str) -> int | None:
    r = conn.execute("SELECT value FROM msg_sync WHERE name = ?", (name,)).fetchone()
    return int(r[0]) if r else None


def set_mark(conn: sqlite3.Connection, name: str, value: int) -> None:
    conn.execute("INSERT INTO msg_sync (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                 (name, int(value)))  # fmt: skip


def raise_mark(conn: sqlite3.Connection, name: str, value: int) -> None:
    """Set a mark to ``value`` unless it is already higher."""
    conn.execute("INSERT INTO msg_sync (name, value) VALUES (?, ?)"
                 " ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)", (name, int(value)))  # fmt: skip


# --- segments --------------------------------------------------------------------------------
def add_segment(conn: sqlite3.Connection, h: bytes, signer: bytes, idx: int, count: int, payload: bytes) -> bytes | None:
    """Keep a data segment; the whole payload once every segment is there (rows then removed).

    Returns None while incomplete or when that payload was already completed."""
    if conn.execute("SELECT 1 FROM msg_segments_done WHERE hash = ?", (h,)).fetchone():
        return None
    conn.execute("INSERT OR IGNORE INTO msg_segments (hash, signer, idx, count, payload) VALUES (?, ?, ?, ?, ?)",
                 (h, signer, idx, count, payload))  # fmt: skip
    rows = conn.execute("SELECT idx, payload FROM msg_segments WHERE hash = ? AND signer = ? AND count = ? ORDER BY idx",
                        (h, signer, count)).fetchall()  # fmt: skip
    if len(rows) < count:
        return None
    conn.execute("DELETE FROM msg_segments WHERE hash = ? AND signer = ?", (h, signer))
    conn.execute("INSERT OR IGNORE INTO msg_segments_done (hash) VALUES (?)", (h,))
    return b"".join(bytes(r[1]) for r in rows if 0 <= r[0] < count)
