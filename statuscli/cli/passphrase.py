"""Where the keystore passphrase comes from, in this order:

1. ``--password-file FILE`` (global option) or ``STATUSCLI_PASSWORD_FILE``: the file's content,
   without one trailing newline;
2. ``STATUSCLI_PASSWORD``;
3. a hidden prompt on the terminal (stderr), asked twice when creating an account;
4. otherwise :class:`~statuscli.core.errors.PassphraseRequired` (exit 5).

A passphrase is never printed, logged or defaulted; an empty one is refused.
"""

from __future__ import annotations

import os
import sys

from statuscli.cli.context import AppContext
from statuscli.core.errors import InvalidInput, PassphraseRequired


def _strip_newline(text: str) -> str:
    if text.endswith("\r\n"):
        return text[:-2]
    if text.endswith("\n"):
        return text[:-1]
    return text


def read_secret_file(path: str, *, what: str = "password file") -> str:
    """Text of a secret file (``-`` = stdin) without one trailing newline."""
    from statuscli.cli.inputs import read_source

    raw = read_source(path)
    try:
        return _strip_newline(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise InvalidInput(f"the {what} is not UTF-8 text") from None


def _interactive() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty() and sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _prompt(prompt: str, confirm: bool) -> str:
    import click

    while True:
        first = click.prompt(prompt, hide_input=True, err=True, default="", show_default=False)
        if not first:
            click.echo("statuscli: the passphrase cannot be empty", err=True)
            continue
        if not confirm:
            return first
        second = click.prompt("Repeat the passphrase", hide_input=True, err=True, default="", show_default=False)
        if first == second:
            return first
        click.echo("statuscli: the two passphrases differ, try again", err=True)


def read_passphrase(app: AppContext, *, confirm: bool = False, prompt: str = "Passphrase", interactive: bool = True) -> str:
    """The keystore passphrase for this invocation (see the module docstring for the order);
    ``interactive=False`` (shell completion) never prompts."""
    if app.password_file:
        pw = read_secret_file(app.password_file)
        if not pw:
            raise PassphraseRequired(f"the password file {app.password_file} is empty")
        return pw
    env = os.environ.get("STATUSCLI_PASSWORD")
    if env:
        return env
    if interactive and _interactive():
        return _prompt(prompt, confirm)
    raise PassphraseRequired("a passphrase is needed and there is no terminal to ask on")
