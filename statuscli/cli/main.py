"""Entry point: the root group, lazy command loading, and the one funnel from errors to exit codes.

Exit codes (ARCHITECTURE §5): 0 ok · 1 internal error · 2 usage error · 3 invalid input data ·
4 cryptographic verification failed · 5 keystore · 6 network · 7 timeout or nothing found.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from statuscli import __version__
from statuscli.cli.context import GlobalSettings, global_options, global_options_tree, settings_of
from statuscli.cli.completers import attach_completers
from statuscli.cli.exit_codes import document_exit_codes
from statuscli.cli.reference import COMPLETE_VAR, PROG
from statuscli.cli.registry import COMMANDS
from statuscli.core.errors import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    InvalidInput,
    StatusCliError,
)

EPILOG = """\b
Exit codes: 0 ok, 1 internal error, 2 usage, 3 invalid input, 4 crypto verification failed,
            5 keystore, 6 network, 7 timeout or nothing found.
Global options may also follow the subcommand: 'statuscli keys list --json'.
"""


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use, from :data:`COMMANDS`."""

    def __init__(self, *args, lazy: dict[str, tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy = lazy

    def list_commands(self, ctx):
        return sorted(set(super().list_commands(ctx)) | set(self.lazy))

    def get_command(self, ctx, name):
        if name in self.commands:
            return self.commands[name]
        if name not in self.lazy:
            return None
        module = importlib.import_module(self.lazy[name][0])
        cmd = global_options_tree(module.cli)  # every command accepts the global options
        cmd.name = name
        document_exit_codes(cmd, name)  # and its help lists the exit codes it returns
        attach_completers(cmd)  # and FILE/DIR/PEER values complete in the shell
        self.commands[name] = cmd
        return cmd

    def resolve_command(self, ctx, args):
        # click suggests close names from the commands loaded so far; ours load lazily, so offer
        # every registered name (no import needed)
        name = args[0] if args else None
        if name is not None and not name.startswith("-") and self.get_command(ctx, name) is None:
            raise click.exceptions.NoSuchCommand(name, possibilities=self.list_commands(ctx), ctx=ctx)
        return super().resolve_command(ctx, args)

    def format_commands(self, ctx, formatter):
        rows = [(name, self.lazy[name][1]) for name in sorted(self.lazy)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(
    cls=LazyGroup,
    lazy=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=EPILOG,
)
@click.version_option(__version__, "--version", prog_name="statuscli")
@click.pass_context
def cli(ctx):
    """Speak the Status messenger protocol stack from the shell.

    \b
    Examples:
      statuscli keys generate --name alice
      statuscli topic compute public status
      statuscli --json keys inspect zQ3shgXaXEtHSFVhHgTUiCSNAXYKeKryUVnPZZJLBMDutaWHB
    """
    ctx.obj = settings_of(ctx).make_app()


cli.is_statuscli_root = True
global_options(cli)


def _json_mode(settings: GlobalSettings, argv: list[str]) -> bool:
    """Whether to report an error as JSON. Once click parsed the whole line, the parsed settings
    say; when parsing stopped early (a usage error), options after that point were never read,
    so the line is scanned for them as a best effort (this only chooses the error's form)."""
    if settings.json or settings.complete:
        return settings.json
    words = argv[: argv.index("--")] if "--" in argv else argv
    if "--json" in words or "--output=json" in words:
        return True
    if any(a == "--output" and b == "json" for a, b in zip(words, words[1:])):
        return True
    return settings.output is None and os.environ.get("STATUSCLI_OUTPUT") == "json"


def _show_traceback(settings: GlobalSettings) -> bool:
    return settings.verbose >= 2


def report_error(code: str, message: str, hint: str | None, json_mode: bool) -> None:
    """Write an error in the contract's form: JSON on stdout in JSON mode, else a line on stderr."""
    if json_mode:
        from statuscli.cli.output import to_json

        try:
            sys.stdout.write(to_json({"error": {"code": code, "message": message, "hint": hint}}) + "\n")
            sys.stdout.flush()
        except BrokenPipeError:  # nobody reads stdout any more; the exit code still tells
            _reader_left()
    else:
        sys.stderr.write(f"statuscli: error: {message}\n")
        if hint:
            sys.stderr.write(f"hint: {hint}\n")


def run(argv: list[str]) -> int:
    """Run the CLI on ``argv`` (without the program name) and return the exit code."""
    settings = GlobalSettings()
    try:
        _refuse_undecodable(argv)
        if os.environ.get(COMPLETE_VAR):  # the shell asks for completions: click answers and exits
            cli.main(args=argv, prog_name=PROG, complete_var=COMPLETE_VAR, standalone_mode=False)
        # not cli.main(): it turns EPIPE into exit 1 and Ctrl-C into Abort; the funnel decides
        with cli.make_context(PROG, list(argv), obj=settings) as ctx:
            rv = cli.invoke(ctx)
        return rv if isinstance(rv, int) else 0
    except BaseException as e:  # the funnel: nothing unexpected escapes as a traceback
        if isinstance(e, SystemExit):
            raise
        return _funnel(e, settings, argv)


def _refuse_undecodable(argv: list[str]) -> None:
    """Python hands over argument bytes that are not UTF-8 as lone surrogates; they would fail
    later, far from the cause. Refuse them here, as the invalid input they are (exit 3)."""
    for n, arg in enumerate(argv, 1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            shown = arg.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            raise InvalidInput(f"argument {n} is not valid UTF-8: {shown}",
                               hint="statuscli reads text arguments as UTF-8; give data as hex, or through a file or stdin") from None


def _leaves(e: BaseException) -> list[BaseException]:
    """The exceptions inside an exception group (trio nurseries raise them), or ``[e]``."""
    if isinstance(e, BaseExceptionGroup):
        return [leaf for sub in e.exceptions for leaf in _leaves(sub)]
    return [e]


def _funnel(e: BaseException, settings: GlobalSettings, argv: list[str]) -> int:
    """Map one exception to the contract's exit code, writing its error report."""
    leaves = _leaves(e)
    if any(isinstance(x, (KeyboardInterrupt, click.exceptions.Abort, EOFError)) for x in leaves):
        sys.stderr.write("statuscli: interrupted\n")
        return EXIT_INTERRUPTED
    real = [x for x in leaves if not isinstance(x, BrokenPipeError)]
    if not real:
        return _reader_left()
    if len(real) == 1:
        e = real[0]
    if isinstance(e, StatusCliError):
        if _show_traceback(settings):
            import traceback

            traceback.print_exception(e)
        report_error(e.code, e.message, e.hint, _json_mode(settings, argv))
        return e.exit_code
    if isinstance(e, click.exceptions.Exit):
        return e.exit_code
    if isinstance(e, click.ClickException):
        ctx = getattr(e, "ctx", None)
        hint = f"try '{ctx.command_path} --help'" if ctx is not None else None
        report_error("usage", e.format_message(), hint, _json_mode(settings, argv))
        return EXIT_USAGE
    if _show_traceback(settings):
        import traceback

        traceback.print_exception(e)
    report_error(
        "internal-error",
        f"{type(e).__name__}: {e}",
        "this is a bug in statuscli; run again with -vv for a traceback and report it",
        _json_mode(settings, argv),
    )
    return EXIT_INTERNAL


def _reader_left() -> int:
    """stdout's reader went away (``| head``): not an error, exit 0 quietly like ``cat``.
    Point stdout at /dev/null so the interpreter's last flush of what is still buffered does not
    fail again (and print "Exception ignored…") on the way out."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real descriptor (an in-process runner)
        pass
    return 0


def main() -> None:
    code = run(sys.argv[1:])
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        code = _reader_left() if code == 0 else code
    sys.exit(code)
