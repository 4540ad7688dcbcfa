"""The contact commands that send (add, accept, decline, remove): the transport, the send, the output.

Order of work (the ``send`` rules): the messages and the state move are built in one transaction;
the result (the contact after the move, and what was sent) is written; then it commits and the
envelopes are published. ``--dry-run`` prints the envelopes and changes nothing. With no node at
all (no ``--node``, no ``STATUSCLI_NODE``, no running node of this home) the move is made here only
and the output says nothing was sent (``sent: []``, ``offline: true``).
"""

from __future__ import annotations

import os

import click

from statuscli.cli.output import emit, info, result_written, write_stdout

#: status-go's text of a contact request sent by AddContact (``defaultContactRequestText``)
DEFAULT_REQUEST_TEXT = "Please add me to your contacts"
OFFLINE_NOTE = "not sent: no node (give --node, set STATUSCLI_NODE or start 'statuscli node run'); changed here only"


def sending_options(f):
    """--dry-run, the transport options, --now and --seed (as ``send``)."""
    from statuscli.cli.messaging_common import transport_options
    from statuscli.cli.secure_common import NOW_HELP, SEED_HELP

    f = click.option("--seed", metavar="HEX", default=None, help=SEED_HELP)(f)
    f = click.option("--now", "now_ms", type=int, default=None, metavar="MS", help=NOW_HELP)(f)
    f = transport_options(f)
    return click.option("--dry-run", is_flag=True, help="Print the WakuMessage(s) instead of publishing them; nothing changes.")(f)


def transport_or_offline(app, node: str | None, relay: bool):
    """The transport ``send`` would use, or None when no node is named or running (offline).
    A node that is named but unreachable is a NetworkError (exit 6), as for ``send``."""
    from statuscli.cli.messaging_common import open_transport
    from statuscli.net.control_client import NodeNotRunning, find_socket

    ctx = click.get_current_context(silent=True)
    meta = ctx.meta if ctx is not None else {}
    named = node or relay or os.environ.get("STATUSCLI_NODE") or meta.get("discovery.find_bootstrap") or meta.get("discovery.find_enrtree")
    if not named:
        try:
            find_socket(app.home)
        except NodeNotRunning:
            return None
    return open_transport(app, node, relay)


def send_and_show(app, acct, outgoing: list, card, *, transport, seed: str | None, now_ms: int | None, before_output=None) -> None:
    """Send ``outgoing`` (one batch) and print ``card()`` — the contact as the move left it, read
    inside the transaction — with ``sent`` (one entry per message). ``transport`` None: a dry run."""
    from statuscli.app.messaging import sending
    from statuscli.cli.messaging_common import messenger
    from statuscli.cli.commands.send import sent_result

    dry_run = transport is None
    how = None if dry_run else getattr(transport, "description", transport.kind)

    def deliver(sent) -> None:
        if before_output is not None:
            before_output()  # e.g. the contact's name: in the same transaction
        results = [sent_result(s, how) for s in sent]
        out = {**card(), "sent": results, **({"dry_run": True} if dry_run else {})}
        with result_written(reader_may_leave=dry_run):
            if dry_run and not app.json:
                for d in results:
                    for e in d["envelopes"]:
                        write_stdout(e["envelope"])
            else:
                emit(app, out, text=text_card(out))

    try:
        report = sending.send(messenger(app, acct, seed=seed, now_ms=now_ms), outgoing, deliver=deliver, transport=transport)
    finally:
        if transport is not None:
            transport.close()
    n = sum(len(s.envelopes) for s in report.sent)
    kinds = ", ".join(s.to_json()["id"][:10] + "…" for s in report.sent)
    info(app, f"{len(report.sent)} message(s) ({kinds}) in {n} envelope(s) " + ("printed, nothing published or stored (dry run)"
                                                                           if dry_run else f"published via {how}"))  # fmt: skip


def show_offline(app, c: dict) -> None:
    out = {**c, "sent": [], "offline": True}
    emit(app, out, text=text_card(out))
    info(app, OFFLINE_NOTE)


def text_card(c: dict) -> str:
    from statuscli.cli.commands.contacts import _card

    text = _card(c)
    if c.get("ens"):
        text += f"\nens name:    {c['ens']['name']} (resolver {c['ens']['resolver']})"
    if c.get("display_name"):
        text += f"\nthey say:    {c['display_name']}" + (f" ({c['claimed_ens_name']})" if c.get("claimed_ens_name") else "")
    return text
