"""MVDS state per 1:1 group, as rows: one record per (message, peer), bodies stored once.

status-go runs one MVDS node per account whose groups are the 1:1 group ids of its peers; here each
1:1 group is a node of its own (records, acks and epochs are per peer anyway). The state machine is
:class:`~statuscli.core.mvds.node.MvdsNode`; this module loads the part of a node that one step can
touch, lets the node run, and writes back only the rows that changed:

* ``append`` / ``due``: the records due at the current epoch (an index range: ``(node, send_epoch)``),
  their bodies, and the acks owed — a send costs the same with 0 or 10 000 messages pending;
* ``receive``: the records and bodies named by the payload's ids (acks, requests, offers, messages).

Tables (written only inside the caller's ``transaction(conn)``, so a concurrent ``send`` and
``listen`` never lose each other's rows):

* ``mvds_groups`` — node (the 1:1 group id) → peer, ``epoch``, ``next_due`` (the earliest epoch with
  something to send; owed acks make it due at once) so ``listen`` finds what to tick with one
  indexed query. ``state`` held the whole node as one JSON document before rows (migrated on
  first load, then '');
* ``mvds_records`` — (node, message id, peer) → type, the message's group, send count, send epoch;
* ``mvds_messages`` — message id → group, timestamp, body: kept while a record refers to it;
* ``mvds_acks`` — acks owed, per node and peer, in the order they became owed.

"Known" ids (offers for them are not requested again) are the ids of stored bodies and records:
forgetting the rest costs at most a duplicate delivery, which the application layer de-duplicates.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field

from statuscli.core.mvds.codec import Message
from statuscli.core.mvds.node import BATCH, EPOCH_MS, REQUEST, MvdsNode, Record

SCHEMA = """
CREATE TABLE mvds_groups (
    group_id   BLOB PRIMARY KEY,
    peer       BLOB NOT NULL,
    state      TEXT NOT NULL,
    next_due   INTEGER,              -- epoch, NULL when nothing is pending
    updated_ms INTEGER NOT NULL
);
CREATE INDEX mvds_groups_due ON mvds_groups (next_due)
"""

ROWS_SCHEMA = """
ALTER TABLE mvds_groups ADD COLUMN epoch INTEGER NOT NULL DEFAULT 0;
CREATE TABLE mvds_records (
    node       BLOB NOT NULL,        -- mvds_groups.group_id
    message_id BLOB NOT NULL,
    peer       BLOB NOT NULL,
    type       TEXT NOT NULL,        -- offer | request | message
    group_id   BLOB,                 -- the message's group (NULL for a request)
    send_count INTEGER NOT NULL,
    send_epoch INTEGER NOT NULL,
    PRIMARY KEY (node, message_id, peer)
) WITHOUT ROWID;
CREATE INDEX mvds_records_due ON mvds_records (node, send_epoch);
CREATE INDEX mvds_records_message ON mvds_records (message_id);
CREATE TABLE mvds_messages (
    message_id BLOB PRIMARY KEY,
    group_id   BLOB NOT NULL,
    timestamp  INTEGER NOT NULL,     -- seconds, as in the MVDS Message
    body       BLOB NOT NULL
);
CREATE TABLE mvds_acks (
    node       BLOB NOT NULL,
    peer       BLOB NOT NULL,
    message_id BLOB NOT NULL
);
CREATE INDEX mvds_acks_node ON mvds_acks (node)
"""

_CHUNK = 500  # ids per IN (…) list


@dataclass
class Loaded:
    """A node holding the rows one step may touch, and what was loaded (to write back only changes)."""

    node: MvdsNode
    group_id: bytes
    peer: bytes
    records: dict[tuple[bytes, bytes], tuple] = field(default_factory=dict)
    messages: set[bytes] = field(default_factory=set)
    acks: list[tuple[bytes, bytes]] = field(default_factory=list)
    #: False: the owed acks were not loaded (a receive only appends to them): save inserts the new ones
    acks_loaded: bool = True


def _record_row(r: Record) -> tuple:
    return (r.type, r.group_id, r.send_count, r.send_epoch)


def _chunks(ids: list[bytes]) -> Iterable[list[bytes]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i : i + _CHUNK]


def load(conn: sqlite3.Connection, group_id: bytes, our_id: bytes, peer: bytes, *, now_ms: int | None = None,
         ids: Iterable[bytes] = (), bodies_of_ids: bool = True, acks: bool = True) -> Loaded:  # fmt: skip
    """The node of ``group_id`` with the records due at ``now_ms`` (when given) and those naming ``ids``.

    ``bodies_of_ids`` also loads the stored bodies of ``ids`` (whether we hold them: offers and
    duplicates); an append only needs the record of its own id, whose body it brings. ``acks=False``
    leaves the owed acks in the table (a receive only adds to them; a tick sends them all): a
    catch-up that owes thousands of acks does not read and rewrite them for every message."""
    row = conn.execute("SELECT state, epoch FROM mvds_groups WHERE group_id = ?", (group_id,)).fetchone()
    epoch = 0
    if row is not None:
        if row[0]:
            _migrate(conn, group_id, row[0])
            row = conn.execute("SELECT state, epoch FROM mvds_groups WHERE group_id = ?", (group_id,)).fetchone()
        epoch = int(row[1])
    node = MvdsNode(our_id, mode=BATCH, epoch=epoch)
    node.add_peer(group_id, peer)
    out = Loaded(node, group_id, peer)
    cols = "message_id, peer, type, group_id, send_count, send_epoch"
    rows = []
    if now_ms is not None:  # an index range on (node, send_epoch); an OR with the ids below would scan the node
        rows += conn.execute(f"SELECT {cols} FROM mvds_records WHERE node = ? AND send_epoch <= ?",
                             (group_id, max(epoch, now_ms // EPOCH_MS))).fetchall()  # fmt: skip
    ids = list(dict.fromkeys(bytes(i) for i in ids))
    for chunk in _chunks(ids):
        marks = ",".join("?" * len(chunk))
        rows += conn.execute(f"SELECT {cols} FROM mvds_records WHERE node = ? AND message_id IN ({marks})", (group_id, *chunk)).fetchall()
    for mid, p, rtype, gid, count, send_epoch in rows:
        rec = Record(rtype, bytes(mid), bytes(p), None if gid is None else bytes(gid), int(count), int(send_epoch))
        node.records[(rec.message_id, rec.peer)] = rec
        out.records[(rec.message_id, rec.peer)] = _record_row(rec)
    wanted = list(dict.fromkeys([r.message_id for r in node.records.values() if r.type != REQUEST] + (ids if bodies_of_ids else [])))
    for chunk in _chunks(wanted):
        marks = ",".join("?" * len(chunk))
        for mid, gid, ts, body in conn.execute(f"SELECT message_id, group_id, timestamp, body FROM mvds_messages WHERE message_id IN ({marks})", chunk):
            node.messages[bytes(mid)] = Message(bytes(gid), int(ts), bytes(body))
            out.messages.add(bytes(mid))
    node.known = set(node.messages) | {k[0] for k in node.records}
    out.acks_loaded = acks
    if acks:
        for p, mid in conn.execute("SELECT peer, message_id FROM mvds_acks WHERE node = ? ORDER BY rowid", (group_id,)):
            node.owed_acks.setdefault(bytes(p), []).append(bytes(mid))
            out.acks.append((bytes(p), bytes(mid)))
    return out


def save(conn: sqlite3.Connection, loaded: Loaded, now_ms: int) -> None:
    """Write back what the step changed (inside the caller's transaction)."""
    node, gid = loaded.node, loaded.group_id
    node.expired.clear()  # records given up on are reported by the caller before saving
    gone = [k for k in loaded.records if k not in node.records]
    if gone:
        conn.executemany("DELETE FROM mvds_records WHERE node = ? AND message_id = ? AND peer = ?", [(gid, m, p) for m, p in gone])
    new, changed = [], []
    for key, rec in node.records.items():
        row = _record_row(rec)
        before = loaded.records.get(key)
        if before is None:
            new.append((gid, rec.message_id, rec.peer, *row))
        elif before != row:
            changed.append((rec.type, rec.group_id, rec.send_count, rec.send_epoch, gid, rec.message_id, rec.peer))
    if new:
        conn.executemany("INSERT OR REPLACE INTO mvds_records (node, message_id, peer, type, group_id, send_count, send_epoch)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?)", new)  # fmt: skip
    if changed:
        conn.executemany("UPDATE mvds_records SET type = ?, group_id = ?, send_count = ?, send_epoch = ?"
                         " WHERE node = ? AND message_id = ? AND peer = ?", changed)  # fmt: skip
    referenced = {r.message_id for r in node.records.values() if r.type != REQUEST}
    bodies = [(mid, m.group_id, m.timestamp, m.body) for mid, m in node.messages.items() if mid not in loaded.messages and mid in referenced]
    if bodies:
        conn.executemany("INSERT OR IGNORE INTO mvds_messages (message_id, group_id, timestamp, body) VALUES (?, ?, ?, ?)", bodies)
    for mid in {m for m, _ in gone} - referenced:  # a body lives while some record refers to it
        conn.execute("DELETE FROM mvds_messages WHERE message_id = ? AND NOT EXISTS"
                     " (SELECT 1 FROM mvds_records WHERE message_id = ? AND type != ?)", (mid, mid, REQUEST))  # fmt: skip
    acks = [(p, mid) for p, mids in node.owed_acks.items() for mid in mids]
    old = loaded.acks
    if acks[: len(old)] == old:  # only appended to (a receive; nothing loaded counts as appending)
        if len(acks) > len(old):
            conn.executemany("INSERT INTO mvds_acks (node, peer, message_id) VALUES (?, ?, ?)", [(gid, p, m) for p, m in acks[len(old) :]])
    else:  # sent (a tick): what is left, if anything, written again
        conn.execute("DELETE FROM mvds_acks WHERE node = ?", (gid,))
        conn.executemany("INSERT INTO mvds_acks (node, peer, message_id) VALUES (?, ?, ?)", [(gid, p, m) for p, m in acks])
    owed = bool(acks) or (not loaded.acks_loaded and conn.execute("SELECT 1 FROM mvds_acks WHERE node = ? LIMIT 1", (gid,)).fetchone() is not None)
    if owed:
        next_due = node.epoch
    else:
        next_due = conn.execute("SELECT min(send_epoch) FROM mvds_records WHERE node = ?", (gid,)).fetchone()[0]
    conn.execute(
        "INSERT INTO mvds_groups (group_id, peer, state, next_due, updated_ms, epoch) VALUES (?, ?, '', ?, ?, ?)"
        " ON CONFLICT (group_id) DO UPDATE SET next_due = excluded.next_due, updated_ms = excluded.updated_ms,"
        " epoch = excluded.epoch",
        (gid, loaded.peer, next_due, now_ms, node.epoch),
    )


def _migrate(conn: sqlite3.Connection, group_id: bytes, state: str) -> None:
    """A node stored as one JSON document (before rows) becomes rows, in the caller's transaction."""
    old = MvdsNode.from_json(state)
    conn.executemany("INSERT OR REPLACE INTO mvds_records (node, message_id, peer, type, group_id, send_count, send_epoch)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?)",
                     [(group_id, r.message_id, r.peer, r.type, r.group_id, r.send_count, r.send_epoch) for r in old.records.values()])  # fmt: skip
    conn.executemany("INSERT OR IGNORE INTO mvds_messages (message_id, group_id, timestamp, body) VALUES (?, ?, ?, ?)",
                     [(mid, m.group_id, m.timestamp, m.body) for mid, m in old.messages.items()])  # fmt: skip
    conn.executemany("INSERT INTO mvds_acks (node, peer, message_id) VALUES (?, ?, ?)",
                     [(group_id, p, m) for p, mids in old.owed_acks.items() for m in mids])  # fmt: skip
    conn.execute("UPDATE mvds_groups SET state = '', epoch = ? WHERE group_id = ?", (old.epoch, group_id))


def due(conn: sqlite3.Connection, epoch: int) -> list[tuple[bytes, bytes]]:
    """(group id, peer) of every group with something to send at ``epoch``."""
    rows = conn.execute("SELECT group_id, peer FROM mvds_groups WHERE next_due IS NOT NULL AND next_due <= ?", (epoch,))
    return [(bytes(r[0]), bytes(r[1])) for r in rows]


def next_due(conn: sqlite3.Connection) -> int | None:
    r = conn.execute("SELECT min(next_due) FROM mvds_groups").fetchone()
    return None if r[0] is None else int(r[0])


def pending(conn: sqlite3.Connection) -> list[dict]:
    """Per group: peer and the number of records still waiting for an ack."""
    rows = conn.execute("SELECT g.group_id, g.peer, g.next_due, g.state,"
                        " (SELECT count(*) FROM mvds_records r WHERE r.node = g.group_id)"
                        " FROM mvds_groups g ORDER BY g.updated_ms")  # fmt: skip
    out = []
    for gid, peer, nd, state, count in rows:
        if state:  # not migrated yet
            node = MvdsNode.from_json(state)
            count, nd = len(node.pending()), node.next_due_epoch()
        out.append({"group_id": bytes(gid), "peer": bytes(peer), "pending": int(count), "next_due": nd})
    return out
