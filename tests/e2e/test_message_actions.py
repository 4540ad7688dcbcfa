"""A reaction, an edit, a pin and a delete through a local node, seen by the other side as typed events."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_reaction_edit_pin_delete_reach_the_other_side(people):
    alice, bob = people("alice", "bob")
    (mid,) = alice.ok("send", bob.key, "helo bob").split()
    lb = bob.listen("--chat", alice.key, "--timeout", "60").ready()
    alice.ok("react", mid, "--chat", bob.key, "--emoji", "love")
    alice.ok("edit", mid, "hello bob", "--chat", bob.key)
    alice.ok("pin", mid)  # the chat comes from the stored message
    alice.ok("delete", mid, "--chat", bob.key)
    lb.wait_for(lambda lst: any(e["type"] == "deleted" for e in lst.events), timeout=60)
    lb.stop()
    acts = [e for e in lb.events if e["type"] in ("reaction", "edited", "pinned", "deleted")]
    assert [e["type"] for e in acts] == ["reaction", "edited", "pinned", "deleted"]
    assert all(e["target"] == mid and e["from"] == alice.key and e["chat"] == {"kind": "one-to-one", "id": alice.key} for e in acts)
    assert acts[0]["emoji"] == "love" and acts[1]["text"] == "hello bob" and acts[2]["pinned"] is True
    assert all(e["target_known"] for e in acts)  # the message itself came first (catch-up), then the actions
