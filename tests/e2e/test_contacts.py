"""Contacts through a local node, each person a separate process: request → accepted → mutual on
both sides (ContactUpdate + CONTACT_REQUEST, AcceptContactRequest), a declined request both sides
see, a removal the other side sees (RetractContactRequest), and blocking (a blocked person's
messages are dropped — nothing stored or printed — and counted)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def fetch(p) -> list[dict]:
    return p.ndjson("mailserver", "fetch", "--since", "10m")


def state(p, peer) -> dict:
    return p.json("contacts", "show", peer)


def test_request_accepted_mutual_removed_and_blocked(people):
    alice, bob, mallory = people("alice", "bob", "mallory")
    added = alice.json("contacts", "add", bob.zq3, "--name", "bob", "--message", "Hi Bob, add me?")
    assert [m["chat"]["id"] for m in added["sent"]] == ["0x" + bob.key.removeprefix("0x")] * 2  # ContactUpdate, request
    assert added["request"] == "pending-out" and added["added_by_us"] and not added["added_us"] and "offline" not in added

    evs = fetch(bob)
    (upd,) = [e for e in evs if e["type"] == "contact_update"]
    assert upd["from_compressed"] == alice.zq3 and upd["propagated_state"]["local_state"] == "sent"
    (req,) = [e for e in evs if e["type"] == "contact_request"]
    assert req["text"] == "Hi Bob, add me?" and req["from_compressed"] == alice.zq3
    b = state(bob, alice.key)
    assert b["added_us"] and not b["added_by_us"] and b["request"] == "pending-in" and b["request_id"] == req["id"]

    accepted = bob.json("contacts", "accept", alice.zq3)
    assert accepted["mutual"] and accepted["request"] == "accepted" and accepted["sent"][0]["accepts"] == req["id"]
    (acc,) = [e for e in fetch(alice) if e["type"] == "contact_request_accepted"]
    assert acc["request_id"] == req["id"] and acc["our_request"] and acc["from_compressed"] == bob.zq3
    a = state(alice, "bob")
    assert a["mutual"] and a["request"] == "accepted"
    listed = {c["name"]: c for c in alice.json("contacts", "list")["contacts"]}
    assert listed["bob"]["mutual"] and listed["bob"]["compressed_key"] == bob.zq3

    # bob blocks mallory: her messages are dropped and counted, never stored or printed
    bob.ok("contacts", "block", mallory.zq3)
    for i in range(3):
        mallory.ok("send", bob.zq3, f"spam {i}")
    alice.ok("send", bob.zq3, "still friends")
    texts = [e.get("text") for e in fetch(bob) if e["type"] in ("message", "contact_request")]
    assert "still friends" in texts and not any(t and t.startswith("spam") for t in texts)
    m = state(bob, mallory.key)
    assert m["blocked"] and m["dropped"] == 3
    # unblocked, she is heard again
    bob.ok("contacts", "unblock", mallory.zq3)
    mallory.ok("send", bob.zq3, "sorry")
    assert "sorry" in [e.get("text") for e in fetch(bob) if e["type"] == "message"]

    # verify: what a person was told of an identity must belong to the key
    alias = state(alice, "bob")["alias"]
    assert alice.json("contacts", "verify", "bob", "--alias", alias)["checks"] == {"alias": True}
    r = alice.run("contacts", "verify", "bob", "--alias", state(alice, mallory.zq3)["alias"])
    assert r.returncode == 4 and b"does not belong" in r.stderr

    # alice removes bob and tells him: neither is added any more, on both sides
    removed = alice.json("contacts", "remove", "bob")
    assert not removed["added_by_us"] and not removed["added_us"] and removed["request"] == "removed" and len(removed["sent"]) == 1
    (gone,) = [e for e in fetch(bob) if e["type"] == "contact_removed"]
    assert gone["from_compressed"] == alice.zq3 and gone["contact"]["request"] == "removed" and not gone["contact"]["mutual"]
    b = state(bob, alice.key)
    assert not b["added_us"] and not b["added_by_us"] and b["request"] == "removed"


def test_a_declined_request_both_sides_see_declined(people):
    carol, dave = people("carol", "dave")
    carol.ok("contacts", "add", dave.zq3)
    assert [e["type"] for e in fetch(dave) if e["type"].startswith("contact")] == ["contact_update", "contact_request"]
    declined = dave.json("contacts", "decline", carol.zq3)
    assert declined["request"] == "declined" and not declined["added_by_us"] and len(declined["sent"]) == 1
    (d,) = [e for e in fetch(carol) if e["type"] == "contact_request_declined"]
    assert d["from_compressed"] == dave.zq3 and d["propagated_state"]["local_state"] == "dismissed"
    c = state(carol, dave.zq3)
    assert c["request"] == "declined" and c["added_by_us"] and not c["added_us"]
    # nothing waits any more: a second decline finds nothing (exit 7)
    r = dave.run("contacts", "decline", carol.zq3)
    assert r.returncode == 7 and b"no contact request" in r.stderr
