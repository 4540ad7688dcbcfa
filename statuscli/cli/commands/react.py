"""statuscli react — an emoji reaction to a message (status-go's EmojiReaction), or take it back."""

from __future__ import annotations

import click

from statuscli.cli.context import AppContext, pass_app
from statuscli.cli.message_actions import CHAT_EPILOG, chat_options


@click.command(epilog=CHAT_EPILOG)
@chat_options
@click.option("--emoji", "emoji", default="thumbs-up", show_default=True, metavar="REACTION",
              help="love ❤️, thumbs-up 👍, thumbs-down 👎, laugh 😂, sad 😢 or angry 😡 (name, emoji or 1–6).")
@click.option("--retract", is_flag=True, help="Take the reaction back.")
@pass_app
def cli(app: AppContext, message_id, chat, channel, group, dry_run, node, relay, emoji, retract) -> None:
    """React to MESSAGE_ID with an emoji (or --retract it).

    \b
    Examples:
      statuscli react 0x5f1c… --chat bob --emoji love
      statuscli react 0x5f1c… --public status --emoji 👍
      statuscli react 0x5f1c… --emoji laugh --retract
      statuscli react 0x5f1c000000000000000000000000000000000000000000000000000000000000 --chat bob --dry-run
    """
    from statuscli.cli.message_actions import run
    from statuscli.core.payloads import actions

    kind = actions.reaction_type(emoji)
    run(app, message_id, chat, channel, group, dry_run, node, relay,
        lambda clock, cid, mtype, mid: actions.Reaction(clock, cid, mid, mtype, kind, retract))  # fmt: skip
