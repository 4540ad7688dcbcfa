"""Rendering results: one JSON object for scripts, plain text for people.

Rules of the contract:
* stdout carries the result only; logs, progress and prompts go to stderr (:func:`info`).
* ``--output json`` prints exactly one JSON object (:func:`emit`); streams print one JSON object
  per line, each with a ``type`` (:func:`emit_event`). Bytes are rendered as ``0x`` hex.
* ``--quiet`` silences stderr chatter and never changes stdout.
* Plain-text rendering here avoids importing rich; commands that draw tables or trees import
  rich themselves (it honours ``NO_COLOR``).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Callable, Iterator
from typing import Any

from statuscli.cli.context import AppContext


def _default(o: Any):
    if isinstance(o, (bytes, bytearray, memoryview)):
        return "0x" + bytes(o).hex()
    if isinstance(o, (set, frozenset, tuple)):
        return list(o)
    if hasattr(o, "to_json"):
        return o.to_json()
    raise TypeError(f"not JSON-serialisable: {type(o).__name__}")


def to_json(data: Any, *, indent: int | None = None) -> str:
    return json.dumps(data, default=_default, ensure_ascii=False, indent=indent)


def _format_value(v: Any) -> str:
    if isinstance(v, (bytes, bytearray)):
        return "0x" + bytes(v).hex()
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "-"
    if isinstance(v, (list, tuple)):
        if all(isinstance(x, str) for x in v):
            return " ".join(v)
        return to_json(list(v))
    if isinstance(v, dict):
        return to_json(v)
    return str(v)


def render_text(data: Any) -> str:
    """Default text form: aligned ``key: value`` lines for a dict, else the value itself."""
    if isinstance(data, dict):
        if not data:
            return ""
        width = max(len(str(k)) for k in data)
        return "\n".join(f"{str(k) + ':':<{width + 1}} {_format_value(v)}" for k, v in data.items())
    if isinstance(data, list):
        return "\n".join(render_text(x) if isinstance(x, dict) else _format_value(x) for x in data)
    return _format_value(data)


def write_stdout(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")
    sys.stdout.flush()


@contextlib.contextmanager
def result_written(*, reader_may_leave: bool = False) -> Iterator[None]:
    """The writes inside reach stdout (written and flushed), or :class:`OutputFailed` is raised.

    Commands that change state write their result inside this block before they commit, so a full
    disk, a closed pipe or a kill never leaves state committed whose result nobody received. After
    a failure stdout is replaced by /dev/null, so nothing buffered is retried at exit.
    ``reader_may_leave`` (a dry run, which commits nothing anyway): a closed pipe is the reader
    having seen enough (``| head``) and passes on as BrokenPipeError (exit 0, as for any listing)."""
    from statuscli.core.errors import OutputFailed

    try:
        yield
        sys.stdout.flush()
    except OSError as e:
        if isinstance(e, BrokenPipeError) and reader_may_leave:
            raise
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (lives until exit)
        why = "the reader went away" if isinstance(e, BrokenPipeError) else e.strerror or e
        raise OutputFailed(f"could not write the result to stdout: {why}") from None


def emit(app: AppContext, data: Any, text: Callable[[Any], str] | str | None = None) -> None:
    """Print a command's result: JSON in JSON mode, else ``text`` (a string or a renderer)."""
    if app.json:
        write_stdout(to_json(data))
    elif isinstance(text, str):
        write_stdout(text)
    else:
        write_stdout((text or render_text)(data))


def emit_event(app: AppContext, event: dict, text: Callable[[dict], str] | None = None) -> None:
    """One event of a stream: a JSON line (always with ``type``) or, in text mode, ``text(event)``."""
    if app.json or text is None:
        write_stdout(to_json(event))
    else:
        write_stdout(text(event))


def info(app: AppContext | None, message: str) -> None:
    """A human message on stderr, unless ``--quiet``."""
    if app is not None and app.quiet:
        return
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def debug(app: AppContext | None, message: str) -> None:
    if app is not None and app.verbose > 0 and not app.quiet:
        sys.stderr.write(message + "\n")
        sys.stderr.flush()
