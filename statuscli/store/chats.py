"""Chats of an account: 1:1 peers, joined public channels, private groups, Lamport clocks, topic keys.

Tables (writes inside the caller's ``transaction(conn)``):

* ``chat_peers`` — identities we exchanged 1:1 messages with (either direction). ``listen`` derives
  the negotiated and contact-code topics it needs from them; ``rowid`` grows with every new peer,
  so a running ``listen`` notices peers another process added (:func:`version`).
* ``chat_public`` — public channels joined (``send --public`` or ``listen --public`` joins).
* ``chat_groups`` / ``chat_group_events`` — private groups: a local name, and every signed
  membership event seen (wire bytes, deduplicated); the group state is rebuilt from the events.
* ``chat_clocks`` — the last Lamport clock per chat id (``send``: tick; receive: observe).
* ``chat_topic_keys`` — PBKDF2 symmetric keys per chat-id string (65 356 rounds each: computed once,
  as status-go caches them in ``waku_keys``).
"""

from __future__ import annotations

import sqlite3


SCHEMA = """
CREATE TABLE chat_peers (
    peer          BLOB PRIMARY KEY,    -- 65-byte public key
    first_seen_ms INTEGER NOT NULL,
    last_seen_ms  INTEGER NOT NULL
);
CREATE TABLE chat_public (
    name      TEXT PRIMARY KEY,
    joined_ms INTEGER NOT NULL
);
CREATE TABLE chat_groups (
    chat_id    TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE TABLE chat_group_events (
    chat_id TEXT NOT NULL,
    clock   INTEGER NOT NULL,
    wire    BLOB NOT NULL,
    PRIMARY KEY (chat_id, wire)
);
CREATE TABLE chat_clocks (
    chat_id    TEXT PRIMARY KEY,
    last_clock INTEGER NOT NULL
);
CREATE TABLE chat_topic_keys (
    name TEXT PRIMARY KEY,            -- the chat-id string hashed into the topic
    key  BLOB NOT NULL
)
"""


# --- 1:1 peers -------------------------------------------------------------------------------
def touch_peer(conn: sqlite3.Connection, peer: bytes, now_ms: int) -> None:
    """Remember a 1:1 peer (first and last seen): one statement, run for every message."""
    conn.execute("INSERT INTO chat_peers (peer, first_seen_ms, last_seen_ms) VALUES (?, ?, ?)"
                 " ON CONFLICT (peer) DO UPDATE SET last_seen_ms = excluded.last_seen_ms", (peer, now_ms, now_ms))  # fmt: skip


def peers(conn: sqlite3.Connection) -> list[bytes]:
    return [bytes(r[0]) for r in conn.execute("SELECT peer FROM chat_peers ORDER BY rowid")]


def version(conn: sqlite3.Connection) -> tuple:
    """Changes whenever a peer, contact, channel, group or device is added (one cheap query, polled often)."""
    return tuple(conn.execute(
        "SELECT (SELECT max(rowid) FROM chat_peers), (SELECT max(rowid) FROM chat_public), (SELECT count(*) FROM chat_public),"
        " (SELECT max(rowid) FROM chat_groups), (SELECT max(rowid) FROM peer_contacts), (SELECT count(*) FROM peer_contacts),"
        " (SELECT max(rowid) FROM secure_installations)"
    ).fetchone())


# --- public channels -------------------------------------------------------------------------
def join_public(conn: sqlite3.Connection, name: str, now_ms: int) -> bool:
    return conn.execute("INSERT OR IGNORE INTO chat_public (name, joined_ms) VALUES (?, ?)", (name, now_ms)).rowcount == 1


def leave_public(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("DELETE FROM chat_public WHERE name = ?", (name,)).rowcount == 1


def public_channels(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT name FROM chat_public ORDER BY name")]


# --- private groups --------------------------------------------------------------------------
def add_group(conn: sqlite3.Connection, chat_id: str, name: str, now_ms: int) -> bool:
    return conn.execute("INSERT OR IGNORE INTO chat_groups (chat_id, name, created_ms) VALUES (?, ?, ?)",
                        (chat_id, name, now_ms)).rowcount == 1  # fmt: skip


def rename_group(conn: sqlite3.Connection, chat_id: str, name: str) -> None:
    conn.execute("UPDATE chat_groups SET name = ? WHERE chat_id = ?", (name, chat_id))


def groups(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """(chat id, local name) of every group."""
    return [(r[0], r[1]) for r in conn.execute("SELECT chat_id, name FROM chat_groups ORDER BY created_ms, chat_id")]


def add_group_events(conn: sqlite3.Connection, chat_id: str, events: list[tuple[int, bytes]]) -> int:
    """Store (clock, wire) events; returns how many were new."""
    n = 0
    for clock, wire in events:
        n += conn.execute("INSERT OR IGNORE INTO chat_group_events (chat_id, clock, wire) VALUES (?, ?, ?)",
                          (chat_id, clock, wire)).rowcount  # fmt: skip
    return n


def group_events(conn: sqlite3.Connection, chat_id: str) -> list[bytes]:
    return [bytes(r[0]) for r in conn.execute("SELECT wire FROM chat_group_events WHERE chat_id = ? ORDER BY clock, rowid", (chat_id,))]


# --- clocks ----------------------------------------------------------------------------------
def last_clock(conn: sqlite3.Connection, chat_id: str) -> int:
    r = conn.execute("SELECT last_clock FROM chat_clocks WHERE chat_id = ?", (chat_id,)).fetchone()
    return int(r[0]) if r else 0


def set_clock(conn: sqlite3.Connection, chat_id: str, clock: int) -> None:
    conn.execute("INSERT INTO chat_clocks (chat_id, last_clock) VALUES (?, ?)"
                 " ON CONFLICT (chat_id) DO UPDATE SET last_clock = max(last_clock, excluded.last_clock)", (chat_id, clock))  # fmt: skip


# --- topic keys ------------------------------------------------------------------------------
def topic_key(conn: sqlite3.Connection, name: str) -> bytes | None:
    r = conn.execute("SELECT key FROM chat_topic_keys WHERE name = ?", (name,)).fetchone()
    return bytes(r[0]) if r else None


def set_topic_key(conn: sqlite3.Connection, name: str, key: bytes) -> None:
    conn.execute("INSERT OR IGNORE INTO chat_topic_keys (name, key) VALUES (?, ?)", (name, key))
