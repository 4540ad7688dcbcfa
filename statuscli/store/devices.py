"""Installation metadata of our own devices (status-go's ``installation_metadata`` table).

Which of our installations exist and whether they are enabled lives with every identity's
installations in ``secure_installations`` (:mod:`statuscli.store.peers`; our own devices are stored
disabled until enabled). This table adds what a pairing message says about a device — its name and
device type — and ours, keyed by installation id. A row moves only forward in ``clock`` (an older
pairing message arriving late does not undo a newer one).

All writes happen inside the caller's ``transaction(conn)``.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

SCHEMA = """
CREATE TABLE device_metadata (
    installation_id TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    device_type     TEXT NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1,
    clock           INTEGER NOT NULL DEFAULT 0,
    updated_ms      INTEGER NOT NULL
)
"""


@dataclass(frozen=True, slots=True)
class Metadata:
    installation_id: str
    name: str
    device_type: str
    version: int = 1
    clock: int = 0


def get(conn: sqlite3.Connection, installation_id: str) -> Metadata | None:
    r = conn.execute("SELECT installation_id, name, device_type, version, clock FROM device_metadata WHERE installation_id = ?",
                     (installation_id,)).fetchone()  # fmt: skip
    return Metadata(*r) if r else None


def put(conn: sqlite3.Connection, m: Metadata, now_ms: int) -> bool:
    """Store ``m`` unless a row with a newer clock is there; True when it was stored."""
    return bool(conn.execute(
        "INSERT INTO device_metadata (installation_id, name, device_type, version, clock, updated_ms) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (installation_id) DO UPDATE SET name = excluded.name, device_type = excluded.device_type,"
        "   version = excluded.version, clock = excluded.clock, updated_ms = excluded.updated_ms"
        " WHERE excluded.clock >= device_metadata.clock",
        (m.installation_id, m.name, m.device_type, m.version, m.clock, now_ms),
    ).rowcount)


def all_metadata(conn: sqlite3.Connection) -> dict[str, Metadata]:
    rows = conn.execute("SELECT installation_id, name, device_type, version, clock FROM device_metadata")
    return {r[0]: Metadata(*r) for r in rows}
