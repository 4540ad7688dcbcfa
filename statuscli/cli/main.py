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
from statuscli.cli.registry import COMMANDS
from statuscli.core.errors import (
    EXIT_INTERNAL,
    EXIT_USAGE,
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
        self.commands[name] = cmd
        return cmd

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

        sys.stdout.write(to_json({"error": {"code": code, "message": message, "hint": hint}}) + "\n")
        sys.stdout.flush()
    else:
        sys.stderr.write(f"statuscli: error: {message}\n")
        if hint:
            sys.stderr.write(f"hint: {hint}\n")


def run(argv: list[str]) -> int:
    """Run the CLI on ``argv`` (without the program name) and return the exit code."""
    settings = GlobalSettings()
    try:
        rv = cli.main(args=argv, prog_name="statuscli", standalone_mode=False, obj=settings)
        return rv if isinstance(rv, int) else 0
    except StatusCliError as e:
        if _show_traceback(settings):
            import traceback

            traceback.print_exc()
        report_error(e.code, e.message, e.hint, _json_mode(settings, argv))
        return e.exit_code
    except click.exceptions.Exit as e:
        return e.exit_code
    except click.exceptions.Abort:
        sys.stderr.write("statuscli: interrupted\n")
        return 130
    except click.ClickException as e:
        hint = None
        ctx = getattr(e, "ctx", None)
        if ctx is not None:
            hint = f"try '{ctx.command_path} --help'"
        report_error("usage", e.format_message(), hint, _json_mode(settings, argv))
        return EXIT_USAGE
    except KeyboardInterrupt:
        sys.stderr.write("statuscli: interrupted\n")
        return 130
    except BrokenPipeError:
        # the reader went away (e.g. '| head'): not an error of ours
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 0
    except Exception as e:  # the funnel: nothing unexpected escapes as a traceback
        if _show_traceback(settings):
            import traceback

            traceback.print_exc()
        report_error(
            "internal-error",
            f"{type(e).__name__}: {e}",
            "this is a bug in statuscli; run again with -vv for a traceback and report it",
            _json_mode(settings, argv),
        )
        return EXIT_INTERNAL


def main() -> None:
    code = run(sys.argv[1:])
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        pass
    sys.exit(code)
