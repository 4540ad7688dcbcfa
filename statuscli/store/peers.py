"""What we know about other identities: their bundles, installations, contacts, secret agreement.

Tables and rules (status-go ``persistence.go:AddPublicBundle``, ``multidevice/persistence.go``,
``sharedsecret``, ``publisher``):

* ``secure_peer_bundles`` — one row per (identity, installation, signed prekey). Storing a bundle
  upserts each prekey and expires the installation's rows with a lower version; a prekey that
  arrives with a lower version than one already known is stored expired (a stale bundle never
  resurrects an old key).
* ``secure_installations`` — devices per identity with the newest bundle timestamp seen. A new
  device of another identity is enabled; a device of our own identity starts disabled (pairing
  enables it). The timestamp and protocol version only move forward. Sending targets at most 3
  enabled devices, most recent first.
* ``secure_secret_agreements`` — (identity, installation) pairs that decrypted a direct message
  with a bundle advertising protocol version ≥ 1: they know the static shared secret.
* ``secure_bundle_adverts`` — when we last re-sent our bundle to an identity (at most every 2 h).
* ``peer_contacts`` — local names for public keys (``PEER`` arguments accept them).

All writes happen inside the caller's ``transaction(conn)``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from statuscli.core.bundles import MAX_INSTALLATIONS, Bundle, SignedPreKey

ADVERT_INTERVAL_MS = 2 * 60 * 60 * 1000  # publisher.go deviceNotFoundAckInterval

SCHEMA = """
CREATE TABLE secure_peer_bundles (
    identity         BLOB NOT NULL,       -- compressed identity key (33)
    installation_id  TEXT NOT NULL,
    spk              BLOB NOT NULL,       -- compressed signed prekey = bundle id
    version          INTEGER NOT NULL,
    protocol_version INTEGER NOT NULL,
    timestamp_ns     INTEGER NOT NULL,
    expired          INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (identity, installation_id, spk)
);
CREATE TABLE secure_installations (
    identity         BLOB NOT NULL,
    installation_id  TEXT NOT NULL,
    timestamp_ns     INTEGER NOT NULL,
    protocol_version INTEGER NOT NULL,
    enabled          INTEGER NOT NULL,
    PRIMARY KEY (identity, installation_id)
);
CREATE TABLE secure_secret_agreements (
    identity        BLOB NOT NULL,
    installation_id TEXT NOT NULL,
    PRIMARY KEY (identity, installation_id)
);
CREATE TABLE secure_bundle_adverts (
    identity BLOB PRIMARY KEY,
    last_ms  INTEGER NOT NULL
);
CREATE TABLE peer_contacts (
    name       TEXT PRIMARY KEY,
    public_key BLOB NOT NULL,             -- uncompressed (65)
    added_ms   INTEGER NOT NULL
)
"""


@dataclass(frozen=True, slots=True)
class Installation:
    installation_id: str
    protocol_version: int
    timestamp_ns: int = 0
    enabled: bool = True

    def to_json(self) -> dict:
        return {
            "installation_id": self.installation_id,
            "protocol_version": self.protocol_version,
            "timestamp_ns": self.timestamp_ns,
            "enabled": self.enabled,
        }


# --- bundles and installations -------------------------------------------------------------
def store_bundle(conn: sqlite3.Connection, bundle: Bundle, *, own_identity: bytes, own_installation_id: str) -> list[str]:
    """Record a *verified* bundle; returns the installation ids seen for the first time.

    Our own installation (same identity and id) is skipped: its private prekeys live in
    :mod:`statuscli.store.prekeys`.
    """
    identity = bundle.identity
    own = identity == own_identity
    new: list[str] = []
    for iid, spk in bundle.signed_pre_keys.items():
        if own and iid == own_installation_id:
            continue
        _store_prekey(conn, identity, iid, spk, bundle.timestamp)
        if _store_installation(conn, identity, iid, spk.protocol_version, bundle.timestamp, enabled=not own):
            new.append(iid)
    return new


def _store_prekey(conn, identity: bytes, iid: str, spk: SignedPreKey, ts: int) -> None:
    r = conn.execute(
        "SELECT spk, version FROM secure_peer_bundles WHERE identity = ? AND installation_id = ?"
        " ORDER BY expired, version DESC LIMIT 1",
        (identity, iid),
    ).fetchone()
    if r is not None and bytes(r[0]) == spk.signed_pre_key and r[1] == spk.version:
        return  # the prekey we already hold as current (the usual case: a re-signed bundle)
    r = conn.execute(
        "SELECT MAX(version) FROM secure_peer_bundles WHERE identity = ? AND installation_id = ?", (identity, iid)
    ).fetchone()
    stale = r[0] is not None and spk.version < r[0]
    conn.execute(
        "INSERT INTO secure_peer_bundles (identity, installation_id, spk, version, protocol_version, timestamp_ns, expired)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (identity, installation_id, spk) DO UPDATE SET"
        "   timestamp_ns = MAX(timestamp_ns, excluded.timestamp_ns),"
        "   protocol_version = excluded.protocol_version, version = excluded.version",
        (identity, iid, spk.signed_pre_key, spk.version, spk.protocol_version, ts, int(stale)),
    )
    if not stale:
        conn.execute(
            "UPDATE secure_peer_bundles SET expired = 1"
            " WHERE identity = ? AND installation_id = ? AND version < ? AND expired = 0",
            (identity, iid, spk.version),
        )


def _store_installation(conn, identity: bytes, iid: str, protocol_version: int, ts: int, *, enabled: bool) -> bool:
    cur = conn.execute(
        "INSERT INTO secure_installations (identity, installation_id, timestamp_ns, protocol_version, enabled)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (identity, installation_id) DO NOTHING",
        (identity, iid, ts, protocol_version, int(enabled)),
    )
    if cur.rowcount:
        return True
    conn.execute(
        "UPDATE secure_installations SET timestamp_ns = ?, protocol_version = MAX(protocol_version, ?)"
        " WHERE identity = ? AND installation_id = ? AND timestamp_ns < ?",
        (ts, protocol_version, identity, iid, ts),
    )
    return False


def active_installations(conn: sqlite3.Connection, identity: bytes, limit: int = MAX_INSTALLATIONS) -> list[Installation]:
    """Enabled devices of ``identity``, most recent bundle first (``GetActiveInstallations``)."""
    rows = conn.execute(
        "SELECT installation_id, protocol_version, timestamp_ns, enabled FROM secure_installations"
        " WHERE identity = ? AND enabled = 1 ORDER BY timestamp_ns DESC, installation_id LIMIT ?",
        (identity, limit),
    )
    return [Installation(r[0], r[1], r[2], bool(r[3])) for r in rows]


def installations(conn: sqlite3.Connection, identity: bytes) -> list[Installation]:
    rows = conn.execute(
        "SELECT installation_id, protocol_version, timestamp_ns, enabled FROM secure_installations"
        " WHERE identity = ? ORDER BY timestamp_ns DESC, installation_id",
        (identity,),
    )
    return [Installation(r[0], r[1], r[2], bool(r[3])) for r in rows]


def set_enabled(conn: sqlite3.Connection, identity: bytes, installation_id: str, enabled: bool) -> bool:
    return bool(
        conn.execute(
            "UPDATE secure_installations SET enabled = ? WHERE identity = ? AND installation_id = ?",
            (int(enabled), identity, installation_id),
        ).rowcount
    )


def current_prekey(conn: sqlite3.Connection, identity: bytes, installation_id: str) -> SignedPreKey | None:
    """The installation's non-expired signed prekey with the highest version (``GetPublicBundle``)."""
    r = conn.execute(
        "SELECT spk, version, protocol_version FROM secure_peer_bundles"
        " WHERE identity = ? AND installation_id = ? AND expired = 0 ORDER BY version DESC LIMIT 1",
        (identity, installation_id),
    ).fetchone()
    return SignedPreKey(bytes(r[0]), r[1], r[2]) if r else None


def known_identities(conn: sqlite3.Connection) -> list[bytes]:
    return [bytes(r[0]) for r in conn.execute("SELECT DISTINCT identity FROM secure_installations ORDER BY identity")]


def public_bundle_keys(conn: sqlite3.Connection, identity: bytes) -> dict[str, SignedPreKey]:
    """Current prekeys per enabled installation of ``identity`` (for display)."""
    out = {}
    for inst in active_installations(conn, identity):
        spk = current_prekey(conn, identity, inst.installation_id)
        if spk is not None:
            out[inst.installation_id] = spk
    return out


# --- shared-secret agreement ---------------------------------------------------------------
def record_secret(conn: sqlite3.Connection, identity: bytes, installation_id: str) -> None:
    conn.execute(
        "INSERT OR IGNORE INTO secure_secret_agreements (identity, installation_id) VALUES (?, ?)", (identity, installation_id)
    )


def secret_agreed(conn: sqlite3.Connection, identity: bytes, installation_ids: Iterable[str]) -> bool:
    """True when every targeted installation is known to have the secret (``SharedSecret.Agreed``)."""
    ids = list(installation_ids)
    if not ids:
        return False
    known = {
        r[0]
        for r in conn.execute(
            f"SELECT installation_id FROM secure_secret_agreements WHERE identity = ? AND installation_id IN ({','.join('?' * len(ids))})",
            (identity, *ids),
        )
    }
    return all(i in known for i in ids)


# --- bundle advertisements -----------------------------------------------------------------
def should_advertise(conn: sqlite3.Connection, identity: bytes, now_ms: int) -> bool:
    r = conn.execute("SELECT last_ms FROM secure_bundle_adverts WHERE identity = ?", (identity,)).fetchone()
    return r is None or now_ms - r[0] >= ADVERT_INTERVAL_MS


def advertised(conn: sqlite3.Connection, identity: bytes, now_ms: int) -> None:
    conn.execute(
        "INSERT INTO secure_bundle_adverts (identity, last_ms) VALUES (?, ?)"
        " ON CONFLICT (identity) DO UPDATE SET last_ms = excluded.last_ms",
        (identity, now_ms),
    )


# --- contacts ------------------------------------------------------------------------------
def set_contact(conn: sqlite3.Connection, name: str, public_key: bytes, now_ms: int) -> None:
    conn.execute(
        "INSERT INTO peer_contacts (name, public_key, added_ms) VALUES (?, ?, ?)"
        " ON CONFLICT (name) DO UPDATE SET public_key = excluded.public_key",
        (name, public_key, now_ms),
    )


def contact(conn: sqlite3.Connection, name: str) -> bytes | None:
    r = conn.execute("SELECT public_key FROM peer_contacts WHERE name = ?", (name,)).fetchone()
    return bytes(r[0]) if r else None


def remove_contact(conn: sqlite3.Connection, name: str) -> bool:
    return bool(conn.execute("DELETE FROM peer_contacts WHERE name = ?", (name,)).rowcount)


def contacts(conn: sqlite3.Connection) -> list[tuple[str, bytes]]:
    return [(r[0], bytes(r[1])) for r in conn.execute("SELECT name, public_key FROM peer_contacts ORDER BY name")]
