"""What a vector check may say: a :class:`Mismatch`, or nothing (it passed).

Checks compare what our implementation computes from a vector's inputs with its expected values;
:func:`expect_error` turns a negative (must-fail) vector into a check that passes only when our
implementation refuses the inputs with a typed error.
"""

from __future__ import annotations

from collections.abc import Callable

from statuscli.core.errors import StatusCliError


class Mismatch(Exception):
    """Our implementation disagrees with the vector."""


class NotChecked(Exception):
    """This vector is of a kind statuscli cannot check (reported as skipped, with the reason)."""


def _short(value, limit: int = 70) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _first_difference(what: str, got, want) -> tuple[str, object, object]:
    """The innermost place where ``got`` and ``want`` differ (``messages[1].n``)."""
    if isinstance(got, dict) and isinstance(want, dict) and got.keys() == want.keys():
        for k in want:
            if got[k] != want[k]:
                return _first_difference(f"{what}.{k}", got[k], want[k])
    if isinstance(got, (list, tuple)) and isinstance(want, (list, tuple)) and len(got) == len(want):
        for i, (g, w) in enumerate(zip(got, want)):
            if g != w:
                return _first_difference(f"{what}[{i}]", g, w)
    return what, got, want


def expect(what: str, got, want) -> None:
    if got != want:
        where, g, w = _first_difference(what, got, want)
        raise Mismatch(f"{where}: got {_short(g)}, expected {_short(w)}")


def expect_true(what: str, condition: bool) -> None:
    if not condition:
        raise Mismatch(what)


def expect_error(attempt: Callable[[], object], code: str | None = None, *, contains: str | None = None) -> StatusCliError:
    """Run ``attempt``; it must raise a :class:`StatusCliError` (with ``code``, if given)."""
    try:
        attempt()
    except StatusCliError as e:
        if code is not None and e.code != code:
            raise Mismatch(f"refused with {e.code!r} ({e.message}), expected {code!r}") from None
        if contains is not None and contains.lower() not in e.message.lower():
            raise Mismatch(f"refused, but the message {e.message!r} does not mention {contains!r}") from None
        return e
    raise Mismatch("accepted, but this vector must fail")


def h(text: str | None) -> bytes:
    """Bytes of a hex field (``0x`` optional; None or "" → empty)."""
    if not text:
        return b""
    return bytes.fromhex(text[2:] if text[:2] in ("0x", "0X") else text)


def compare(expected: dict, computed: dict) -> int:
    """Every expected field must equal ours; a field we do not compute is a mismatch too."""
    for key, want in expected.items():
        if key not in computed:
            raise Mismatch(f"{key}: not a field statuscli computes for this vector")
        expect(key, computed[key], want)
    if not expected:
        raise Mismatch("the vector expects nothing")
    return len(expected)
