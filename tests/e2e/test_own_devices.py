"""Two paired devices of one account through a local node, each CLI call its own process (issue 16.2):
alice's second home (the same mnemonic) pairs with the first, each enables the other; a message
sent from either device appears in the other's `listen` as ours (outgoing, chat = bob), and bob's
message reaches both."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Person

pytestmark = pytest.mark.e2e


def second_device(first: Person, base) -> Person:
    """A second home made from ``first``'s mnemonic: the same identity, another installation."""
    p = Person.__new__(Person)
    p.name = first.name + "-2"
    p.home = base / p.name
    p.env = {**first.env, "STATUSCLI_HOME": str(p.home)}
    words = first.ok("keys", "export", "--format", "mnemonic")
    out = p.json("keys", "import", "--name", first.name, "--mnemonic-file", "-", input=words)
    p.key, p.zq3 = out["public_key"], out["compressed_key"]
    return p


def fetch(p: Person) -> list[dict]:
    return p.ndjson("mailserver", "fetch", "--since", "10m")


def this_id(p: Person) -> str:
    (me,) = [d for d in p.json("devices", "list")["devices"] if d["this_device"]]
    return me["installation_id"]


def ours(events: list[dict]) -> list[str]:
    return [e["text"] for e in events if e["type"] == "message" and e.get("outgoing")]


def theirs(events: list[dict]) -> list[str]:
    return [e["text"] for e in events if e["type"] == "message" and not e.get("outgoing")]


def test_paired_devices_see_each_others_messages_and_both_hear_bob(people, tmp_path):
    alice, bob = people("alice", "bob")
    phone = second_device(alice, tmp_path)
    assert phone.key == alice.key
    laptop_id, phone_id = this_id(alice), this_id(phone)
    assert laptop_id != phone_id

    # the phone announces itself; the laptop learns it (disabled), enables it and answers
    phone.ok("devices", "pair", "--name", "phone", "--device-type", "android")
    (dev,) = [e for e in fetch(alice) if e["type"] == "device"]
    assert (dev["installation_id"], dev["name"], dev["device_type"], dev["enabled"]) == (phone_id, "phone", "android", False)
    listed = {d["installation_id"]: d for d in alice.json("devices", "list")["devices"]}
    assert listed[phone_id]["enabled"] is False and listed[phone_id]["name"] == "phone"
    assert alice.json("devices", "enable", phone_id[:8])["enabled"] is True
    alice.ok("devices", "pair", "--target", phone_id, "--name", "laptop", "--device-type", "linux")
    (dev,) = [e for e in fetch(phone) if e["type"] == "device"]
    assert dev["installation_id"] == laptop_id and dev["targeted"] is True
    phone.ok("devices", "enable", laptop_id)

    on_laptop = alice.listen("--count", "2", "--timeout", "120").ready()
    on_phone = phone.listen("--count", "2", "--timeout", "120").ready()
    at_bob = bob.listen("--count", "2", "--timeout", "120").ready()

    alice.ok("send", bob.zq3, "hello bob, from the laptop")
    on_phone.wait_for(lambda lst: ours(lst.events) == ["hello bob, from the laptop"])
    (copy,) = [e for e in on_phone.events if e["type"] == "message"]
    assert copy["from"] == alice.key and copy["chat"] == {"kind": "one-to-one", "id": bob.key}
    at_bob.wait_for(lambda lst: theirs(lst.events) == ["hello bob, from the laptop"])

    bob.ok("send", alice.zq3, "hi alice, both of you")  # bob holds alice's bundle: both installations
    on_laptop.wait_for(lambda lst: "hi alice, both of you" in theirs(lst.events))
    on_phone.wait_for(lambda lst: "hi alice, both of you" in theirs(lst.events))

    phone.ok("send", bob.zq3, "and now from the phone")
    on_laptop.wait_for(lambda lst: ours(lst.events) == ["and now from the phone"])
    at_bob.wait_for(lambda lst: theirs(lst.events) == ["hello bob, from the laptop", "and now from the phone"])

    assert on_laptop.finish() == 0 and on_phone.finish() == 0 and at_bob.finish() == 0
    for lst in (on_laptop, on_phone, at_bob):
        assert not [e for e in lst.events if e["type"] == "undecryptable"], lst.events
    assert [e["from"] for e in at_bob.events if e["type"] == "message"] == [alice.key, alice.key]
