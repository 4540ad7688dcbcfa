"""statuscli demo — the life of a message, step by step, on an embedded node."""

from __future__ import annotations

import click

from statuscli.cli.context import AppContext, pass_app
from statuscli.cli.output import emit, info, write_stdout


@click.command()
@click.option("--keep", is_flag=True, help="Keep the temporary home (accounts, node store) and print where it is.")
@pass_app
def cli(app: AppContext, keep: bool) -> None:
    """Walk through the life of a message on a Waku node started for the occasion.

    Starts a full Waku v2 node in this process (relay, lightpush, filter, store, a control socket)
    and two throwaway accounts, Alice and Bob, in a temporary home; then shows each step with the
    real protocol: keys, alias and emoji hash, topics, Bob's bundle published and fetched from the
    store, X3DH, Alice's first message layer by layer, Bob's reply on the negotiated topic with
    the MVDS ack, and offline delivery through the store. Finishes by itself (about 10 s) and
    removes everything it made. --json prints one object with every step's data.

    \b
    Examples:
      statuscli demo
      statuscli --json demo | jq '.steps[] | .title'
      statuscli demo --keep
    """
    from statuscli.app.messaging.demo import Demo

    demo = Demo(keep=keep)
    steps = []
    try:
        for step in demo.steps():
            steps.append(step)
            if not app.json:
                write_stdout(f"\n{step['step']}. {step['title']}\n{step['text']}")
            else:
                info(app, f"{step['step']}. {step['title']}")
    finally:
        demo.close()
    if app.json:
        emit(app, {"ok": True, "steps": steps, "elapsed_s": steps[-1]["elapsed_s"] if steps else 0})
