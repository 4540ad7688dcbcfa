"""rich consoles for people: tables and trees on stdout, progress on stderr.

Import this only from code that draws (it imports rich). rich itself honours ``NO_COLOR``
(no colours, styles such as bold stay), ``FORCE_COLOR`` and ``TERM=dumb``; when stdout is not a
terminal it writes plain text, 120 columns wide unless ``COLUMNS`` says otherwise.
"""

from __future__ import annotations

import os
import sys

PIPE_WIDTH = 120


def _isatty(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def stdout_console():
    from rich.console import Console

    class _PipeFriendlyConsole(Console):
        def on_broken_pipe(self) -> None:
            # rich's own handler exits 1 (our code for bugs); the reader leaving is not an error:
            # hand it to the CLI funnel, which exits 0 like cat does
            raise BrokenPipeError

    width = None if _isatty(sys.stdout) or os.environ.get("COLUMNS") else PIPE_WIDTH
    return _PipeFriendlyConsole(file=sys.stdout, width=width, highlight=False, soft_wrap=False)


def stderr_console():
    from rich.console import Console

    return Console(file=sys.stderr, stderr=True, highlight=False)


def stderr_is_terminal() -> bool:
    return _isatty(sys.stderr)
