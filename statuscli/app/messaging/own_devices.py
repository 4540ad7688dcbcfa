"""Messages between our own devices: pairing, contact sync, and what arrives from them.

    sent = send_pair(m, target="", name=None, device_type=None)   # SyncPairInstallation, DH to our own key
    sent = send_contact_sync(m)                                     # SyncInstallationContactV2 per contact, MVDS
    events = apply_received(apply, rest, app, layers)               # the receive path's handler (trace_apply.TraceApply)

Sending (status-go ``messenger_pairing_and_syncing.go``):

* pairing: ``SyncPairInstallation{clock, installation_id, device_type, name, version, target}``
  wrapped (type SYNC_PAIR_INSTALLATION) and DH-encrypted to our own key under ``"none"`` with our
  bundle attached, sealed on our partitioned topic — no MVDS. Every device of ours can read it and
  learns our installation (disabled) from the bundle and its name from the message.
* contact sync: one ``SyncInstallationContactV2`` per contact through MVDS in the 1:1 chat with
  ourselves, encrypted to our enabled devices only (``syncContact`` → ``dispatchMessage``:
  a chat with our own key skips the peer and goes to ``sendToPairedDevices``).
* a 1:1 message to a peer also goes to our enabled devices (``Messenger._send_pairwise``).

Receiving: ``SYNC_*`` messages count only when our own identity wrote them (status-go ignores the
others); a pairing message stores the device's name and type (never enables it); a contact sync
applies the contact's flags (added, blocked, removed) and nickname.
"""

from __future__ import annotations

from statuscli.app.messaging import events as ev
from statuscli.app.messaging import topics
from statuscli.app.messaging.content import wrap
from statuscli.app.messaging.messenger import Sent, key_text
from statuscli.app.messaging.waku_layer import seal_all
from statuscli.core.crypto import secp256k1
from statuscli.core.errors import InvalidInput, NotFound, StatusCliError
from statuscli.core.payloads import pairing
from statuscli.core.payloads.clock import next_clock, waku_timestamp_ms
from statuscli.core.receive import layers as L
from statuscli.store import chats as chat_store
from statuscli.store import devices as device_store
from statuscli.store import messages as msg_store
from statuscli.store import peers as peer_store


# --- sending -------------------------------------------------------------------------------------
def send_pair(m, *, target: str = "", name: str | None = None, device_type: str | None = None) -> Sent:
    """Our installation metadata to every device of ours (one DH message on our partitioned topic)."""
    from statuscli.app import devices
    from statuscli.app.secure import dh_message

    acct, now = m.account, m.now_ms()
    me = acct.chat_public_key
    chat_id = key_text(me)
    if target:
        target = devices.find(acct, target)
        if target == acct.installation_id:
            raise InvalidInput("the target is this device", hint="name another installation of this account, or none")
    with m._tx() as conn:
        clock, _ = next_clock(chat_store.last_clock(conn, chat_id), now)
        meta = devices.our_metadata(acct, name=name, device_type=device_type, now_ms=now, clock=clock)
        body = pairing.encode_pair(pairing.PairInstallation(clock, acct.installation_id, meta.device_type, meta.name, meta.version, target))
        chat_store.set_clock(conn, chat_id, clock)
        wrapped, mid = wrap(body, pairing.SYNC_PAIR_INSTALLATION, acct.chat_private_key, me)
        msg_store.add_message(conn, message_id=mid, direction="out", chat_kind="devices", chat_id=chat_id, sender=me,
                              amm_type=pairing.SYNC_PAIR_INSTALLATION, clock=clock, timestamp_ms=now, text=meta.name, envelope=None,
                              now_ms=now)  # fmt: skip
        message = dh_message(acct, me, wrapped, now_ms=now, rng=m.rng)
    topic = topics.partitioned(me)
    envs = seal_all(message, topic, signing_key=acct.chat_private_key, now_ns=m.now_ns(), rng=m.rng)
    info = {"peer": chat_id, "own_devices": True, "topic": topic.kind, "content_topic": topic.content_topic, "paths": {"none": "dh"},
            "installation": {"installation_id": acct.installation_id, "name": meta.name, "device_type": meta.device_type,
                             "version": meta.version, "target_installation_id": target}}  # fmt: skip
    return Sent(mid, "devices", chat_id, envs, [info])


def contact_syncs(account, now_ms: int) -> list[pairing.SyncedContact]:
    """Every contact status-go would sync (named, added, added us, or blocked), as SyncInstallationContactV2."""
    from statuscli.app import contacts
    from statuscli.store import contacts as state_store

    out = []
    for c in contacts.listing(account):
        key = bytes.fromhex(c["public_key"][2:])
        st = state_store.get(account.db, key)
        if not (c["name"] or st.added_by_us or st.added_us or st.blocked):
            continue
        out.append(pairing.SyncedContact(c["public_key"], now_ms, c["name"] or "", st.added_by_us, st.added_us, st.blocked, False, now_ms))
    return out


def send_contact_sync(m) -> Sent:
    """One SyncInstallationContactV2 per contact to our enabled devices, through MVDS (one transaction)."""
    from statuscli.app import devices

    acct = m.account
    me = acct.chat_public_key
    if not devices.paired(acct.db, acct):
        raise NotFound("no other device of this account is enabled",
                       hint="enable one first: statuscli devices list, statuscli devices enable ID")  # fmt: skip
    items = contact_syncs(acct, m.now_ms())
    if not items:
        raise NotFound("no contact to sync (none is named, added, added us or blocked)", hint="statuscli contacts list")
    sent = Sent(b"", "devices", key_text(me))
    for c in items:  # each in the caller's batch (``sending.send``) or its own transaction
        one = m._send_pairwise([], "devices", key_text(me), lambda clock, c=c: pairing.encode_contact(_clocked(c, clock)),
                               pairing.SYNC_INSTALLATION_CONTACT_V2, c.local_nickname, own_devices=True)  # fmt: skip
        sent.message_id = sent.message_id or one.message_id
        sent.envelopes.extend(one.envelopes)
        sent.recipients.append({**(one.recipients[0] if one.recipients else {}), "contact": c.id, "id": "0x" + one.message_id.hex()})
    return sent


def _clocked(c: pairing.SyncedContact, clock: int) -> pairing.SyncedContact:
    return pairing.SyncedContact(c.id, clock, c.local_nickname, c.added, c.has_added_us, c.blocked, c.removed, c.last_updated)


# --- receiving -------------------------------------------------------------------------------------
def apply_received(apply, rest: tuple, app: L.AppLayer, layers: list[str]) -> list:
    """A SYNC_* message inside the envelope's transaction (``apply`` is the receive path's ``TraceApply``)."""
    env = apply.env
    if secp256k1.decompress(app.signer) != apply.account.chat_public_key:
        return [ev.Undecryptable("sync", "not-our-device", "a sync message from another identity (status-go ignores these)", env)]
    if rest and isinstance(rest[0], L.Failed):
        return apply.fail(rest[0])
    try:
        if app.type == pairing.SYNC_PAIR_INSTALLATION:
            waku_ms = waku_timestamp_ms(env.timestamp) if env.timestamp else None
            return _pair(apply, pairing.decode_pair(app.wrapper.payload, waku_ms), app, layers)
        return _contact(apply, pairing.decode_contact(app.wrapper.payload), app, layers)
    except StatusCliError as e:
        return [ev.Undecryptable("sync", e.code, e.message, env)]


def _pair(apply, p: pairing.PairInstallation, app: L.AppLayer, layers: list[str]) -> list:
    acct, conn = apply.account, apply.conn
    if p.installation_id == acct.installation_id:
        return []  # our own pairing message coming back
    me33 = secp256k1.compress(acct.chat_public_key)
    known = {i.installation_id: i for i in peer_store.installations(conn, me33)}
    inst = known.get(p.installation_id)
    if inst is None:  # status-go: "installation not found" (its bundle normally comes with the message)
        return [ev.Undecryptable("sync", "unknown-installation", f"a pairing message for installation {p.installation_id} whose bundle we do not have",
                                 apply.env)]  # fmt: skip
    device_store.put(conn, device_store.Metadata(p.installation_id, p.name, p.device_type, p.version, p.clock), apply.now)
    apply.store_action(app, "devices", key_text(acct.chat_public_key), p.clock, p.name)
    return [ev.Device(p.installation_id, p.name, p.device_type, inst.enabled, p.target_installation_id == acct.installation_id,
                      tuple(layers), apply.env)]  # fmt: skip


def _contact(apply, c: pairing.SyncedContact, app: L.AppLayer, layers: list[str]) -> list:
    acct, conn = apply.account, apply.conn
    key = bytes.fromhex(c.id[2:])
    if key == acct.chat_public_key:
        return []  # status-go skips our own contact
    name = _apply_contact(conn, key, c, apply.now)
    apply.store_action(app, "devices", key_text(acct.chat_public_key), c.last_updated_locally, c.id)
    return [ev.ContactSynced(c.id, name, c.added, c.blocked, c.removed, tuple(layers), apply.env)]


def _apply_contact(conn, key: bytes, c: pairing.SyncedContact, now_ms: int) -> str | None:
    """A synced contact's flags and nickname applied here (``HandleSyncInstallationContactV2``, the parts
    we keep): blocked follows the sync; added / added us are set, never cleared, except by ``removed``
    (not blocked), which clears added-by-us and the names as ``contacts remove`` does. Returns the name."""
    from statuscli.app import peers as peer_names
    from statuscli.store import contacts as state_store

    fields: dict = {"blocked": c.blocked}
    if c.added:
        fields["added_by_us"] = True
    if c.has_added_us:
        fields["added_us"] = True
    if c.removed and not c.blocked:
        fields["added_by_us"] = False
        for n, k in peer_store.contacts(conn):
            if k == key:
                peer_store.remove_contact(conn, n)
    state_store.update(conn, key, now_ms, **fields)
    if c.local_nickname and not (c.removed and not c.blocked) and peer_names._NAME_RE.match(c.local_nickname):
        peer_store.set_contact(conn, c.local_nickname, key, now_ms)
    names = [n for n, k in peer_store.contacts(conn) if k == key]
    return names[0] if names else None


def our_message(apply, c: L.ChatLayer, app: L.AppLayer, layers: list[str]) -> list:
    """A 1:1 message another device of ours sent (status-go ``sendToPairedDevices``): stored as outgoing
    in the chat it names, the peer remembered (their topics are ours to hear too), shown ``outgoing``."""

    from statuscli.app.messaging.trace_apply import _message_event
    from statuscli.core.identity.keytext import parse_public_key_text
    from statuscli.core.payloads import chat as chat_payload
    from statuscli.core.payloads import message_types

    me = apply.account.chat_public_key
    try:
        peer = parse_public_key_text(c.chat_id)
    except StatusCliError:
        peer = None
    if peer is None or peer == me:
        return [ev.Undecryptable("chat-message", "chat-mismatch", f"our own 1:1 message names no other chat key ({c.chat_id[:20]}…)", apply.env)]
    chat = {"kind": "one-to-one", "id": key_text(peer)}
    chat_store.touch_peer(apply.conn, peer, apply.now)
    chat_store.set_clock(apply.conn, chat["id"], c.clock)
    apply.store_own(app, chat["id"], message_types.CHAT_MESSAGE, c.clock, c.timestamp, c.text)
    kind = "contact_request" if c.content_type == chat_payload.CONTACT_REQUEST else "message"
    return [as_outgoing(_message_event(kind, app, chat, c.message, tuple(layers), apply.env))]


def as_outgoing(event: ev.Message) -> ev.Message:
    """The same message event marked ``outgoing``: we wrote it, on another device."""
    import dataclasses

    return dataclasses.replace(event, extra=event.extra + (("outgoing", True),))
