"""Global options and the per-invocation context every command receives.

Global options may appear before or after the subcommand (``statuscli --json keys list`` and
``statuscli keys list --json`` are the same): :func:`hoist_global_options` moves them to the
front of ``argv`` before click parses it. Everything after a bare ``--`` is left alone.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from statuscli.app.context import AppContext, default_home

# option -> takes a value?
GLOBAL_OPTIONS: dict[str, bool] = {
    "--home": True,
    "--account": True,
    "--output": True,
    "--password-file": True,
    "--json": False,
    "--verbose": False,
    "--quiet": False,
}
GLOBAL_SHORT_FLAGS = {"-v": "--verbose"}


def _is_verbose_cluster(token: str) -> bool:
    return len(token) >= 2 and token[0] == "-" and token[1] != "-" and set(token[1:]) == {"v"}


def hoist_global_options(argv: list[str]) -> list[str]:
    """Return ``argv`` with every global option (and its value) moved to the front."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(argv):
        tok = argv[i]
        if tok == "--":
            rest.extend(argv[i:])
            break
        name = tok.split("=", 1)[0]
        if name in GLOBAL_OPTIONS:
            front.append(tok)
            if GLOBAL_OPTIONS[name] and "=" not in tok and i + 1 < len(argv):
                front.append(argv[i + 1])
                i += 1
        elif _is_verbose_cluster(tok):
            front.extend(["--verbose"] * (len(tok) - 1))
        else:
            rest.append(tok)
        i += 1
    return front + rest


pass_app = click.make_pass_decorator(AppContext)


def complete_account_names(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
    """Shell completion of account names, from --home (or $STATUSCLI_HOME) on the line so far."""
    from click.shell_completion import CompletionItem

    from statuscli.app.context import default_home
    from statuscli.store.accounts import Home

    try:
        home = ctx.find_root().params.get("home")
        names = Home(Path(home).expanduser() if home else default_home()).names()
    except Exception:  # completion must never fail loudly
        return []
    return [CompletionItem(n) for n in names if n.startswith(incomplete)]


def global_options(f):
    """Decorate the root group with the global options (documented in ``--help``)."""
    f = click.option("--quiet", is_flag=True, help="No progress or log output on stderr (stdout is unchanged).")(f)
    f = click.option("-v", "--verbose", count=True, help="More logging on stderr; -vv shows tracebacks.")(f)
    f = click.option("--json", "json_flag", is_flag=True, help="Short for --output json.")(f)
    f = click.option(
        "--output",
        type=click.Choice(["text", "json"]),
        default=None,
        help="Result format on stdout. [env: STATUSCLI_OUTPUT]",
    )(f)
    f = click.option(
        "--password-file",
        type=click.Path(dir_okay=False),
        default=None,
        help="Read the keystore passphrase from this file. [env: STATUSCLI_PASSWORD_FILE]",
    )(f)
    f = click.option("--account", default=None, shell_complete=complete_account_names,
                     help="Account name (default: the default account). [env: STATUSCLI_ACCOUNT]")(f)
    f = click.option(
        "--home",
        type=click.Path(file_okay=False),
        default=None,
        help="Keystore folder. [env: STATUSCLI_HOME; default: $XDG_DATA_HOME/statuscli]",
    )(f)
    return f


def make_context(home, account, output, json_flag, verbose, quiet, password_file) -> AppContext:
    fmt = "json" if json_flag else (output or os.environ.get("STATUSCLI_OUTPUT") or "text")
    if fmt not in ("text", "json"):
        raise click.BadParameter(f"STATUSCLI_OUTPUT must be text or json, not {fmt!r}")
    app = AppContext(
        home=Path(home).expanduser() if home else default_home(),
        account=account or os.environ.get("STATUSCLI_ACCOUNT") or None,
        output=fmt,
        verbose=verbose,
        quiet=quiet,
        password_file=password_file or os.environ.get("STATUSCLI_PASSWORD_FILE") or None,
    )

    def passphrase_source(confirm: bool) -> str:
        from statuscli.cli.passphrase import read_passphrase

        return read_passphrase(app, confirm=confirm)

    app.passphrase_source = passphrase_source
    return app
