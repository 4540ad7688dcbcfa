"""statuscli send — send a message to a peer, a public channel or a private group."""

from __future__ import annotations

import click

from statuscli.cli.context import AppContext, pass_app
from statuscli.cli.messaging_common import transport_options
from statuscli.cli.output import emit, info, result_written, write_stdout
from statuscli.cli.secure_common import NOW_HELP, SEED_HELP

LATEST = "latest"
EPILOG = """\b
Output: the message id (0x…) on stdout; with --json one object: id, chat, recipients (per peer:
topic, content_topic, ratchet paths), envelopes [{hash, content_topic, …}], transport.
The result is written before anything is stored, and published after: if stdout cannot be
written, nothing is stored or sent (exit 3, output-failed); if publishing fails after that, the
message is stored and MVDS retransmits it from 'listen' until the peer acknowledges it (exit 6).
With --dry-run the WakuMessage(s) are printed as hex, one per line (the id goes to stderr), and
nothing is published or stored: the ratchet, MVDS, the chat clock and the outbox stay as they
were (the envelopes use the keys the next real message will use: do not publish them).
"""


def _content(message: str | None, sticker, emoji, image, audio, duration, reply_to, contact_request, ens_name=""):
    from statuscli.app.messaging.content import Content
    from statuscli.cli.inputs import read_source, text_arg
    from statuscli.core.errors import InvalidInput

    need_text = image is None and audio is None and sticker is None
    text = text_arg(message) if (message is not None or need_text) else ""
    st = None
    if sticker:
        h, _, pack = sticker.partition(":")
        try:
            st = (h, int(pack or 0))
        except ValueError:
            raise InvalidInput(f"--sticker takes HASH[:PACK], not {sticker!r}") from None
    img = read_source(image) if image else None
    aud = (read_source(audio), duration) if audio else None
    c = Content(text=text, sticker=st, emoji=emoji, image=img, audio=aud, response_to=reply_to or "", contact_request=contact_request,
                ens_name=ens_name or "")  # fmt: skip
    c.check()
    return c


@click.command(epilog=EPILOG)
@click.argument("target", metavar="[PEER]", required=False)
@click.argument("message", metavar="[MESSAGE|-]", required=False)
@click.option("--public", "channel", metavar="CHANNEL", help="Send to a public channel (its topic and key come from the name).")
@click.option("--group", metavar="GROUP", help="Send to a private group (name or chat id): pairwise to each member.")
@click.option("--sticker", metavar="HASH[:PACK]", help="Send a sticker.")
@click.option("--emoji", is_flag=True, help="MESSAGE is an emoji (content type EMOJI).")
@click.option("--image", metavar="FILE|-", help="Send an image (PNG, JPEG, WEBP or GIF); MESSAGE is an optional caption.")
@click.option("--audio", metavar="FILE|-", help="Send an audio message (AAC or AMR).")
@click.option("--duration", type=click.IntRange(0), default=0, metavar="MS", help="Duration of --audio in milliseconds.")
@click.option("--reply-to", metavar="ID", help="Message id (0x…) this message replies to.")
@click.option("--contact-request", is_flag=True, help="Send MESSAGE as a contact request (1:1 only).")
@click.option("--accept-contact-request", "accept", is_flag=False, flag_value=LATEST, default=None, metavar="[ID]",
              help="Accept PEER's contact request (its message id; default: the newest one received from PEER). No MESSAGE.")  # fmt: skip
@click.option("--request-transaction", "tx_request", metavar="ADDRESS",
              help="Ask PEER for a transaction to ADDRESS (status-go's RequestTransaction): --value WEI [--token CONTRACT]. No MESSAGE.")
@click.option("--transaction-sent", "tx_sent", metavar="TXHASH",
              help="Tell PEER a transaction was sent (SendTransaction): --signature HEX [--reply-to REQUEST_ID]. No MESSAGE.")
@click.option("--value", "wei", metavar="WEI", help="With --request-transaction: the amount in wei (a whole number).")
@click.option("--token", metavar="CONTRACT", help="With --request-transaction: the token's contract address (default: ETH).")
@click.option("--signature", metavar="HEX", help="With --transaction-sent: the transaction's signature, as the wallet made it.")
@click.option("--ens-name", metavar="NAME.eth", envvar="STATUSCLI_ENS_NAME", show_envvar=True,
              help="Claim this ENS name as ours in the message (ChatMessage.ens_name); receivers check it on the chain.")
@click.option("--each-line", is_flag=True, help="Send every non-empty line of MESSAGE (or stdin) as its own message; one id per line.")
@click.option("--dry-run", is_flag=True, help="Print the WakuMessage(s) instead of publishing them.")
@transport_options
@click.option("--now", "now_ms", type=int, default=None, metavar="MS", help=NOW_HELP)
@click.option("--seed", metavar="HEX", default=None, help=SEED_HELP)
@pass_app
def cli(app: AppContext, target, message, channel, group, sticker, emoji, image, audio, duration, reply_to, contact_request,
        accept, tx_request, tx_sent, wei, token, signature, ens_name, each_line, dry_run, node, relay, now_ms, seed) -> None:  # fmt: skip
    """Send MESSAGE (or stdin) to PEER, a public channel or a private group; print the message id.

    PEER is 0x04…, zQ3… or a contact name. 1:1 messages go through MVDS (retransmitted until
    acknowledged) and the Double Ratchet: X3DH from the peer's bundle when one is known, else the
    DH fallback that any device of the peer can read. They travel on the peer's partitioned topic
    (ECIES) until both sides agreed on the shared secret, then on the negotiated topic (AES-GCM).
    Public channels use the channel's topic and a key derived from its name; groups are pairwise.

    The message is published through a running node's control socket, else as a light client of
    --node / STATUSCLI_NODE, or joining the relay mesh with --relay.

    \b
    Examples:
      statuscli send bob "hello bob"
      echo "from a pipe" | statuscli send zQ3shdsKbXgWwHcg4DMMg7aeASNir7sqEkLZDvH1SFgwMp4Mh -
      statuscli send bob "hi" --contact-request
      statuscli send alice --accept-contact-request
      statuscli send --public status "gm"
      statuscli send --group friends "dinner at 8?"
      statuscli send bob --image cat.png "look"
      statuscli send bob "👍" --emoji --reply-to 0x5f1c…
      statuscli send bob --request-transaction 0x8ba1f109551bD432803012645Ac136ddd64DBA72 --value 1000000000000000000
      statuscli send alice --transaction-sent 0x5c50…(64 hex) --signature 0x1b2f… --reply-to 0x9e3a…
      statuscli send bob "hi" --dry-run | statuscli --account bob envelope inspect -
      statuscli send bob "hi" --ens-name alice.eth --dry-run
      statuscli send bob "hi" --node /ip4/127.0.0.1/tcp/60000/p2p/16Uiu2HAm…
      seq 1 100 | statuscli send bob --each-line -
    """
    from statuscli.cli.messaging_common import messenger, open_transport
    from statuscli.cli.secure_common import account
    from statuscli.core.errors import UsageError

    if channel and group:
        raise UsageError("--public and --group exclude each other")
    if accept is not None and not target:
        raise UsageError("--accept-contact-request answers a 1:1 contact request: give PEER (before the option)",
                         hint="statuscli send PEER --accept-contact-request [ID]")  # fmt: skip
    if channel or group:
        if message is not None:
            raise UsageError(f"with --{'public' if channel else 'group'}, give only MESSAGE (no PEER)")
        message, target = target, None
    elif not target:
        raise UsageError("give PEER (or --public CHANNEL / --group GROUP)", hint="statuscli send PEER [MESSAGE|-]")
    if channel is not None and not channel.strip():
        raise UsageError("--public needs a channel name")
    acct = account(app)
    peer = group_id = None
    if target:
        from statuscli.app.peers import resolve_peer

        peer = resolve_peer(acct, target)
    if group:
        from statuscli.app.messaging.groups import resolve

        group_id = resolve(acct, group)
    if contact_request and not peer:
        from statuscli.core.errors import InvalidInput

        raise InvalidInput("contact requests are 1:1 messages", hint="give PEER instead of --public/--group")
    from statuscli.app.messaging import sending

    wallet = _wallet(peer, message, tx_request, tx_sent, wei, token, signature, reply_to,
                     accept or contact_request or each_line or sticker or emoji or image or audio)  # fmt: skip
    if wallet is not None:
        outgoing = [wallet]
    elif accept is not None:
        _check_accept(accept, peer, message, contact_request or each_line or sticker or emoji or image or audio or reply_to)
        if accept == LATEST:  # found before any node is needed
            from statuscli.app.messaging.messenger import latest_contact_request

            accept = latest_contact_request(acct, peer)
        outgoing = [sending.Outgoing.accept(peer, accept)]
    else:
        if each_line:
            from statuscli.cli.inputs import text_arg

            if sticker or image or audio or emoji:
                raise UsageError("--each-line sends text lines only")
            contents = [_content(line, None, False, None, None, 0, reply_to, contact_request, ens_name)
                        for line in text_arg(message).splitlines() if line.strip()]  # fmt: skip
            if not contents:
                raise UsageError("--each-line: no lines to send")
        else:
            contents = [_content(message, sticker, emoji, image, audio, duration, reply_to, contact_request, ens_name)]
        make = (lambda c: sending.Outgoing.public(channel, c)) if channel else \
            (lambda c: sending.Outgoing.group(group_id, c)) if group_id else (lambda c: sending.Outgoing.direct(peer, c))  # fmt: skip
        outgoing = [make(c) for c in contents]
    transport = None if dry_run else open_transport(app, node, relay)  # unreachable: exit 6 before anything changes
    how = None if transport is None else getattr(transport, "description", transport.kind)
    results: list[dict] = []

    def deliver(sent) -> None:  # before the commit: a failed write leaves everything as it was
        results.extend(sent_result(s, how) for s in sent)
        with result_written(reader_may_leave=dry_run):
            if dry_run:
                _dry_run(app, results)
            elif each_line:
                emit(app, {"count": len(results), "messages": results}, text="\n".join(d["id"] for d in results))
            else:
                emit(app, results[0], text=results[0]["id"])

    try:
        report = sending.send(messenger(app, acct, seed=seed, now_ms=now_ms), outgoing, deliver=deliver, transport=transport)
    finally:
        if transport is not None:
            transport.close()
    if not dry_run:
        info(app, _summary(results, report.published))


def sent_result(sent, how: str | None) -> dict:
    """What was sent, as printed: with ``how`` it went (its transport), the envelopes' bytes left out
    (they are on the network); without (a dry run), the envelopes whole. ``contacts add|accept|…``
    print the same."""
    data = sent.to_json()
    if how is not None:
        data["transport"] = how
        for e in data["envelopes"]:
            del e["envelope"]
    return data


def _wallet(peer, message, tx_request, tx_sent, wei, token, signature, reply_to, other):
    """The wallet command asked for (checked before any node is reached), or None."""
    from statuscli.core.errors import InvalidInput, UsageError

    if tx_request is None and tx_sent is None:
        if wei is not None or token is not None or signature is not None:
            raise UsageError("--value/--token go with --request-transaction, --signature with --transaction-sent")
        return None
    from statuscli.app.messaging import sending
    from statuscli.core.payloads import wallet_commands as wc

    if tx_request is not None and tx_sent is not None:
        raise UsageError("--request-transaction and --transaction-sent exclude each other")
    if not peer:
        raise UsageError("wallet commands are 1:1 messages: give PEER, not --public/--group")
    if message is not None or other:
        raise UsageError("wallet commands send no MESSAGE and no other content options")
    if tx_request is not None:
        if wei is None:
            raise UsageError("--request-transaction needs --value WEI", hint="statuscli send PEER --request-transaction ADDRESS --value WEI")
        if signature is not None or reply_to:
            raise UsageError("--signature and --reply-to go with --transaction-sent")
        fields = {"address": wc.check_address(tx_request, "--request-transaction"), "value": wc.check_wei(wei),
                  "contract": wc.check_address(token, "--token") if token else ""}  # fmt: skip
        return sending.Outgoing.wallet(peer, "request", **fields)
    if wei is not None or token is not None:
        raise UsageError("--value and --token go with --request-transaction")
    if signature is None:
        raise UsageError("--transaction-sent needs --signature HEX (status-go refuses it without)")
    t = signature[2:] if signature[:2] in ("0x", "0X") else signature
    try:
        sig = bytes.fromhex(t)
    except ValueError:
        sig = b""
    if not sig:
        raise InvalidInput(f"--signature takes hex bytes, not {signature[:80]!r}")
    request_id = ""
    if reply_to:
        from statuscli.core.payloads import contact_requests

        request_id = contact_requests.normalise_id(reply_to, what="--reply-to (the transaction request answered)")
    return sending.Outgoing.wallet(peer, "sent", transaction_hash=wc.check_tx_hash(tx_sent), signature=sig, request_id=request_id)


def _check_accept(accept: str, peer, message, other) -> None:
    from statuscli.core.errors import UsageError

    if not peer:
        raise UsageError("--accept-contact-request answers a 1:1 contact request: give PEER, not --public/--group")
    if accept != LATEST:
        t = accept[2:] if accept[:2] in ("0x", "0X") else accept
        if len(t) != 64 or any(c not in "0123456789abcdefABCDEF" for c in t):
            raise UsageError(f"--accept-contact-request takes the request's message id (0x + 64 hex digits), not {accept[:80]!r}",
                             hint="statuscli send PEER --accept-contact-request [ID]  (PEER before the option)")  # fmt: skip
    if message is not None or other:
        raise UsageError("--accept-contact-request sends no MESSAGE and no content options")


def _summary(results: list[dict], published: list[dict]) -> str:
    d = results[-1]
    where = {"one-to-one": "to " + d["chat"]["id"][:12] + "…", "public": "to #" + d["chat"]["id"], "group": "to the group"}[d["chat"]["kind"]]
    topics = sorted({r.get("topic", "") for r in d["recipients"] if r.get("topic")})
    on = f" on the {'/'.join(topics)} topic" if topics else ""
    peers = [p["relay_peer_count"] for p in published if isinstance(p.get("relay_peer_count"), int)]
    reach = f" ({min(peers)} relay peer(s))" if peers else ""
    n = f"{len(results)} message(s)" if len(results) > 1 else "sent"
    return f"{n} {where}{on} in {len(published)} envelope(s) via {d.get('transport', 'nothing')}{reach}"


def _dry_run(app, results: list[dict]) -> None:
    if app.json:
        for d in results:
            d["dry_run"] = True
        emit(app, results[0] if len(results) == 1 else {"count": len(results), "messages": results})
        return
    for d in results:
        for e in d["envelopes"]:
            write_stdout(e["envelope"])
    n = sum(len(d["envelopes"]) for d in results)
    info(app, f"message id(s): {' '.join(d['id'] for d in results)} (dry run: {n} envelope(s) printed, nothing published)")
