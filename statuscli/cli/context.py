"""Global options and the per-invocation context every command receives.

The global options (``--home``, ``--account``, ``--password-file``, ``--output``/``--json``,
``-v/--verbose``, ``--quiet``) are ordinary click options, parsed by click: on the root group with
their environment variables (``envvar=``), and again on every group and command below it, so
``statuscli --json keys list`` and ``statuscli keys list --json`` are the same. Because click parses
them, an option's value is never mistaken for a global option (``envelope encode --text --json``
encodes the text "--json").

How a command gets them: nothing to do. :class:`statuscli.cli.main.LazyGroup` applies
:func:`global_options` to every command it loads from the registry, and to each subcommand of a
group, recursively. A command built outside the registry (a test, a plug-in) can be decorated by
hand: ``@global_options`` above ``@click.command()``. It is idempotent.

Precedence: the last one given on the command line wins (``--output text --json`` is JSON),
wherever it appears; then the environment variable; then the default. ``-v`` counts add up.
Values are recorded in one :class:`GlobalSettings` (kept in ``ctx.meta``, shared by the whole
context tree); the root callback turns it into the :class:`AppContext`, and options given after the
subcommand update that object before the command body runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click
from click.core import ParameterSource

from statuscli.app.context import AppContext, default_home

SETTINGS_KEY = "statuscli.global-settings"
SUMMARY_OPTS = "--json, -v, --home, …"
SUMMARY_HELP = ("The global options work here too: --home, --account, --password-file, --output, --json, "
                "-v/--verbose, --quiet (see 'statuscli --help').")


@dataclass
class GlobalSettings:
    """The global options as parsed so far. ``complete`` turns true once the command's own
    parameters (the last on the line) were all processed."""

    home: str | None = None
    account: str | None = None
    password_file: str | None = None
    output: str | None = None
    verbose: int = 0
    quiet: bool = False
    complete: bool = False

    @property
    def json(self) -> bool:
        return self.output == "json"

    def make_app(self) -> AppContext:
        app = AppContext(home=default_home())
        self.apply(app)

        def passphrase_source(confirm: bool) -> str:
            from statuscli.cli.passphrase import read_passphrase

            return read_passphrase(app, confirm=confirm)

        app.passphrase_source = passphrase_source
        return app

    def apply(self, app: AppContext) -> None:
        app.home = Path(self.home).expanduser() if self.home else default_home()
        app.account = self.account or None
        app.password_file = self.password_file or None
        app.output = self.output or "text"
        app.verbose = self.verbose
        app.quiet = self.quiet


def settings_of(ctx: click.Context) -> GlobalSettings:
    """The invocation's settings: ``ctx.meta`` is shared by every context of one command line.
    ``statuscli.cli.main.run`` passes its own instance as the root ``obj`` so it can read them
    back when reporting an error."""
    settings = ctx.meta.get(SETTINGS_KEY)
    if settings is None:
        root = ctx.find_root()
        settings = root.obj if isinstance(root.obj, GlobalSettings) else GlobalSettings()
        ctx.meta[SETTINGS_KEY] = settings
    return settings


def _record(ctx: click.Context, param: click.Parameter, value):
    """Option callback: fold one global option into the settings (and the AppContext if made)."""
    settings = settings_of(ctx)
    explicit = ctx.get_parameter_source(param.name) == ParameterSource.COMMANDLINE
    if value is None or value is False or value == 0:
        return None
    name = param.name
    if name == "verbose":
        settings.verbose += value
    else:
        field, new = ("output", "json") if name == "json_flag" else (name, value)
        if explicit or getattr(settings, field) in (None, False):
            setattr(settings, field, new)
    app = ctx.find_object(AppContext)
    if app is not None:
        settings.apply(app)
    return None


def _mark_complete(ctx: click.Context, param: click.Parameter, value):
    """Processed after every other parameter of a command: the whole line is parsed."""
    if not isinstance(ctx.command, click.Group):
        settings_of(ctx).complete = True
    return None


class GlobalOption(click.Option):
    """A global option. Below the root it shows in ``--help`` as one summary row (the first one);
    it stays visible to shell completion, so ``statuscli keys list --j<TAB>`` completes."""

    def __init__(self, *args, summary_row: bool = False, at_root: bool = True, **kwargs):
        kwargs.setdefault("expose_value", False)
        kwargs.setdefault("callback", _record)
        super().__init__(*args, **kwargs)
        self.summary_row = summary_row
        self.at_root = at_root

    def process_value(self, ctx: click.Context, value):
        try:
            return super().process_value(ctx, value)
        except click.BadParameter as e:
            if ctx.get_parameter_source(self.name) == ParameterSource.ENVIRONMENT and self.envvar:
                e.message = f"{e.message} (from ${self.envvar})"
            raise

    def get_help_record(self, ctx: click.Context):
        if self.at_root:
            return super().get_help_record(ctx)
        return (SUMMARY_OPTS, SUMMARY_HELP) if self.summary_row else None


class _CompleteMarker(click.Option):
    def get_help_record(self, ctx):
        return None


def complete_account_names(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
    """Shell completion of account names, from --home (or $STATUSCLI_HOME) on the line so far."""
    from click.shell_completion import CompletionItem

    from statuscli.store.accounts import Home

    try:
        home = settings_of(ctx).home
        names = Home(Path(home).expanduser() if home else default_home()).names()
    except Exception:  # completion must never fail loudly
        return []
    return [CompletionItem(n) for n in names if n.startswith(incomplete)]


def _options(at_root: bool) -> list[click.Option]:
    def env(name: str) -> str | None:
        return name if at_root else None

    common = {"at_root": at_root}
    return [
        GlobalOption(["--home"], type=click.Path(file_okay=False), envvar=env("STATUSCLI_HOME"), summary_row=True,
                     help="Keystore folder. [env: STATUSCLI_HOME; default: $XDG_DATA_HOME/statuscli]", **common),
        GlobalOption(["--account"], envvar=env("STATUSCLI_ACCOUNT"), shell_complete=complete_account_names,
                     help="Account name (default: the default account). [env: STATUSCLI_ACCOUNT]", **common),
        GlobalOption(["--password-file"], type=click.Path(dir_okay=False), envvar=env("STATUSCLI_PASSWORD_FILE"),
                     help="Read the keystore passphrase from this file. [env: STATUSCLI_PASSWORD_FILE]", **common),
        GlobalOption(["--output"], type=click.Choice(["text", "json"]), envvar=env("STATUSCLI_OUTPUT"),
                     help="Result format on stdout. [env: STATUSCLI_OUTPUT]", **common),
        GlobalOption(["--json", "json_flag"], is_flag=True, help="Short for --output json.", **common),
        GlobalOption(["-v", "--verbose"], count=True, help="More logging on stderr; -vv shows tracebacks.", **common),
        GlobalOption(["--quiet"], is_flag=True, help="No progress or log output on stderr (stdout is unchanged).",
                     **common),
    ]  # fmt: skip


def global_options(cmd: click.Command) -> click.Command:
    """Give ``cmd`` (a command or group, after ``@click.command``) the global options.

    The root group gets them with their environment variables and full help; any other command
    gets them as a summary row in ``--help``. Idempotent.
    """
    if any(isinstance(p, GlobalOption) for p in cmd.params):
        return cmd
    at_root = bool(getattr(cmd, "is_statuscli_root", False))
    if at_root:  # first in the root's help, as they were declared there
        cmd.params[0:0] = _options(at_root)
    else:
        cmd.params.extend(_options(at_root))
    cmd.params.append(_CompleteMarker(["--statuscli-parsed"], hidden=True, expose_value=False, is_flag=True,
                                      callback=_mark_complete))
    return cmd


def global_options_tree(cmd: click.Command) -> click.Command:
    """:func:`global_options` on ``cmd`` and, for a group, on every subcommand below it."""
    global_options(cmd)
    for sub in getattr(cmd, "commands", {}).values():
        global_options_tree(sub)
    return cmd


pass_app = click.make_pass_decorator(AppContext)
