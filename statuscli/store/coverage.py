"""What the account has heard: time ranges NOT covered (gaps), kept until a store fills them.

``msg_sync.checkpoint_ns`` (in :mod:`statuscli.store.messages`) is the time up to which the account
has either heard live on a working subscription or fetched from a store — except the ranges listed
here. A gap is written when a catch-up could not run (no store, the query failed, ``--no-catch-up``)
and deleted only after a store answered every page of it. All writes inside the caller's
``transaction(conn)``; the table is a step of :mod:`statuscli.store.schema`.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

SCHEMA = """
CREATE TABLE msg_gaps (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    from_ns    INTEGER NOT NULL,      -- nothing heard from here …
    to_ns      INTEGER NOT NULL,      -- … up to here (Waku timestamps, ns)
    reason     TEXT NOT NULL,         -- why it was not fetched (the last failure)
    created_ms INTEGER NOT NULL
)
"""


@dataclass(frozen=True)
class Gap:
    id: int
    from_ns: int
    to_ns: int
    reason: str


def add_gap(conn: sqlite3.Connection, from_ns: int, to_ns: int, reason: str, now_ms: int) -> Gap | None:
    """Record that ``[from_ns, to_ns]`` was not fetched; None for an empty range."""
    if to_ns <= from_ns:
        return None
    cur = conn.execute("INSERT INTO msg_gaps (from_ns, to_ns, reason, created_ms) VALUES (?, ?, ?, ?)", (from_ns, to_ns, reason, now_ms))
    return Gap(int(cur.lastrowid), from_ns, to_ns, reason)


def gaps(conn: sqlite3.Connection) -> list[Gap]:
    rows = conn.execute("SELECT id, from_ns, to_ns, reason FROM msg_gaps ORDER BY from_ns, id").fetchall()
    return [Gap(int(r[0]), int(r[1]), int(r[2]), r[3]) for r in rows]


def still_open(conn: sqlite3.Connection, gap_id: int, reason: str, *, from_ns: int | None = None) -> None:
    """A retry failed too, or was cut short: the gap stays, with the newest reason (and from
    ``from_ns`` on when the part before it was fetched)."""
    if from_ns is None:
        conn.execute("UPDATE msg_gaps SET reason = ? WHERE id = ?", (reason, gap_id))
    else:
        conn.execute("UPDATE msg_gaps SET reason = ?, from_ns = MAX(from_ns, ?) WHERE id = ?", (reason, from_ns, gap_id))


def filled(conn: sqlite3.Connection, gap_id: int) -> None:
    conn.execute("DELETE FROM msg_gaps WHERE id = ?", (gap_id,))


def fill_within(conn: sqlite3.Connection, from_ns: int | None, to_ns: int | None) -> int:
    """Delete the gaps lying wholly inside a range a store answered (None: open end); how many."""
    lo = -(2**63) if from_ns is None else from_ns
    hi = 2**63 - 1 if to_ns is None else to_ns
    return conn.execute("DELETE FROM msg_gaps WHERE from_ns >= ? AND to_ns <= ?", (lo, hi)).rowcount
