"""ContactUpdate and RetractContactRequest: wire bytes against status-go's field numbers
(tests/vectors/protobufs.json, from protocol/protobuf/contact.proto), the relation they move
(core.contact_relation, status-go's protocol/contact.go rules), and both ends through the messenger:
request → accepted → mutual, a decline both sides see, a removal, attribution."""

from __future__ import annotations

import json

import pytest

from statuscli.app.messaging import contact_messages
from statuscli.app.messaging import events as ev_mod
from statuscli.app.messaging.content import Content
from statuscli.core import contact_relation as rel
from statuscli.core.errors import DecodeError, InvalidInput
from statuscli.core.payloads import contact_requests as cr
from statuscli.core.payloads import message_types
from statuscli.store import contacts as state_store
from tests.conftest import VECTORS
from tests.unit.test_messaging import Clock, Party, kinds, make_account
from tests.unit.wire import fields


def _numbers(message: str) -> dict[str, int]:
    files = json.loads((VECTORS / "protobufs.json").read_text())["files"]
    (f,) = [f for f in files if f["file"] == "protocol/protobuf/contact.proto"]
    (m,) = [m for m in f["messages"] if m["name"] == message]
    return {x["name"]: x["number"] for x in m["fields"]}


def test_type_numbers_are_status_gos():
    assert message_types.BY_NAME["CONTACT_UPDATE"] == 2
    assert message_types.BY_NAME["ACCEPT_CONTACT_REQUEST"] == 46
    assert message_types.BY_NAME["RETRACT_CONTACT_REQUEST"] == 47


def test_contact_update_wire_bytes_follow_status_go():
    key = "0x04" + "ab" * 64
    prop = cr.Propagated(local_clock=1_700_000_000_005, local_state=cr.SENT, remote_clock=7, remote_state=cr.RECEIVED)
    raw = cr.encode_contact_update(cr.ContactUpdate(1_700_000_000_009, "Alice_A", "alice.eth", 1_700_000_000_005, prop, key, 4))
    n = _numbers("ContactUpdate")
    got = fields(raw)
    assert [f[0] for f in got] == [n["clock"], n["ens_name"], n["display_name"], n["contact_request_clock"],
                                   n["contact_request_propagated_state"], n["public_key"], n["customization_color"]]  # fmt: skip
    assert [f[0] for f in got] == [1, 2, 4, 5, 6, 7, 8]  # by number; profile_image (3) empty: left out
    by = {f[0]: f[2] for f in got}
    assert by[1] == 1_700_000_000_009 and by[2] == b"alice.eth" and by[4] == b"Alice_A" and by[5] == 1_700_000_000_005
    assert by[7] == key.encode() and by[8] == 4
    p = _numbers("ContactRequestPropagatedState")
    assert [(f[0], f[2]) for f in fields(by[6])] == [(p["local_clock"], 1_700_000_000_005), (p["local_state"], 2),
                                                    (p["remote_clock"], 7), (p["remote_state"], 3)]  # fmt: skip
    back = cr.decode_contact_update(raw)
    assert back.propagated == prop and back.display_name == "Alice_A" and back.public_key == key
    assert back.to_json()["propagated_state"]["local_state"] == "sent"


def test_retract_wire_bytes_follow_status_go():
    n = _numbers("RetractContactRequest")
    raw = cr.encode_retract(1234)
    assert raw == b"\x10\xd2\x09" and [f[0] for f in fields(raw)] == [n["clock"]]  # id (1) empty, as status-go sends it
    assert cr.decode_retract(raw) == cr.Retract(1234, "")
    with pytest.raises(InvalidInput):
        cr.decode_retract(b"")  # no clock
    with pytest.raises(DecodeError):
        cr.decode_contact_update(b"\x32\x05\x08")  # propagated state announces 5 bytes, 1 follows
    with pytest.raises(InvalidInput):
        cr.decode_contact_update(b"\x22\x03Bob")  # no clock


def test_default_request_id_is_accepted_as_status_go_writes_it():
    key = bytes([4]) + bytes(range(64))
    rid = "0x" + key.hex() + "20"
    assert cr.normalise_request_id(rid.upper().replace("0X", "0x")) == rid
    assert [f[0] for f in fields(cr.encode_accept(rid, 5))] == [1, 2]
    with pytest.raises(InvalidInput):
        cr.normalise_request_id("0x" + key.hex() + "21")


# --- the relation (sans-IO) -----------------------------------------------------------------------
def test_relation_moves_and_clock_guards():
    r = rel.we_request(rel.Relation(), 10)
    assert (r.added_by_us, r.request, r.local_clock) == (True, "pending-out", 10)
    assert rel.we_request(r, 10) is r  # not newer: nothing moves
    m = rel.they_request(r, 20)
    assert m.mutual and m.request == "accepted" and m.remote_clock == 20
    assert rel.they_retract(m, 15) is m  # older than what we heard: ignored
    gone = rel.they_retract(m, 30)
    assert not gone.added_by_us and not gone.added_us and gone.request == "removed"
    d = rel.we_decline(rel.they_request(rel.Relation(), 5), 6)
    assert d.we_declined and d.added_us and d.propagated() == cr.Propagated(6, cr.DISMISSED, 5, cr.RECEIVED)
    assert rel.they_request(d, 9).request == "declined"  # a request after our decline moves nothing visible
    # their DISMISSED (a decline of ours) in their propagated state
    mine = rel.we_request(rel.Relation(), 3)
    assert rel.they_propagate(mine, cr.Propagated(8, cr.DISMISSED, 3, cr.RECEIVED)).request == "declined"
    assert rel.they_propagate(mine, cr.Propagated(2, cr.DISMISSED, 3, cr.RECEIVED)) == mine  # older: nothing
    # their SENT: a request; their NONE after a request: a retraction
    got = rel.they_propagate(rel.Relation(), cr.Propagated(4, cr.SENT, 0, cr.NONE))
    assert got.request == "pending-in" and got.remote_clock == 4
    assert rel.they_propagate(got, cr.Propagated(9, cr.NONE, 0, cr.NONE)).request == "removed"


# --- both ends through the messenger ---------------------------------------------------------------
@pytest.fixture
def pair(tmp_path):
    clock = Clock()
    return [Party(make_account(tmp_path / n, n, bytes([i + 1]) * 16), clock) for i, n in enumerate(("alice", "bob"))]


def _state(p: Party, other: Party) -> state_store.ContactState:
    return state_store.get(p.account.db, other.key)


def _add(alice: Party, bob: Party) -> list[dict]:
    """What `contacts add` sends: the ContactUpdate, then the CONTACT_REQUEST ChatMessage."""
    with alice.m.batch():
        up = contact_messages.update(alice.m, bob.key)
        req = alice.m.send_direct(bob.key, Content(text="Please add me to your contacts", contact_request=True))
    return bob.take(up.envelopes + req.envelopes)


def test_request_accepted_mutual_on_both_sides(pair):
    alice, bob = pair
    evs = _add(alice, bob)
    a = _state(alice, bob)
    assert a.added_by_us and not a.added_us and a.request == "pending-out" and a.local_clock > 0
    (upd,) = [e for e in evs if e["type"] == "contact_update"]
    assert upd["from"] == "0x" + alice.key.hex() and upd["contact"]["request"] == "pending-in"
    assert upd["propagated_state"]["local_state"] == "sent" and upd["contact_request_clock"] == a.local_clock - 1
    assert upd["layers"][-1] == "application/CONTACT_UPDATE"
    (req,) = [e for e in evs if e["type"] == "contact_request"]
    b = _state(bob, alice)
    assert b.added_us and not b.added_by_us and b.request == "pending-in" and b.request_id == req["id"]
    acc = bob.m.accept_contact_request(alice.key)
    assert acc.accepted == req["id"] and _state(bob, alice).mutual
    (got,) = [e for e in alice.take(acc.envelopes) if e["type"] == "contact_request_accepted"]
    assert got["our_request"] is True
    a = _state(alice, bob)
    assert a.mutual and a.request == "accepted"
    assert "sent a contact update" in ev_mod.text_line(upd)


def test_a_declined_request_both_sides_see_declined(pair):
    alice, bob = pair
    _add(alice, bob)
    bob.m.clock.advance(1)
    dec = contact_messages.decline(bob.m, alice.key)
    b = _state(bob, alice)
    assert b.request == "declined" and not b.added_by_us
    evs = alice.take(dec.envelopes)
    (d,) = [e for e in evs if e["type"] == "contact_request_declined"]
    assert d["from"] == "0x" + bob.key.hex() and d["contact_request_clock"] == 0  # status-go would read a clock as a request
    assert d["propagated_state"]["local_state"] == "dismissed"
    a = _state(alice, bob)
    assert a.request == "declined" and a.added_by_us and not a.added_us
    assert ev_mod.text_line(d).endswith("declined our contact request") and "contact_request_declined" in ev_mod.COUNTED_TYPES
    # alice asks again: bob, who declined, is not moved by it (as status-go)
    alice.m.clock.advance(1)
    _add(alice, bob)
    assert _state(bob, alice).request == "declined"


def test_removal_is_a_retraction_the_other_side_sees(pair):
    alice, bob = pair
    _add(alice, bob)
    alice.take(bob.m.accept_contact_request(alice.key).envelopes)
    alice.m.clock.advance(1)
    ret = contact_messages.retract(alice.m, bob.key)
    a = _state(alice, bob)
    assert not a.added_by_us and not a.added_us and a.request == "removed"
    (r,) = [e for e in bob.take(ret.envelopes) if e["type"] == "contact_removed"]
    assert r["contact"] == {"added_by_us": False, "added_us": False, "mutual": False, "request": "removed"}
    assert r["layers"][-1] == "application/RETRACT_CONTACT_REQUEST" and "removed us" in ev_mod.text_line(r)
    assert bob.take(ret.envelopes) == []  # once


def test_a_contact_update_for_someone_else_is_refused(pair, tmp_path):
    alice, bob = pair
    carol_key = "0x04" + "cd" * 64

    def payload(peer, clock):
        return cr.encode_contact_update(cr.ContactUpdate(clock, "", "", clock, None, carol_key, 4))

    sent = contact_messages._send(alice.m, bob.key, message_types.CONTACT_UPDATE, payload)
    evs = bob.take(sent.envelopes)
    assert "contact_update" not in kinds(evs)
    (u,) = [e for e in evs if e["type"] == "undecryptable"]
    assert u["layer"] == "contact-update" and u["reason"]["code"] == "sender-mismatch"
    assert state_store.get(bob.account.db, alice.key).request == "none"


def test_every_1to1_message_carries_our_view_and_a_silent_removal_reaches_the_peer_through_it(pair):
    """status-go sets contact_request_propagated_state (ChatMessage field 15) on every 1:1 message and
    applies the one it receives: a removal made silently (RemoveContact) reaches the peer with the
    next message."""
    from statuscli.app import contacts as app_contacts
    from statuscli.app.messaging.content import chat_message
    from statuscli.store.db import transaction

    raw = chat_message(Content(text="hi"), chat_id="0x04" + "ab" * 64, message_type=1, clock=9, timestamp=9,
                       propagated=cr.Propagated(7, cr.SENT, 5, cr.RECEIVED))  # fmt: skip
    (prop,) = [f[2] for f in fields(raw) if f[0] == 15]
    assert [(f[0], f[2]) for f in fields(prop)] == [(1, 7), (2, cr.SENT), (3, 5), (4, cr.RECEIVED)]
    empty = chat_message(Content(text="hi"), chat_id="0x04" + "ab" * 64, message_type=1, clock=9, timestamp=9,
                         propagated=cr.Propagated(0, cr.NONE, 0, cr.NONE))  # fmt: skip
    assert [f[2] for f in fields(empty) if f[0] == 15] == [b""]  # present though empty, as protobuf-go writes it
    alice, bob = pair
    _add(alice, bob)
    alice.take(bob.m.accept_contact_request(alice.key).envelopes)
    assert _state(alice, bob).mutual
    bob.m.clock.advance(1)
    with transaction(bob.account.db):  # bob removes alice here only, telling her nothing
        app_contacts.on_we_removed(bob.account.db, alice.key, bob.m.now_ms(), bob.m.now_ms())
    bob.m.clock.advance(1)
    evs = alice.take(bob.m.send_direct(alice.key, Content(text="one more thing")).envelopes)
    assert "message" in kinds(evs)
    a = _state(alice, bob)
    assert not a.added_us and not a.added_by_us and a.request == "removed"
