"""A group of four through a local node: a removal, a leave and a rename, each member's view
checked after every step (each member catches up with ``mailserver fetch``)."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.e2e


def fetch(p) -> list[dict]:
    return p.ndjson("mailserver", "fetch", "--since", "10m")


def view(p, chat_id: str) -> dict:
    groups = {g["chat_id"]: g for g in p.json("group", "list")["groups"]}
    return groups[chat_id]


def test_group_remove_leave_rename(people):
    alice, bob, carol, dave = people("alice", "bob", "carol", "dave")
    chat_id = alice.json("group", "create", "four", "--member", bob.key, "--member", carol.zq3, "--member", dave.key)["chat_id"]
    for p in (bob, carol, dave):
        assert any(e["type"] == "group" for e in fetch(p))
        assert len(view(p, chat_id)["members"]) == 4

    # alice (the admin) removes dave: everyone, dave included, sees it
    out = alice.json("group", "remove", "four", dave.zq3)
    assert dave.key not in out["members"] and len(out["announcement"]["recipients"]) == 3
    for p in (bob, carol, dave):
        fetch(p)
        assert sorted(view(p, chat_id)["members"]) == sorted([alice.key, bob.key, carol.key]), p.name
    r = dave.run("send", "--group", chat_id, "still here?")
    assert r.returncode == 3 and b"not a member" in r.stderr
    # a member who is not an admin cannot remove anyone
    r = bob.run("group", "remove", chat_id, carol.key)
    assert r.returncode == 3 and b"not allowed" in r.stderr

    # carol leaves
    carol.ok("group", "leave", chat_id)
    for p in (alice, bob):
        fetch(p)
        assert sorted(view(p, chat_id)["members"]) == sorted([alice.key, bob.key]), p.name
    assert carol.key not in view(carol, chat_id)["members"]

    # bob renames it; alice's local name follows
    bob.ok("group", "rename", chat_id, "just us")
    fetch(alice)
    g = view(alice, chat_id)
    assert g["name"] == "just us" and g["local_name"] == "just us"

    # a message now goes to bob only; those who left or were removed do not get it
    sent = alice.json("send", "--group", "just us", "only bob now")
    assert [r["peer"] for r in sent["recipients"]] == [bob.key]
    texts = lambda p: [e.get("text") for e in fetch(p) if e["type"] == "message"]  # noqa: E731
    assert "only bob now" in texts(bob)
    assert "only bob now" not in texts(carol) and "only bob now" not in texts(dave)

    # a dry-run group message opens for bob as a PRIVATE_GROUP chat message of this group
    dry = alice.json("send", "--group", chat_id, "draft", "--dry-run")
    inspected = bob.run("--json", "envelope", "inspect", "-", input=dry["envelopes"][0]["envelope"])
    assert inspected.returncode == 0
    flat = json.dumps(json.loads(inspected.stdout))
    assert "PRIVATE_GROUP" in flat and "draft" in flat and chat_id in flat
