"""Progress bars for long work (PoW, store paging, key stretching, vector runs), on stderr only.

    from statuscli.cli.progress import progress

    with progress(app, "PoW", total=None) as update:
        for n in work():
            update(n)          # advance by n (default 1)
        update(completed=5, total=10, description="paging")   # or set the state outright

A bar is drawn only when stderr is a terminal and ``--quiet`` is off; otherwise ``update`` does
nothing, so callers never test for either. stdout is never touched (results written while a bar
is live still go to stdout), and rich is imported only when a bar is actually drawn (offline
commands stay fast).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager


def _noop(advance: float = 1, *, completed: float | None = None, total: float | None = None, description: str | None = None) -> None:
    return None


def enabled(app) -> bool:
    from statuscli.cli.console import stderr_is_terminal

    return not (app is not None and getattr(app, "quiet", False)) and stderr_is_terminal()


@contextmanager
def progress(app, description: str, total: float | None = None) -> Iterator[Callable[..., None]]:
    """A transient bar on stderr (a spinner when ``total`` is None); yields ``update``."""
    if not enabled(app):
        yield _noop
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from statuscli.cli.console import stderr_console

    columns = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    # redirect_stdout=False: rich would otherwise route everything written to stdout while the bar
    # is live (e.g. the events of 'mailserver fetch') into its console, i.e. onto stderr
    with Progress(*columns, console=stderr_console(), transient=True, redirect_stdout=False) as bar:
        task = bar.add_task(description, total=total)

        def update(advance: float = 1, *, completed: float | None = None, total: float | None = None, description: str | None = None) -> None:
            kwargs = {}
            if completed is not None:
                kwargs["completed"] = completed
            else:
                kwargs["advance"] = advance
            if total is not None:
                kwargs["total"] = total
            if description is not None:
                kwargs["description"] = description
            bar.update(task, **kwargs)

        yield update
