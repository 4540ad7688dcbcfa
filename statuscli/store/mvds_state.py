"""MVDS state per 1:1 group: one :class:`~statuscli.core.mvds.node.MvdsNode` per (us, peer) pair.

status-go runs one MVDS node per account whose groups are the 1:1 group ids of its peers; keeping
one node per group here gives the same behaviour (records, acks and epochs are per peer anyway)
while a read-modify-write touches only one conversation's state.

Only ids still referenced are kept in the node's ``known`` set (see :func:`save`).

Table ``mvds_groups``: group id → peer (65-byte key), the node's JSON state, and ``next_due`` —
the earliest epoch at which the node has something to send (owed acks make it due at once), so
``listen`` finds the groups to tick with one indexed query. Every change is a read-modify-write
inside the caller's ``transaction(conn)``, so a concurrent ``send`` and ``listen`` never lose
each other's records.
"""

from __future__ import annotations

import sqlite3

from statuscli.core.mvds.node import BATCH, MvdsNode

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





def load(conn: sqlite3.Connection, group_id: bytes, our_id: bytes, peer: bytes) -> MvdsNode:
    """The node of ``group_id`` (a fresh batch-mode one with ``peer`` when none is stored)."""
    r = conn.execute("SELECT state FROM mvds_groups WHERE group_id = ?", (group_id,)).fetchone()
    if r is not None:
        return MvdsNode.from_json(r[0])
    node = MvdsNode(our_id, mode=BATCH)
    node.add_peer(group_id, peer)
    return node


def save(conn: sqlite3.Connection, group_id: bytes, peer: bytes, node: MvdsNode, now_ms: int) -> None:
    node.expired.clear()  # records given up on are reported by the caller before saving
    # ``known`` (every id ever seen) would grow without bound and be rewritten on every change; only
    # ids still referenced are kept. Forgetting the rest costs at most a duplicate delivery or a
    # re-request of an offered message, and the application layer de-duplicates by message id.
    node.known = {mid for mid in node.known if mid in node.messages} | {r.message_id for r in node.records.values()}
    conn.execute(
        "INSERT INTO mvds_groups (group_id, peer, state, next_due, updated_ms) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (group_id) DO UPDATE SET state = excluded.state, next_due = excluded.next_due,"
        " updated_ms = excluded.updated_ms",
        (group_id, peer, node.to_json(), node.next_due_epoch(), now_ms),
    )


def due(conn: sqlite3.Connection, epoch: int) -> list[tuple[bytes, bytes]]:
    """(group id, peer) of every group with something to send at ``epoch``."""
    rows = conn.execute("SELECT group_id, peer FROM mvds_groups WHERE next_due IS NOT NULL AND next_due <= ?", (epoch,))
    return [(bytes(r[0]), bytes(r[1])) for r in rows]


def next_due(conn: sqlite3.Connection) -> int | None:
    r = conn.execute("SELECT min(next_due) FROM mvds_groups").fetchone()
    return None if r[0] is None else int(r[0])


def pending(conn: sqlite3.Connection) -> list[dict]:
    """Per group: peer and the number of records still waiting for an ack."""
    out = []
    for gid, peer, state in conn.execute("SELECT group_id, peer, state FROM mvds_groups ORDER BY updated_ms"):
        node = MvdsNode.from_json(state)
        out.append({"group_id": bytes(gid), "peer": bytes(peer), "pending": len(node.pending()), "next_due": node.next_due_epoch()})
    return out
