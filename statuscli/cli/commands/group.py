"""statuscli group — private group chats: create, add members, list, show."""

from __future__ import annotations

import click

from statuscli.cli.context import AppContext, pass_app
from statuscli.cli.messaging_common import transport_options
from statuscli.cli.output import emit, info


@click.group()
def cli() -> None:
    """Private group chats: signed membership events, messages sent pairwise to every member.

    \b
    Examples:
      statuscli group create friends --member bob --member carol
      statuscli group create friends --member bob --dry-run      # publish nothing, print it
      statuscli group add friends dave
      statuscli group list
      statuscli send --group friends "hello all"
    """


def _group_text(g: dict) -> str:
    lines = [f"group:   {g.get('local_name') or g.get('name')}", f"chat id: {g['chat_id']}"]
    for m in g.get("members") or []:
        lines.append(f"member:  {m[:14]}…" + (" (admin)" if m in (g.get("admins") or []) else ""))
    return "\n".join(lines)


def _announce(app, acct, chat_id: str, members: list[bytes], dry_run: bool, node, relay) -> dict:
    from statuscli.cli.messaging_common import messenger, open_transport
    from statuscli.cli.output import write_stdout

    transport = None if dry_run else open_transport(app, node, relay)
    try:
        m = messenger(app, acct)
        sent = m.send_membership(chat_id, members)
        if dry_run:
            if not app.json:
                for e in sent.envelopes:
                    write_stdout("0x" + e.data.hex())
            return sent.to_json()
        for e in sent.envelopes:
            transport.publish(e)
        m.published(sent.envelopes)
        out = sent.to_json()
        for e in out["envelopes"]:
            del e["envelope"]
        return out
    finally:
        if transport is not None:
            transport.close()


@cli.command()
@click.argument("name")
@click.option("--member", "members", multiple=True, metavar="PEER", help="A member (repeatable): 0x04…, zQ3… or a contact name.")
@click.option("--dry-run", is_flag=True, help="Print the membership messages instead of publishing them.")
@transport_options
@pass_app
def create(app: AppContext, name: str, members, dry_run, node, relay) -> None:
    """Create a group NAME with its members, and tell them (pairwise, through MVDS).

    \b
    Examples:
      statuscli group create friends --member bob --member zQ3shdsKbXgWwHcg4DMMg7aeASNir7sqEkLZDvH1SFgwMp4Mh
      statuscli --json group create team --member carol | jq -r .chat_id
      statuscli --json group create team --member bob --dry-run | jq -r '.announcement.envelopes[].hash'
    """
    import os

    from statuscli.app.messaging import groups
    from statuscli.app.peers import resolve_peer
    from statuscli.cli.messaging_common import open_transport
    from statuscli.cli.secure_common import account, now_ms

    acct = account(app)
    keys = [resolve_peer(acct, p) for p in members]
    if not dry_run:
        open_transport(app, node, relay).close()  # fail before creating anything when no node is reachable
    g = groups.create(acct, name, keys, now_ms=now_ms(None), rng=os.urandom)
    out = g.to_json()
    out["local_name"] = name
    if keys:
        out["announcement"] = _announce(app, acct, g.chat_id, [k for k in keys if k != acct.chat_public_key], dry_run, node, relay)
    emit(app, out, text=_group_text(out))


@cli.command()
@click.argument("group")
@click.argument("members", nargs=-1, required=True, metavar="PEER...")
@click.option("--dry-run", is_flag=True, help="Print the membership messages instead of publishing them.")
@transport_options
@pass_app
def add(app: AppContext, group: str, members, dry_run, node, relay) -> None:
    """Add members to GROUP (name or chat id); every member learns of it.

    \b
    Examples:
      statuscli group add friends dave
    """
    from statuscli.app.messaging import groups
    from statuscli.app.peers import resolve_peer
    from statuscli.cli.messaging_common import open_transport
    from statuscli.cli.secure_common import account, now_ms

    acct = account(app)
    chat_id = groups.resolve(acct, group)
    keys = [resolve_peer(acct, p) for p in members]
    if not dry_run:
        open_transport(app, node, relay).close()
    g, _added = groups.add_members(acct, chat_id, keys, now_ms=now_ms(None))
    out = g.to_json()
    out["announcement"] = _announce(app, acct, chat_id, groups.recipients(acct, g), dry_run, node, relay)
    emit(app, out, text=_group_text(out))
    info(app, f"{len(_added)} member(s) added")


@cli.command("list")
@pass_app
def list_(app: AppContext) -> None:
    """List this account's private groups.

    \b
    Examples:
      statuscli group list
      statuscli --json group list | jq -r '.groups[].chat_id'
    """
    from statuscli.app.messaging import groups
    from statuscli.cli.secure_common import account

    acct = account(app, unlock=False)
    gs = groups.list_groups(acct)
    emit(app, {"groups": gs}, text="\n\n".join(_group_text(g) for g in gs) or "no groups")


@cli.command()
@click.argument("group")
@pass_app
def show(app: AppContext, group: str) -> None:
    """Show a group: name, chat id, members, admins and its membership events.

    \b
    Examples:
      statuscli group show friends
    """
    from statuscli.app.messaging import groups
    from statuscli.cli.secure_common import account

    acct = account(app, unlock=False)
    g = groups.load(acct, group)
    out = g.to_json()
    out["event_log"] = [e.to_json() for e in g.events]
    emit(app, out, text=_group_text(out))
