"""Crash safety of the messaging paths: one envelope (receive) and one message (send) commit as one.

A failure injected after the ratchet step was applied — but before what it produced was stored —
must leave the account's database exactly as it was (every table dumped and compared), and the
same envelope (or the same send) must then go through. That is what a SIGKILL between the two
would look like if they were separate transactions: a ratchet key spent and no message stored.
"""

from __future__ import annotations

import pytest

from statuscli.app import secure
from statuscli.app.messaging import mvds_link
from statuscli.app.messaging.content import Content
from statuscli.app.secure_receive import PendingDecrypt
from statuscli.store import messages as msg_store
from statuscli.store import sessions
from statuscli.store.db import transaction
from tests.unit.test_messaging import Clock, Party, make_account, messages


class Injected(Exception):
    """A failure standing in for a crash at a chosen point."""


def dump(conn) -> list[str]:
    """The schema and every row of every table, as text (sqlcipher3 connections have no iterdump)."""
    assert not conn.in_transaction
    out = [repr(tuple(r)) for r in conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name")]
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").fetchall():
        out += sorted(f"{name} {tuple(r)!r}" for r in conn.execute(f'SELECT * FROM "{name}"'))
    return out


@pytest.fixture
def pair(tmp_path):
    clock = Clock()
    alice, bob = (Party(make_account(tmp_path / n, n, bytes([i + 1]) * 16), clock) for i, n in enumerate(("alice", "bob")))
    return alice, bob, clock


def _fail_at(monkeypatch, module, name: str) -> None:
    def boom(*a, **kw):
        raise Injected(name)

    monkeypatch.setattr(module, name, boom)


def _spy_apply(monkeypatch) -> list:
    """Record that the ratchet changes were applied (so the failure really came after them)."""
    applied = []
    real = PendingDecrypt.apply

    def apply(self):
        res = real(self)
        applied.append(res.path)
        return res

    monkeypatch.setattr(PendingDecrypt, "apply", apply)
    return applied


# the three ratchet paths of a 1:1 conversation: DH (no bundle yet), X3DH (first reply), Double Ratchet
def _conversation(alice: Party, bob: Party):
    first = alice.m.send_direct(bob.key, Content(text="hello bob", contact_request=True))
    yield bob, first, "dh"
    reply = bob.m.send_direct(alice.key, Content(text="hi alice"))
    yield alice, reply, "x3dh"
    third = alice.m.send_direct(bob.key, Content(text="third"))
    yield bob, third, "double-ratchet"


@pytest.mark.parametrize("where", ["append_event", "mvds_receive", "add_message"])
def test_a_failure_after_the_ratchet_step_changes_nothing_and_a_retry_succeeds(pair, monkeypatch, where):
    alice, bob, _ = pair
    for receiver, sent, path in _conversation(alice, bob):
        conn = receiver.account.db
        receiver.r.refresh()
        before = dump(conn)
        with monkeypatch.context() as mp:
            applied = _spy_apply(mp)
            if where == "append_event":  # the last write of an envelope: its event rows
                _fail_at(mp, msg_store, "append_event")
            elif where == "mvds_receive":  # right after the ratchet: the MVDS layer
                _fail_at(mp, mvds_link, "receive")
            else:  # the received message row
                _fail_at(mp, msg_store, "add_message")
            with pytest.raises(Injected):
                receiver.r.handle(sent.envelopes[0].data, sent.envelopes[0].pubsub_topic)
            assert applied == [path]  # the ratchet changes had been applied in the transaction…
        assert not conn.in_transaction
        assert dump(conn) == before  # …and went away with everything else
        got = receiver.take(sent.envelopes)  # the same envelope again: decrypts (its key is still there)
        (msg,) = messages(got)
        assert msg["id"] == "0x" + sent.message_id.hex()
        assert msg["layers"][1] == f"protocol-message/{path}"
        assert receiver.take(sent.envelopes) == []  # and only once


def test_the_agreement_cache_follows_only_committed_transactions(pair, monkeypatch):
    alice, bob, _ = pair
    first = alice.m.send_direct(bob.key, Content(text="hello"))
    bob.take(first.envelopes)
    reply = bob.m.send_direct(alice.key, Content(text="hi"))  # X3DH: alice records the agreed secret
    with monkeypatch.context() as mp:
        _fail_at(mp, msg_store, "append_event")
        with pytest.raises(Injected):
            alice.r.handle(reply.envelopes[0].data, reply.envelopes[0].pubsub_topic)
    # rolled back: alice must not believe the secret is agreed (she would leave the partitioned topic)
    nxt = alice.m.send_direct(bob.key, Content(text="still partitioned?"))
    assert nxt.recipients[0]["topic"] == "partitioned"
    alice.take(reply.envelopes)
    assert alice.m.send_direct(bob.key, Content(text="now negotiated")).recipients[0]["topic"] == "negotiated"


def test_a_failed_send_changes_nothing_and_a_retry_succeeds(pair, monkeypatch):
    alice, bob, _ = pair
    bob.take(alice.m.send_direct(bob.key, Content(text="start")).envelopes)
    alice.take(bob.m.send_direct(alice.key, Content(text="session")).envelopes)
    conn = alice.account.db
    before = dump(conn)
    with monkeypatch.context() as mp:
        steps = []
        real = sessions.save_state

        def save_state(*a, **kw):
            steps.append("ratchet")
            return real(*a, **kw)

        mp.setattr(sessions, "save_state", save_state)
        _fail_at(mp, sessions, "record_outgoing")  # after the ratchet advanced, before the outbox row
        with pytest.raises(Injected):
            alice.m.send_direct(bob.key, Content(text="lost?"))
        assert steps == ["ratchet"]
    assert dump(conn) == before  # no message row, no MVDS record, no clock, no ratchet step
    sent = alice.m.send_direct(bob.key, Content(text="lost?"))
    assert [e["text"] for e in messages(bob.take(sent.envelopes))] == ["lost?"]


def test_a_failed_tick_changes_nothing(pair, monkeypatch):
    alice, bob, clock = pair
    bob.take(alice.m.send_direct(bob.key, Content(text="start")).envelopes)
    alice.take(bob.m.send_direct(alice.key, Content(text="session")).envelopes)
    alice.m.send_direct(bob.key, Content(text="never heard"))
    clock.advance(40)  # a retransmission is due
    conn = alice.account.db
    before = dump(conn)
    with monkeypatch.context() as mp:
        _fail_at(mp, sessions, "record_outgoing")
        with pytest.raises(Injected):
            alice.m.tick()
    assert dump(conn) == before  # the MVDS send count did not move without its ratchet step
    envs, _ = alice.tick()
    assert [e["text"] for e in messages(bob.take(envs))] == ["never heard"]


def test_the_decrypt_command_path_still_commits_on_its_own(pair):
    alice, bob, _ = pair
    bob.take(alice.m.send_direct(bob.key, Content(text="start")).envelopes)
    res = secure.encrypt_for_peer(bob.account, alice.key, b"raw", now_ms=1)
    out = secure.decrypt_protocol_message(alice.account, res.message, now_ms=2)
    assert out.plaintext == b"raw" and out.committed
    with pytest.raises(Exception):  # replay: its key is spent, so the step was committed
        secure.decrypt_protocol_message(alice.account, res.message, now_ms=3)


def test_prepare_decrypt_needs_the_callers_transaction(pair):
    alice, bob, _ = pair
    res = secure.encrypt_for_peer(alice.account, bob.key, b"x", now_ms=1)
    with pytest.raises(RuntimeError):
        secure.prepare_decrypt(bob.account, res.message, now_ms=2)
    with transaction(bob.account.db):
        pending = secure.prepare_decrypt(bob.account, res.message, now_ms=2)
        assert pending.result.plaintext == b"x" and not pending.result.committed
        pending.apply()
    pending.committed()
    assert pending.result.committed


def test_an_envelope_that_keeps_failing_is_reported_retried_then_given_up(pair, monkeypatch):
    from statuscli.app.messaging.incoming import MAX_ATTEMPTS

    alice, bob, _ = pair
    sent = alice.m.send_direct(bob.key, Content(text="poison?"))
    env = sent.envelopes[0]
    bob.r.refresh()
    with monkeypatch.context() as mp:
        _fail_at(mp, msg_store, "add_message")  # a bug deep in the receive path, every time
        for attempt in range(1, MAX_ATTEMPTS + 1):
            (ev,) = bob.r.handle_safely(env.data, env.pubsub_topic).events
            assert ev["type"] == "undecryptable" and ev["layer"] == "internal"
            assert ev["reason"]["code"] == "internal-error" and "Injected" in ev["reason"]["message"]
            assert (ev["attempt"], ev["final"]) == (attempt, attempt == MAX_ATTEMPTS)
            assert ev["envelope"] == "0x" + env.data.hex()  # kept for 'envelope inspect'
            assert msg_store.envelope_seen(bob.account.db, bytes.fromhex(ev["hash"][2:])) == (attempt == MAX_ATTEMPTS)
        assert bob.r.handle_safely(env.data, env.pubsub_topic).duplicate  # given up: not tried again


def test_a_transient_failure_is_retried_and_the_message_arrives_once(pair, monkeypatch):
    alice, bob, _ = pair
    sent = alice.m.send_direct(bob.key, Content(text="transient"))
    env = sent.envelopes[0]
    bob.r.refresh()
    with monkeypatch.context() as mp:
        _fail_at(mp, msg_store, "add_message")
        (ev,) = bob.r.handle_safely(env.data, env.pubsub_topic).events
        assert (ev["layer"], ev["attempt"], ev["final"]) == ("internal", 1, False)
    handled = bob.r.handle_safely(env.data, env.pubsub_topic)  # redelivered (restart, store): works now
    (msg,) = messages(handled.events)
    assert msg["id"] == "0x" + sent.message_id.hex()
    assert bob.r.handle_safely(env.data, env.pubsub_topic).duplicate


# --- output before commit (mailserver fetch): a receiver with ``deliver`` ---------------------------
class _Output:
    """A stand-in for stdout: fails while ``broken``, else keeps what was written."""

    def __init__(self) -> None:
        self.broken, self.lines, self.calls = False, [], 0

    def __call__(self, events: list[dict]) -> None:
        self.calls += 1
        if self.broken:
            raise OSError(28, "No space left on device")
        self.lines.extend(events)


def test_an_envelope_whose_output_fails_is_not_committed_and_is_printed_on_retry(pair):
    """Each ratchet path (DH, X3DH, Double Ratchet): the events reach ``deliver`` inside the
    transaction; when it fails nothing is stored (every table as before), the failure reaches the
    caller unchanged (not an ``internal`` undecryptable event), and the retry prints the message."""
    from statuscli.app.messaging.incoming import Receiver

    alice, bob, _ = pair
    for party, sent, path in _conversation(alice, bob):
        out = _Output()
        receiver = Receiver(party.m, deliver=out)
        conn, env = party.account.db, sent.envelopes[0]
        before = dump(conn)
        out.broken = True
        with pytest.raises(OSError, match="No space left"):
            receiver.handle_safely(env.data, env.pubsub_topic)
        assert out.calls == 1 and not conn.in_transaction
        assert dump(conn) == before  # no ratchet step, no message, no MVDS state, not marked seen
        out.broken = False
        handled = receiver.handle_safely(env.data, env.pubsub_topic)
        assert handled.delivered and out.lines == handled.events
        (msg,) = messages(out.lines)
        assert msg["id"] == "0x" + sent.message_id.hex() and msg["layers"][1] == f"protocol-message/{path}"
        assert msg_store.events_after(conn, msg["cursor"] - 1, 1)[0][0] == msg["cursor"]  # committed with the cursor printed
        assert receiver.handle_safely(env.data, env.pubsub_topic).duplicate  # once


def test_output_failing_on_an_internal_failure_event_records_no_attempt(pair, monkeypatch):
    """The ``internal`` undecryptable event of a failing envelope goes through ``deliver`` too: when
    it cannot be written, not even the attempt is counted."""
    from statuscli.app.messaging.incoming import Receiver

    alice, bob, _ = pair
    env = alice.m.send_direct(bob.key, Content(text="poison?")).envelopes[0]
    out = _Output()
    receiver = Receiver(bob.m, deliver=out)
    before = dump(bob.account.db)
    with monkeypatch.context() as mp:
        _fail_at(mp, msg_store, "add_message")
        out.broken = True
        with pytest.raises(OSError):
            receiver.handle_safely(env.data, env.pubsub_topic)
        assert dump(bob.account.db) == before
        out.broken = False
        (ev,) = receiver.handle_safely(env.data, env.pubsub_topic).events
        assert (ev["layer"], ev["attempt"], ev["final"]) == ("internal", 1, False) and out.lines == [ev]
