#!/usr/bin/env python3
"""A small bot in Python: listen → decide → reply, with statuscli as a library.

It answers "!ping" with "pong", "!time" with the time, and anything else with an echo, in the
chat the message came from. It talks to a running node through its control socket (no libp2p in
this process) and keeps the cursor of the last event it handled, so a restart neither loses nor
repeats a message.

    STATUSCLI_HOME=… STATUSCLI_PASSWORD_FILE=pw.txt python examples/bot.py [--node SOCKET] [--count N] [--timeout S]

(``STATUSCLI_PASSWORD`` also works; a file keeps the passphrase out of shell history and ``ps``.)

The same loop runs in `statuscli listen`; here every event goes to `on_event` instead of stdout.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path


def answer(text: str) -> str:
    if text.startswith("!ping"):
        return "pong"
    if text.startswith("!time"):
        return time.strftime("it is %H:%M:%S UTC", time.gmtime())
    return f"you said: {text}"


def main() -> int:
    from statuscli.app.accounts import open_account
    from statuscli.app.context import AppContext, default_home
    from statuscli.app.messaging.content import Content
    from statuscli.app.messaging.listener import Listener, ListenOptions
    from statuscli.app.messaging.messenger import Messenger
    from statuscli.app.messaging.transport import open_transport
    from statuscli.core.errors import StatusCliError

    def _passphrase() -> str:
        path = os.environ.get("STATUSCLI_PASSWORD_FILE")
        if path:
            with open(path, encoding="utf-8") as f:
                return f.read().removesuffix("\n")
        return os.environ["STATUSCLI_PASSWORD"]

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--node", help="control socket or multiaddr (default: STATUSCLI_NODE or this home's node)")
    ap.add_argument("--count", type=int, default=None, help="stop after answering N messages")
    ap.add_argument("--timeout", type=float, default=None, help="stop after S seconds")
    args = ap.parse_args()

    app = AppContext(home=default_home(), account=os.environ.get("STATUSCLI_ACCOUNT"))
    app.passphrase_source = lambda confirm: _passphrase()
    try:
        account = open_account(app)
        transport = open_transport(app, node=args.node)
    except StatusCliError as e:
        print(f"bot: {e.message}", file=sys.stderr)
        return e.exit_code
    state = Path(app.home) / "bot-py"
    state.mkdir(parents=True, exist_ok=True)
    cursor_file = state / "cursor"
    since = int(cursor_file.read_text()) if cursor_file.exists() else None
    messenger = Messenger(account)

    def on_event(ev: dict) -> None:
        if ev["type"] in ("message", "contact_request"):
            reply = Content(text=answer(ev["text"]), response_to=ev["id"])
            chat = ev["chat"]
            if chat["kind"] == "public":
                sent = messenger.send_public(chat["id"], reply)
            elif chat["kind"] == "group":
                sent = messenger.send_group(chat["id"], reply)
            else:
                sent = messenger.send_direct(bytes.fromhex(ev["from"][2:]), reply)
            for env in sent.envelopes:
                transport.publish(env)
            messenger.published(sent.envelopes)
            print(f"bot: {ev['from_compressed']}: {ev['text']} -> {reply.text}", file=sys.stderr)
        cursor_file.write_text(str(ev["cursor"]))  # handled: a restart starts after it

    listener = Listener(messenger, transport, ListenOptions(count=args.count, timeout=args.timeout, since=since), on_event,
                        note=lambda s: print(f"bot: {s}", file=sys.stderr))
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: listener.stop())
    try:
        listener.run()
    except StatusCliError as e:
        print(f"bot: {e.message}", file=sys.stderr)
        return e.exit_code
    finally:
        transport.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
