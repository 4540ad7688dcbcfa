"""Two homes made from one mnemonic are two installations of one account (issue 16.2), in process:
pairing (SyncPairInstallation, DH to our own key with our bundle), enable/disable, our 1:1 messages
copied to our enabled devices (shown there as outgoing), a peer's messages reaching both, and the
contact sync (SyncInstallationContactV2) — every envelope handed from one Receiver to the others."""

from __future__ import annotations

import pytest

from statuscli.app import devices
from statuscli.app.messaging import own_devices
from statuscli.app.messaging.content import Content
from statuscli.core.crypto import secp256k1
from statuscli.store import contacts as state_store
from statuscli.store import peers as peer_store
from statuscli.store.db import transaction
from tests.unit.test_messaging import Clock, Party, make_account

MNEMONIC_ENTROPY = b"\x07" * 16


@pytest.fixture
def people(tmp_path):
    clock = Clock()
    a1 = Party(make_account(tmp_path / "alice1", "alice", MNEMONIC_ENTROPY), clock)
    a2 = Party(make_account(tmp_path / "alice2", "alice", MNEMONIC_ENTROPY), clock)
    bob = Party(make_account(tmp_path / "bob", "bob", b"\x09" * 16), clock)
    return a1, a2, bob


def _ids(p: Party) -> dict[str, dict]:
    return {d["installation_id"]: d for d in devices.listing(p.account)}


def _paired(a1: Party, a2: Party) -> None:
    """a2 announces itself, a1 enables it and answers, a2 enables a1."""
    evs = a1.take(own_devices.send_pair(a2.m, name="phone", device_type="android").envelopes)
    (dev,) = [e for e in evs if e["type"] == "device"]
    assert dev["installation_id"] == a2.account.installation_id and dev["enabled"] is False
    devices.set_enabled(a1.account, a2.account.installation_id, True, 1)
    evs = a2.take(own_devices.send_pair(a1.m, target=a2.account.installation_id, name="laptop", device_type="linux").envelopes)
    (dev,) = [e for e in evs if e["type"] == "device"]
    assert dev["targeted"] is True and dev["name"] == "laptop"
    devices.set_enabled(a2.account, a1.account.installation_id[:8], True, 1)  # a unique prefix is enough


def test_one_mnemonic_two_installations_same_identity(people):
    a1, a2, _ = people
    assert a1.key == a2.key and a1.account.installation_id != a2.account.installation_id
    (me,) = devices.listing(a1.account)
    assert me["this_device"] and me["enabled"] and me["installation_id"] == a1.account.installation_id


def test_pairing_makes_the_other_device_known_disabled_with_its_name(people):
    a1, a2, _ = people
    sent = own_devices.send_pair(a2.m, name="phone", device_type="android")
    assert sent.recipients[0]["topic"] == "partitioned" and sent.recipients[0]["paths"] == {"none": "dh"}
    evs = a1.take(sent.envelopes)
    assert [e["type"] for e in evs] == ["bundle", "device"]
    dev = evs[1]
    assert dev == {**dev, "name": "phone", "device_type": "android", "enabled": False, "targeted": False}
    assert dev["layers"][-1] == "application/SYNC_PAIR_INSTALLATION"
    row = _ids(a1)[a2.account.installation_id]
    assert row == {**row, "name": "phone", "device_type": "android", "enabled": False, "this_device": False}
    assert a1.take(sent.envelopes) == []  # once
    assert a2.take(sent.envelopes) == []  # its own pairing message heard back: nothing
    # not enabled: our bundle does not list it, and nothing we send goes to it
    assert devices.paired(a1.account.db, a1.account) is False


def test_a_pairing_message_from_another_identity_is_refused(people):
    a1, _a2, bob = people
    evs = a1.take(own_devices.send_pair(bob.m, name="mallory", device_type="linux").envelopes)
    # bob's DH message is to bob's own key: alice cannot even open it (nothing stored, nothing shown as a device)
    assert not [e for e in evs if e["type"] == "device"]
    assert [d["installation_id"] for d in devices.listing(a1.account)] == [a1.account.installation_id]


def test_enable_disable_and_our_bundle(people):
    a1, a2, _ = people
    a1.take(own_devices.send_pair(a2.m, name="phone", device_type="android").envelopes)
    iid = a2.account.installation_id
    from statuscli.app.secure import our_bundle

    assert set(our_bundle(a1.account, now_ms=a1.m.now_ms()).signed_pre_keys) == {a1.account.installation_id}
    assert devices.set_enabled(a1.account, iid, True, 1)["enabled"] is True
    assert set(our_bundle(a1.account, now_ms=a1.m.now_ms()).signed_pre_keys) == {a1.account.installation_id, iid}
    assert devices.set_enabled(a1.account, iid, False, 1)["enabled"] is False
    assert set(our_bundle(a1.account, now_ms=a1.m.now_ms()).signed_pre_keys) == {a1.account.installation_id}
    from statuscli.core.errors import InvalidInput, NotFound

    with pytest.raises(NotFound):
        devices.set_enabled(a1.account, "ffffffff", True, 1)
    with pytest.raises(InvalidInput):
        devices.set_enabled(a1.account, a1.account.installation_id, False, 1)


def test_our_message_reaches_our_other_device_as_ours_and_a_peers_reaches_both(people):
    a1, a2, bob = people
    _paired(a1, a2)
    sent = a1.m.send_direct(bob.key, Content(text="hi bob, from the laptop"))
    assert [r.get("own_devices", False) for r in sent.recipients] == [False, True]
    got_bob = bob.take(sent.envelopes)
    (m,) = [e for e in got_bob if e["type"] == "message"]
    assert m["text"] == "hi bob, from the laptop" and "outgoing" not in m
    got_a2 = a2.take(sent.envelopes)
    (mine,) = [e for e in got_a2 if e["type"] == "message"]
    assert mine["outgoing"] is True and mine["from"] == "0x" + a1.key.hex()
    assert mine["chat"] == {"kind": "one-to-one", "id": "0x" + bob.key.hex()} and mine["id"] == m["id"]
    assert not [e for e in got_a2 if e["type"] == "undecryptable"]  # a1's copy for bob is silently not ours
    # bob now holds alice's bundle with both installations: his answer reaches both devices
    peer_insts = {i.installation_id for i in peer_store.active_installations(bob.account.db, secp256k1.compress(a1.key))}
    assert peer_insts == {a1.account.installation_id, a2.account.installation_id}
    reply = bob.m.send_direct(a1.key, Content(text="hello alice"))
    for dev in (a1, a2):
        (r,) = [e for e in dev.take(reply.envelopes) if e["type"] == "message"]
        assert r["text"] == "hello alice" and r["from"] == "0x" + bob.key.hex() and "outgoing" not in r
    # and the second device writes too: the first sees it as ours
    sent2 = a2.m.send_direct(bob.key, Content(text="now from the phone"))
    (b,) = [e for e in bob.take(sent2.envelopes) if e["type"] == "message"]
    (o,) = [e for e in a1.take(sent2.envelopes) if e["type"] == "message"]
    assert b["text"] == o["text"] == "now from the phone" and o["outgoing"] is True


def test_disabled_device_gets_no_copy(people):
    a1, a2, bob = people
    _paired(a1, a2)
    devices.set_enabled(a1.account, a2.account.installation_id, False, 1)
    sent = a1.m.send_direct(bob.key, Content(text="only bob"))
    assert [r.get("own_devices", False) for r in sent.recipients] == [False]
    assert [e for e in a2.take(sent.envelopes) if e["type"] == "message"] == []


def test_contact_sync_applies_names_and_flags(people):
    a1, a2, bob = people
    _paired(a1, a2)
    from statuscli.app import contacts

    contacts.add(a1.account, "0x" + bob.key.hex(), "bob", 5)
    sent = own_devices.send_contact_sync(a1.m)
    assert sent.envelopes and all(r.get("own_devices") for r in sent.recipients)
    evs = a2.take(sent.envelopes)
    (c,) = [e for e in evs if e["type"] == "contact_synced"]
    assert c["contact"] == "0x" + bob.key.hex() and c["name"] == "bob" and c["added"] is True and c["blocked"] is False
    assert peer_store.contact(a2.account.db, "bob") == bob.key
    assert state_store.get(a2.account.db, bob.key).added_by_us is True
    contacts.set_blocked(a1.account, "bob", True, 6)
    (c,) = [e for e in a2.take(own_devices.send_contact_sync(a1.m).envelopes) if e["type"] == "contact_synced"]
    assert c["blocked"] is True and state_store.get(a2.account.db, bob.key).blocked is True


def test_contact_sync_needs_an_enabled_device(people):
    a1, _a2, _bob = people
    from statuscli.core.errors import NotFound

    with pytest.raises(NotFound):
        own_devices.send_contact_sync(a1.m)


def test_a_sync_message_from_someone_else_is_not_applied(people):
    """Bob wraps a SyncInstallationContactV2 in a normal 1:1 message to alice: status-go ignores SYNC_* from others."""
    a1, _a2, bob = people
    from statuscli.core.payloads import pairing

    victim = "0x" + bob.key.hex()
    body = lambda clock: pairing.encode_contact(pairing.SyncedContact(victim, clock, "evil", blocked=True))  # noqa: E731
    sent = bob.m._send_pairwise([a1.key], "one-to-one", "0x" + a1.key.hex(), body, pairing.SYNC_INSTALLATION_CONTACT_V2, "")
    evs = a1.take(sent.envelopes)
    (u,) = [e for e in evs if e["type"] == "undecryptable"]
    assert u["reason"]["code"] == "not-our-device"
    with transaction(a1.account.db):
        assert state_store.get(a1.account.db, bob.key).blocked is False


def test_only_chat_messages_are_copied_to_our_devices(people):
    """Acceptances, wallet commands and the like stay between us and the peer (our receive side shows
    our own chat messages only; status-go copies every type — a documented difference)."""
    a1, a2, bob = people
    _paired(a1, a2)
    cmd = a1.m.send_wallet_command(bob.key, "request", address="0x8ba1f109551bD432803012645Ac136ddd64DBA72", value="1", contract="")
    assert [r.get("own_devices", False) for r in cmd.recipients] == [False]
    assert [e for e in a2.take(cmd.envelopes) if e["type"] != "bundle"] == []


def test_our_public_message_from_the_other_device_is_outgoing(people):
    """Both homes listen to #status: what one device posts, the other shows as ours (no pairing needed:
    the channel key is the channel's name)."""
    a1, a2, _bob = people
    from statuscli.app.messaging import topics

    topics.join_channels(a2.account, ["status"], now_ms=1)
    sent = a1.m.send_public("status", Content(text="gm from the laptop"))
    (m,) = [e for e in a2.take(sent.envelopes) if e["type"] == "message"]
    assert m["outgoing"] is True and m["chat"] == {"kind": "public", "id": "status"} and m["from"] == "0x" + a1.key.hex()
    assert a1.take(sent.envelopes) == []  # the sending home: its own echo, nothing
