"""statuscli delete — delete a message we sent for everyone (status-go's DeleteMessage), or for us only."""

from __future__ import annotations

import click

from statuscli.cli.context import AppContext, pass_app
from statuscli.cli.message_actions import CHAT_EPILOG, chat_options


@click.command(epilog=CHAT_EPILOG + "\nOnly the author may delete for everyone: others refuse it. --for-me sends nothing.")
@chat_options
@click.option("--for-me", is_flag=True, help="Delete it here only (any message): empties the stored text, logs a 'deleted' event.")
@pass_app
def cli(app: AppContext, message_id, chat, channel, group, dry_run, node, relay, for_me) -> None:
    """Delete MESSAGE_ID for everyone (a message this account wrote), or --for-me only.

    \b
    Examples:
      statuscli delete 0x5f1c… --chat bob
      statuscli delete 0x5f1c… --for-me
      statuscli delete 0x5f1c000000000000000000000000000000000000000000000000000000000000 --chat bob --dry-run
    """
    from statuscli.cli.message_actions import run
    from statuscli.core.payloads import actions

    if for_me:
        from statuscli.app.messaging.actions import delete_for_me
        from statuscli.cli.messaging_common import messenger
        from statuscli.cli.output import emit
        from statuscli.cli.secure_common import account
        from statuscli.core.payloads.contact_requests import normalise_id

        if dry_run:
            from statuscli.core.errors import UsageError

            raise UsageError("--for-me sends nothing: --dry-run does not apply")
        acct = account(app)
        e = delete_for_me(messenger(app, acct), normalise_id(message_id, what="MESSAGE_ID"))
        emit(app, e, text=f"deleted {e['target']} here")
        return
    run(app, message_id, chat, channel, group, dry_run, node, relay,
        lambda clock, cid, mtype, mid: actions.Delete(clock, cid, mid, mtype))  # fmt: skip
