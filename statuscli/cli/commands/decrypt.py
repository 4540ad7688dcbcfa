"""statuscli decrypt — decrypt a ProtocolMessage, advancing the session."""

from __future__ import annotations

import click

from statuscli.cli.context import AppContext, pass_app
from statuscli.cli.output import emit, result_written
from statuscli.cli.secure_common import account, now_option, read_data, resolve_peer, short_key
from statuscli.cli.secure_common import now_ms as _now


@click.command()
@click.argument("source", metavar="[FILE|-]", required=False)
@click.option("--sender", metavar="PEER", help="The sender's key or contact name, when the message does not tell.")
@click.option("--no-commit", is_flag=True, help="Decrypt without advancing the session or storing anything.")
@click.option("--raw", is_flag=True, help="Write only the plaintext bytes.")
@now_option
@pass_app
def cli(app: AppContext, source: str | None, sender: str | None, no_commit: bool, raw: bool, now_ms: int | None) -> None:
    """Decrypt a ProtocolMessage (hex, base64 or raw; FILE or stdin): the plaintext and its sender.

    Bundles attached to the message are verified and stored, the session advances (or is created
    by an X3DH header), all in one transaction, committed only after the result was written out;
    nothing changes when decryption fails (exit 4: tampered, replayed, not for this installation,
    unknown session) or when the result cannot be written (exit 3: the message can be decrypted again).
    FILE may also be the data itself as hex (0x…, or 32+ hex digits) when no such file exists.

    \b
    Examples:
      statuscli --account bob --json decrypt msg.hex --no-commit     # look only: nothing changes
      statuscli --account bob decrypt msg.hex
      statuscli --account alice encrypt bob hi | statuscli --account bob decrypt
    """
    import sys

    from statuscli.app.secure import decrypt_protocol_message

    data = read_data(source, "message", allow_inline=True)
    acct = account(app)
    sender_pub = resolve_peer(acct, sender) if sender else None

    def deliver(result) -> None:  # before the commit: a failed write leaves the ratchet where it was
        with result_written():
            if raw:
                sys.stdout.buffer.write(result.plaintext)
            else:
                emit(app, _render(result), text=_text(result))

    decrypt_protocol_message(acct, data, sender_pub=sender_pub, commit=not no_commit, now_ms=_now(now_ms), deliver=deliver)


def _render(result) -> dict:
    out = result.to_json()
    try:
        out["text"] = result.plaintext.decode("utf-8")
    except UnicodeDecodeError:
        out["text"] = None
    out["sender_compressed_key"] = short_key(result.sender) if result.sender else None
    return out


def _text(result):
    def text(d: dict) -> str:
        who = d["sender_compressed_key"] or "unknown sender"
        body = d["text"] if d["text"] is not None else "0x" + result.plaintext.hex()
        flag = "" if d["authenticated"] else " (unauthenticated)"
        return f"from: {who}{flag}\ninstallation: {d['sender_installation_id']}\npath: {d['path']}\nmessage: {body}"

    return text
