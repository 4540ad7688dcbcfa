"""Reference material generated from the click tree: shell completions, man pages, docs/cli.md.

``scripts/gen_docs.py`` writes them into ``completions/``, ``man/`` and ``docs/``; a test fails when
the committed files are stale; ``statuscli completion SHELL`` prints a completion script.
Walking the tree imports every command module (fine here: this never runs on a hot path).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import click

from statuscli import __version__

SHELLS = ("bash", "zsh", "fish")
PROG = "statuscli"
COMPLETE_VAR = "_STATUSCLI_COMPLETE"


@dataclass
class CommandDoc:
    path: tuple[str, ...]  # ("statuscli", "keys", "generate")
    command: click.Command
    ctx: click.Context

    @property
    def name(self) -> str:
        return " ".join(self.path)

    @property
    def slug(self) -> str:
        return "-".join(self.path)


def walk(root: click.Command | None = None) -> Iterator[CommandDoc]:
    """Every command of the tree, depth first, parents before children, children sorted."""
    if root is None:
        from statuscli.cli.main import cli as root

    def visit(cmd: click.Command, path: tuple[str, ...], parent: click.Context | None):
        ctx = click.Context(cmd, info_name=path[-1], parent=parent)
        yield CommandDoc(path, cmd, ctx)
        if isinstance(cmd, click.Group):
            for name in cmd.list_commands(ctx):
                sub = cmd.get_command(ctx, name)
                if sub is not None and not sub.hidden:
                    yield from visit(sub, path + (name,), ctx)

    yield from visit(root, (PROG,), None)


def completion_script(shell: str) -> str:
    from click.shell_completion import get_completion_class

    from statuscli.cli.main import cli

    cls = get_completion_class(shell)
    if cls is None:
        raise click.BadParameter(f"unsupported shell {shell!r} (use one of {', '.join(SHELLS)})")
    return cls(cli, {}, PROG, COMPLETE_VAR).source()


def _help_text(cmd: click.Command) -> str:
    return (cmd.help or cmd.short_help or "").strip()


def _params(doc: CommandDoc) -> list[tuple[str, str]]:
    rows = []
    for p in doc.command.get_params(doc.ctx):
        rec = p.get_help_record(doc.ctx)
        if rec is not None:
            rows.append(rec)
    return rows


def _arguments(doc: CommandDoc) -> list[str]:
    return [p.human_readable_name for p in doc.command.params if isinstance(p, click.Argument)]


def _usage(doc: CommandDoc) -> str:
    return f"{doc.name} {' '.join(doc.command.collect_usage_pieces(doc.ctx))}".strip()


def _roff_escape(text: str) -> str:
    out = []
    for line in text.replace("\\", "\\e").splitlines():
        if line.startswith((".", "'")):
            line = "\\&" + line
        out.append(line.replace("-", "\\-"))
    return "\n".join(out)


def _roff_paragraphs(text: str) -> str:
    """click help text → roff, keeping ``\\b`` blocks (examples) verbatim."""
    blocks = text.split("\n\n")
    out = []
    for block in blocks:
        if block.lstrip().startswith("\b"):
            body = "\n".join(line for line in block.splitlines() if line.strip() != "\b")
            out.append(".PP\n.nf\n" + _roff_escape(body) + "\n.fi")
        else:
            out.append(".PP\n" + _roff_escape(" ".join(block.split())))
    return "\n".join(out)


EXIT_STATUS = [
    ("0", "success"),
    ("1", "internal error"),
    ("2", "usage error"),
    ("3", "invalid input data"),
    ("4", "cryptographic verification failed (signature, MAC, decryption)"),
    ("5", "keystore error (locked, wrong passphrase, missing account)"),
    ("6", "network error (unreachable peer, protocol refused)"),
    ("7", "timeout or nothing found"),
]


def man_page(doc: CommandDoc, date: str) -> str:
    title = doc.slug.upper()
    summary = doc.command.get_short_help_str(limit=200) or doc.name
    lines = [
        f'.TH "{title}" "1" "{date}" "statuscli {__version__}" "statuscli manual"',
        ".SH NAME",
        f"{_roff_escape(doc.slug)} \\- {_roff_escape(summary)}",
        ".SH SYNOPSIS",
        f".B {_roff_escape(_usage(doc))}",
        ".SH DESCRIPTION",
        _roff_paragraphs(_help_text(doc.command)),
    ]
    params = _params(doc)
    if params:
        lines.append(".SH OPTIONS")
        for opt, help_ in params:
            lines += [".TP", f".B {_roff_escape(opt)}", _roff_escape(" ".join(help_.split()))]
    if isinstance(doc.command, click.Group):
        subs = doc.command.list_commands(doc.ctx)
        if subs:
            lines.append(".SH COMMANDS")
            for name in subs:
                sub = doc.command.get_command(doc.ctx, name)
                if sub is None or sub.hidden:
                    continue
                lines += [".TP", f".B {_roff_escape(name)}", _roff_escape(sub.get_short_help_str(limit=200))]
    lines.append(".SH EXIT STATUS")
    for code, meaning in EXIT_STATUS:
        lines += [".TP", f".B {code}", meaning]
    lines += [
        ".SH ENVIRONMENT",
        ".TP\n.B STATUSCLI_HOME\nkeystore folder (default $XDG_DATA_HOME/statuscli)",
        ".TP\n.B STATUSCLI_ACCOUNT\naccount name",
        ".TP\n.B STATUSCLI_PASSWORD_FILE, STATUSCLI_PASSWORD\nkeystore passphrase source",
        ".TP\n.B STATUSCLI_OUTPUT\ntext or json",
        ".TP\n.B STATUSCLI_NODE\nmultiaddr of the node to use as a light client",
        ".TP\n.B NO_COLOR\ndisable colour",
    ]
    if len(doc.path) > 1:
        lines += [".SH SEE ALSO", f".BR {'-'.join(doc.path[:-1])} (1)"]
    return "\n".join(lines) + "\n"


def _md_cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def markdown(docs: list[CommandDoc]) -> str:
    out = [
        "# statuscli command reference",
        "",
        "Generated from the click tree by `scripts/gen_docs.py`; do not edit by hand.",
        "",
        "Exit codes: " + ", ".join(f"{c} {m}" for c, m in EXIT_STATUS) + ".",
        "",
    ]
    for doc in docs:
        depth = min(len(doc.path), 4)
        out += [f"{'#' * (depth + 1)} `{doc.name}`", "", "```", _usage(doc), "```", ""]
        text = _help_text(doc.command).replace("\b\n", "").replace("\b", "")
        if text:
            out += [text, ""]
        params = _params(doc)
        if params:
            out += ["| option | description |", "|---|---|"]
            out += [f"| `{o}` | {_md_cell(h)} |" for o, h in params]
            out.append("")
    return "\n".join(out)


def generate_all() -> dict[str, str]:
    """{relative path: content} for every generated reference file (deterministic: no dates)."""
    date = f"statuscli {__version__}"
    docs = list(walk())
    files = {f"completions/statuscli.{sh}": completion_script(sh) for sh in SHELLS}
    for doc in docs:
        files[f"man/{doc.slug}.1"] = man_page(doc, date)
    files["docs/cli.md"] = markdown(docs)
    return files
