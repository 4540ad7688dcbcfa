"""Reading user data: ``-`` for stdin, files, and bytes given as hex, base64 or raw.

* :func:`read_source` — a ``FILE|-`` argument → the raw bytes of that file or of stdin; every
  unreadable path is an :class:`InvalidInput` (exit 3). With ``allow_inline=True`` an argument
  that is no existing file but hex data (``0x…``, or at least :data:`INLINE_HEX_MIN` hex digits)
  is taken as the data itself (its text, which the caller decodes like a file's content).
* :func:`decode_bytes` — bytes that may be hex (``0x`` optional), base64/base64url, or raw:
  ``auto`` tries hex, then base64, then takes the bytes as they are.
* :func:`bytes_arg` — an option value that is data (hex/base64 text), ``-`` (stdin) or ``@FILE``.
* :func:`text_arg` — a ``MESSAGE|-`` argument → text.
* :func:`secret_text` / :func:`secret_hex` — an option that carries a secret (private, symmetric or
  signing key, entropy, seed): ``@FILE``, ``-`` (stdin) or ``env:NAME`` keep it off the command
  line; the value itself still works for throwaway test keys but prints a one-line warning, since
  every local user can read a command line (``ps``, ``/proc/PID/cmdline``). Errors never show the
  secret or any part of it.

Every read is bounded: more than :data:`MAX_INPUT_BYTES` (a file by its size, before reading it;
stdin after reading one byte more than the limit) is refused as :class:`InputTooLarge` (exit 3),
so a mistaken 200 MB pipe costs at most the limit in memory, never several times its own size.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import sys
from pathlib import Path

from statuscli.core.errors import FileNotFound, FileUnreadable, InputTooLarge, InvalidInput, MalformedKey, UsageError

_HEX_RE = re.compile(rb"^(0[xX])?([0-9a-fA-F]{2})*$")
_B64_RE = re.compile(rb"^[A-Za-z0-9+/_-]+={0,2}$")

FORMATS = ("auto", "hex", "base64", "raw")
#: hex digits an inline argument needs without ``0x`` (shorter ones are more likely file names)
INLINE_HEX_MIN = 32
INLINE_HELP = "FILE may also be the data itself as hex (0x…, or 32+ hex digits) when no such file exists."
#: the largest input any command reads (hex of the largest Waku message is ~300 KiB; NDJSON streams
#: of payloads and vector files stay far below this)
MAX_INPUT_BYTES = 32 * 1024 * 1024


def _too_large(what: str) -> InputTooLarge:
    return InputTooLarge(f"{what} is larger than {MAX_INPUT_BYTES // (1024 * 1024)} MiB, the most statuscli reads",
                         hint="split the input, or give the command the one item it needs")  # fmt: skip


def read_stdin_bytes() -> bytes:
    if sys.stdin is None:
        raise UsageError("no standard input to read from")
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:  # a text-only stdin (an in-process test runner)
        data = sys.stdin.read(MAX_INPUT_BYTES + 1).encode("utf-8")
    else:
        data = stream.read(MAX_INPUT_BYTES + 1)
    if len(data) > MAX_INPUT_BYTES:
        raise _too_large("standard input")
    return data


def inline_hex(source: str) -> bool:
    """Whether an argument reads as hex data: ``0x`` + an even number of hex digits, or at least
    :data:`INLINE_HEX_MIN` of them without the prefix."""
    prefixed = source[:2] in ("0x", "0X")
    body = source[2:] if prefixed else source
    if len(body) < (2 if prefixed else INLINE_HEX_MIN) or len(body) % 2:
        return False
    return all(c in "0123456789abcdefABCDEF" for c in body)


def _shown(source: str) -> str:
    return source if len(source) <= 60 else source[:40] + f"… ({len(source)} characters)"


def read_source(source: str | None, *, allow_inline: bool = False) -> bytes:
    """Bytes of ``source``: a path, or ``-``/None for stdin (see the module docstring for inline data)."""
    if source is None or source == "-":
        return read_stdin_bytes()
    if allow_inline and inline_hex(source) and not os.path.exists(source):
        return source.encode("ascii")
    hint = None
    if inline_hex(source):
        hint = "to give the data itself, pipe it: echo 0x… | statuscli … -"
    p = Path(source)
    shown = _shown(source)
    try:
        with p.open("rb") as f:
            if os.fstat(f.fileno()).st_size > MAX_INPUT_BYTES:
                raise _too_large(shown)
            data = f.read(MAX_INPUT_BYTES + 1)  # a FIFO or /dev/stdin has no size: bound the read
        if len(data) > MAX_INPUT_BYTES:
            raise _too_large(shown)
        return data
    except FileNotFoundError:
        raise FileNotFound(f"no such file: {shown}", hint=hint) from None
    except IsADirectoryError:
        raise FileNotFound(f"is a directory, not a file: {shown}") from None
    except PermissionError:
        raise FileUnreadable(f"cannot read {shown}: permission denied") from None
    except (OSError, ValueError) as e:  # name too long, not a directory on the way, I/O error, NUL in the name…
        why = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
        raise FileUnreadable(f"cannot read {shown}: {why}", hint=hint) from None


def _b64(data: bytes) -> bytes:
    s = data.replace(b"-", b"+").replace(b"_", b"/").rstrip(b"=")
    return base64.b64decode(s + b"=" * (-len(s) % 4), validate=True)


def decode_bytes(data: bytes, fmt: str = "auto", *, what: str = "input") -> bytes:
    """Interpret ``data`` per ``fmt`` (auto|hex|base64|raw)."""
    if fmt == "raw":
        return data
    stripped = b"".join(data.split())  # whitespace and newlines are never significant in text forms
    if fmt == "hex":
        if not _HEX_RE.match(stripped):
            raise InvalidInput(f"{what} is not valid hex")
        return bytes.fromhex(stripped[2:].decode() if stripped[:2] in (b"0x", b"0X") else stripped.decode())
    if fmt == "base64":
        try:
            return _b64(stripped)
        except (binascii.Error, ValueError):
            raise InvalidInput(f"{what} is not valid base64") from None
    if fmt != "auto":
        raise UsageError(f"unknown input format {fmt!r} (use one of {', '.join(FORMATS)})")
    if stripped and _HEX_RE.match(stripped):
        return decode_bytes(stripped, "hex", what=what)
    if stripped and _B64_RE.match(stripped) and len(stripped) >= 4:
        try:
            return _b64(stripped)
        except (binascii.Error, ValueError):
            pass
    return data


def bytes_arg(value: str, fmt: str = "auto", *, what: str = "value") -> bytes:
    """An option that carries bytes: text (hex/base64), ``-`` for stdin, ``@FILE`` for a file."""
    if value == "-":
        return decode_bytes(read_stdin_bytes(), fmt, what=what)
    if value.startswith("@"):
        return decode_bytes(read_source(value[1:]), fmt, what=what)
    if value == "":
        return b""
    return decode_bytes(value.encode("utf-8"), fmt, what=what)


#: appended to the help of every secret option
SECRET_FORMS = "Keep it off the command line: @FILE, '-' (stdin) or env:NAME."


def secret_text(value: str, *, option: str, warn=None) -> str:
    """The text of a secret option: ``@FILE``, ``-``, ``env:NAME``, or inline (with a warning on stderr)."""
    if value == "-":
        raw = read_stdin_bytes()
    elif value.startswith("@"):
        raw = read_source(value[1:])
    elif value.startswith("env:"):
        name = value[4:]
        env = os.environ.get(name)
        if not name or env is None:
            raise InvalidInput(f"{option}: environment variable {name!r} is not set")
        raw = env.encode("utf-8")
    else:
        (warn or _warn_inline)(option)
        return value
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(f"{option}: the secret is not UTF-8 text (not shown)") from None
    return text[:-1] if text.endswith("\n") else text


def secret_hex(value: str, *, option: str, length: int | None = None, warn=None) -> bytes:
    """Bytes of a hex secret option (forms as :func:`secret_text`); errors never echo the value."""
    text = "".join(secret_text(value, option=option, warn=warn).split())
    if text[:2] in ("0x", "0X"):
        text = text[2:]
    try:
        data = bytes.fromhex(text)
    except ValueError:
        raise MalformedKey(f"{option} is not valid hex (the value is not shown)") from None
    if length is not None and len(data) != length:
        raise MalformedKey(f"{option} must be {length} bytes, got {len(data)}")
    return data


def _warn_inline(option: str) -> None:
    """One line on stderr (not with --quiet, which the user chose knowingly)."""
    import click

    ctx = click.get_current_context(silent=True)
    if ctx is not None and getattr(ctx.find_root().obj, "quiet", False):
        return
    sys.stderr.write(f"statuscli: warning: {option} given on the command line is visible to other local users (ps); "
                     f"use {option} @FILE, - or env:NAME\n")
    sys.stderr.flush()


def text_arg(value: str | None) -> str:
    """A text argument, or stdin when it is ``-`` or missing. A trailing newline from stdin is dropped."""
    if value is None or value == "-":
        raw = read_stdin_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput("standard input is not UTF-8 text") from None
        return text[:-1] if text.endswith("\n") else text
    return value
