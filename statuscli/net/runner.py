"""Running trio code from a command: typed errors come out as themselves, not inside groups.

trio wraps every exception that leaves a nursery in an ``ExceptionGroup``; the CLI's error funnel
expects a :class:`~statuscli.core.errors.StatusCliError`. :func:`run` unwraps a group whose leaves
are a single typed error (or a ``KeyboardInterrupt``) and re-raises that::

    from statuscli.net.runner import run
    report = run(main, address)          # main is an async function
"""

from __future__ import annotations

import trio

from statuscli.core.errors import StatusCliError


def _leaves(e: BaseException) -> list[BaseException]:
    if isinstance(e, BaseExceptionGroup):
        out = []
        for sub in e.exceptions:
            out.extend(_leaves(sub))
        return out
    return [e]


def unwrap(e: BaseException) -> BaseException:
    """The single meaningful exception inside ``e`` (``e`` itself if there is none)."""
    leaves = _leaves(e)
    for kind in (StatusCliError, KeyboardInterrupt, trio.TooSlowError):
        typed = [x for x in leaves if isinstance(x, kind)]
        if typed:
            return typed[0]
    return leaves[0] if len(leaves) == 1 else e


def run(async_fn, *args):
    try:
        return trio.run(async_fn, *args)
    except BaseExceptionGroup as eg:
        raise unwrap(eg) from eg
