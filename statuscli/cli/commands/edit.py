"""statuscli edit — replace the text of a message we sent (status-go's EditMessage)."""

from __future__ import annotations

import click

from statuscli.cli.context import AppContext, pass_app
from statuscli.cli.message_actions import CHAT_EPILOG, chat_options


@click.command(epilog=CHAT_EPILOG + "\nOnly the author may edit: others refuse an edit of a message it did not write.")
@chat_options
@click.argument("text", metavar="TEXT|-")
@pass_app
def cli(app: AppContext, message_id, chat, channel, group, dry_run, node, relay, text) -> None:
    """Replace the text of MESSAGE_ID (a message this account wrote) with TEXT.

    \b
    Examples:
      statuscli edit 0x5f1c… "hello, fixed" --chat bob
      echo "new text" | statuscli edit 0x5f1c… - --public status
      statuscli edit 0x5f1c000000000000000000000000000000000000000000000000000000000000 "typo fixed" --chat bob --dry-run
    """
    from statuscli.cli.inputs import text_arg
    from statuscli.cli.message_actions import run
    from statuscli.core.payloads import actions

    body = text_arg(text)
    run(app, message_id, chat, channel, group, dry_run, node, relay,
        lambda clock, cid, mtype, mid: actions.Edit(clock, cid, mid, mtype, body))  # fmt: skip
