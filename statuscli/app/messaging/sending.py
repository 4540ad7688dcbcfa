"""The ``send`` use case: a command's messages built, written out, committed, then published.

    outgoing = [Outgoing.direct(peer, Content(text="hi")), Outgoing.public("status", content), …]
    report = send(messenger, outgoing, deliver=write_results, transport=t)   # transport None: dry run

Order of work (the rules: output before commit, a dry run changes nothing, a ratchet step that
left the machine is never rolled back):

1. every message is built in ONE transaction (:meth:`Messenger.batch`): chat clocks, message rows,
   MVDS records, ratchet steps, our bundle, and the hashes of our own envelopes (so their echoes
   are skipped);
2. ``deliver(sent)`` writes the results to their output and flushes; when it raises, the
   transaction rolls back and nothing was sent: nothing changed at all;
3. a dry run (no transport) rolls the transaction back here — the printed envelopes are what a
   real send would have produced, but the ratchet, MVDS, the clocks and the outbox are untouched;
4. otherwise it commits, and only then are the envelopes published. A crash or a refused publish
   after the commit is a lost transmission: the message is stored and MVDS retransmits it from
   ``listen`` until the peer acknowledges it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from statuscli.app.messaging.content import Content
from statuscli.app.messaging.messenger import Messenger, Sent

DIRECT, PUBLIC, GROUP, ACCEPT, ACTION, WALLET, CONTACT = "direct", "public", "group", "accept", "action", "wallet", "contact"
PAIR, SYNC = "pair", "sync"  # to our own devices: app/messaging/own_devices.py


@dataclass(frozen=True)
class Outgoing:
    """One message to send: to a peer (``direct``, ``accept``), a channel or a group chat id."""

    kind: str
    target: bytes | str
    content: Content | None = None
    request_id: str | None = None  # ``accept``: the contact request answered
    make: Callable | None = None  # ``action``: clock -> core.payloads.actions.Action (app/messaging/actions.py)
    command: tuple = ()  # ``wallet``: ("request" | "sent", ((field, value), …)); ``contact``: ("update" | "decline" | "retract",)

    @classmethod
    def direct(cls, peer: bytes, content: Content) -> Outgoing:
        return cls(DIRECT, peer, content)

    @classmethod
    def public(cls, channel: str, content: Content) -> Outgoing:
        return cls(PUBLIC, channel, content)

    @classmethod
    def group(cls, chat_id: str, content: Content) -> Outgoing:
        return cls(GROUP, chat_id, content)

    @classmethod
    def accept(cls, peer: bytes, request_id: str) -> Outgoing:
        return cls(ACCEPT, peer, None, request_id)

    @classmethod
    def action(cls, chat_kind: str, chat_id: str, make: Callable) -> Outgoing:
        return cls(ACTION, f"{chat_kind}:{chat_id}", make=make)

    @classmethod
    def contact(cls, peer: bytes, what: str) -> Outgoing:
        """A ContactUpdate (``update``: we add them; ``decline``) or a RetractContactRequest (``retract``)."""
        return cls(CONTACT, peer, command=(what,))

    @classmethod
    def wallet(cls, peer: bytes, kind: str, **fields) -> Outgoing:
        return cls(WALLET, peer, command=(kind, tuple(fields.items())))

    @classmethod
    def pair(cls, target: str = "", **metadata) -> Outgoing:
        """Our installation metadata to our own devices (``metadata``: name, device_type)."""
        return cls(PAIR, target, command=tuple(metadata.items()))

    @classmethod
    def sync(cls) -> Outgoing:
        """Our contacts to our enabled devices."""
        return cls(SYNC, "")


@dataclass
class SendReport:
    sent: list[Sent]
    published: list[dict] = field(default_factory=list)  # the transport's answer per envelope (none in a dry run)


def build(m: Messenger, o: Outgoing) -> Sent:
    """One message through the messenger (inside the caller's batch)."""
    if o.kind == DIRECT:
        return m.send_direct(o.target, o.content)
    if o.kind == PUBLIC:
        return m.send_public(o.target, o.content)
    if o.kind == GROUP:
        return m.send_group(o.target, o.content)
    if o.kind == ACCEPT:
        return m.accept_contact_request(o.target, o.request_id)
    if o.kind == ACTION:
        from statuscli.app.messaging import actions

        kind, chat_id = o.target.split(":", 1)
        return actions.send(m, kind, chat_id, o.make)
    if o.kind == CONTACT:
        from statuscli.app.messaging import contact_messages

        return {"update": contact_messages.update, "decline": contact_messages.decline, "retract": contact_messages.retract}[o.command[0]](m, o.target)
    if o.kind == WALLET:
        return m.send_wallet_command(o.target, o.command[0], **dict(o.command[1]))
    if o.kind in (PAIR, SYNC):
        from statuscli.app.messaging import own_devices

        return own_devices.send_pair(m, target=o.target, **dict(o.command)) if o.kind == PAIR else own_devices.send_contact_sync(m)
    raise ValueError(f"unknown kind of message {o.kind!r}")


def send(m: Messenger, outgoing: list[Outgoing], *, deliver: Callable[[list[Sent]], None], transport=None) -> SendReport:
    """Build ``outgoing``, ``deliver`` the results, commit, publish (see the module docstring).

    ``transport`` None is a dry run: nothing is committed and nothing published."""
    dry_run = transport is None
    with m.batch(keep=not dry_run):
        sent = [build(m, o) for o in outgoing]
        if not dry_run:
            m.published([e for s in sent for e in s.envelopes])  # our echoes: recorded with the rest
        deliver(sent)
    if dry_run:
        return SendReport(sent)
    return SendReport(sent, [transport.publish(e) for s in sent for e in s.envelopes])
