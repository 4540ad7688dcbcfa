"""`bundle fetch` keeps the newest bundle of every installation of a peer.

Bob has two devices (two homes from one mnemonic); device 1 rotates its signed prekey after
publishing once. Alice's fetch must learn both devices and hold device 1's *new* prekey — the
store page is not newest-first, and an earlier fetch kept the oldest bundle of one device.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Person

pytestmark = pytest.mark.e2e

ENTROPY = "00112233445566778899aabbccddeeff"


class Device(Person):
    """A home whose account is imported from fixed entropy (so two of them are one person)."""

    def __init__(self, base, name, node_socket, entropy):
        self.entropy = entropy
        super().__init__(base, name, node_socket)

    def json(self, *args, **kw):
        if args[:2] == ("keys", "generate"):
            args = (*args, "--entropy", self.entropy)
        return super().json(*args, **kw)


def current_prekey(device: Person) -> tuple[str, str]:
    own = device.json("bundle", "show")
    return own["installation_id"], own["current"]["signed_pre_key"]


def test_fetch_keeps_the_newest_bundle_of_each_installation(tmp_path, node):
    sock = node["control_socket"]
    alice = Person(tmp_path, "alice", sock)
    bob1 = Device(tmp_path, "bob1", sock, ENTROPY)
    bob2 = Device(tmp_path, "bob2", sock, ENTROPY)
    assert bob1.key == bob2.key

    bob1.ok("bundle", "publish")
    old_iid, old_spk = current_prekey(bob1)
    bob2.ok("bundle", "publish")
    bob1.ok("bundle", "create", "--rotate")
    bob1.ok("bundle", "publish")
    iid1, spk1 = current_prekey(bob1)
    iid2, spk2 = current_prekey(bob2)
    assert iid1 == old_iid and spk1 != old_spk

    got = alice.json("bundle", "fetch", bob1.zq3, "--name", "bob")
    assert sorted(got["installations"]) == sorted([iid1, iid2])
    assert got["contact"] == "bob"

    known = {i["installation_id"]: i["signed_pre_key"] for i in alice.json("bundle", "show", "bob")["installations"]}
    assert set(known) == {iid1, iid2}
    assert known[iid1]["signed_pre_key"] == spk1, "the rotated prekey of device 1 must replace its old one"
    assert known[iid2]["signed_pre_key"] == spk2

    # and the name works wherever a peer is named
    alice.ok("x3dh", "init", "bob")
