"""Who sent it (issue 13): a message's author is the identity that authenticated it.

Carol re-sends an application message Alice signed, inside Carol's own ratchet session and Waku
signature: Bob's receiver used to print it as a 1:1 message *from Alice*. Now it is an
``undecryptable`` event with reason ``sender-mismatch`` and nothing is stored as a message.
"""

from __future__ import annotations

from statuscli.app.messaging.content import Content, chat_message, wrap
from statuscli.core.mvds import codec
from statuscli.core.payloads import chat as chat_payload
from statuscli.core.payloads import message_types
from statuscli.store import messages as msg_store
from tests.unit.test_messaging import clock, kinds, parties  # noqa: F401  (fixtures)


def _via_session(sender, recipient, wrapper: bytes):
    """``wrapper`` in an MVDS message, through ``sender``'s ratchet session with ``recipient``, sealed by ``sender``."""
    gid = codec.one_to_one_group_id(sender.key, recipient.key)
    payload = codec.encode_payload(codec.Payload(messages=(codec.Message(gid, sender.m.now_ms() // 1000, wrapper),)))
    envelopes, _how = sender.m.encrypt_direct(recipient.key, payload)
    return envelopes


def _wrapper(author, chat_id_key: bytes, text: str, now_ms: int):
    body = chat_message(Content(text=text), chat_id="0x" + chat_id_key.hex(), message_type=chat_payload.ONE_TO_ONE, clock=now_ms,
                        timestamp=now_ms)  # fmt: skip
    return wrap(body, message_types.CHAT_MESSAGE, author.account.chat_private_key, author.account.chat_public_key)


def test_a_wrapper_alice_signed_resent_in_carols_session_is_not_attributed(parties):
    alice, bob, carol = parties("alice", "bob", "carol")
    bob.take(carol.m.send_direct(bob.key, Content(text="hi bob, carol here", contact_request=True)).envelopes)  # a session
    now = carol.m.now_ms()
    forged, forged_id = _wrapper(alice, bob.key, "Bob, please pay Carol 100", now)  # Alice's signature, captured by Carol
    evs = bob.take(_via_session(carol, bob, forged))
    und = [e for e in evs if e["type"] == "undecryptable"]
    assert [e["type"] for e in evs if e["type"] in ("message", "contact_request")] == []
    assert [(e["layer"], e["reason"]["code"]) for e in und] == [("application", "sender-mismatch")]
    assert not msg_store.has_message(bob.account.db, forged_id)
    # Carol's own words through the same session are hers, and still arrive
    own, own_id = _wrapper(carol, bob.key, "this one is really from carol", now + 1)
    (msg,) = [e for e in bob.take(_via_session(carol, bob, own)) if e["type"] == "message"]
    assert msg["from"] == "0x" + carol.key.hex() and msg["id"] == "0x" + own_id.hex()


def test_a_one_to_one_message_naming_another_chat_is_refused(parties):
    alice, bob, carol = parties("alice", "bob", "carol")
    bob.take(carol.m.send_direct(bob.key, Content(text="hi bob, carol here", contact_request=True)).envelopes)
    elsewhere, mid = _wrapper(carol, alice.key, "meant for alice", carol.m.now_ms())  # Carol's, but for the chat with Alice
    evs = bob.take(_via_session(carol, bob, elsewhere))
    assert [(e["layer"], e["reason"]["code"]) for e in evs if e["type"] == "undecryptable"] == [("chat-message", "sender-mismatch")]
    assert "message" not in kinds(evs) and not msg_store.has_message(bob.account.db, mid)
