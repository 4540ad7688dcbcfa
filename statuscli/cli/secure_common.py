"""Shared bits of the secure-transport commands (bundle, x3dh, encrypt, decrypt)."""

from __future__ import annotations

import click

from statuscli.core.errors import UsageError

NOW_HELP = "Current time in ms since the epoch (deterministic runs; default: the clock)."


def now_option(f):
    return click.option("--now", "now_ms", type=int, default=None, metavar="MS", help=NOW_HELP)(f)


SEED_HELP = "Derive every random value (keys, nonces) from this hex seed: reproducible output for vectors."


def seed_option(f):
    return click.option("--seed", metavar="HEX", default=None, help=SEED_HELP)(f)


def rng_from_seed(seed: str | None):
    """None → None (the caller's default, os.urandom); else the one seeded stream (core.crypto.seeded)."""
    if seed is None:
        return None
    from statuscli.core.crypto.seeded import seeded_rng
    from statuscli.core.encoding import from_hex

    return seeded_rng(from_hex(seed, what="--seed"))


def now_ms(value: int | None) -> int:
    if value is not None:
        if value < 0:
            raise UsageError("--now must be a non-negative number of milliseconds")
        return value
    import time

    return int(time.time() * 1000)


def account(app, *, unlock: bool = True):
    from statuscli.app.accounts import open_account

    return open_account(app, unlock=unlock)


def resolve_peer(acct, text: str) -> bytes:
    from statuscli.app.peers import resolve_peer as _resolve

    return _resolve(acct, text)


def read_data(source: str | None, what: str, *, allow_inline: bool = False) -> bytes:
    """FILE|- → bytes given as hex, base64 or raw (``allow_inline``: or FILE is hex data itself)."""
    from statuscli.cli.inputs import decode_bytes, read_source

    raw = read_source(source, allow_inline=allow_inline)
    if not raw.strip():
        raise click.UsageError(f"no {what} given (empty input)")
    return decode_bytes(raw, "auto", what=what)


def short_key(pub: bytes) -> str:
    from statuscli.core.identity.keytext import compressed_key

    return compressed_key(pub)


def write_bytes(data: bytes, fmt: str) -> None:
    """Bytes on stdout: raw, hex (one line) or base64 (one line)."""
    import base64
    import sys

    from statuscli.cli.output import write_stdout

    if fmt == "raw":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    elif fmt == "base64":
        write_stdout(base64.b64encode(data).decode("ascii"))
    else:
        write_stdout(data.hex())
