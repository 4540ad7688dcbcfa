"""statuscli contacts — names, contact state, blocking, and checking who a key is."""

from __future__ import annotations

import click

from statuscli.cli.commands.contact_requests import SENDING_EPILOG, accept, add, decline
from statuscli.cli.contact_sending import sending_options
from statuscli.cli.context import AppContext, pass_app
from statuscli.cli.ens_options import ens_options, ens_source
from statuscli.cli.output import emit


def _line(c: dict) -> str:
    flags = [f for f, on in (("mutual", c["mutual"]), ("added by us", c["added_by_us"] and not c["mutual"]),
                             ("added us", c["added_us"] and not c["mutual"]), ("blocked", c["blocked"])) if on]  # fmt: skip
    if c["request"] != "none":
        flags.append(f"request {c['request']}")
    who = c["name"] or c["alias"]
    return f"{who:<20} {c['compressed_key']}" + (f"  ({', '.join(flags)})" if flags else "")


def _card(c: dict) -> str:
    lines = [f"name:        {', '.join(c['names']) or '-'}", f"chat key:    {c['compressed_key']}", f"alias:       {c['alias']}",
             f"emoji hash:  {''.join(c['emoji_hash'])}", f"state:       {_line(c).split('  (', 1)[1].rstrip(')') if '  (' in _line(c) else 'none'}"]  # fmt: skip
    if c["dropped"]:
        lines.append(f"dropped:     {c['dropped']} message(s) while blocked")
    return "\n".join(lines)


def _set_blocked(app: AppContext, peer: str, blocked: bool) -> None:
    from statuscli.app import contacts
    from statuscli.cli.secure_common import account

    c = contacts.set_blocked(account(app, unlock=False), peer, blocked, _now())
    emit(app, c, text=_card(c))


def _now() -> int:
    from statuscli.cli.secure_common import now_ms

    return now_ms(None)


@click.group()
def cli() -> None:
    """People: local names, contact state (added, mutual, requests), blocking, verification.

    Every command that names a peer takes a contact name, a chat key (0x04…, 0x02…, zQ3…) or a
    status.app profile link.

    \b
    Examples:
      statuscli contacts add zQ3shdsKbXgWwHcg4DMMg7aeASNir7sqEkLZDvH1SFgwMp4Mh --name bob
      statuscli contacts accept alice
      statuscli contacts list
      statuscli contacts verify bob --alias "Darkgreen Alive Jabiru"
      statuscli contacts block bob
    """


@cli.command("list")
@pass_app
def list_(app: AppContext) -> None:
    """List contacts: names, keys and state (mutual, requests, blocked).

    \b
    Examples:
      statuscli contacts list
      statuscli --json contacts list | jq -r '.contacts[] | select(.mutual) | .name'
    """
    from statuscli.app import contacts
    from statuscli.cli.secure_common import account

    cs = contacts.listing(account(app, unlock=False))
    emit(app, {"contacts": cs}, text="\n".join(_line(c) for c in cs) or "no contacts")


@cli.command()
@click.argument("peer", metavar="PEER")
@pass_app
def show(app: AppContext, peer: str) -> None:
    """Show one contact: names, chat key, alias, emoji hash, colour hash and state.

    \b
    Examples:
      statuscli contacts show bob
    """
    from statuscli.app import contacts
    from statuscli.app.peers import resolve_peer
    from statuscli.cli.secure_common import account

    acct = account(app, unlock=False)
    c = contacts.describe(acct, resolve_peer(acct, peer))
    emit(app, c, text=_card(c))


@cli.command()
@click.argument("old")
@click.argument("new")
@pass_app
def rename(app: AppContext, old: str, new: str) -> None:
    """Rename the contact OLD to NEW.

    \b
    Examples:
      statuscli contacts rename bob robert
    """
    from statuscli.app import contacts
    from statuscli.cli.secure_common import account

    c = contacts.rename(account(app, unlock=False), old, new, _now())
    emit(app, c, text=_card(c))


@cli.command(epilog=SENDING_EPILOG)
@click.argument("peer", metavar="PEER")
@click.option("--silent", is_flag=True, help="Tell PEER nothing (status-go's RemoveContact); the removal is kept here only.")
@sending_options
@pass_app
def remove(app: AppContext, peer: str, silent: bool, dry_run, node, relay, now_ms, seed) -> None:
    """Remove PEER from contacts and tell them: RetractContactRequest (status-go's "remove contact").

    Their names go, neither side counts as added (request: removed), a block stays. Nothing is
    sent with --silent, or when there was nothing between us.

    \b
    Examples:
      statuscli contacts remove bob
      statuscli contacts remove zQ3shdsKbXgWwHcg4DMMg7aeASNir7sqEkLZDvH1SFgwMp4Mh --silent
    """
    from statuscli.cli.commands.contact_requests import remove_and_retract

    remove_and_retract(app, peer, silent, dry_run, node, relay, now_ms, seed)


@cli.command()
@click.argument("peer", metavar="PEER")
@pass_app
def block(app: AppContext, peer: str) -> None:
    """Block PEER: their messages are dropped before anything is stored, and counted.

    \b
    Examples:
      statuscli contacts block zQ3shdsKbXgWwHcg4DMMg7aeASNir7sqEkLZDvH1SFgwMp4Mh
    """
    _set_blocked(app, peer, True)


@cli.command()
@click.argument("peer", metavar="PEER")
@pass_app
def unblock(app: AppContext, peer: str) -> None:
    """Unblock PEER.

    \b
    Examples:
      statuscli contacts unblock bob
    """
    _set_blocked(app, peer, False)


@cli.command()
@click.argument("peer", metavar="PEER|NAME.eth")
@click.option("--alias", help="The three-word alias the person told you; exit 4 if it is another key's.")
@click.option("--emoji-hash", help="The emoji hash the person showed you; exit 4 if it is another key's.")
@click.option("--ens", "ens_name", metavar="NAME.eth", help="An ENS name the person claims; exit 4 if it resolves to another key.")
@ens_options
@pass_app
def verify(app: AppContext, peer: str, alias: str | None, emoji_hash: str | None, ens_name: str | None,
           eth_rpc: str | None, ens_registry: str | None) -> None:
    """Show who PEER is — alias, emoji hash, colour hash side by side — and check what you were told.

    Compare these with what the person sees in their own app (out of band: in person, on a call).
    An ENS name is checked on the chain (--eth-rpc), as status-go verifies a claimed name: the name's
    pubkey record must be PEER's key. The name is --ens, or else the one PEER's messages claimed
    (shown as claimed_ens_name; checked when an Ethereum node is configured). `ens_name` is the name
    checked now, else null.

    \b
    Examples:
      statuscli contacts verify bob
      statuscli contacts verify bob --alias "Darkgreen Alive Jabiru"
      statuscli contacts verify bob --ens bob.eth --eth-rpc http://127.0.0.1:8545
    """
    from statuscli.app import contacts
    from statuscli.cli.secure_common import account

    c = contacts.verify(account(app, unlock=False), peer, alias=alias, emoji_hash=emoji_hash, ens_name=ens_name,
                        ens_source=ens_source(eth_rpc, ens_registry))  # fmt: skip
    text = _card(c) + f"\ncolour hash: {c['color_hash']}"
    if c["ens_name"]:
        text += f"\nens name:    {c['ens_name']} (resolves to this key)"
    elif c["claimed_ens_name"]:
        text += f"\nens name:    {c['claimed_ens_name']} (claimed, not checked: no --eth-rpc)"
    text += "".join(f"\n{k}:{' ' * (11 - len(k))} matches" for k, ok in c["checks"].items() if ok)
    emit(app, c, text=text)


for _command in (add, accept, decline):  # the commands that send a contact request's answer (contact_requests.py)
    cli.add_command(_command)
