"""One envelope's inner trace (``core.receive.peel``) applied inside the envelope's transaction.

:class:`~statuscli.app.messaging.incoming.Receiver` owns the envelope — de-duplication, the outer
layers, the transaction, failures; :class:`TraceApply` owns what the layers inside payload v1 change
and the events they become:

* segments: kept (in the transaction) until all arrived; then the whole continues;
* ProtocolMessage: the ratchet step's pending writes are applied; its bundles become ``bundle``
  events. When it fails, attached bundles are still stored, and a peer whose message targets an
  installation or session we do not have gets our bundle back (a reply, at most every 2 h);
* MVDS: acks become ``delivered``; each new message body continues (acks we owe go out at the next
  ``Messenger.tick``);
* application: ids already stored are not repeated; a blocked author's messages are dropped and
  counted. CHAT_MESSAGE → ``message``/``contact_request``; ACCEPT_CONTACT_REQUEST →
  ``contact_request_accepted``; CONTACT_UPDATE / RETRACT_CONTACT_REQUEST →
  :mod:`~statuscli.app.messaging.contact_messages`; REQUEST_TRANSACTION / SEND_TRANSACTION →
  ``transaction_request`` / ``transaction_sent``; MEMBERSHIP_UPDATE → ``group`` (and the group
  message inside); reactions, edits, deletes, pins → :mod:`~statuscli.app.messaging.actions`;
  CONTACT_CODE_ADVERTISEMENT → its bundle; other types → ``application``. A wrapper signed by someone else than the session's (or
  payload's) identity, or a 1:1 message naming another chat, is ``sender-mismatch`` (the peel
  decides; nothing is stored).

Every failure is an ``undecryptable`` event naming the layer and the reason — never silent.
"""

from __future__ import annotations

from statuscli.app import contacts
from statuscli.app.messaging import actions as message_actions
from statuscli.app.messaging import events as ev
from statuscli.app.messaging import contact_messages, groups, mvds_link, own_devices
from statuscli.core.crypto import secp256k1
from statuscli.core.encoding import to_hex
from statuscli.core.errors import DecodeError, DeviceNotFound, SessionNotFound, StatusCliError
from statuscli.core.payloads import chat as chat_payload
from statuscli.core.payloads import message_types, pairing
from statuscli.core.payloads.actions import TYPES as ACTIONS
from statuscli.core.receive import layers as L
from statuscli.core.receive import peel
from statuscli.store import chats as chat_store
from statuscli.store import messages as msg_store
from statuscli.store.db import savepoint

CONTACT_CODE_ADVERTISEMENT = message_types.BY_NAME["CONTACT_CODE_ADVERTISEMENT"]
ACCEPT_CONTACT_REQUEST = message_types.BY_NAME["ACCEPT_CONTACT_REQUEST"]
CONTACT_MESSAGES = (message_types.CONTACT_UPDATE, message_types.BY_NAME["RETRACT_CONTACT_REQUEST"])
WALLET_COMMANDS = (message_types.BY_NAME["REQUEST_TRANSACTION"], message_types.BY_NAME["SEND_TRANSACTION"])
#: ratchet errors that mean "we lack the session": the peer gets our bundle (not for our own installations)
_NOT_OURS_CODES = ("own-message", "not-paired")


def key_text(pub: bytes) -> str:
    return to_hex(secp256k1.decompress(pub))


class TraceApply:
    """One envelope's inner trace applied inside its transaction: state written, events returned."""

    def __init__(self, receiver, conn, pv1: L.PayloadV1Layer, env: ev.EnvelopeRef, out, after_commit: list) -> None:
        self.r, self.conn, self.pv1, self.env, self.out, self.after_commit = receiver, conn, pv1, env, out, after_commit
        self.account, self.now = receiver.account, receiver.m.now_ms()
        self._author_state = None  # the application-layer author's contact row, read once per message

    def fail(self, f: L.Failed) -> list:
        if f.layer == "segment" and f.code == "segment-incomplete":
            return []  # kept until the other segments arrive (parity segments are not needed)
        return [ev.Undecryptable(f.layer, f.code, f.message, self.env)]

    def trace(self, inner: tuple) -> list:
        layers = [f"payload-v1/{self.pv1.key.kind}"]
        events: list = []
        rest = list(inner)
        while rest and isinstance(rest[0], L.SegmentLayer):
            rest.pop(0)
        if rest and isinstance(rest[0], L.ProtocolLayer):
            proto = rest.pop(0)
            if proto.pending is None:  # the ratchet step failed
                return self._not_decrypted(proto, rest[0])
            res = proto.pending.apply()
            self.after_commit.append(proto.pending.committed)
            events = [self._bundle(b) for b in res.bundles if b.new_installations]
            if not rest:  # nothing inside: a bundle advertisement
                return events or [self._bundle(b) for b in res.bundles][:1]
            layers.append(f"protocol-message/{proto.path}")
        if not rest:
            return events
        head = rest[0]
        if isinstance(head, L.MvdsLayer):
            return events + self._mvds(head, layers)
        return events + self._application(tuple(rest), layers)

    def _not_decrypted(self, proto: L.ProtocolLayer, f: L.Failed) -> list:
        from statuscli.app import secure

        events: list = []
        try:
            with savepoint(self.conn, "bundles"):  # status-go stores the bundles of what it cannot decrypt
                infos = secure.handle_bundle(self.account, proto.data, now_ms=self.now, in_transaction=True)
            events = [self._bundle(b) for b in infos if b.new_installations]
        except StatusCliError:
            pass
        if self.pv1.signer == self.account.chat_public_key and (
                f.code in _NOT_OURS_CODES or (f.code == "decryption-failed" and set(proto.entries) == {"none"})):
            return events  # ours to someone else (another device's, or an echo): not for us, not a failure
        if isinstance(f.error, (DeviceNotFound, SessionNotFound)) and f.code not in _NOT_OURS_CODES:
            self.out.replies.extend(self.r.advertise(self.pv1.signer))
        return events + self.fail(f)

    def _bundle(self, info) -> ev.Bundle:
        return ev.Bundle(ev.hx(info.identity), info.installations, info.new_installations, info.timestamp, self.env)

    def _mvds(self, m: L.MvdsLayer, layers: list[str]) -> list:
        signer = self.pv1.signer
        bodies, delivered, _ids = mvds_link.receive(self.conn, self.account, signer, m.payload, self.now)
        events: list = [ev.Delivered(ev.hx(app_id), key_text(signer), self.env) for app_id in delivered]
        traces = {msg.body: sub for msg, (_mid, sub) in zip(m.payload.messages, m.items)}
        for body in bodies:
            events.extend(self._application(traces[body], layers + ["mvds"]))
        return events

    # --- the application layer ---------------------------------------------------------------
    def _application(self, sub: tuple, layers: list[str]) -> list:
        if isinstance(sub[0], L.Failed):
            return self.fail(sub[0])
        app: L.AppLayer = sub[0]
        if len(sub) > 1 and isinstance(sub[1], L.Failed) and sub[1].code == peel.SENDER_MISMATCH:
            return self.fail(sub[1])  # nothing stored: the wrapper's signer is not who sent it
        if msg_store.has_message(self.conn, app.id):
            return []
        author = secp256k1.decompress(app.signer)
        self._author_state = contacts.state(self.conn, author)  # read once: the block check, then on_propagated
        if self._author_state.blocked:
            contacts.count_dropped(self.conn, author)  # nothing stored, nothing printed (contacts show: dropped)
            return []
        layers = layers + [f"application/{app.type_name}"]
        rest = sub[1:]
        if app.type == message_types.CHAT_MESSAGE:
            return self._chat(rest, app, layers, None)
        if app.type == message_types.MEMBERSHIP_UPDATE_MESSAGE:
            return self._membership(rest, app, layers)
        if app.type == ACCEPT_CONTACT_REQUEST:
            return self._accepted(rest, app, layers)
        if app.type in CONTACT_MESSAGES:  # ContactUpdate, RetractContactRequest: app/messaging/contact_messages.py
            failed = next((x for x in rest if isinstance(x, L.Failed)), None)  # undecodable, or naming someone else
            return self.fail(failed) if failed is not None else contact_messages.apply_received(self, rest[0], app, layers)
        if app.type in ACTIONS:  # reactions, edits, deletes, pins: app/messaging/actions.py
            return self.fail(rest[0]) if isinstance(rest[0], L.Failed) else message_actions.apply_received(self, rest[0], app, layers)
        if rest and isinstance(rest[0], (L.CommandLayer, L.Failed)) and app.type in WALLET_COMMANDS:
            return self._wallet_command(rest[0], app, layers)
        if app.type in pairing.SYNC_TYPES:  # pairing and contact sync from our other devices: app/messaging/own_devices.py
            return own_devices.apply_received(self, rest, app, layers)
        self._store(app, "other", "", app.type, 0, 0, "")
        if app.type == CONTACT_CODE_ADVERTISEMENT:
            return []  # its bundle was handled with the ProtocolMessage
        return [ev.Application(ev.hx(app.id), key_text(app.signer), app.type_name, tuple(layers), self.env)]

    def store_action(self, app: L.AppLayer, kind, chat_id, clock, text) -> None:
        self._store(app, kind, chat_id, app.type, clock, 0, text)

    def store_own(self, app: L.AppLayer, chat_id, amm_type, clock, ts, text) -> None:
        """A 1:1 message another device of ours sent: stored outgoing."""
        self._store(app, "one-to-one", chat_id, amm_type, clock, ts, text, direction="out")

    def _store(self, app: L.AppLayer, kind, chat_id, amm_type, clock, ts, text, direction: str = "in") -> None:
        msg_store.add_message(self.conn, message_id=app.id, direction=direction, chat_kind=kind, chat_id=chat_id,
                              sender=secp256k1.decompress(app.signer), amm_type=amm_type, clock=clock, timestamp_ms=ts, text=text,
                              envelope=self.env.hash, now_ms=self.now)  # fmt: skip

    def _chat(self, rest: tuple, app: L.AppLayer, layers: list[str], group) -> list:
        if isinstance(rest[0], L.Failed):
            return self.fail(rest[0])
        c: L.ChatLayer = rest[0]
        if c.invalid is not None:
            return [ev.Undecryptable("chat-message", *c.invalid, self.env)]
        if len(rest) > 1:  # the peel refused it (sender-mismatch, chat-mismatch)
            return self.fail(rest[1])
        sender = key_text(app.signer)
        if group is not None:
            chat = {"kind": "group", "id": group.chat_id, "name": group.name}
            if c.chat_id != group.chat_id:
                return [ev.Undecryptable("chat-message", "chat-mismatch", "the message names another chat than its group", self.env)]
            if sender not in group.members:
                return [ev.Undecryptable("chat-message", "not-a-member", "the sender is not a member of the group", self.env)]
        elif c.message_type == chat_payload.ONE_TO_ONE and app.signer == self.account.chat_public_key:
            return own_devices.our_message(self, c, app, layers)  # sent by another device of ours
        elif c.message_type == chat_payload.ONE_TO_ONE:
            chat = {"kind": "one-to-one", "id": sender}
            chat_store.touch_peer(self.conn, secp256k1.decompress(app.signer), self.now)
        elif c.message_type == chat_payload.PUBLIC_GROUP:
            chat = {"kind": "public", "id": c.chat_id}
        elif c.message_type == chat_payload.PRIVATE_GROUP:
            try:
                if c.chat_id not in {cid for cid, _ in chat_store.groups(self.conn)}:
                    raise DecodeError("unknown group")
                g = groups.load(self.account, c.chat_id)
            except StatusCliError:
                return [ev.Undecryptable("chat-message", "unknown-group", f"a message for a group we do not know ({c.chat_id[:12]}…)",
                                         self.env)]  # fmt: skip
            return self._chat(rest, app, layers, g)
        else:
            return [ev.Undecryptable("chat-message", "unsupported-chat", f"message type {c.message_type} is not supported", self.env)]
        chat_store.set_clock(self.conn, chat["id"], c.clock)
        mine = app.signer == self.account.chat_public_key  # a channel message of ours from another device
        self._store(app, chat["kind"], chat["id"], message_types.CHAT_MESSAGE, c.clock, c.timestamp, c.text, "out" if mine else "in")
        kind = "contact_request" if c.content_type == chat_payload.CONTACT_REQUEST else "message"
        if chat["kind"] == "one-to-one":  # their view of the relation first, then their request (as status-go)
            author = secp256k1.decompress(app.signer)
            if c.message.HasField("contact_request_propagated_state"):
                from statuscli.core.payloads.contact_requests import propagated_of

                contacts.on_propagated(self.conn, author, propagated_of(c.message.contact_request_propagated_state), self.now,
                                       known=self._author_state)  # fmt: skip
            if kind == "contact_request":
                contacts.on_contact_request(self.conn, author, ev.hx(app.id), c.clock, self.now)
        if c.message.ens_name and secp256k1.decompress(app.signer) != self.account.chat_public_key:  # not our own devices'
            contacts.on_ens_claim(self.conn, secp256k1.decompress(app.signer), c.message.ens_name, c.clock, self.now)
        event = _message_event(kind, app, chat, c.message, tuple(layers), self.env)
        return [own_devices.as_outgoing(event) if mine else event]

    def _accepted(self, rest: tuple, app: L.AppLayer, layers: list[str]) -> list:
        from statuscli.core.identity.keytext import compressed_key

        if isinstance(rest[0], L.Failed):
            return self.fail(rest[0])
        acc: L.AcceptLayer = rest[0]
        sender = key_text(app.signer)
        chat_store.touch_peer(self.conn, secp256k1.decompress(app.signer), self.now)
        chat_store.set_clock(self.conn, sender, acc.clock)
        self._store(app, "one-to-one", sender, ACCEPT_CONTACT_REQUEST, acc.clock, 0, "")
        try:
            ours = msg_store.message_direction(self.conn, bytes.fromhex(acc.request_id[2:])) == "out"
        except ValueError:
            ours = False
        contacts.on_they_accepted(self.conn, secp256k1.decompress(app.signer), acc.clock, self.now)  # found or not, as status-go
        return [ev.ContactRequestAccepted(ev.hx(app.id), acc.request_id, ours, sender, compressed_key(app.signer), acc.clock, tuple(layers),
                                          self.env)]  # fmt: skip

    def _wallet_command(self, x, app: L.AppLayer, layers: list[str]) -> list:
        """RequestTransaction / SendTransaction in our 1:1 chat with the signer (status-go: only 1:1 chats)."""
        from statuscli.core.identity.keytext import compressed_key

        if isinstance(x, L.Failed):
            return self.fail(x)
        cmd = x.command
        if cmd.chat_id.lower() != key_text(self.account.chat_public_key).lower():
            return [ev.Undecryptable("wallet-command", "chat-mismatch", f"a wallet command for chat {cmd.chat_id[:20]}…, not our 1:1 chat",
                                     self.env)]  # fmt: skip
        sender = key_text(app.signer)
        chat_store.touch_peer(self.conn, secp256k1.decompress(app.signer), self.now)
        chat_store.set_clock(self.conn, sender, cmd.clock)
        self._store(app, "one-to-one", sender, app.type, cmd.clock, 0, cmd.transaction_hash or cmd.value)
        return [ev.TransactionCommand(cmd.kind, ev.hx(app.id), sender, compressed_key(app.signer), cmd.fields(), tuple(layers), self.env)]

    def _membership(self, rest: tuple, app: L.AppLayer, layers: list[str]) -> list:
        if isinstance(rest[0], L.Failed):
            return self.fail(rest[0])
        update = rest[0].update
        group, new, member = groups.merge(self.conn, self.account, update, self.now)
        if group is None:
            return [ev.Undecryptable("membership-update", "invalid-group", "the group's events do not form a valid group", self.env)]
        if not member:
            self._store(app, "group", update.chat_id, message_types.MEMBERSHIP_UPDATE_MESSAGE, 0, 0, "")
            return [ev.Application(ev.hx(app.id), key_text(app.signer), "MEMBERSHIP_UPDATE_MESSAGE", tuple(layers), self.env,
                                   note="a group this account is not a member of")]  # fmt: skip
        out: list = []
        if new:
            out.append(ev.Group(group.to_json(), new, key_text(app.signer), tuple(layers), self.env))
        if update.message is not None:
            out.extend(self._chat(rest[1:], app, layers, group))
        else:
            self._store(app, "group", update.chat_id, message_types.MEMBERSHIP_UPDATE_MESSAGE, 0, 0, "")
        return out


def _message_event(kind: str, app: L.AppLayer, chat: dict, cm, layers: tuple[str, ...], env: ev.EnvelopeRef) -> ev.Message:
    from statuscli.core.identity.keytext import compressed_key

    extra: list[tuple[str, object]] = []
    if cm.response_to:
        extra.append(("response_to", cm.response_to))
    if cm.ens_name:
        extra.append(("claimed_ens_name", cm.ens_name))  # as sent: 'contacts verify' checks it on the chain
    which = cm.WhichOneof("payload")
    if which == "sticker":
        extra.append(("sticker", {"hash": cm.sticker.hash, "pack": cm.sticker.pack}))
    elif which == "image":
        extra.append(("image", {"format": chat_payload.IMAGE_FORMATS.get(cm.image.format, "?"), "size": len(cm.image.payload),
                                "data": ev.hx(cm.image.payload)}))  # fmt: skip
    elif which == "audio":
        extra.append(("audio", {"type": chat_payload.AUDIO_TYPES.get(cm.audio.type, "?"), "size": len(cm.audio.payload),
                                "duration_ms": cm.audio.duration_ms, "data": ev.hx(cm.audio.payload)}))  # fmt: skip
    return ev.Message(kind, ev.hx(app.id), chat, key_text(app.signer), compressed_key(app.signer), cm.clock, cm.timestamp,
                      chat_payload.CONTENT_TYPES.get(cm.content_type, str(cm.content_type)), cm.text, layers, env, tuple(extra))  # fmt: skip
