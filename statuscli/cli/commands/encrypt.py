"""statuscli encrypt — encrypt a message to a peer (a ProtocolMessage)."""

from __future__ import annotations

import click

from statuscli.cli.context import AppContext, pass_app
from statuscli.cli.output import emit, info, result_written
from statuscli.cli.secure_common import account, now_option, resolve_peer, rng_from_seed, seed_option, write_bytes
from statuscli.cli.secure_common import now_ms as _now


@click.command()
@click.argument("peer", metavar="PEER")
@click.argument("message", metavar="[MESSAGE|-]", required=False)
@click.option("--raw", is_flag=True, help="Write the ProtocolMessage as raw bytes instead of hex.")
@click.option("--base64", "b64", is_flag=True, help="Write it as base64 instead of hex.")
@click.option("--bytes", "as_bytes", is_flag=True,
              help="MESSAGE is data (hex/base64), or stdin is taken byte for byte, instead of text.")  # fmt: skip
@click.option("--bundle-only", is_flag=True,
              help="No MESSAGE: a bundle advertisement (DH message, empty payload) for a peer who cannot read us.")  # fmt: skip
@now_option
@seed_option
@pass_app
def cli(app: AppContext, peer: str, message: str | None, raw: bool, b64: bool, as_bytes: bool, bundle_only: bool,
        now_ms: int | None, seed: str | None) -> None:  # fmt: skip
    """Encrypt MESSAGE (or stdin) for PEER: a ProtocolMessage, hex on stdout.

    Uses the Double Ratchet session with each of PEER's installations (starting one by X3DH from
    a stored bundle when needed), or the DH fallback when no installation of PEER is known. Our
    bundle is attached. The session advances and the message is recorded in one transaction,
    committed only after the message was written out (a failed write changes nothing: exit 3).
    PEER is 0x04…, zQ3… or a contact name.

    --bundle-only answers a peer whose messages fail with device-not-found or session-not-found
    (account recovery, a new device): it carries our current bundle so they can start over.

    \b
    Examples:
      statuscli encrypt bob "hello"
      echo hello | statuscli encrypt zQ3shdsKbXgWwHcg4DMMg7aeASNir7sqEkLZDvH1SFgwMp4Mh - > msg.hex
      statuscli encrypt bob "hi" --raw | statuscli --account bob decrypt -
      statuscli --account bob encrypt alice --bundle-only > advert.hex
    """
    from statuscli.app.secure import encrypt_for_peer
    from statuscli.cli.inputs import bytes_arg, read_stdin_bytes, text_arg
    from statuscli.core.errors import UsageError

    if raw and b64:
        raise UsageError("--raw and --base64 exclude each other")
    fmt = "raw" if raw else "base64" if b64 else "hex"
    if bundle_only:
        from statuscli.app.secure import bundle_advertisement

        if message is not None:
            raise UsageError("--bundle-only takes no MESSAGE")
        def deliver_advert(data: bytes) -> None:
            with result_written():
                if app.json:
                    emit(app, {"message": data, "paths": {"none": "dh"}, "bundle_only": True})
                else:
                    write_bytes(data, fmt)

        acct = account(app)
        bundle_advertisement(acct, resolve_peer(acct, peer), now_ms=_now(now_ms), force=True, rng=rng_from_seed(seed), deliver=deliver_advert)
        return
    if as_bytes:
        payload = read_stdin_bytes() if message in (None, "-") else bytes_arg(message, what="MESSAGE")
    else:
        payload = text_arg(message).encode("utf-8")
    def deliver(result) -> None:  # before the commit: a failed write leaves the session as it was
        with result_written():
            if app.json:
                emit(app, result.to_json())
            else:
                write_bytes(result.message, fmt)

    acct = account(app)
    result = encrypt_for_peer(acct, resolve_peer(acct, peer), payload, now_ms=_now(now_ms), rng=rng_from_seed(seed), deliver=deliver)
    if app.json:
        return
    how = ", ".join(f"{k}: {v}" for k, v in result.paths.items())
    info(app, f"encrypted for {len(result.paths)} target(s) ({how}); shared secret agreed: {'yes' if result.shared_secret_agreed else 'no'}")
