"""The SQL one received 1:1 message costs, pinned (issue 14.6): a regression that adds statements fails here.

Bob receives one message of an established 1:1 conversation (Double Ratchet steady state, MVDS, the
sender's bundle attached); every statement on his database is traced (sqlite3 trace callback), from
the de-duplication look-up before the write lock to the COMMIT. Was 30; cut to 23:

* the acks Bob owes were read and rewritten whole for every message (SELECT all, DELETE all, INSERT
  each: a catch-up that owes 1 000 acks to one sender wrote 1 000 rows per message) — now the new
  ack is appended and the rest stay untouched;
* the envelope's "seen" mark is the first write of the transaction (INSERT OR IGNORE: it is also the
  de-duplication check under the lock) instead of a SELECT first and an INSERT last;
* a 1:1 peer's first/last seen is one upsert instead of INSERT OR IGNORE then UPDATE;
* the sender's contact row is read once (the block check) and reused for the relation state every
  1:1 ChatMessage now carries (ContactRequestPropagatedState), instead of a second SELECT.

Still one transaction per envelope (BEGIN IMMEDIATE … COMMIT).
"""

from __future__ import annotations

from statuscli.app.messaging.content import Content
from tests.unit.test_messaging import clock, parties  # noqa: F401  (fixtures)

STATEMENTS = 23


def conversation(parties, clock, owed: int):
    """Alice and Bob have talked both ways; Bob then received ``owed`` messages he has not acked yet."""
    alice, bob = parties("alice", "bob")
    for i in range(3):
        bob.take(alice.m.send_direct(bob.key, Content(text=f"a{i}")).envelopes)
        clock.advance(1)
        alice.take(bob.m.send_direct(alice.key, Content(text=f"b{i}")).envelopes)
        clock.advance(1)
    for i in range(owed):
        bob.take(alice.m.send_direct(bob.key, Content(text=f"unacked {i}")).envelopes)
    clock.advance(1)
    return alice, bob


def traced_receive(alice, bob) -> list[str]:
    sent = alice.m.send_direct(bob.key, Content(text="traced"))
    (env,) = sent.envelopes
    statements: list[str] = []
    bob.account.db.set_trace_callback(statements.append)
    try:
        events = bob.r.handle(env.data, env.pubsub_topic).events
    finally:
        bob.account.db.set_trace_callback(None)
    assert [e["type"] for e in events] == ["message"] and events[0]["text"] == "traced"
    return [" ".join(s.split()) for s in statements]


def test_one_received_1to1_message_runs_a_pinned_number_of_statements_in_one_transaction(parties, clock):
    statements = traced_receive(*conversation(parties, clock, owed=3))
    assert len(statements) == STATEMENTS, "\n".join(statements)
    assert statements[0].startswith("SELECT 1 FROM msg_envelopes")  # duplicates stop before the write lock
    assert statements[1] == "BEGIN IMMEDIATE" and statements[-1] == "COMMIT"
    assert sum(s in ("BEGIN IMMEDIATE", "COMMIT") for s in statements) == 2
    assert len(set(statements)) == len(statements), "a statement ran twice"


def test_the_cost_does_not_grow_with_the_acks_owed(parties, clock):
    """A catch-up sends its acks at the end: the 200th unacked message costs what the 4th did."""
    statements = traced_receive(*conversation(parties, clock, owed=200))
    assert len(statements) == STATEMENTS
    assert sum("mvds_acks" in s for s in statements) == 1  # the new ack, appended
