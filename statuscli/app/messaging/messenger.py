"""The outgoing side: one account's messages turned into Waku envelopes (spec §4.1).

    m = Messenger(account)                                   # clock and entropy are injectable
    r = m.send_direct(peer, Content(text="hi"))              # -> Sent(message_id, envelopes, …)
    r = m.send_public("status", Content(text="hi"))
    r = m.send_group(group_chat_id, Content(text="hi"))
    r = m.accept_contact_request(peer)                       # AcceptContactRequest for their latest request
    r = m.send_wallet_command(peer, "request", address=…, value="1000", contract="")   # or "sent", transaction_hash=…
    envelopes = m.tick()                                     # MVDS retransmissions and acks now due

1:1 path: ChatMessage → ApplicationMetadataMessage (signed with the chat key; message id =
keccak256(pub ‖ wrapper)) → MVDS (batch mode, 1:1 group id; persisted) → ``encrypt_for_peer``
(X3DH/Double Ratchet, or DH when no bundle is known; our bundle attached) → payload v1 (signed;
ECIES to the partitioned topic, or AES-GCM on the negotiated topic once the secret is agreed)
→ WakuMessage on ``/waku/2/rs/16/32``.

Public channels: the wrapper goes into ``ProtocolMessage.public_message`` with our bundle (what
status-go's ``SendPublic`` does unless a message skips the protocol layer), sealed with the
channel key. Private groups: a MembershipUpdateMessage (every event + the ChatMessage, type
MEMBERSHIP_UPDATE_MESSAGE) sent pairwise to each member through the 1:1 path.

Transaction boundaries (a crash never separates a ratchet step from what it carried):

* ``send_direct``/``send_group``/``send_membership`` — ONE transaction per message: the chat clock,
  the outgoing message row, per recipient the MVDS state (record queued and ticked) and the
  ratchet steps of the payloads that tick produced (sessions, outbox rows, a rotated prekey).
  Sealing into envelopes and publishing come after the commit; a crash before publishing is a
  lost transmission that MVDS repeats.
* ``with m.batch(keep=…):`` — every send inside shares ONE transaction held by the caller, which
  writes the results out before it ends: committed when the block ends (``keep=True``), rolled back
  with ``keep=False`` (a dry run: every change computed as it would happen, then thrown away).
  :mod:`statuscli.app.messaging.sending` is the use case built on it.
* ``tick`` — per MVDS group, one transaction: the tick (retransmissions, acks owed) and the
  ratchet steps of its payloads.
* ``send_public`` — one transaction: clock, channel joined, message row, our bundle (rotation).

Nothing here touches the network: the caller publishes ``envelopes`` (or prints them for
``--dry-run``) and calls :meth:`Messenger.published` so echoes of our own envelopes are skipped.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass, field

from statuscli.app.messaging import mvds_link, topics
from statuscli.app.messaging.content import Content, chat_message, wrap
from statuscli.app.messaging.events import Expired
from statuscli.app.messaging.waku_layer import Envelope, seal_all
from statuscli.core.crypto import secp256k1
from statuscli.core.errors import InvalidInput
from statuscli.core.payloads import chat as chat_payload
from statuscli.core.payloads import message_types
from statuscli.core.payloads.clock import next_clock
from statuscli.store import chats as chat_store
from statuscli.store import messages as msg_store
from statuscli.store.db import held, transaction


@dataclass
class Sent:
    message_id: bytes
    chat_kind: str
    chat_id: str
    envelopes: list[Envelope] = field(default_factory=list)
    recipients: list[dict] = field(default_factory=list)  # per peer: how it went
    accepted: str | None = None  # the contact request this message accepts
    clock: int = 0  # the chat clock it carries (1:1 and groups)

    def to_json(self) -> dict:
        out = {
            "id": "0x" + self.message_id.hex(),
            "chat": {"kind": self.chat_kind, "id": self.chat_id},
            "recipients": self.recipients,
            "envelopes": [e.to_json() for e in self.envelopes],
        }
        if self.accepted is not None:
            out["accepts"] = self.accepted
        return out


def key_text(pub: bytes) -> str:
    return "0x" + secp256k1.decompress(pub).hex()


def latest_contact_request(account, peer: bytes) -> str:
    """The id of the contact request from ``peer`` waiting for an answer, else the newest one received
    (NotFound when none was)."""
    from statuscli.core.errors import NotFound
    from statuscli.store import contacts as contact_store

    st = contact_store.get(account.db, secp256k1.decompress(peer))
    if st.request == "pending-in" and st.request_id:
        return st.request_id
    found = msg_store.last_event_id(account.db, "contact_request", key_text(peer))
    if found is None:
        raise NotFound("no contact request from this peer was received",
                       hint="listen for it first, or give its id: --accept-contact-request 0x…")  # fmt: skip
    return found


class Messenger:
    def __init__(self, account, *, clock=None, rng=None) -> None:
        self.account = account
        self.clock = clock or time.time_ns
        self.rng = rng or os.urandom
        self._held = False  # inside batch(): the caller's transaction holds every change

    # --- transactions ----------------------------------------------------------------------
    @contextlib.contextmanager
    def batch(self, *, keep: bool = True):
        """One transaction around every send made inside the block (see the module docstring)."""
        if self._held:
            raise RuntimeError("batches do not nest")
        with held(self.account.db, keep=keep):
            self._held = True
            try:
                yield self
            finally:
                self._held = False

    def _tx(self):
        return contextlib.nullcontext(self.account.db) if self._held else transaction(self.account.db)

    # --- time ------------------------------------------------------------------------------
    def now_ns(self) -> int:
        return int(self.clock())

    def now_ms(self) -> int:
        return self.now_ns() // 1_000_000

    # --- 1:1 ---------------------------------------------------------------------------------
    def send_direct(self, peer: bytes, content: Content) -> Sent:
        peer = secp256k1.decompress(peer)
        if peer == self.account.chat_public_key:
            raise InvalidInput("that is this account's own key", hint="send to another account's key or contact name")
        chat_id = key_text(peer)
        now = self.now_ms()

        def payload(clock: int) -> bytes:  # inside the message's transaction
            from statuscli.core import contact_relation
            from statuscli.store import contacts as contact_store

            # our view of the relation, as status-go puts it in every 1:1 message (after the move a request makes)
            relation = contact_store.get(self.account.db, peer).relation()
            if content.contact_request:
                relation = contact_relation.we_request(relation, clock)
            return chat_message(content, chat_id=chat_id, message_type=chat_payload.ONE_TO_ONE, clock=clock, timestamp=now,
                                propagated=relation.propagated())  # fmt: skip

        sent = self._send_pairwise([peer], "one-to-one", chat_id, payload, message_types.CHAT_MESSAGE, content.text)
        if content.contact_request:
            from statuscli.app import contacts

            with self._tx() as conn:  # the caller's transaction when held: stored only with the message
                contacts.on_we_requested(conn, peer, "0x" + sent.message_id.hex(), sent.clock, now)
        return sent

    def _send_pairwise(self, peers: list[bytes], chat_kind: str, chat_id: str, payload_for_clock, amm_type: int, text: str, *,
                       own_devices: bool | None = None) -> Sent:  # fmt: skip
        """``own_devices`` (default: 1:1 chat messages): also to our enabled devices, as status-go's
        ``sendToPairedDevices`` — the same wrapper through MVDS in the chat with our own key. status-go
        copies every type; our receive side shows our own chat messages (and sync messages), so other
        types (acceptances, wallet commands, message actions, group messages) are not copied yet."""
        from statuscli.app import devices

        conn, acct, now = self.account.db, self.account, self.now_ms()
        queued = []
        with self._tx():  # message row, clock, MVDS state and the ratchet steps: one commit
            copy = chat_kind == "one-to-one" and amm_type == message_types.CHAT_MESSAGE if own_devices is None else own_devices
            if copy and devices.paired(conn, acct):
                peers = [*peers, acct.chat_public_key]
            clock, _ = next_clock(chat_store.last_clock(conn, chat_id), now)
            chat_store.set_clock(conn, chat_id, clock)
            wrapped, mid = wrap(payload_for_clock(clock), amm_type, acct.chat_private_key, acct.chat_public_key)
            msg_store.add_message(conn, message_id=mid, direction="out", chat_kind=chat_kind, chat_id=chat_id,
                                  sender=acct.chat_public_key, amm_type=amm_type, clock=clock, timestamp_ms=now, text=text,
                                  envelope=None, now_ms=now)  # fmt: skip
            for peer in peers:
                if peer != acct.chat_public_key:
                    chat_store.touch_peer(conn, peer, now)
                mvds_id, payloads = mvds_link.append(conn, acct, peer, wrapped, mid, now, self.rng)
                queued.append((peer, mvds_id, [self._ratchet(conn, peer, data) for data in payloads]))
        sent = Sent(mid, chat_kind, chat_id, clock=clock)
        for peer, mvds_id, encrypted in queued:  # sealing and publishing change no state
            info = {"peer": key_text(peer), "mvds_id": "0x" + mvds_id.hex()}
            if peer == self.account.chat_public_key:
                info["own_devices"] = True
            for res in encrypted:
                envs, how = self._seal(peer, res)
                sent.envelopes.extend(envs)
                info.update(how)
            sent.recipients.append(info)
        return sent

    def _ratchet(self, conn, peer: bytes, data: bytes):
        """Inside the caller's transaction: ``data`` (an MVDS payload) through the ratchet (outbox row too)."""
        from statuscli.app.secure import encrypt_for_peer

        return encrypt_for_peer(self.account, peer, data, now_ms=self.now_ms(), rng=self.rng, in_transaction=True)

    def _seal(self, peer: bytes, res) -> tuple[list[Envelope], dict]:
        """An encrypted ProtocolMessage sealed on the right topic (negotiated once the secret is agreed)."""
        topic = topics.for_direct(self.account, peer, res.shared_secret_agreed)
        envs = seal_all(res.message, topic, signing_key=self.account.chat_private_key, now_ns=self.now_ns(), rng=self.rng)
        return envs, {"topic": topic.kind, "content_topic": topic.content_topic, "paths": res.paths}

    def encrypt_direct(self, peer: bytes, data: bytes) -> tuple[list[Envelope], dict]:
        """Ratchet-encrypt ``data`` (an MVDS payload) for ``peer`` in a transaction of its own, and seal it."""
        with self._tx() as conn:
            res = self._ratchet(conn, peer, data)
        return self._seal(peer, res)

    def accept_contact_request(self, peer: bytes, request_id: str | None = None) -> Sent:
        """AcceptContactRequest {id, clock} (type ACCEPT_CONTACT_REQUEST) to ``peer`` through MVDS, as
        status-go answers a request; ``request_id`` defaults to the newest request received from them."""
        from statuscli.core.payloads import contact_requests

        peer = secp256k1.decompress(peer)
        if peer == self.account.chat_public_key:
            raise InvalidInput("that is this account's own key", hint="accept another account's contact request")
        chat_id = key_text(peer)
        request_id = contact_requests.normalise_request_id(request_id) if request_id is not None else latest_contact_request(self.account, peer)
        sent = self._send_pairwise([peer], "one-to-one", chat_id, lambda clock: contact_requests.encode_accept(request_id, clock),
                                   message_types.BY_NAME["ACCEPT_CONTACT_REQUEST"], "")  # fmt: skip
        sent.accepted = request_id
        from statuscli.app import contacts

        with self._tx() as conn:
            contacts.on_we_accepted(conn, peer, request_id, sent.clock, self.now_ms())
        return sent

    def send_wallet_command(self, peer: bytes, kind: str, **fields) -> Sent:
        """A RequestTransaction (``kind`` "request": address, value, contract) or SendTransaction ("sent":
        transaction_hash, signature, request_id) to ``peer`` through MVDS, in our 1:1 chat with them."""
        from statuscli.core.payloads import wallet_commands

        peer = secp256k1.decompress(peer)
        if peer == self.account.chat_public_key:
            raise InvalidInput("that is this account's own key", hint="send to another account's key or contact name")
        chat_id = key_text(peer)
        encode = {"request": wallet_commands.encode_request, "sent": wallet_commands.encode_sent}[kind]
        amm_type, _ = encode(chat_id=chat_id, clock=1, **fields)  # bad input fails here, before any state changes
        return self._send_pairwise([peer], "one-to-one", chat_id, lambda clock: encode(chat_id=chat_id, clock=clock, **fields)[1], amm_type,
                                   fields.get("transaction_hash") or fields.get("value", ""))  # fmt: skip

    # --- public channels ---------------------------------------------------------------------
    def send_public(self, channel: str, content: Content) -> Sent:
        from statuscli.app.secure_bundles import _own_bundle
        from statuscli.core.encryption import ProtocolMessage

        if content.contact_request:
            raise InvalidInput("contact requests are 1:1 messages")
        conn, acct, now = self.account.db, self.account, self.now_ms()
        topic = topics.public(conn, channel)
        with self._tx():
            clock, _ = next_clock(chat_store.last_clock(conn, channel), now)
            chat_store.set_clock(conn, channel, clock)
            chat_store.join_public(conn, channel, now)
            body = chat_message(content, chat_id=channel, message_type=chat_payload.PUBLIC_GROUP, clock=clock, timestamp=now)
            wrapped, mid = wrap(body, message_types.CHAT_MESSAGE, acct.chat_private_key, acct.chat_public_key)
            msg_store.add_message(conn, message_id=mid, direction="out", chat_kind="public", chat_id=channel,
                                  sender=acct.chat_public_key, amm_type=message_types.CHAT_MESSAGE, clock=clock,
                                  timestamp_ms=now, text=content.text, envelope=None, now_ms=now)  # fmt: skip
            bundle, _ = _own_bundle(conn, acct, now, self.rng)
        pm = ProtocolMessage(acct.installation_id, (bundle,), {}, wrapped).encode()
        envs = seal_all(pm, topic, signing_key=acct.chat_private_key, now_ns=self.now_ns(), rng=self.rng)
        return Sent(mid, "public", channel, envs, [{"channel": channel, "topic": "public", "content_topic": topic.content_topic}])

    # --- private groups ----------------------------------------------------------------------
    def send_group(self, chat_id: str, content: Content) -> Sent:
        from statuscli.app.messaging import groups

        if content.contact_request:
            raise InvalidInput("contact requests are 1:1 messages")
        group = groups.load(self.account, chat_id)
        now = self.now_ms()

        def payload(clock: int) -> bytes:
            body = chat_message(content, chat_id=chat_id, message_type=chat_payload.PRIVATE_GROUP, clock=clock, timestamp=now)
            return groups.encode_update(self.account, group, chat_message=body)

        members = groups.recipients(self.account, group)
        return self._send_pairwise(members, "group", chat_id, payload, message_types.MEMBERSHIP_UPDATE_MESSAGE, content.text)

    def send_membership(self, chat_id: str, members: list[bytes]) -> Sent:
        """The group's events (no message) to ``members`` — after creating a group or adding people."""
        from statuscli.app.messaging import groups

        group = groups.load(self.account, chat_id)
        return self._send_pairwise(members, "group", chat_id, lambda clock: groups.encode_update(self.account, group),
                                   message_types.MEMBERSHIP_UPDATE_MESSAGE, "")  # fmt: skip

    # --- MVDS ----------------------------------------------------------------------------------
    def tick(self) -> tuple[list[Envelope], list[Expired]]:
        """Envelopes for MVDS records and acks due now, and ``expired`` events."""
        due, expired = mvds_link.due(self.account, self.now_ms(), self.rng, produce=self._ratchet)  # tick + ratchet: one commit
        out: list[Envelope] = []
        for peer, res in due:
            envs, _ = self._seal(peer, res)
            out.extend(envs)
        return out, expired

    # --- bookkeeping -------------------------------------------------------------------------
    def published(self, envelopes: list[Envelope]) -> None:
        """Remember our own envelopes so their echoes are not processed as incoming."""
        if not envelopes:
            return
        conn, now = self.account.db, self.now_ms()
        with self._tx():
            for e in envelopes:
                msg_store.mark_envelope(conn, e.hash, e.timestamp_ns, now, "out")
