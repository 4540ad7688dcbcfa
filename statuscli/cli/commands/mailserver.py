"""statuscli mailserver — fetch history from a store node (Waku store v3)."""

from __future__ import annotations

import click

from statuscli.cli.context import AppContext, pass_app
from statuscli.cli.messaging_common import transport_options
from statuscli.cli.output import emit_event, info


@click.group()
def cli() -> None:
    """History from Waku store nodes (what status-go calls mailservers).

    \b
    Examples:
      statuscli --json mailserver fetch
      statuscli mailserver fetch --since 2h --chat bob
      statuscli --json mailserver fetch --public status --all --page-size 50
    """


FETCH_EPILOG = """\b
Output: the same events as 'listen' (NDJSON with --json), then one {"type": "summary", pages,
envelopes, new_events, duplicates, not_ours, undecryptable, acks_sent}. Progress goes to stderr.
Envelopes already handled (by listen or an earlier fetch) are skipped; new messages are stored
and acknowledged, so their senders stop retransmitting. An envelope is stored only after its
events were written out: when writing fails (exit 3) or the command is killed, what was not
printed was not stored, and running the same command again prints it. Without --since/--until/
--all/--topic or a chat, the gaps a listen could not fetch earlier are fetched first (a 'gap'
event for each one this store cannot answer either), then everything since the account was last
in sync.
"""


@cli.command(epilog=FETCH_EPILOG)
@click.option("--since", metavar="T", help="From T: Unix seconds, ISO date/time, or a duration ago (30m, 2h, 7d). "
              "[default: the last time this account was in sync, else 24h]")  # fmt: skip
@click.option("--until", metavar="T", help="Up to T. [default: now]")
@click.option("--all", "everything", is_flag=True, help="The store's whole retention period (ignores --since).")
@click.option("--chat", metavar="PEER", help="Only the topics of the 1:1 chat with PEER.")
@click.option("--public", "channel", metavar="CHANNEL", help="Only a public channel (joined if it was not).")
@click.option("--group", metavar="GROUP", help="Only the topics a private group's messages arrive on.")
@click.option("--topic", "topic_text", metavar="CONTENT_TOPIC|0xTOPIC", help="Only this content topic (or 4-byte topic).")
@click.option("--peer", metavar="MULTIADDR", help="Store node to query. [default: the node in use]")
@click.option("--page-size", type=click.IntRange(1, 100), default=100, show_default=True, help="Messages per store page.")
@transport_options
@pass_app
def fetch(app: AppContext, since, until, everything, chat, channel, group, topic_text, peer, page_size, node, relay) -> None:
    """Fetch what the store holds for this account, decrypt what it can, and print the events.

    \b
    Examples:
      statuscli --json mailserver fetch
      statuscli --json mailserver fetch --since 1h | jq -r 'select(.type=="message") | .text'
      statuscli mailserver fetch --chat bob --since 2024-10-24T00:00Z
      statuscli mailserver fetch --peer /ip4/10.0.0.5/tcp/60000/p2p/16Uiu2HAm… --all
    """
    import time

    from statuscli.app.messaging import history, topics
    from statuscli.app.messaging.events import text_line
    from statuscli.app.messaging.incoming import Receiver
    from statuscli.cli.messaging_common import chat_filter, messenger, open_transport, parse_time
    from statuscli.cli.secure_common import account
    from statuscli.core.errors import UsageError

    if topic_text and (chat or channel or group):
        raise UsageError("--topic excludes --chat, --public and --group")
    now_s = time.time()
    acct = account(app)
    flt, channels = chat_filter(acct, chat, channel, group)
    m = messenger(app, acct)
    receiver = Receiver(m, extra_channels=channels, deliver=lambda evs: _deliver(app, evs, flt, text_line))
    content_topics = _topics(acct, receiver, flt, topic_text, topics)
    until_ns = parse_time(until, now_s) if until else None
    if everything:
        since_ns = None
    elif since:
        since_ns = parse_time(since, now_s)
    else:
        cp = history.checkpoint(acct)
        since_ns = cp - history.CATCH_UP_MARGIN_NS if cp else int((now_s - 86400) * 1e9)
    transport = open_transport(app, node, relay)

    def out(ev: dict) -> None:  # events stored without an envelope (gap, expired)
        if flt is None or flt.matches(ev):
            _written(app, ev, text_line)

    from statuscli.cli.output import result_written
    from statuscli.cli.progress import progress

    try:
        with progress(app, "fetching history", total=None) as update:
            if not (everything or since or until or topic_text) and flt is None:  # the default: recorded gaps first
                history.retry_gaps(m, receiver, transport, page_size=page_size, peer=peer, emit=out)
            stats = history.fetch(m, receiver, transport, content_topics=content_topics, since_ns=since_ns, until_ns=until_ns,
                                  page_size=page_size, peer=peer, emit=out,
                                  progress=lambda s: update(completed=s.envelopes, description=f"page {s.pages}"))  # fmt: skip
    finally:
        transport.close()
    summary = stats.to_json()
    with result_written(reader_may_leave=True):
        emit_event(app, summary, text=lambda s: (f"{s['pages']} page(s), {s['envelopes']} envelope(s): {s['new_events']} new event(s), "
                                                 f"{s['duplicates']} already seen, {s['undecryptable']} undecryptable"))  # fmt: skip
    if until_ns is None and not topic_text and flt is None:  # the range counts as fetched once its result is out
        history.covered(acct, since_ns, int(now_s * 1e9))
    if app.json:
        info(app, f"{stats.pages} page(s), {stats.envelopes} envelope(s), {stats.new_events} new event(s)")


def _deliver(app, events: list[dict], flt, text) -> None:
    """A store page's events out (written and flushed) inside its transaction, before the commit —
    or OutputFailed (exit 3): then nothing of that page is stored, and running the same fetch again
    prints it. A reader that leaves early (``| head``) saw what it wanted: exit 0, and the page it
    did not read to the end is not stored either."""
    from statuscli.cli.output import result_written
    from statuscli.core.errors import OutputFailed

    try:
        with result_written(reader_may_leave=True):
            for ev in events:
                if flt is None or flt.matches(ev):
                    emit_event(app, ev, text=text)
    except OutputFailed as e:
        raise OutputFailed(e.message, hint="nothing of the envelope whose events could not be written was stored: "
                                           "run the same command again to get them") from None  # fmt: skip


def _written(app, ev: dict, text) -> None:
    """One event stored without an envelope (a ``gap``, an ``expired`` record) out, or OutputFailed
    (exit 3) saying from which cursor ``listen --since`` replays it; the history checkpoint is not
    advanced. A reader that leaves early (``| head``) saw what it wanted: exit 0."""
    from statuscli.cli.output import result_written
    from statuscli.core.errors import OutputFailed

    try:
        with result_written(reader_may_leave=True):
            emit_event(app, ev, text=text)
    except OutputFailed as e:
        cursor = ev.get("cursor") if isinstance(ev, dict) else None
        if isinstance(cursor, int) and cursor > 0:
            raise OutputFailed(e.message, hint=f"the events from cursor {cursor} on are stored, not lost: "
                                               f"replay them with 'statuscli listen --since {cursor - 1}'") from None  # fmt: skip
        raise


def _topics(acct, receiver, flt, topic_text, topics) -> list[str]:
    if topic_text:
        from statuscli.core.topics import wire

        t = topic_text.strip()
        if t.startswith("/"):
            wire.parse_content_topic(t)  # validates
            return [t]
        return [wire.content_topic(wire.parse_topic_text(t))]
    if flt is None:
        return receiver.topics.content_topics
    if flt.kind == "public":
        return [topics.public(acct.db, flt.id).content_topic]
    mine = [topics.partitioned(acct.chat_public_key).content_topic]
    if flt.kind == "one-to-one":
        peer = bytes.fromhex(flt.id[2:])
        return mine + [topics.negotiated(acct, peer).content_topic]
    from statuscli.app.messaging import groups

    g = groups.load(acct, flt.id)
    return mine + [topics.negotiated(acct, p).content_topic for p in groups.recipients(acct, g)]
