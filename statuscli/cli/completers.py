"""Shell completion of values: file names, account names, contact names.

:func:`attach_completers` runs on every command the registry loads (next to the global options):
a parameter whose metavar names a file (``FILE``, ``PATH``, ``SOCKET``, ``ENVELOPE``) completes
file names, one naming a folder (``DIR``) folder names, and one naming a peer (``PEER``) contact
names — unless the command gave it a completion of its own. So a new command gets them by naming
its metavars as the help shows them.

Contact names come from the functions in :data:`PEER_SOURCES`, each ``source(app) -> names``;
today the names given with ``bundle import --name``. Another store of names (a contacts table)
adds itself with :func:`peer_source`. Completion never fails loudly and never asks a passphrase.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import click

#: each returns the peer names it knows for the invocation's account (AppContext -> names)
PEER_SOURCES: list[Callable[[object], Iterable[str]]] = []

_FILE_WORDS = {"FILE", "PATH", "SOCKET", "ENVELOPE"}
_DIR_WORDS = {"DIR", "DIRECTORY", "FOLDER"}
_PEER_WORDS = {"PEER"}


def peer_source(fn: Callable[[object], Iterable[str]]) -> Callable[[object], Iterable[str]]:
    """Register ``fn(app) -> names`` as a source of peer names for completion."""
    if fn not in PEER_SOURCES:
        PEER_SOURCES.append(fn)
    return fn


@peer_source
def imported_bundle_names(app) -> list[str]:
    """Names given to peers with ``bundle import --name`` (read without unlocking the account)."""
    from statuscli.app.accounts import open_account
    from statuscli.app.peers import contacts

    return [name for name, _key in contacts(open_account(app, unlock=False))]


def complete_files(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
    from click.shell_completion import CompletionItem

    return [CompletionItem(incomplete, type="file")]


def complete_dirs(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
    from click.shell_completion import CompletionItem

    return [CompletionItem(incomplete, type="dir")]


def complete_peers(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
    from click.shell_completion import CompletionItem

    from statuscli.cli.context import settings_of

    from statuscli.cli.passphrase import read_passphrase

    names: set[str] = set()
    for source in PEER_SOURCES:
        try:
            app = settings_of(ctx).make_app()
            # contacts live in the encrypted state.db: complete them only when a passphrase file or
            # variable is set, never by prompting in the middle of a command line
            app.passphrase_source = lambda confirm, app=app: read_passphrase(app, interactive=False)
            names.update(source(app))
        except Exception:  # noqa: BLE001 - completion must never fail loudly (no account, locked…)
            continue
    return [CompletionItem(n) for n in sorted(names) if n.startswith(incomplete)]


def _words(metavar: str | None) -> set[str]:
    return set(re.findall(r"[A-Z]+", metavar or ""))


def completer_for(param: click.Parameter) -> Callable | None:
    """The completion a parameter gets from its metavar (None: leave it to click)."""
    if isinstance(param, click.Option) and param.is_flag:
        return None
    if isinstance(param.type, (click.Choice, click.Path, click.File)):
        return None  # click completes these itself
    words = _words(param.metavar)
    if words & _PEER_WORDS:
        return complete_peers
    if words & _DIR_WORDS:
        return complete_dirs
    if words & _FILE_WORDS:
        return complete_files
    return None


def attach_completers(cmd: click.Command) -> click.Command:
    """Give every parameter of ``cmd`` (and of the commands below it) its value completion."""
    for param in cmd.params:
        if getattr(param, "_custom_shell_complete", None) is None:
            fn = completer_for(param)
            if fn is not None:
                param._custom_shell_complete = fn  # what click's shell_complete= argument sets
    for sub in getattr(cmd, "commands", {}).values():
        attach_completers(sub)
    return cmd
