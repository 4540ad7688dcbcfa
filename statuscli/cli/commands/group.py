"""statuscli group — private group chats: create, add and remove members, leave, rename, admins, list, show."""

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
      statuscli group remove friends dave
      statuscli group rename friends "old friends"
      statuscli group leave friends
      statuscli group list
      statuscli send --group friends "hello all"
    """


def _group_text(g: dict) -> str:
    lines = [f"group:   {g.get('local_name') or g.get('name')}", f"chat id: {g['chat_id']}"]
    for m in g.get("members") or []:
        lines.append(f"member:  {m[:14]}…" + (" (admin)" if m in (g.get("admins") or []) else ""))
    return "\n".join(lines)


def _commit_and_announce(app, acct, act, dry_run: bool, node, relay) -> None:
    """The one order of every group change: ``act(messenger)`` signs the change and returns
    (result dict, members to tell); the membership messages are built in the same transaction, the
    result is written out, then the transaction commits (or, for a dry run, rolls back: nothing
    stored) and only then are the messages published."""
    from statuscli.cli.messaging_common import messenger, open_transport
    from statuscli.cli.output import result_written, write_stdout

    transport = None if dry_run else open_transport(app, node, relay)  # no node: fail before signing anything
    try:
        m = messenger(app, acct)
        with m.batch(keep=not dry_run):
            out, told = act(m)
            sent = m.send_membership(out["chat_id"], told) if told else None
            if sent is not None:
                out["announcement"] = sent.to_json()
                if not dry_run:
                    for e in out["announcement"]["envelopes"]:
                        del e["envelope"]
            with result_written(reader_may_leave=dry_run):
                emit(app, out, text=_group_text(out))
                if dry_run and sent is not None and not app.json:
                    for e in sent.envelopes:
                        write_stdout("0x" + e.data.hex())
        if transport is not None and sent is not None:
            for e in sent.envelopes:
                transport.publish(e)
            m.published(sent.envelopes)
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
    from statuscli.cli.secure_common import account, now_ms

    acct = account(app)
    keys = [resolve_peer(acct, p) for p in members]

    def act(m):
        g = groups.create(acct, name, keys, now_ms=now_ms(None), rng=os.urandom)
        out = g.to_json()
        out["local_name"] = name
        return out, [k for k in keys if k != acct.chat_public_key]

    _commit_and_announce(app, acct, act, dry_run, node, relay)


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
    from statuscli.cli.secure_common import account, now_ms

    acct = account(app)
    chat_id = groups.resolve(acct, group)
    keys = [resolve_peer(acct, p) for p in members]

    def act(m):
        g, added = groups.add_members(acct, chat_id, keys, now_ms=now_ms(None))
        info(app, f"{len(added)} member(s) added")
        return g.to_json(), groups.recipients(acct, g)

    _commit_and_announce(app, acct, act, dry_run, node, relay)


def _change(app, group: str, kind: str, dry_run: bool, node, relay, *, members=(), name: str = "") -> None:
    """Sign one change to GROUP and tell everyone who was a member before it."""
    from statuscli.app.messaging import groups
    from statuscli.app.peers import resolve_peer
    from statuscli.cli.secure_common import account, now_ms

    acct = account(app)
    chat_id = groups.resolve(acct, group)
    keys = [resolve_peer(acct, p) for p in members]

    def act(m):
        g, told = groups.change(acct, chat_id, kind, members=keys, name=name, now_ms=now_ms(None))
        return {**g.to_json(), "change": kind}, told

    _commit_and_announce(app, acct, act, dry_run, node, relay)


@cli.command()
@click.argument("group")
@click.argument("members", nargs=-1, required=True, metavar="PEER...")
@click.option("--dry-run", is_flag=True, help="Print the membership messages instead of publishing them.")
@transport_options
@pass_app
def remove(app: AppContext, group: str, members, dry_run, node, relay) -> None:
    """Remove members from GROUP (admins only); they and everyone else learn of it.

    A removed member receives nothing sent to the group afterwards. One signed MEMBER_REMOVED
    event per member, as status-go does.

    \b
    Examples:
      statuscli group remove friends dave
      statuscli --json group remove friends dave carol | jq .members
    """
    _change(app, group, "remove", dry_run, node, relay, members=members)


@cli.command()
@click.argument("group")
@click.option("--dry-run", is_flag=True, help="Print the membership messages instead of publishing them.")
@transport_options
@pass_app
def leave(app: AppContext, group: str, dry_run, node, relay) -> None:
    """Leave GROUP: the other members learn of it and stop sending to us.

    \b
    Examples:
      statuscli group leave friends
    """
    _change(app, group, "leave", dry_run, node, relay)


@cli.command()
@click.argument("group")
@click.argument("name")
@click.option("--dry-run", is_flag=True, help="Print the membership messages instead of publishing them.")
@transport_options
@pass_app
def rename(app: AppContext, group: str, name: str, dry_run, node, relay) -> None:
    """Rename GROUP to NAME for every member (any member may).

    \b
    Examples:
      statuscli group rename friends "old friends"
    """
    _change(app, group, "rename", dry_run, node, relay, name=name)


@cli.command()
@click.argument("group")
@click.argument("members", nargs=-1, metavar="[PEER...]")
@click.option("--resign", is_flag=True, help="Stop being an admin ourselves (the only way an admin is removed).")
@click.option("--dry-run", is_flag=True, help="Print the membership messages instead of publishing them.")
@transport_options
@pass_app
def admins(app: AppContext, group: str, members, resign: bool, dry_run, node, relay) -> None:
    """Make members of GROUP admins (admins only), or step down with --resign.

    \b
    Examples:
      statuscli group admins friends bob
      statuscli group admins friends --resign
    """
    from statuscli.core.errors import UsageError

    if resign == bool(members):
        raise UsageError("name the members to make admins, or give --resign (not both)")
    _change(app, group, "resign" if resign else "admins", dry_run, node, relay, members=members)


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
