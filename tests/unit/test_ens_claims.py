"""ENS names claimed in chat messages (ChatMessage.ens_name): sent with Content(ens_name=…), shown
on the receiving side as ``claimed_ens_name``, kept as the contact's claimed name (newest clock wins,
only for people we keep contact state for) and offered to ``contacts verify`` — which checks a
claim on the chain only when it can (tests/chain does that)."""

from __future__ import annotations

import pytest

from statuscli.app import contacts
from statuscli.app.ens import EnsSource
from statuscli.app.messaging.content import Content
from statuscli.core.errors import InvalidEnsName, InvalidInput, UsageError
from statuscli.core.payloads import chat as chat_payload
from statuscli.store import contacts as state_store
from statuscli.store.db import transaction
from tests.unit.test_messaging import Clock, Party, make_account


@pytest.fixture
def pair(tmp_path):
    clock = Clock()
    return [Party(make_account(tmp_path / n, n, bytes([i + 7]) * 16), clock) for i, n in enumerate(("alice", "bob"))]


def _say(sender: Party, to: Party, content: Content, kind: str = "message") -> dict:
    sent = sender.m.send_direct(to.key, content)
    (msg,) = [e for e in to.take(sent.envelopes) if e["type"] == kind]
    return msg


def _claimed(party: Party, key: bytes) -> str | None:
    return state_store.get(party.account.db, key).claimed_ens_name


def test_a_claim_travels_in_the_chat_message_and_is_kept(pair):
    alice, bob = pair
    req = _say(alice, bob, Content(text="it's me", ens_name="Alice.ETH", contact_request=True), "contact_request")
    assert req["claimed_ens_name"] == "alice.eth"  # normalised by the sender, as sent
    assert _claimed(bob, alice.key) == "alice.eth"
    plain = _say(alice, bob, Content(text="no claim this time"))
    assert "claimed_ens_name" not in plain
    assert _claimed(bob, alice.key) == "alice.eth"  # a message without a claim keeps it
    assert _claimed(alice, alice.key) is None  # the sender keeps nothing of its own


def test_a_strangers_claim_makes_no_contact(pair):
    alice, bob = pair
    msg = _say(alice, bob, Content(text="hi", ens_name="alice.eth"))
    assert msg["claimed_ens_name"] == "alice.eth"  # shown with the message…
    assert state_store.all_states(bob.account.db) == []  # …but a plain message makes nobody a contact


def test_verify_shows_the_claim_and_checks_it_only_with_a_node(pair):
    alice, bob = pair
    _say(alice, bob, Content(text="hi", ens_name="alice.eth", contact_request=True), "contact_request")
    out = contacts.verify(bob.account, "0x" + alice.key.hex(), ens_source=EnsSource(None))
    assert out["claimed_ens_name"] == "alice.eth" and out["ens_name"] is None and out["checks"] == {}
    # asked explicitly without a node: a usage error, not a silent pass
    with pytest.raises(UsageError):
        contacts.verify(bob.account, "0x" + alice.key.hex(), ens_name="alice.eth", ens_source=EnsSource(None))


def test_newest_claim_by_clock_wins(pair):
    _, bob = pair
    key = b"\x04" + bytes(64)
    with transaction(bob.account.db):
        state_store.update(bob.account.db, key, 1, added_by_us=True)
        assert contacts.on_ens_claim(bob.account.db, key, "new.eth", 9, 1) == "new.eth"
        contacts.on_ens_claim(bob.account.db, key, "old.eth", 3, 2)  # an older message arriving late
        assert contacts.on_ens_claim(bob.account.db, key, "not a name", 20, 3) is None
        assert contacts.on_ens_claim(bob.account.db, key, "bad..eth", 20, 3) is None
    assert _claimed(bob, key) == "new.eth"
    with transaction(bob.account.db):
        contacts.on_ens_claim(bob.account.db, key, "newer.eth", 10, 4)
        state_store.update(bob.account.db, key, 5, update_clock=50)  # a ContactUpdate newer than what follows
        contacts.on_ens_claim(bob.account.db, key, "stale.eth", 11, 6)
    assert _claimed(bob, key) == "newer.eth"


@pytest.mark.parametrize("bad, error", [("alice", InvalidInput), ("alice..eth", InvalidEnsName), ("alice.xyz", InvalidInput)])
def test_we_claim_only_ens_names(bad, error):
    with pytest.raises(error):
        Content(text="x", ens_name=bad).check()


def test_the_claim_is_chat_message_field_5():
    from statuscli.app.messaging.content import chat_message

    raw = chat_message(Content(text="x", ens_name="bob.eth"), chat_id="c", message_type=chat_payload.ONE_TO_ONE, clock=1, timestamp=1)
    assert chat_payload.decode(raw).ens_name == "bob.eth"
    assert b"\x2a\x07bob.eth" in raw  # field 5, wire type 2 (status-go chat_message.proto: string ens_name = 5)
