"""statuscli pin — pin a message in its chat, or unpin it (status-go's PinMessage)."""

from __future__ import annotations

import click

from statuscli.cli.context import AppContext, pass_app
from statuscli.cli.message_actions import CHAT_EPILOG, chat_options


@click.command(epilog=CHAT_EPILOG)
@chat_options
@click.option("--unpin", is_flag=True, help="Unpin it instead.")
@pass_app
def cli(app: AppContext, message_id, chat, channel, group, dry_run, node, relay, unpin) -> None:
    """Pin MESSAGE_ID in its chat (or --unpin it).

    \b
    Examples:
      statuscli pin 0x5f1c… --chat bob
      statuscli pin 0x5f1c… --group friends --unpin
      statuscli pin 0x5f1c000000000000000000000000000000000000000000000000000000000000 --group friends --dry-run
    """
    from statuscli.cli.message_actions import run
    from statuscli.core.payloads import actions

    run(app, message_id, chat, channel, group, dry_run, node, relay,
        lambda clock, cid, mtype, mid: actions.Pin(clock, cid, mid, mtype, not unpin))  # fmt: skip
