"""What we know of a person beyond their keys: the contact state status-go keeps.

One row per public key (uncompressed, 65 bytes) in ``contact_state``; names stay in
``peer_contacts`` (:mod:`statuscli.store.peers`), so a contact may be named, stateful, or both.

    added_by_us    we added them (``contacts add``, or we accepted their request)
    added_us       they added us (a contact request from them, or they accepted ours)
    mutual         both of the above (derived, not stored)
    blocked        their messages are dropped (counted in ``dropped``), never stored or printed
    request        the newest contact request between us: ``none`` | ``pending-in`` (theirs,
                   not answered) | ``pending-out`` (ours, not answered) | ``accepted`` | ``declined``
                   (by us: we are not added; by them: we are) | ``removed``
    local_clock,   the clocks of the newest move of each side (:mod:`statuscli.core.contact_relation`)
    remote_clock
    update_clock   the clock of their newest ContactUpdate; ``display_name`` and ``claimed_ens_name``
                   come from it (what they say, not verified)
    ens_claim_clock  the clock of the newest chat message that claimed an ENS name (``ens_name``);
                   it sets ``claimed_ens_name`` when newer than both clocks (status-go's verifier
                   records claims from ChatMessage and ContactUpdate alike)
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from statuscli.core.contact_relation import REQUEST_STATES, Relation

SCHEMA = """
CREATE TABLE contact_state (
    public_key   BLOB PRIMARY KEY,          -- uncompressed (65)
    added_by_us  INTEGER NOT NULL DEFAULT 0,
    added_us     INTEGER NOT NULL DEFAULT 0,
    blocked      INTEGER NOT NULL DEFAULT 0,
    request      TEXT NOT NULL DEFAULT 'none',
    request_id   TEXT,
    dropped      INTEGER NOT NULL DEFAULT 0,
    updated_ms   INTEGER NOT NULL
)
"""

CLOCKS_SCHEMA = """
ALTER TABLE contact_state ADD COLUMN local_clock INTEGER NOT NULL DEFAULT 0;
ALTER TABLE contact_state ADD COLUMN remote_clock INTEGER NOT NULL DEFAULT 0;
ALTER TABLE contact_state ADD COLUMN update_clock INTEGER NOT NULL DEFAULT 0;
ALTER TABLE contact_state ADD COLUMN display_name TEXT;
ALTER TABLE contact_state ADD COLUMN claimed_ens_name TEXT
"""

ENS_CLAIM_CLOCK_SCHEMA = """
ALTER TABLE contact_state ADD COLUMN ens_claim_clock INTEGER NOT NULL DEFAULT 0
"""

_COLUMNS = ("added_by_us", "added_us", "blocked", "request", "request_id", "dropped", "local_clock", "remote_clock", "update_clock",
            "display_name", "claimed_ens_name")  # fmt: skip


@dataclass(frozen=True, slots=True)
class ContactState:
    public_key: bytes
    added_by_us: bool = False
    added_us: bool = False
    blocked: bool = False
    request: str = "none"
    request_id: str | None = None
    dropped: int = 0
    local_clock: int = 0
    remote_clock: int = 0
    update_clock: int = 0
    display_name: str | None = None
    claimed_ens_name: str | None = None

    @property
    def mutual(self) -> bool:
        return self.added_by_us and self.added_us

    def to_json(self) -> dict:
        return {"added_by_us": self.added_by_us, "added_us": self.added_us, "mutual": self.mutual, "blocked": self.blocked,
                "request": self.request, "request_id": self.request_id, "dropped": self.dropped, "display_name": self.display_name,
                "claimed_ens_name": self.claimed_ens_name}  # fmt: skip

    def relation(self) -> Relation:
        return Relation(self.added_by_us, self.added_us, self.request, self.local_clock, self.remote_clock)


def get(conn: sqlite3.Connection, key: bytes) -> ContactState:
    r = conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM contact_state WHERE public_key = ?", (key,)).fetchone()  # noqa: S608
    if r is None:
        return ContactState(key)
    return ContactState(key, bool(r[0]), bool(r[1]), bool(r[2]), r[3], r[4], *(int(x) for x in r[5:9]), r[9], r[10])


def update(conn: sqlite3.Connection, key: bytes, now_ms: int, **fields) -> ContactState:
    """Set some of the columns (not ``dropped``: :func:`count_dropped`) for ``key``."""
    allowed = set(_COLUMNS) - {"dropped"}
    if set(fields) - allowed:
        raise ValueError(f"unknown contact fields {set(fields) - allowed}")
    if "request" in fields and fields["request"] not in REQUEST_STATES:
        raise ValueError(f"unknown request state {fields['request']!r}")
    conn.execute("INSERT OR IGNORE INTO contact_state (public_key, updated_ms) VALUES (?, ?)", (key, now_ms))
    if fields:
        sets = ", ".join(f"{k} = ?" for k in fields)
        conn.execute(f"UPDATE contact_state SET {sets}, updated_ms = ? WHERE public_key = ?",  # noqa: S608 (names from allowed)
                     (*[int(v) if isinstance(v, bool) else v for v in fields.values()], now_ms, key))  # fmt: skip
    return get(conn, key)


def set_relation(conn: sqlite3.Connection, key: bytes, r: Relation, now_ms: int, **fields) -> ContactState:
    return update(conn, key, now_ms, added_by_us=r.added_by_us, added_us=r.added_us, request=r.request, local_clock=r.local_clock,
                  remote_clock=r.remote_clock, **fields)  # fmt: skip


def count_dropped(conn: sqlite3.Connection, key: bytes) -> None:
    conn.execute("UPDATE contact_state SET dropped = dropped + 1 WHERE public_key = ?", (key,))


def all_states(conn: sqlite3.Connection) -> list[ContactState]:
    rows = conn.execute("SELECT public_key FROM contact_state ORDER BY updated_ms, public_key").fetchall()
    return [get(conn, bytes(r[0])) for r in rows]


def forget(conn: sqlite3.Connection, key: bytes) -> None:
    conn.execute("DELETE FROM contact_state WHERE public_key = ?", (key,))


def set_ens_claim(conn: sqlite3.Connection, key: bytes, name: str, clock: int, now_ms: int) -> None:
    """``name`` becomes the claimed ENS name of ``key`` if a row exists and no newer chat message
    or ContactUpdate set one (strangers get no row from a claim alone)."""
    conn.execute("UPDATE contact_state SET claimed_ens_name = ?, ens_claim_clock = ?, updated_ms = ? "
                 "WHERE public_key = ? AND ? >= ens_claim_clock AND ? > update_clock", (name, clock, now_ms, key, clock, clock))  # fmt: skip
