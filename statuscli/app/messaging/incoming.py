"""The incoming side: one WakuMessage peeled layer by layer into events (spec §4.2).

    r = Receiver(messenger)                       # topics and keys from the account (refresh())
    result = r.handle(data, pubsub_topic)         # -> Handled(events, replies)

Steps, each failure an ``undecryptable`` event naming the layer and the reason (never silent):

1. WakuMessage decode; the deterministic hash de-duplicates envelopes (relay + store, our echoes).
   Content topics the account does not listen to are ignored (not ours: no event).
2. payload v1: every key for the content topic is tried (symmetric, or our chat key for ECIES);
   unsigned payloads are refused (status-go needs the Waku signer). Our own signer: an echo.
3. Segments are kept until all arrived, then the whole payload continues.
4. ProtocolMessage: ``decrypt_protocol_message`` with the Waku signer as sender (bundles stored,
   X3DH/DR/DH handled). When it fails, attached bundles are still stored, and a peer whose message
   targets an installation or session we do not have gets our bundle back (at most every 2 h).
5. MVDS payload: acks become ``delivered``; each message body continues (acks we owe go out at
   the next ``Messenger.tick``).
6. ApplicationMetadataMessage: signer recovered, message id computed; ids already stored are not
   repeated. CHAT_MESSAGE → ``message``/``contact_request``; ACCEPT_CONTACT_REQUEST →
   ``contact_request_accepted``; MEMBERSHIP_UPDATE → ``group`` (and the group message inside);
   CONTACT_CODE_ADVERTISEMENT → its bundle; other types → ``application``.

Transaction boundary: everything one envelope changes — segments, the ratchet step (session,
skipped keys, peers' bundles, secret agreement; ``secure.prepare_decrypt`` + ``apply``), a bundle
advertisement we owe, MVDS state, messages, clocks, groups, the envelope marked seen and its events
with their cursors — commits in ONE ``transaction(conn)``. Only opening payload v1 (no state) runs
before it. A crash at any point leaves the account as before the envelope (it is handled again
when it comes back from the store or a retransmission) or with all of it. Replies are published
after the commit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from statuscli.app.messaging import events as ev_mod
from statuscli.app.messaging import groups, mvds_link, topics
from statuscli.app.messaging.waku_layer import Envelope, open_payload, seal_all
from statuscli.core.crypto import secp256k1
from statuscli.core.crypto.hashing import keccak256
from statuscli.core.encryption import sniff_protocol_message
from statuscli.core.errors import DecodeError, DeviceNotFound, SessionNotFound, StatusCliError
from statuscli.core.payloads import amm, message_types
from statuscli.core.payloads import chat as chat_payload
from statuscli.core.payloads.clock import waku_timestamp_ms
from statuscli.core.waku import message as wm
from statuscli.store import chats as chat_store
from statuscli.store import messages as msg_store
from statuscli.store.db import savepoint, transaction

CONTACT_CODE_ADVERTISEMENT = message_types.BY_NAME["CONTACT_CODE_ADVERTISEMENT"]
ACCEPT_CONTACT_REQUEST = message_types.BY_NAME["ACCEPT_CONTACT_REQUEST"]


@dataclass
class Handled:
    events: list[dict] = field(default_factory=list)  # stored, each with its cursor
    replies: list[Envelope] = field(default_factory=list)  # to publish (bundle advertisements)
    ours: bool = True  # False: a content topic we do not listen to
    duplicate: bool = False


log = logging.getLogger("statuscli.messaging")

#: how many times an envelope that fails unexpectedly is tried before it is given up (marked seen)
MAX_ATTEMPTS = 3


def key_text(pub: bytes) -> str:
    return "0x" + secp256k1.decompress(pub).hex()


class _Stop(Exception):
    """Processing ends early with these events (already built)."""

    def __init__(self, events: list[dict]):
        self.events = events


class Receiver:
    def __init__(self, messenger, topic_set: topics.TopicSet | None = None, *, extra_channels=()) -> None:
        self.m = messenger
        self.account = messenger.account
        self.extra_channels = tuple(extra_channels)
        self.topics = topic_set or topics.listen_set(self.account, extra_channels=self.extra_channels)
        self._version = chat_store.version(self.account.db)
        self._me = self.account.chat_public_key

    def refresh(self, *, force: bool = False) -> bool:
        """Reload topics when a peer, channel or group was added (by us or another process)."""
        v = chat_store.version(self.account.db)
        if v == self._version and not force:
            return False
        self._version = v
        self.topics = topics.listen_set(self.account, extra_channels=self.extra_channels)
        return True

    # --- one envelope ------------------------------------------------------------------------
    def handle(self, data: bytes, pubsub_topic: str = topics.PUBSUB_TOPIC, *, known_hash: bytes | None = None) -> Handled:
        conn = self.account.db
        try:
            msg = wm.decode(data)
        except StatusCliError as e:
            h = known_hash or keccak256(data)
            if msg_store.envelope_seen(conn, h):
                return Handled(duplicate=True)
            return self._commit(h, 0, [ev_mod.undecryptable(ev_mod.envelope_fields(data, pubsub_topic, None, h), "waku-message", e.code,
                                                             e.message)])  # fmt: skip
        h = known_hash or wm.message_hash(pubsub_topic, msg)
        keys = self.topics.get(msg.content_topic)
        if not keys and self.refresh():
            keys = self.topics.get(msg.content_topic)
        if not keys:
            return Handled(ours=False)
        if msg_store.envelope_seen(conn, h):
            return Handled(duplicate=True)
        base = ev_mod.envelope_fields(data, pubsub_topic, msg, h)
        try:
            opened, key = self._open(msg, base)  # no state involved: outside the write lock
        except _Stop as stop:
            return self._commit(h, msg.timestamp or 0, stop.events)
        out, after_commit = Handled(), []
        with transaction(conn):  # the whole envelope: ratchet, MVDS, messages, events — one commit
            if msg_store.envelope_seen(conn, h):
                return Handled(duplicate=True)  # another process handled it meanwhile
            try:
                events = self._process(conn, opened, key, h, msg, base, out, after_commit)
            except _Stop as stop:
                events = stop.events
            self._record(conn, h, msg.timestamp or 0, events, out)
        for done in after_commit:
            done()
        return out

    def handle_safely(self, data: bytes, pubsub_topic: str = topics.PUBSUB_TOPIC) -> Handled:
        """:meth:`handle`, for loops that must go on (``listen``, ``mailserver fetch``).

        An envelope whose handling fails unexpectedly (a bug, an I/O error) has had everything
        rolled back. It becomes an ``undecryptable`` event at layer ``internal`` and is NOT marked
        seen, so a later delivery (a restart, a store fetch) tries it again — up to
        MAX_ATTEMPTS; then it is marked seen with a final event, so one poisonous envelope can
        neither stop a listener nor be retried forever.
        """
        try:
            return self.handle(data, pubsub_topic)
        except Exception as e:  # noqa: BLE001 — the point: nothing here may stop the caller
            return self._failed(data, pubsub_topic, e)

    def _failed(self, data: bytes, pubsub_topic: str, err: Exception) -> Handled:
        try:
            msg = wm.decode(data)
            h = wm.message_hash(pubsub_topic, msg)
        except StatusCliError:
            msg, h = None, keccak256(data)
        reason = f"{type(err).__name__}: {err}"
        log.error("handling envelope %s failed: %s", h.hex(), reason)
        log.debug("traceback of that failure", exc_info=err)
        out = Handled()
        with transaction(self.account.db) as conn:
            if msg_store.envelope_seen(conn, h):
                return Handled(duplicate=True)
            attempts = msg_store.record_failure(conn, h, reason)
            final = attempts >= MAX_ATTEMPTS
            event = ev_mod.undecryptable(ev_mod.envelope_fields(data, pubsub_topic, msg, h), "internal", "internal-error", reason)
            event.update(attempt=attempts, final=final)
            if final:
                self._record(conn, h, (msg.timestamp or 0) if msg is not None else 0, [event], out)
            else:
                event["cursor"] = msg_store.append_event(conn, event, self.m.now_ms())
                out.events.append(event)
        return out

    def _commit(self, h: bytes, ts: int, events: list[dict]) -> Handled:
        out = Handled()
        with transaction(self.account.db) as conn:
            if msg_store.envelope_seen(conn, h):
                return Handled(duplicate=True)
            self._record(conn, h, ts, events, out)
        return out

    def _record(self, conn, h: bytes, ts: int, events: list[dict], out: Handled) -> None:
        """Inside the envelope's transaction: the envelope is seen, its events get their cursors."""
        now = self.m.now_ms()
        msg_store.mark_envelope(conn, h, ts, now)
        for e in events:
            e["cursor"] = msg_store.append_event(conn, e, now)
        out.events.extend(events)

    def _open(self, msg, base: dict):
        """payload v1 opened with one of the topic's keys, signed by someone else than us."""
        if msg.version != 1:
            raise _Stop([ev_mod.undecryptable(base, "waku-message", "unsupported-version",
                                              f"payload version {msg.version}: Status messages use version 1")])  # fmt: skip
        try:
            opened, key = open_payload(msg, self.topics.get(msg.content_topic), self.account.chat_private_key)
        except StatusCliError as e:
            raise _Stop([ev_mod.undecryptable(base, "payload-v1", e.code, e.message)]) from None
        if opened.signer is None:
            raise _Stop([ev_mod.undecryptable(base, "payload-v1", "unsigned", "the payload carries no signature (status-go drops these)")])
        if opened.signer == self._me:
            raise _Stop([])  # our own envelope, published by another process or device
        return opened, key

    def _process(self, conn, opened, key, h: bytes, msg, base: dict, out: Handled, after_commit: list) -> list[dict]:
        """Inside the envelope's transaction: segments, ratchet, MVDS, application → events."""
        signer = opened.signer
        layers = [f"payload-v1/{key.kind}"]
        data = self._segments(conn, opened.data, signer, base)
        pre: list[dict] = []
        if sniff_protocol_message(data) is not None:
            data, path, pre = self._decrypt(conn, data, signer, base, out, after_commit)
            if data is None:
                return pre
            layers.append(f"protocol-message/{path}")
        return self._inner(conn, data, signer, key, msg, base, layers, pre)

    def _segments(self, conn, data: bytes, signer: bytes, base: dict) -> bytes:
        from statuscli.core.payloads import segmentation

        try:
            seg = segmentation.decode_segment(data)
        except DecodeError:
            return data
        if seg.is_parity:
            raise _Stop([])  # parity segments are not needed: every data segment is waited for
        whole = msg_store.add_segment(conn, seg.entire_message_hash, signer, seg.index, seg.segments_count, seg.payload)
        if whole is None:
            raise _Stop([])
        if keccak256(whole) != seg.entire_message_hash:
            raise _Stop([ev_mod.undecryptable(base, "segment", "segment-mismatch", "segments do not reassemble to the announced hash")])
        return whole

    def _decrypt(self, conn, data: bytes, signer: bytes, base: dict, out: Handled, after_commit: list):
        """The ratchet layer, applied in the envelope's transaction: (plaintext | None, path, events)."""
        from statuscli.app import secure

        acct, now = self.account, self.m.now_ms()
        try:
            pending = secure.prepare_decrypt(acct, data, sender_pub=signer, now_ms=now, rng=self.m.rng)  # reads only
        except StatusCliError as e:
            events = []
            try:
                with savepoint(conn, "bundles"):  # status-go stores the bundles of what it cannot decrypt
                    infos = secure.handle_bundle(acct, data, now_ms=now, in_transaction=True)
                events = [_bundle_event(b, base) for b in infos if b.new_installations]
            except StatusCliError:
                pass
            if isinstance(e, (DeviceNotFound, SessionNotFound)) and e.code not in ("own-message", "not-paired"):
                out.replies.extend(self._advertise(signer))
            return None, None, events + [ev_mod.undecryptable(base, "protocol-message", e.code, e.message)]
        res = pending.apply()
        after_commit.append(pending.committed)
        pre = [_bundle_event(b, base) for b in res.bundles if b.new_installations]
        if not res.plaintext:
            if not pre:
                pre = [_bundle_event(b, base) for b in res.bundles][:1]
            return None, res.path, pre
        return res.plaintext, res.path, pre

    def _advertise(self, peer: bytes) -> list[Envelope]:
        """Our bundle for a peer who wrote to a session we do not have (recorded in the envelope's transaction)."""
        from statuscli.app import secure

        data = secure.bundle_advertisement(self.account, peer, now_ms=self.m.now_ms(), rng=self.m.rng, in_transaction=True)
        if data is None:
            return []
        return seal_all(data, topics.partitioned(peer), signing_key=self.account.chat_private_key, now_ns=self.m.now_ns(), rng=self.m.rng)

    def _inner(self, conn, data: bytes, signer: bytes, key, msg, base: dict, layers: list[str], pre: list[dict]) -> list[dict]:
        from statuscli.core.mvds import codec

        try:
            payload = codec.decode_payload(data)
            if not payload.is_valid:
                payload = None
        except DecodeError:
            payload = None
        events = list(pre)
        if payload is None:
            return events + self._application(conn, data, signer, key, msg, base, layers)
        bodies, delivered, _ids = mvds_link.receive(conn, self.account, signer, payload, self.m.now_ms())
        for app_id in delivered:
            events.append({"type": "delivered", "id": ev_mod.hx(app_id), "to": key_text(signer), **base})
        for body in bodies:
            events.extend(self._application(conn, body, signer, key, msg, base, layers + ["mvds"]))
        return events

    # --- the application layer ---------------------------------------------------------------
    def _application(self, conn, raw: bytes, waku_signer: bytes, key, msg, base: dict, layers: list[str]) -> list[dict]:
        if not amm.looks_like_amm(raw):
            return [ev_mod.undecryptable(base, "application", "unknown-payload", "not an application message (no signed wrapper)")]
        try:
            w = amm.unwrap(raw)
        except StatusCliError as e:
            return [ev_mod.undecryptable(base, "application", e.code, e.message)]
        signer = w.signer or waku_signer
        mid = amm.message_id(signer, raw)
        if msg_store.has_message(conn, mid):
            return []
        layers = layers + [f"application/{w.type_name}"]
        if w.type == message_types.CHAT_MESSAGE:
            return self._chat(conn, w.payload, mid, signer, key, msg, base, layers, None)
        if w.type == message_types.MEMBERSHIP_UPDATE_MESSAGE:
            return self._membership(conn, w.payload, mid, signer, key, msg, base, layers)
        if w.type == ACCEPT_CONTACT_REQUEST:
            return self._accepted(conn, w.payload, mid, signer, base, layers)
        self._store(conn, mid, "other", "", signer, w.type, 0, 0, "")
        if w.type == CONTACT_CODE_ADVERTISEMENT:
            return []  # its bundle was handled with the ProtocolMessage
        return [{"type": "application", "id": ev_mod.hx(mid), "from": key_text(signer), "amm_type": w.type_name, "layers": layers, **base}]

    def _store(self, conn, mid, kind, chat_id, signer, amm_type, clock, ts, text) -> None:
        msg_store.add_message(conn, message_id=mid, direction="in", chat_kind=kind, chat_id=chat_id, sender=secp256k1.decompress(signer),
                              amm_type=amm_type, clock=clock, timestamp_ms=ts, text=text, envelope=None, now_ms=self.m.now_ms())  # fmt: skip

    def _chat(self, conn, payload, mid, signer, key, msg, base, layers, group) -> list[dict]:
        try:
            cm = payload if not isinstance(payload, (bytes, bytearray)) else chat_payload.decode(payload)
            chat_payload.validate_received(cm, waku_timestamp_ms(msg.timestamp or 0))
        except StatusCliError as e:
            return [ev_mod.undecryptable(base, "chat-message", e.code, e.message)]
        sender = key_text(signer)
        if group is not None:
            chat = {"kind": "group", "id": group.chat_id, "name": group.name}
            if cm.chat_id != group.chat_id:
                return [ev_mod.undecryptable(base, "chat-message", "chat-mismatch", "the message names another chat than its group")]
            if sender not in group.members:
                return [ev_mod.undecryptable(base, "chat-message", "not-a-member", "the sender is not a member of the group")]
        elif cm.message_type == chat_payload.ONE_TO_ONE:
            chat = {"kind": "one-to-one", "id": sender}
            chat_store.touch_peer(conn, secp256k1.decompress(signer), self.m.now_ms())
        elif cm.message_type == chat_payload.PUBLIC_GROUP:
            if key.kind == "public" and key.channel != cm.chat_id:
                return [ev_mod.undecryptable(base, "chat-message", "chat-mismatch",
                                             f"a message for #{cm.chat_id} on the topic of #{key.channel}")]  # fmt: skip
            chat = {"kind": "public", "id": cm.chat_id}
        elif cm.message_type == chat_payload.PRIVATE_GROUP:
            try:
                if cm.chat_id not in {cid for cid, _ in chat_store.groups(conn)}:
                    raise DecodeError("unknown group")
                g = groups.load(self.account, cm.chat_id)
            except StatusCliError:
                return [ev_mod.undecryptable(base, "chat-message", "unknown-group", f"a message for a group we do not know ({cm.chat_id[:12]}…)")]
            return self._chat(conn, cm, mid, signer, key, msg, base, layers, g)
        else:
            return [ev_mod.undecryptable(base, "chat-message", "unsupported-chat", f"message type {cm.message_type} is not supported")]
        chat_store.set_clock(conn, chat["id"], cm.clock)
        self._store(conn, mid, chat["kind"], chat["id"], signer, message_types.CHAT_MESSAGE, cm.clock, cm.timestamp, cm.text)
        kind = "contact_request" if cm.content_type == 11 else "message"
        return [_message_event(kind, mid, chat, signer, cm, layers, base)]

    def _accepted(self, conn, payload, mid, signer, base, layers) -> list[dict]:
        from statuscli.core.identity.keytext import compressed_key
        from statuscli.core.payloads import contact_requests

        try:
            acc = contact_requests.decode_accept(payload)
        except StatusCliError as e:
            return [ev_mod.undecryptable(base, "accept-contact-request", e.code, e.message)]
        sender = key_text(signer)
        chat_store.touch_peer(conn, secp256k1.decompress(signer), self.m.now_ms())
        chat_store.set_clock(conn, sender, acc.clock)
        self._store(conn, mid, "one-to-one", sender, signer, ACCEPT_CONTACT_REQUEST, acc.clock, 0, "")
        try:
            ours = msg_store.message_direction(conn, bytes.fromhex(acc.request_id[2:])) == "out"
        except ValueError:
            ours = False
        return [{"type": "contact_request_accepted", "id": ev_mod.hx(mid), "request_id": acc.request_id, "our_request": ours,
                 "chat": {"kind": "one-to-one", "id": sender}, "from": sender, "from_compressed": compressed_key(signer),
                 "clock": acc.clock, "layers": layers, **base}]  # fmt: skip

    def _membership(self, conn, payload, mid, signer, key, msg, base, layers) -> list[dict]:
        from statuscli.core.payloads import membership

        try:
            update = membership.decode_update(payload)
        except StatusCliError as e:
            return [ev_mod.undecryptable(base, "membership-update", e.code, e.message)]
        group, new, member = groups.merge(conn, self.account, update, self.m.now_ms())
        if group is None:
            return [ev_mod.undecryptable(base, "membership-update", "invalid-group", "the group's events do not form a valid group")]
        if not member:
            self._store(conn, mid, "group", update.chat_id, signer, message_types.MEMBERSHIP_UPDATE_MESSAGE, 0, 0, "")
            return [{"type": "application", "id": ev_mod.hx(mid), "from": key_text(signer), "amm_type": "MEMBERSHIP_UPDATE_MESSAGE",
                     "note": "a group this account is not a member of", "layers": layers, **base}]  # fmt: skip
        out = []
        if new:
            out.append({"type": "group", "group": group.to_json(), "new_events": new, "from": key_text(signer), "layers": layers, **base})
        if update.message is not None:
            out.extend(self._chat(conn, update.message, mid, signer, key, msg, base, layers, group))
        else:
            self._store(conn, mid, "group", update.chat_id, signer, message_types.MEMBERSHIP_UPDATE_MESSAGE, 0, 0, "")
        return out



def _bundle_event(info, base: dict) -> dict:
    return {"type": "bundle", "from": ev_mod.hx(info.identity), "installations": info.installations,
            "new_installations": info.new_installations, "bundle_timestamp": info.timestamp, **base}  # fmt: skip


def _message_event(kind: str, mid: bytes, chat: dict, signer: bytes, cm, layers: list[str], base: dict) -> dict:
    from statuscli.core.identity.keytext import compressed_key

    ev = {
        "type": kind,
        "id": ev_mod.hx(mid),
        "chat": chat,
        "from": key_text(signer),
        "from_compressed": compressed_key(signer),
        "clock": cm.clock,
        "sent_at": cm.timestamp,
        "content_type": chat_payload.CONTENT_TYPES.get(cm.content_type, str(cm.content_type)),
        "text": cm.text,
    }
    if cm.response_to:
        ev["response_to"] = cm.response_to
    which = cm.WhichOneof("payload")
    if which == "sticker":
        ev["sticker"] = {"hash": cm.sticker.hash, "pack": cm.sticker.pack}
    elif which == "image":
        ev["image"] = {"format": chat_payload.IMAGE_FORMATS.get(cm.image.format, "?"), "size": len(cm.image.payload),
                       "data": ev_mod.hx(cm.image.payload)}  # fmt: skip
    elif which == "audio":
        ev["audio"] = {"type": chat_payload.AUDIO_TYPES.get(cm.audio.type, "?"), "size": len(cm.audio.payload),
                       "duration_ms": cm.audio.duration_ms, "data": ev_mod.hx(cm.audio.payload)}  # fmt: skip
    ev["layers"] = layers
    ev.update(base)
    return ev
