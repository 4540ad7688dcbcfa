"""statuscli listen — receive messages as events (NDJSON with --json)."""

from __future__ import annotations

import click

from statuscli.cli.context import AppContext, pass_app
from statuscli.cli.messaging_common import transport_options
from statuscli.cli.output import emit_event, info

EPILOG = """\b
Events (with --json, one JSON object per line; every one has "type" and "cursor"):
  message, contact_request   id, chat {kind, id}, from, from_compressed, clock, sent_at, content_type, text, …
                             (outgoing: true — sent by another device of ours; chat id is the peer)
  contact_request_accepted   id, request_id, our_request, chat, from, clock — a peer accepted a request
  contact_update,            id, chat, from, clock, display_name, ens_name, contact_request_clock,
  contact_request_declined   propagated_state, contact {added_by_us, added_us, mutual, request} —
                             a ContactUpdate (declined: they declined our request)
  contact_removed            id, chat, from, clock, contact — they removed us (RetractContactRequest)
  transaction_request        id, chat, from, clock, address, value (wei), contract (token; "" = ETH)
  transaction_sent           id, chat, from, clock, request_id, transaction_hash, signature
  delivered                  id (our message), to — the peer acknowledged it (MVDS)
  device                     installation_id, name, device_type, enabled, targeted — another device of
                             this account announced itself ('statuscli devices enable ID' to use it)
  contact_synced             contact, name, added, blocked, removed — from another device of ours
  bundle                     from, installations, new_installations
  group                      group {chat_id, name, members, admins, …}, new_events
  undecryptable              layer, reason {code, message} — never dropped silently
  application, expired       other message types; a message given up after 16 transmissions
  reaction, edited, deleted, pinned
                             id, target (the message acted on), chat, from, clock, target_known;
                             emoji + retracted | text | for_me | pinned — statuscli react|edit|delete|pin
  gap                        from, to (ns), reason {code, message} — a time range no store could
                             fetch (kept and retried by the next listen / mailserver fetch)
Events from an envelope carry it: envelope (0x… WakuMessage), hash, pubsub_topic, content_topic,
timestamp — 'statuscli envelope inspect' takes the envelope as it is.

\b
Restarting: every event is stored before it is printed. Give the last cursor you handled to
--since and nothing is lost or repeated: stored events after it are replayed, then what arrived
while nothing listened is fetched from the node's store, then live messages follow. A range that
could not be fetched (the node has no store, --no-catch-up) is never skipped silently: it is
printed as a 'gap' and fetched by the next listen or mailserver fetch through a node with a store.

\b
Several listeners on one account: every event is stored in the account's event log before it is
printed, and each listen prints from that log, through its own cursor, every event that matches
its filter — whichever listen (or mailserver fetch) received it. A filtered listen never swallows
what another one would print.

\b
Our own node (--node MULTIADDR) holds at most 16 MiB of received messages waiting to be handled
(STATUSCLI_RECEIVE_QUEUE_BYTES, e.g. 64MiB); beyond it new arrivals are dropped, counted on
stderr and their span fetched from the store.

\b
Stopping: --count reached, --timeout with no --count, or SIGTERM exit 0; Ctrl-C (SIGINT) stops
just as cleanly and exits 130. --timeout bounds the whole run: a long --since replay or catch-up
stops at it too (between store pages, nothing half stored); the range the catch-up did not fetch is
printed as a 'gap' (reason code "timeout") and fetched by the next listen or mailserver fetch.
"""


@click.command(epilog=EPILOG)
@click.option("--chat", metavar="PEER", help="Only events of the 1:1 chat with PEER.")
@click.option("--public", "channel", metavar="CHANNEL", help="Join a public channel and show only its events.")
@click.option("--group", metavar="GROUP", help="Only events of a private group (name or chat id).")
@click.option("--count", type=click.IntRange(1), default=None, metavar="N",
              help="Stop after N messages (message, contact_request, contact_request_accepted, contact_request_declined, "
                   "contact_removed, transaction_request, transaction_sent, device, contact_synced events).")
@click.option("--timeout", type=click.FloatRange(0), default=None, metavar="S",
              help="Stop after S seconds, counted from the start: the --since replay and the catch-up from the store stop "
                   "then too (what was not fetched is kept as a gap for the next listen).")  # fmt: skip
@click.option("--since", type=click.IntRange(0), default=None, metavar="CURSOR",
              help="Replay stored events after CURSOR first (0: all of them).")  # fmt: skip
@click.option("--filter-ping", type=click.FloatRange(0.5), default=15.0, show_default=True, metavar="S",
              help="As a light client (--node MULTIADDR): ping the filter service every S seconds; where it forgot "
                   "us, re-subscribe at once and fetch the missed window from its store.")  # fmt: skip
@click.option("--no-catch-up", is_flag=True, help="Do not fetch what arrived while nothing listened from the store (the range is kept as a gap).")
@transport_options
@pass_app
def cli(app: AppContext, chat, channel, group, count, timeout, since, filter_ping, no_catch_up, node, relay) -> None:
    """Receive messages for this account and print one event per line.

    Subscribes to every topic the account needs (its partitioned and personal topics, the
    negotiated and contact-code topics of its peers, joined public channels), tries every key,
    handles bundles and X3DH, acknowledges MVDS messages and retransmits our own until they are
    acknowledged, de-duplicates, and stores what it receives. Our bundle is published on the
    contact-code topic at start and every 6 hours.

    \b
    Examples:
      statuscli --json listen
      statuscli --json listen --chat bob --count 1 --timeout 30
      statuscli listen --public status
      statuscli --json listen --since 1234 | jq -r 'select(.type == "message") | .text'
      statuscli --json listen | while read -r ev; do …; done      # a bot, see examples/
    """
    import signal

    from statuscli.app.messaging.events import text_line
    from statuscli.app.messaging.listener import Listener, ListenOptions
    from statuscli.cli.messaging_common import chat_filter, messenger, open_transport
    from statuscli.cli.secure_common import account

    acct = account(app)
    flt, channels = chat_filter(acct, chat, channel, group)
    m = messenger(app, acct)
    if channels:
        from statuscli.app.messaging.topics import join_channels

        join_channels(acct, channels, now_ms=m.now_ms())
    transport = open_transport(app, node, relay)
    if hasattr(transport, "set_filter_ping"):
        transport.set_filter_ping(filter_ping)
    opts = ListenOptions(count=count, timeout=timeout, since=since, chat=flt, channels=channels, catch_up=not no_catch_up)
    names = _names(acct)
    listener = Listener(m, transport, opts, lambda ev: emit_event(app, ev, text=lambda e: text_line(e, names)), note=lambda s: info(app, s))

    interrupted = []

    def stop(signum, frame) -> None:
        if signum == signal.SIGINT:
            interrupted.append(signum)
        listener.stop()

    old = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        info(app, f"listening via {getattr(transport, 'description', transport.kind)}")
        listener.run()
    finally:
        _summary(app, transport)
        for s, h in old.items():
            signal.signal(s, h)
        transport.close()
    if interrupted:  # stopped cleanly (everything printed is stored), but Ctrl-C is still exit 130
        raise KeyboardInterrupt


def _summary(app: AppContext, transport) -> None:
    """What our own node counted (stderr): messages its receive queue dropped (always, when any), filter
    re-subscriptions (with -v)."""
    try:
        dropped = transport.dropped() if hasattr(transport, "dropped") else 0
        resubscribed = transport.resubscriptions() if app.verbose and transport.filters_topics and hasattr(transport, "resubscriptions") else None
    except Exception:  # noqa: BLE001 - the node may be gone; a summary never hides the real outcome
        return
    if dropped:
        info(app, f"{dropped} live message(s) dropped: the receive queue was full ({transport.receive_queue_bytes} bytes, "
                  "STATUSCLI_RECEIVE_QUEUE_BYTES); their spans were fetched from the store, or kept as gaps")  # fmt: skip
    if resubscribed is not None:
        info(app, f"filter re-subscriptions: {resubscribed} (the service had forgotten us)")


def _names(acct) -> dict[str, str]:
    from statuscli.app.peers import contacts
    from statuscli.core.encoding import to_hex

    try:
        return {to_hex(key): name for name, key in contacts(acct)}
    except Exception:  # noqa: BLE001 - names are cosmetic
        return {}
