"""The MVDS outbox as rows (issue 14.1): a send, an ack and a retransmission touch only their rows;
the JSON-document state of earlier versions is migrated on first use."""

from __future__ import annotations

from statuscli.app.messaging import mvds_link
from statuscli.app.messaging.content import Content
from statuscli.core.mvds.node import BATCH, MvdsNode
from statuscli.store import mvds_state
from statuscli.store.db import transaction
from tests.unit.test_messaging import clock, messages, parties  # noqa: F401  (fixtures)


def rows(conn, table: str) -> set[tuple]:
    return {tuple(r) for r in conn.execute(f"SELECT * FROM {table}")}


def test_a_send_adds_its_rows_and_rewrites_no_other(parties, clock):
    alice, bob = parties("alice", "bob")
    for i in range(30):
        alice.m.send_direct(bob.key, Content(text=f"pending {i}"))
        clock.advance(0.001)
    conn = alice.account.db
    rec_before, msg_before = rows(conn, "mvds_records"), rows(conn, "mvds_messages")
    assert len(rec_before) == len(msg_before) == 30
    sent = alice.m.send_direct(bob.key, Content(text="one more"))
    rec_after, msg_after = rows(conn, "mvds_records"), rows(conn, "mvds_messages")
    assert rec_before < rec_after and len(rec_after - rec_before) == 1  # the other 30 untouched
    assert msg_before < msg_after and len(msg_after - msg_before) == 1  # the body, stored once
    (new,) = rec_after - rec_before
    assert new[1] == bytes.fromhex(sent.recipients[0]["mvds_id"][2:]) and new[5] == 1  # sent once already


def test_acks_delete_only_their_rows_and_bodies(parties, clock):
    alice, bob = parties("alice", "bob")
    first = [alice.m.send_direct(bob.key, Content(text=f"a{i}")) for i in range(3)]
    bob.take([e for s in first for e in s.envelopes])
    later = alice.m.send_direct(bob.key, Content(text="not yet seen by bob"))
    reply = bob.m.send_direct(alice.key, Content(text="got them"))  # carries bob's acks for the first three
    evs = alice.take(reply.envelopes)
    assert {e["id"] for e in evs if e["type"] == "delivered"} == {"0x" + s.message_id.hex() for s in first}
    conn = alice.account.db
    left = {bytes(r[0]) for r in conn.execute("SELECT message_id FROM mvds_records")}
    assert left == {bytes.fromhex(later.recipients[0]["mvds_id"][2:])}
    assert {bytes(r[0]) for r in conn.execute("SELECT message_id FROM mvds_messages")} == left
    assert mvds_state.pending(conn)[0]["pending"] == 1


def test_retransmission_updates_the_due_record_only(parties, clock):
    alice, bob = parties("alice", "bob")
    alice.m.send_direct(bob.key, Content(text="early"))
    clock.advance(20)  # the second one is due 27-36 s after the first
    alice.m.send_direct(bob.key, Content(text="late"))
    conn = alice.account.db
    before = {bytes(r[0]): (r[1], r[2]) for r in conn.execute("SELECT message_id, send_count, send_epoch FROM mvds_records")}
    clock.advance(20)  # the first is due now, the second not
    envs, _ = alice.tick()
    after = {bytes(r[0]): (r[1], r[2]) for r in conn.execute("SELECT message_id, send_count, send_epoch FROM mvds_records")}
    changed = [m for m in before if before[m] != after[m]]
    assert len(changed) == 1 and after[changed[0]][0] == 2
    assert [e["text"] for e in messages(bob.take(envs))] == ["early"]


def test_the_json_document_state_of_earlier_versions_is_migrated(parties, clock):
    alice, bob = parties("alice", "bob")
    conn, now = alice.account.db, clock.ns // 1_000_000
    gid = mvds_link.group_id(alice.account, bob.key)
    old = MvdsNode(alice.key, mode=BATCH)
    old.add_peer(gid, bob.key)
    mids = [old.append_message(gid, f"wrapper {i}".encode(), now) for i in range(3)]
    assert len(old.tick(now + 300, lambda n: 0)) == 1  # sent once, pending
    with transaction(conn):  # what an older statuscli stored: one JSON document, no rows
        conn.execute("INSERT INTO mvds_groups (group_id, peer, state, next_due, updated_ms) VALUES (?, ?, ?, ?, ?)",
                     (gid, bob.key, old.to_json(), old.next_due_epoch(), now))  # fmt: skip
    assert mvds_state.pending(conn)[0]["pending"] == 3  # readable before migration
    clock.advance(60)  # all three due again
    envs, _ = alice.tick()
    assert envs  # retransmitted from the migrated rows
    assert conn.execute("SELECT state FROM mvds_groups WHERE group_id = ?", (gid,)).fetchone()[0] == ""
    assert {bytes(r[0]) for r in conn.execute("SELECT message_id FROM mvds_records")} == set(mids)
    assert {(bytes(r[0]), r[1]) for r in conn.execute("SELECT message_id, send_count FROM mvds_records")} == {(m, 2) for m in mids}


def test_every_statement_of_a_send_and_a_receive_is_an_index_search(parties, clock):
    """No statement on the MVDS tables scans a table: the cost does not grow with the backlog."""
    alice, bob = parties("alice", "bob")
    for i in range(5):
        bob.take(alice.m.send_direct(bob.key, Content(text=f"m{i}")).envelopes)
    statements: list[str] = []
    for party in (alice, bob):
        party.account.db.set_trace_callback(statements.append)
    reply = bob.m.send_direct(alice.key, Content(text="acks ride along"))
    alice.take(reply.envelopes)
    alice.m.send_direct(bob.key, Content(text="one more"))
    for party in (alice, bob):
        party.account.db.set_trace_callback(None)
    mvds = [s for s in statements if "mvds_" in s]
    assert len(mvds) >= 10
    conn = alice.account.db
    for s in mvds:
        plan = " / ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + s))
        assert "SCAN" not in plan, (s[:120], plan)
