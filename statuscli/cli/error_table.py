"""The table of error codes in docs/exit-codes-and-json.md, generated from the error classes.

Every class of :mod:`statuscli.core.errors` declares its code; this writes one row per code
(exit code, code, class, its docstring's first sentence, its default hint), grouped by exit code,
between the ``<!-- error-codes:begin -->`` and ``<!-- error-codes:end -->`` markers of the doc.
``scripts/gen_docs.py`` writes it and ``--check`` (run by tests/cli/test_reference_fresh.py) fails
when it is stale.
"""

from __future__ import annotations

from pathlib import Path

DOC = "docs/exit-codes-and-json.md"
BEGIN = "<!-- error-codes:begin (generated from statuscli/core/errors.py by scripts/gen_docs.py) -->"
END = "<!-- error-codes:end -->"


def _first_sentence(doc: str | None) -> str:
    text = " ".join((doc or "").split()).replace("``", "`")
    cut = text.find(". ")
    return (text if cut < 0 else text[: cut + 1]).rstrip()


def rows() -> list[tuple[int, str, str, str]]:
    """(exit code, code, class name, when) for every class that declares a code, by exit code."""
    from statuscli.core.errors import error_classes

    out = []
    for cls in error_classes():
        code = cls.__dict__.get("code")
        if code is None:
            continue
        when = _first_sentence(cls.__doc__).replace("|", "\\|")
        if cls.default_hint and "default_hint" in cls.__dict__:
            when += f" Hint: {cls.default_hint}".replace("|", "\\|")
        out.append((cls.exit_code, code, cls.__name__, when))
    return sorted(out, key=lambda r: (r[0] if r[0] != 1 else 99, out.index(r)))


def table() -> str:
    lines = [BEGIN, "", "| exit | code | class | when |", "|---:|---|---|---|"]
    lines += [f"| {exit_code} | `{code}` | `{name}` | {when} |" for exit_code, code, name, when in rows()]
    return "\n".join([*lines, "", END])


def regenerate(root: Path) -> str:
    """The doc's text with the table between its markers replaced by a fresh one."""
    text = (root / DOC).read_text(encoding="utf-8")
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise RuntimeError(f"{DOC} lacks the markers {BEGIN!r} … {END!r}")
    return text[:start] + table() + text[end + len(END):]
