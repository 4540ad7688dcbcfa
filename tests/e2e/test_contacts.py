"""Contacts through a local node: request → accepted → mutual on both sides, and blocking (a
blocked person's messages are dropped — nothing stored or printed — and counted)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def fetch(p) -> list[dict]:
    return p.ndjson("mailserver", "fetch", "--since", "10m")


def state(p, peer) -> dict:
    return p.json("contacts", "show", peer)


def test_request_accepted_mutual_and_blocked(people):
    alice, bob, mallory = people("alice", "bob", "mallory")
    alice.ok("contacts", "add", bob.zq3, "--name", "bob")
    assert state(alice, "bob")["added_by_us"] and not state(alice, "bob")["mutual"]

    alice.ok("send", "bob", "Hi Bob, add me?", "--contact-request")
    a = state(alice, "bob")
    assert a["request"] == "pending-out" and a["added_by_us"] and not a["added_us"]

    assert [e["type"] for e in fetch(bob) if e["type"] == "contact_request"] == ["contact_request"]
    b = state(bob, alice.key)
    assert b["added_us"] and not b["added_by_us"] and b["request"] == "pending-in"

    bob.ok("send", alice.zq3, "--accept-contact-request")
    b = state(bob, alice.key)
    assert b["mutual"] and b["request"] == "accepted"
    assert any(e["type"] == "contact_request_accepted" for e in fetch(alice))
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
