"""The events ``listen`` and ``mailserver fetch`` print (one JSON object per line), and their text form.

A closed set of frozen dataclasses, one per ``type``; each has one ``to_json()`` (the wire form,
stored in the event log and printed with ``--json``; key order is part of the contract, the JSON
snapshots guard it) and one ``text()`` (the line for people). Every printed event also has
``cursor`` (its place in the account's event log: ``listen --since``). Events that come from an
envelope carry it whole (:class:`EnvelopeRef`), so it can be fed to ``envelope inspect``:
``envelope`` (0x… WakuMessage bytes), ``hash``, ``pubsub_topic``, ``content_topic``, ``timestamp`` (ns).

=========================  =======================================================================
type                       other keys
=========================  =======================================================================
message                    ``id``, ``chat`` {kind, id[, name]}, ``from``, ``from_compressed``,
                           ``clock``, ``sent_at`` (ms), ``content_type``, ``text``, [``response_to``,
                           ``sticker``, ``image``/``audio`` {format/type, size, data}, ``outgoing``
                           (true: we sent it from another device of ours)], ``layers``
contact_request            same keys as ``message`` (content type CONTACT_REQUEST)
contact_request_accepted   ``id``, ``request_id`` (the request accepted), ``our_request`` (we sent
                           it), ``chat``, ``from``, ``from_compressed``, ``clock`` — AcceptContactRequest
contact_update,            ``id``, ``chat``, ``from``, ``from_compressed``, ``clock``, [ContactUpdate:
contact_request_declined,  ``display_name``, ``ens_name`` (claimed), ``contact_request_clock``,
contact_removed            ``propagated_state``], ``contact`` (the state it left: added_by_us, added_us,
                           mutual, request) — a ContactUpdate (declined: their propagated state says
                           they declined our request), a RetractContactRequest (removed)
delivered                  ``id`` (our message), ``to`` (peer key): the peer's MVDS acknowledged it
bundle                     ``from``, ``installations``, ``new_installations`` — a peer's prekey bundle
group                      ``group`` {chat_id, name, members, admins, …}, ``new_events``, ``from``
transaction_request        ``id``, ``chat``, ``from``, ``from_compressed``, ``clock``, ``address``, ``value``
                           (wei, decimal), ``contract`` (token; "" = ETH) — RequestTransaction
transaction_sent           ``id``, ``chat``, ``from``, ``from_compressed``, ``clock``, ``request_id``,
                           ``transaction_hash``, ``signature`` (0x hex) — SendTransaction
application                ``from``, ``id``, ``amm_type`` — a valid message of a type we do not act on
undecryptable              ``layer`` (where it stopped), ``reason`` {code, message}
expired                    ``mvds_id``, ``to`` — a message given up on after 16 transmissions
gap                        ``from``, ``to`` (ns), ``reason`` {code, message} — a range no store could fetch
device                     ``installation_id``, ``name``, ``device_type``, ``enabled``, ``targeted`` — another
                           installation of ours announced itself (SyncPairInstallation)
contact_synced             ``contact``, ``name``, ``added``, ``blocked``, ``removed`` — SyncInstallationContactV2
reaction, edited, deleted, ``id``, ``target`` (the message acted on), ``chat``, ``from``, ``clock``,
pinned                     ``target_known``; reaction: ``emoji``, ``retracted``; edited: ``text``;
                           deleted: ``for_me``; pinned: ``pinned``
=========================  =======================================================================

Adding an event type: write a frozen dataclass here (events about people and our devices live in
:mod:`~statuscli.app.messaging.events_people`, re-exported here) with ``type`` (a ClassVar naming it),
its fields, ``to_json()`` (build the dict in the order it should print, end with ``**self.envelope``
fields when it comes from an envelope) and ``text(d, who)`` (a classmethod taking the JSON dict,
so replayed events render the same); add the class to :data:`EVENT_TYPES`; add it to
:data:`COUNTED_TYPES` if ``listen --count`` counts it; add a row to the table above, to ``listen``'s
epilog and to docs/exit-codes-and-json.md; refresh the JSON snapshots (tests/cli/test_json_shapes.py).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import ClassVar

from statuscli.app.messaging.events_base import EnvelopeRef, Who, _env, hx
from statuscli.app.messaging.events_people import ContactChange, ContactRequestAccepted, ContactSynced, Device

__all__ = ["EnvelopeRef", "Who", "hx", "ContactChange", "ContactRequestAccepted", "ContactSynced", "Device"]  # re-exported: ev.X


@dataclass(frozen=True)
class Message:
    """A chat message (``message``) or a contact request (``contact_request``)."""

    type: str  # message | contact_request
    id: str
    chat: dict
    sender: str
    sender_compressed: str
    clock: int
    sent_at: int
    content_type: str
    text: str
    layers: tuple[str, ...]
    envelope: EnvelopeRef | None
    extra: tuple[tuple[str, object], ...] = ()  # response_to, claimed_ens_name, sticker, image, audio — in that order

    def to_json(self) -> dict:
        d = {"type": self.type, "id": self.id, "chat": self.chat, "from": self.sender, "from_compressed": self.sender_compressed,
             "clock": self.clock, "sent_at": self.sent_at, "content_type": self.content_type, "text": self.text}  # fmt: skip
        d.update(self.extra)
        d["layers"] = list(self.layers)
        d.update(_env(self.envelope))
        return d

    @classmethod
    def text_of(cls, ev: dict, who: Who) -> str:
        when = ""
        if ev.get("sent_at"):
            when = time.strftime("%H:%M:%S", time.localtime(ev["sent_at"] / 1000)) + " "
        chat = ev.get("chat") or {}
        where = ""
        if chat.get("kind") == "public":
            where = f"#{chat.get('id')} "
        elif chat.get("kind") == "group":
            where = f"[{chat.get('name') or chat.get('id', '')[:8]}] "
        body = ev.get("text") or ""
        ct = ev.get("content_type")
        if ct == "STICKER":
            body = f"(sticker {ev.get('sticker', {}).get('hash', '')})"
        elif ct in ("IMAGE", "AUDIO"):
            body = f"({ct.lower()}, {ev.get(ct.lower(), {}).get('size', 0)} bytes) {ev.get('text') or ''}".rstrip()
        tag = "contact request from " if ev.get("type") == "contact_request" else ""
        reply = f" (reply to {ev['response_to'][:10]}…)" if ev.get("response_to") else ""
        to = f" → {who(chat.get('id'))}" if ev.get("outgoing") and chat.get("kind") == "one-to-one" else ""
        return f"{when}{where}{tag}{who(ev.get('from'))}{to}: {body}{reply}"


@dataclass(frozen=True)
class TransactionCommand:
    """A wallet chat command from a peer: ``transaction_request`` or ``transaction_sent`` (carried, not verified on chain)."""

    type: str  # transaction_request | transaction_sent
    id: str
    sender: str
    sender_compressed: str
    fields: dict  # wallet_commands.Command.fields() (without chat_id)
    layers: tuple[str, ...]
    envelope: EnvelopeRef | None

    def to_json(self) -> dict:
        d = {"type": self.type, "id": self.id, "chat": {"kind": "one-to-one", "id": self.sender}, "from": self.sender,
             "from_compressed": self.sender_compressed}  # fmt: skip
        d.update((k, v) for k, v in self.fields.items() if k != "chat_id")
        return {**d, "layers": list(self.layers), **_env(self.envelope)}

    @classmethod
    def text_of(cls, ev: dict, who: Who) -> str:
        if ev.get("type") == "transaction_request":
            token = f" of token {ev.get('contract')}" if ev.get("contract") else " (ETH)"
            return f"{who(ev.get('from'))} requests {ev.get('value')} wei{token} to {ev.get('address')}"
        answer = f" (answering {ev['request_id'][:10]}…)" if ev.get("request_id") else ""
        return f"{who(ev.get('from'))} sent transaction {ev.get('transaction_hash')}{answer}"


@dataclass(frozen=True)
class Delivered:
    type: ClassVar[str] = "delivered"
    id: str
    to: str
    envelope: EnvelopeRef | None

    def to_json(self) -> dict:
        return {"type": self.type, "id": self.id, "to": self.to, **_env(self.envelope)}

    @classmethod
    def text_of(cls, ev: dict, who: Who) -> str:
        return f"delivered {ev.get('id', '')[:10]}… to {who(ev.get('to'))}"


@dataclass(frozen=True)
class Bundle:
    type: ClassVar[str] = "bundle"
    sender: str
    installations: list
    new_installations: list
    bundle_timestamp: int
    envelope: EnvelopeRef | None

    def to_json(self) -> dict:
        return {"type": self.type, "from": self.sender, "installations": self.installations, "new_installations": self.new_installations,
                "bundle_timestamp": self.bundle_timestamp, **_env(self.envelope)}  # fmt: skip

    @classmethod
    def text_of(cls, ev: dict, who: Who) -> str:
        return f"bundle from {who(ev.get('from'))} ({len(ev.get('installations') or [])} installation(s))"


@dataclass(frozen=True)
class Group:
    type: ClassVar[str] = "group"
    group: dict
    new_events: int
    sender: str
    layers: tuple[str, ...]
    envelope: EnvelopeRef | None

    def to_json(self) -> dict:
        return {"type": self.type, "group": self.group, "new_events": self.new_events, "from": self.sender, "layers": list(self.layers),
                **_env(self.envelope)}  # fmt: skip

    @classmethod
    def text_of(cls, ev: dict, who: Who) -> str:
        g = ev.get("group") or {}
        return f"group {g.get('name')!r}: {len(g.get('members') or [])} member(s), {ev.get('new_events')} new event(s)"


@dataclass(frozen=True)
class MessageAction:
    """Something done to an earlier message (``target``): a reaction, an edit, a delete, a pin."""

    type: str  # reaction | edited | deleted | pinned
    id: str
    target: str
    chat: dict
    sender: str
    clock: int
    details: dict  # reaction: emoji, retracted · edited: text · deleted: for_me · pinned: pinned; target_known
    layers: tuple[str, ...]
    envelope: EnvelopeRef | None

    def to_json(self) -> dict:
        return {"type": self.type, "id": self.id, "target": self.target, "chat": self.chat, "from": self.sender, "clock": self.clock,
                **self.details, "layers": list(self.layers), **_env(self.envelope)}  # fmt: skip

    @classmethod
    def text_of(cls, ev: dict, who: Who) -> str:
        t, target = ev.get("type"), (ev.get("target") or "")[:10] + "…"
        if t == "reaction":
            return f"{who(ev.get('from'))} {'took back' if ev.get('retracted') else 'reacted'} {ev.get('emoji')} on {target}"
        if t == "edited":
            return f"{who(ev.get('from'))} edited {target}: {ev.get('text')}"
        if t == "deleted":
            return f"{who(ev.get('from'))} deleted {target}{' (for me)' if ev.get('for_me') else ''}"
        return f"{who(ev.get('from'))} {'pinned' if ev.get('pinned') else 'unpinned'} {target}"


@dataclass(frozen=True)
class Application:
    """A valid message of a type we do not act on (``note`` says why when there is more to say)."""

    type: ClassVar[str] = "application"
    id: str
    sender: str
    amm_type: str
    layers: tuple[str, ...]
    envelope: EnvelopeRef | None
    note: str | None = None

    def to_json(self) -> dict:
        d = {"type": self.type, "id": self.id, "from": self.sender, "amm_type": self.amm_type}
        if self.note is not None:
            d["note"] = self.note
        return {**d, "layers": list(self.layers), **_env(self.envelope)}

    @classmethod
    def text_of(cls, ev: dict, who: Who) -> str:
        return f"{who(ev.get('from'))}: {ev.get('amm_type')} message"


@dataclass(frozen=True)
class Undecryptable:
    type: ClassVar[str] = "undecryptable"
    layer: str
    code: str
    message: str
    envelope: EnvelopeRef | None
    attempt: int | None = None  # layer "internal": the how-many-th failure, and whether it was the last try
    final: bool | None = None

    def to_json(self) -> dict:
        d = {"type": self.type, "layer": self.layer, "reason": {"code": self.code, "message": self.message}, **_env(self.envelope)}
        if self.attempt is not None:
            d.update(attempt=self.attempt, final=self.final)
        return d

    @classmethod
    def text_of(cls, ev: dict, who: Who) -> str:
        r = ev.get("reason") or {}
        return f"undecryptable envelope {(ev.get('hash') or '')[:10]}… at {ev.get('layer')}: {r.get('message')}"


@dataclass(frozen=True)
class Expired:
    type: ClassVar[str] = "expired"
    mvds_id: bytes
    to: bytes
    reason: str = "no acknowledgement after 16 transmissions"

    def to_json(self) -> dict:
        return {"type": self.type, "mvds_id": hx(self.mvds_id), "to": hx(self.to), "reason": self.reason}

    @classmethod
    def text_of(cls, ev: dict, who: Who) -> str:
        return f"gave up on {ev.get('mvds_id', '')[:10]}… to {who(ev.get('to'))}: {ev.get('reason')}"


@dataclass(frozen=True)
class Gap:
    """A time range (Waku timestamps, ns) no store could fetch: kept and retried (``history.catch_up``)."""

    type: ClassVar[str] = "gap"
    from_ns: int
    to_ns: int
    code: str
    message: str

    def to_json(self) -> dict:
        return {"type": self.type, "from": self.from_ns, "to": self.to_ns, "reason": {"code": self.code, "message": self.message}}

    @classmethod
    def text_of(cls, ev: dict, who: Who) -> str:
        span = ((ev.get("to") or 0) - (ev.get("from") or 0)) / 1e9
        return f"gap of {span:.0f} s not caught up ({(ev.get('reason') or {}).get('message')}): kept, retried by the next listen or fetch"


ACTION_TYPES = ("reaction", "edited", "deleted", "pinned")
CONTACT_CHANGE_TYPES = ("contact_update", "contact_request_declined", "contact_removed")

Event = MessageAction | Message | ContactRequestAccepted | ContactChange | TransactionCommand | Delivered | Bundle | Group | Application | \
    Undecryptable | Expired | Gap  # fmt: skip

#: every event type by its ``type`` (``message`` and ``contact_request`` share a class)
EVENT_TYPES: dict[str, type] = {"message": Message, "contact_request": Message, **dict.fromkeys(ACTION_TYPES, MessageAction),
                                "transaction_request": TransactionCommand, "transaction_sent": TransactionCommand,
                                **dict.fromkeys(CONTACT_CHANGE_TYPES, ContactChange),
                                **{c.type: c for c in (
    ContactRequestAccepted, Delivered, Bundle, Group, Application, Undecryptable, Expired, Gap, Device, ContactSynced)}}  # fmt: skip

MESSAGE_TYPES = ("message", "contact_request")
#: what ``listen --count`` counts: messages, answers to our contact requests, removals, wallet commands, our devices
COUNTED_TYPES = MESSAGE_TYPES + ("contact_request_accepted", "contact_request_declined", "contact_removed", "transaction_request",
                                 "transaction_sent", "device", "contact_synced")  # fmt: skip


def short(key_hex: str | None) -> str:
    if not key_hex:
        return "?"
    try:
        from statuscli.core.identity.keytext import compressed_key

        return compressed_key(bytes.fromhex(key_hex[2:]))
    except Exception:
        return key_hex[:12] + "…"


def text_line(ev: dict, names: dict[str, str] | None = None) -> str:
    """One line for people: the event's class renders it (live and replayed events alike)."""
    names = names or {}

    def who(k: str | None) -> str:
        return names.get(k or "", None) or short(k)

    cls = EVENT_TYPES.get(ev.get("type"))
    return cls.text_of(ev, who) if cls is not None else str(ev)
