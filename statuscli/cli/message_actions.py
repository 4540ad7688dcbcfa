"""What ``react``, ``edit``, ``delete`` and ``pin`` share: the target message, its chat, sending the action."""

from __future__ import annotations

import click

from statuscli.cli.messaging_common import transport_options

CHAT_EPILOG = """\b
The chat: --chat PEER (1:1), --public CHANNEL or --group GROUP; without one, the chat of the stored
message MESSAGE_ID. The action is sent like a message of that chat (1:1 and groups through MVDS,
retransmitted until acknowledged). The other side's listen prints it as a typed event with the
target message id, the chat and the author."""


def chat_options(f):
    for opt in reversed([
        click.argument("message_id", metavar="MESSAGE_ID"),
        click.option("--chat", metavar="PEER", help="The 1:1 chat with PEER (0x04…, zQ3… or a contact name)."),
        click.option("--public", "channel", metavar="CHANNEL", help="A public channel."),
        click.option("--group", metavar="GROUP", help="A private group (name or chat id)."),
        click.option("--dry-run", is_flag=True, help="Print the WakuMessage(s) instead of publishing them."),
        transport_options,
    ]):  # fmt: skip
        f = opt(f)
    return f


def target_chat(acct, message_id: str, chat, channel, group) -> tuple[str, str, int]:
    """(chat kind, chat id as the action names it, status-go MessageType)."""
    from statuscli.core.errors import NotFound, UsageError
    from statuscli.core.payloads import chat as chat_payload

    given = [x for x in (chat, channel, group) if x]
    if len(given) > 1:
        raise UsageError("--chat, --public and --group exclude each other")
    if chat:
        from statuscli.app.peers import resolve_peer

        kind, cid = "one-to-one", "0x" + resolve_peer(acct, chat).hex()
    elif channel:
        kind, cid = "public", channel
    elif group:
        from statuscli.app.messaging.groups import resolve

        kind, cid = "group", resolve(acct, group)
    else:
        r = acct.db.execute("SELECT chat_kind, chat_id FROM msg_messages WHERE id = ?", (bytes.fromhex(message_id[2:]),)).fetchone()
        if r is None or r[0] not in ("one-to-one", "public", "group"):
            raise NotFound(f"no stored message {message_id} to find its chat", hint="give --chat PEER, --public CHANNEL or --group GROUP")
        kind, cid = r[0], r[1]
    mtype = {"one-to-one": chat_payload.ONE_TO_ONE, "public": chat_payload.PUBLIC_GROUP, "group": chat_payload.PRIVATE_GROUP}[kind]
    return kind, cid, mtype


def run(app, message_id: str, chat, channel, group, dry_run: bool, node, relay, build) -> None:
    """``build(clock, chat_id, message_type, message_id) -> Action``; sends it and prints the id."""
    from statuscli.app.messaging import sending
    from statuscli.cli.messaging_common import messenger, open_transport
    from statuscli.cli.output import emit, result_written, write_stdout
    from statuscli.cli.secure_common import account
    from statuscli.core.payloads.contact_requests import normalise_id

    mid = normalise_id(message_id, what="MESSAGE_ID")
    acct = account(app)
    kind, cid, mtype = target_chat(acct, mid, chat, channel, group)
    out = sending.Outgoing.action(kind, cid, lambda clock: build(clock, cid, mtype, mid))
    transport = None if dry_run else open_transport(app, node, relay)

    def deliver(sent) -> None:
        d = sent[0].to_json()
        with result_written(reader_may_leave=dry_run):
            if dry_run and app.json:
                emit(app, {**d, "dry_run": True})
            elif dry_run:
                write_stdout("\n".join(e["envelope"] for e in d["envelopes"]) + "\n")
            else:
                for e in d["envelopes"]:
                    e.pop("envelope", None)
                emit(app, d, text=d["id"])

    try:
        sending.send(messenger(app, acct), [out], deliver=deliver, transport=transport)
    finally:
        if transport is not None:
            transport.close()
