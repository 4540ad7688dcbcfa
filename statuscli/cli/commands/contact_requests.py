"""statuscli contacts add | accept | decline | remove — the contact commands that send what status-go sends.

Registered on the ``contacts`` group (statuscli/cli/commands/contacts.py); the shared sending flow
is in statuscli/cli/contact_sending.py.
"""

from __future__ import annotations

import click

from statuscli.cli.contact_sending import DEFAULT_REQUEST_TEXT, sending_options
from statuscli.cli.context import AppContext, pass_app
from statuscli.cli.ens_options import ens_options, ens_source

SENDING_EPILOG = """\b
Output: the contact after the change (as 'contacts show') with "sent": one entry per message
({id, chat, recipients, envelopes, transport}, as 'send'). The result is written before anything
is stored, and published after. --dry-run prints the WakuMessage(s) as hex (with --json the object,
"dry_run": true) and changes nothing. With no node at all (no --node, no STATUSCLI_NODE, no running
node of this home) the change is made here only: "sent": [], "offline": true, and a note on stderr.
"""


def _now(now_ms: int | None) -> int:
    from statuscli.cli.secure_common import now_ms as clock

    return clock(now_ms)


@click.command(epilog=SENDING_EPILOG)
@click.argument("peer", metavar="PEER|NAME.eth")
@click.option("--name", help="A local name for PEER (usable wherever a peer is named); an ENS name's own by default.")
@click.option("--message", "text", metavar="TEXT", default=None,
              help=f'The contact request\'s text (default: status-go\'s "{DEFAULT_REQUEST_TEXT}").')  # fmt: skip
@ens_options
@sending_options
@pass_app
def add(app: AppContext, peer: str, name, text, eth_rpc, ens_registry, dry_run, node, relay, now_ms, seed) -> None:
    """Add PEER as a contact: send a contact request, or accept theirs if one is waiting.

    Sends what status-go's "add contact" sends, on the 1:1 chat through MVDS: a ContactUpdate
    (its contact request clock and our view of the relation) and a contact request message
    (a ChatMessage of content type CONTACT_REQUEST with TEXT). When PEER's own request is waiting,
    it sends the AcceptContactRequest instead. The request is pending-out until they accept.

    PEER may be an ENS name (NAME.eth, not already a contact name): it is resolved to its chat key
    through --eth-rpc (the registry's resolver, then its pubkey record) and becomes the contact's name.

    \b
    Examples:
      statuscli contacts add zQ3shdsKbXgWwHcg4DMMg7aeASNir7sqEkLZDvH1SFgwMp4Mh --name bob
      statuscli contacts add bob --message "Hi Bob, it's Alice from the meetup"
      statuscli contacts add "https://status.app/u#zQ3shdsKbXgWwHcg4DMMg7aeASNir7sqEkLZDvH1SFgwMp4Mh" --name bob
      statuscli contacts add alice.eth --eth-rpc http://127.0.0.1:8545
      statuscli contacts add bob --dry-run | head -n 1 | statuscli --account bob envelope inspect -
    """
    from statuscli.app import contacts
    from statuscli.app.messaging.contact_messages import plan_add
    from statuscli.app.peers import is_valid_contact_name
    from statuscli.cli import contact_sending as cs
    from statuscli.cli.secure_common import account
    from statuscli.core.errors import InvalidInput
    from statuscli.store import peers as peer_store

    if text is not None and not text.strip():
        raise InvalidInput("--message needs a text", hint=f'leave it out for "{DEFAULT_REQUEST_TEXT}"')
    transport = None if dry_run else cs.transport_or_offline(app, node, relay)
    if transport is None and not dry_run:
        cs.show_offline(app, contacts.add(account(app, unlock=False), peer, name, _now(now_ms), ens_source(eth_rpc, ens_registry)))
        return
    try:
        acct = account(app)
        key, record = contacts.resolve_contact(acct, peer, ens_source(eth_rpc, ens_registry))
        if key == acct.chat_public_key:
            raise InvalidInput("that is this account's own key")
        if name is None and record is not None and is_valid_contact_name(record.name):
            name = record.name
        if name is not None and not is_valid_contact_name(name):
            raise InvalidInput(f"invalid contact name {name!r}", hint="start with a letter; letters, digits, '.', '_', '-', space")
        outgoing = plan_add(acct, key, text or DEFAULT_REQUEST_TEXT)
    except BaseException:
        if transport is not None:
            transport.close()
        raise

    def name_it() -> None:
        if name:
            peer_store.set_contact(acct.db, name, key, _now(now_ms))

    cs.send_and_show(app, acct, outgoing, lambda: {**contacts.describe(acct, key), "ens": record.to_json() if record else None},
                     transport=transport, seed=seed, now_ms=now_ms, before_output=name_it)  # fmt: skip


@click.command(epilog=SENDING_EPILOG)
@click.argument("peer", metavar="PEER")
@click.argument("request_id", metavar="[REQUEST_ID]", required=False)
@sending_options
@pass_app
def accept(app: AppContext, peer: str, request_id, dry_run, node, relay, now_ms, seed) -> None:
    """Accept PEER's contact request: send AcceptContactRequest naming it (default: the one waiting).

    Both sides are then mutual contacts. Needs a node (exit 6 without one), unless --dry-run.

    \b
    Examples:
      statuscli contacts accept alice
      statuscli contacts accept zQ3shdsKbXgWwHcg4DMMg7aeASNir7sqEkLZDvH1SFgwMp4Mh 0x5f1c…(64 hex)
    """
    from statuscli.app import contacts
    from statuscli.app.messaging.messenger import latest_contact_request
    from statuscli.app.messaging.sending import Outgoing
    from statuscli.app.peers import resolve_peer
    from statuscli.cli import contact_sending as cs
    from statuscli.cli.messaging_common import open_transport
    from statuscli.cli.secure_common import account
    from statuscli.core.payloads.contact_requests import normalise_request_id

    acct = account(app)
    key = resolve_peer(acct, peer)
    rid = normalise_request_id(request_id) if request_id else latest_contact_request(acct, key)  # before any node is reached
    transport = None if dry_run else open_transport(app, node, relay)
    cs.send_and_show(app, acct, [Outgoing.accept(key, rid)], lambda: contacts.describe(acct, key), transport=transport, seed=seed,
                     now_ms=now_ms)  # fmt: skip


@click.command(epilog=SENDING_EPILOG)
@click.argument("peer", metavar="PEER")
@click.option("--silent", is_flag=True, help="Tell PEER nothing (what status-go does); the decline is kept here only.")
@sending_options
@pass_app
def decline(app: AppContext, peer: str, silent: bool, dry_run, node, relay, now_ms, seed) -> None:
    """Decline PEER's waiting contact request (exit 7 when none is waiting).

    status-go tells the requester nothing. Unless --silent, statuscli sends a ContactUpdate whose
    propagated state says DISMISSED and whose contact request clock is 0 (status-go would read a
    clock as a request): a statuscli requester then sees its request declined; status-go ignores
    that state and keeps showing the request as pending.

    \b
    Examples:
      statuscli contacts decline mallory
      statuscli contacts decline mallory --silent
    """
    from statuscli.app import contacts
    from statuscli.app.messaging.sending import Outgoing
    from statuscli.app.peers import resolve_peer
    from statuscli.cli import contact_sending as cs
    from statuscli.cli.output import emit
    from statuscli.cli.secure_common import account

    local = account(app, unlock=False)
    key = resolve_peer(local, peer)
    contacts.require_pending_in(local.db, key)
    transport = None if dry_run or silent else cs.transport_or_offline(app, node, relay)
    if silent:
        c = contacts.describe(local, key) if dry_run else contacts.decline(local, peer, _now(now_ms))
        emit(app, {**c, "sent": [], **({"dry_run": True} if dry_run else {})}, text=cs.text_card(c))
        return
    if transport is None and not dry_run:
        cs.show_offline(app, contacts.decline(local, peer, _now(now_ms)))
        return
    acct = account(app)
    cs.send_and_show(app, acct, [Outgoing.contact(key, "decline")], lambda: contacts.describe(acct, key), transport=transport,
                     seed=seed, now_ms=now_ms)  # fmt: skip


def remove_and_retract(app: AppContext, peer: str, silent: bool, dry_run, node, relay, now_ms, seed) -> None:
    """``contacts remove``: names go, neither side is added; RetractContactRequest tells PEER
    (status-go's RetractContactRequest) unless --silent or there was nothing between us."""
    from statuscli.app import contacts
    from statuscli.app.messaging.sending import Outgoing
    from statuscli.app.peers import resolve_peer
    from statuscli.cli import contact_sending as cs
    from statuscli.cli.output import emit
    from statuscli.cli.secure_common import account
    from statuscli.store import contacts as state_store
    from statuscli.store import peers as peer_store

    local = account(app, unlock=False)
    key = resolve_peer(local, peer)
    st = state_store.get(local.db, key)
    related = st.added_by_us or st.added_us
    transport = None if dry_run or silent or not related else cs.transport_or_offline(app, node, relay)
    if silent or not related:
        c = contacts.describe(local, key) if dry_run else contacts.remove(local, peer, _now(now_ms))
        emit(app, {**c, "sent": [], **({"dry_run": True} if dry_run else {})}, text=cs.text_card(c))
        return
    if transport is None and not dry_run:
        cs.show_offline(app, contacts.remove(local, peer, _now(now_ms)))
        return
    acct = account(app)
    names = contacts.names_of(acct, key)

    def forget_names() -> None:
        for n in names:
            peer_store.remove_contact(acct.db, n)

    cs.send_and_show(app, acct, [Outgoing.contact(key, "retract")], lambda: contacts.describe(acct, key), transport=transport,
                     seed=seed, now_ms=now_ms, before_output=forget_names)  # fmt: skip
