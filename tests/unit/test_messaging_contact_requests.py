"""Contact requests as people do them: a request (ChatMessage CONTACT_REQUEST), and its acceptance
(AcceptContactRequest {id, clock}, type ACCEPT_CONTACT_REQUEST) arriving as a typed event."""

from __future__ import annotations

import os

import pytest

from statuscli.app.messaging import events as ev_mod
from statuscli.app.messaging.content import Content, wrap
from statuscli.core.errors import DecodeError, InvalidInput, NotFound
from statuscli.core.payloads import contact_requests, message_types
from statuscli.store.db import transaction
from tests.unit.test_messaging import Clock, Party, kinds, make_account

ACCEPT = message_types.BY_NAME["ACCEPT_CONTACT_REQUEST"]


@pytest.fixture
def pair(tmp_path):
    clock = Clock()
    return [Party(make_account(tmp_path / n, n, bytes([i + 1]) * 16), clock) for i, n in enumerate(("alice", "bob"))]


def _request(alice: Party, bob: Party, text: str = "hi, it's alice") -> dict:
    sent = alice.m.send_direct(bob.key, Content(text=text, contact_request=True))
    (req,) = [e for e in bob.take(sent.envelopes) if e["type"] == "contact_request"]
    assert req["id"] == "0x" + sent.message_id.hex()
    return req


def test_accepting_the_newest_request_reaches_the_requester_as_a_typed_event(pair):
    alice, bob = pair
    _request(alice, bob, "first")
    req = _request(alice, bob, "second")
    acc = bob.m.accept_contact_request(alice.key)  # no id: the newest request from alice
    assert acc.accepted == req["id"] and acc.to_json()["accepts"] == req["id"]
    assert acc.recipients[0]["topic"] == "negotiated"  # an answer: bob has alice's bundle by now
    evs = alice.take(acc.envelopes)
    (ev,) = [e for e in evs if e["type"] == "contact_request_accepted"]
    assert ev["request_id"] == req["id"] and ev["our_request"] is True
    assert ev["from"] == "0x" + bob.key.hex() and ev["chat"] == {"kind": "one-to-one", "id": "0x" + bob.key.hex()}
    assert ev["id"] == "0x" + acc.message_id.hex() and ev["clock"] > 0 and ev["cursor"] > 0
    assert ev["layers"][-1] == "application/ACCEPT_CONTACT_REQUEST"
    assert "delivered" in kinds(evs)  # and bob's MVDS acknowledged alice's requests on the way
    assert "accepted our contact request" in ev_mod.text_line(ev)
    assert "contact_request_accepted" in ev_mod.COUNTED_TYPES  # listen --count counts it
    assert alice.take(acc.envelopes) == []  # once


def test_accepting_a_given_request_id_and_mvds_retransmissions_come_once(pair):
    alice, bob = pair
    first = _request(alice, bob, "first")
    _request(alice, bob, "second")
    acc = bob.m.accept_contact_request(alice.key, first["id"].upper().replace("0X", "0x"))
    assert acc.accepted == first["id"]
    alice.r.refresh()
    bob.m.clock.advance(40)  # one clock for both
    again, _ = bob.tick()  # alice has not acknowledged yet: MVDS sends the acceptance again
    assert again
    got = alice.take(again) + alice.take(acc.envelopes)
    assert [e["request_id"] for e in got if e["type"] == "contact_request_accepted"] == [first["id"]]


def test_accept_needs_a_request_or_a_valid_id(pair):
    alice, bob = pair
    with pytest.raises(NotFound):
        bob.m.accept_contact_request(alice.key)  # nothing received from alice
    with pytest.raises(InvalidInput):
        bob.m.accept_contact_request(alice.key, "0x1234")
    with pytest.raises(InvalidInput):
        bob.m.accept_contact_request(bob.key, "0x" + "00" * 32)  # ourselves


def test_an_acceptance_of_someone_elses_request_says_so(pair):
    alice, bob = pair
    _request(alice, bob)
    acc = alice.m.accept_contact_request(bob.key, "0x" + "ab" * 32)  # an id alice never sent… from alice to bob
    (ev,) = [e for e in bob.take(acc.envelopes) if e["type"] == "contact_request_accepted"]
    assert ev["our_request"] is False and ev["request_id"] == "0x" + "ab" * 32


def test_a_malformed_acceptance_is_undecryptable_not_silent(pair):
    alice, bob = pair
    _request(alice, bob)
    from statuscli.app.messaging import mvds_link

    bad = b"\x0a\x40" + b"0x12"  # field 1 announces 64 bytes, 4 follow
    wrapped, mid = wrap(bad, ACCEPT, bob.account.chat_private_key, bob.key)
    with transaction(bob.account.db):
        _, payloads = mvds_link.append(bob.account.db, bob.account, alice.key, wrapped, mid, bob.m.now_ms(), os.urandom)
    envs = [e for p in payloads for e in bob.m.encrypt_direct(alice.key, p)[0]]
    (ev,) = [e for e in alice.take(envs) if e["type"] == "undecryptable"]
    assert ev["layer"] == "accept-contact-request" and ev["reason"]["code"] == "decode-error"


def test_the_codec():
    rid = "0x" + "5f" * 32
    data = contact_requests.encode_accept(rid, 1234)
    assert data == b"\x0a\x42" + rid.encode() + b"\x10\xd2\x09"  # id (1, string), clock (2, varint): by number
    assert contact_requests.decode_accept(data) == contact_requests.Accept(rid, 1234)
    with pytest.raises(DecodeError):
        contact_requests.decode_accept(b"\x0a\x40")
    with pytest.raises(InvalidInput):
        contact_requests.decode_accept(b"\x10\x01")  # no id
