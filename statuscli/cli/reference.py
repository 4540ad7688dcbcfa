"""Reference material generated from the click tree: shell completions, man pages, docs/cli.md.

``scripts/gen_docs.py`` writes them into ``completions/``, ``man/`` and ``docs/``; a test fails when
the committed files are stale; ``statuscli completion SHELL`` prints a completion script.
Walking the tree imports every command module (fine here: this never runs on a hot path).

Help texts follow click's conventions, which this module reads back: paragraphs are separated by
blank lines, and a paragraph whose first line is ``\\b`` is verbatim (kept line for line). A verbatim
paragraph that starts with ``Examples:`` becomes the EXAMPLES section of a man page and a ``sh``
code block in docs/cli.md. Every output is deterministic (no dates, sorted commands).
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from dataclasses import dataclass

import click

from statuscli import __version__

SHELLS = ("bash", "zsh", "fish")
PROG = "statuscli"
COMPLETE_VAR = "_STATUSCLI_COMPLETE"
GLOBAL_OPTION_NAMES = "--home, --account, --password-file, --output, --json, -v/--verbose, --quiet"


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

    @property
    def is_group(self) -> bool:
        return isinstance(self.command, click.Group)

    def children(self) -> list[tuple[str, click.Command]]:
        if not self.is_group:
            return []
        out = []
        for name in self.command.list_commands(self.ctx):
            sub = self.command.get_command(self.ctx, name)
            if sub is not None and not sub.hidden:
                out.append((name, sub))
        return out


def walk(root: click.Command | None = None) -> Iterator[CommandDoc]:
    """Every command of the tree, depth first, parents before children, children sorted."""
    if root is None:
        from statuscli.cli.main import cli as root

    def visit(cmd: click.Command, path: tuple[str, ...], parent: click.Context | None):
        doc = CommandDoc(path, cmd, click.Context(cmd, info_name=path[-1], parent=parent, **cmd.context_settings))
        yield doc
        for name, sub in doc.children():
            yield from visit(sub, path + (name,), doc.ctx)

    yield from visit(root, (PROG,), None)


def completion_script(shell: str) -> str:
    from click.shell_completion import get_completion_class

    from statuscli.cli.main import cli

    cls = get_completion_class(shell)
    if cls is None:
        raise click.BadParameter(f"unsupported shell {shell!r} (use one of {', '.join(SHELLS)})")
    return cls(cli, {}, PROG, COMPLETE_VAR).source()


# --- reading help texts back ----------------------------------------------------------------
@dataclass
class Block:
    kind: str  # "text" (a paragraph to re-flow), "verbatim", or "examples" (verbatim, heading dropped)
    lines: list[str]


def help_blocks(text: str) -> list[Block]:
    """Split a click help text (or epilog) into paragraphs, as click's formatter does."""
    blocks: list[Block] = []
    current: list[str] = []
    verbatim = False

    def close() -> None:
        nonlocal current, verbatim
        if current:
            if verbatim and current[0].strip() == "Examples:":
                body = textwrap.dedent("\n".join(current[1:])).splitlines()
                blocks.append(Block("examples", body))
            else:
                blocks.append(Block("verbatim" if verbatim else "text", current))
        current, verbatim = [], False

    for line in text.strip().splitlines():
        if line.strip() == "\b":  # a verbatim paragraph starts (click tolerates it without a blank line)
            close()
            verbatim = True
        elif not line.strip():
            close()
        else:
            current.append(line.rstrip())
    close()
    return blocks


def _is_prose(block: Block) -> bool:
    """A verbatim block that is only kept verbatim for the terminal: no indentation, no alignment."""
    return block.kind == "verbatim" and not any(
        line.startswith((" ", "{", "statuscli")) or "  " in line.strip() for line in block.lines
    )


def _help_text(cmd: click.Command) -> str:
    return (cmd.help or cmd.short_help or "").strip()


def _all_blocks(doc: CommandDoc) -> list[Block]:
    return help_blocks(_help_text(doc.command)) + help_blocks(doc.command.epilog or "")


def examples(doc: CommandDoc) -> list[str]:
    """The example lines of a command's help (empty when it has no Examples section)."""
    return [line for b in _all_blocks(doc) if b.kind == "examples" for line in b.lines]


def _params(doc: CommandDoc) -> list[tuple[str, str]]:
    """Options with their help, as ``--help`` lists them (``--help`` itself only on the root)."""
    from statuscli.cli.context import GlobalOption

    rows = []
    for p in doc.command.get_params(doc.ctx):
        if isinstance(p, GlobalOption) and len(doc.path) > 1:
            continue  # they have their own section
        rec = p.get_help_record(doc.ctx)
        is_help = p is doc.command.get_help_option(doc.ctx)
        if rec is not None and rec[1].strip() and not (is_help and len(doc.path) > 1):
            rows.append(rec)
    return rows


def _usage(doc: CommandDoc) -> str:
    return f"{doc.name} {' '.join(doc.command.collect_usage_pieces(doc.ctx))}".strip()


def _summary(cmd: click.Command) -> str:
    return cmd.get_short_help_str(limit=300)


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
ENVIRONMENT = [
    ("STATUSCLI_HOME", "keystore folder (default $XDG_DATA_HOME/statuscli)"),
    ("STATUSCLI_ACCOUNT", "account name"),
    ("STATUSCLI_PASSWORD_FILE, STATUSCLI_PASSWORD", "keystore passphrase source"),
    ("STATUSCLI_OUTPUT", "text or json"),
    ("STATUSCLI_NODE", "the node to use: a control socket path, or a multiaddr to use as a light client"),
    ("NO_COLOR", "disable colour"),
]


# --- man pages (roff) -----------------------------------------------------------------------
def _roff(text: str) -> str:
    """Text for roff: escapes, no control lines, ASCII only (others as \\[uXXXX], for any troff)."""
    out = []
    for line in text.replace("\\", "\\e").splitlines():
        if line.startswith((".", "'")):
            line = "\\&" + line
        out.append("".join(c if c.isascii() else f"\\[u{ord(c):04X}]" for c in line.replace("-", "\\-")))
    return "\n".join(out)


def _roff_block(block: Block) -> list[str]:
    if block.kind == "text" or _is_prose(block):
        return [".PP", _roff(" ".join(" ".join(block.lines).split()))]
    return [".PP", ".nf", _roff("\n".join(block.lines)), ".fi"]


def _see_also(doc: CommandDoc) -> list[str]:
    refs: list[tuple[str, ...]] = []
    if len(doc.path) > 2:
        refs.append(doc.path[:1])
    if len(doc.path) > 1:
        refs.append(doc.path[:-1])
    refs += [doc.path + (name,) for name, _ in doc.children()]
    return ['-'.join(r) for r in refs]


def man_page(doc: CommandDoc) -> str:
    blocks = _all_blocks(doc)
    lines = [
        f'.TH "{doc.slug.upper()}" "1" "" "statuscli {__version__}" "statuscli manual"',
        ".SH NAME",
        f"{_roff(doc.slug)} \\- {_roff(_summary(doc.command) or doc.name)}",
        ".SH SYNOPSIS",
        f".B {_roff(_usage(doc))}",
        ".SH DESCRIPTION",
    ]
    for block in blocks:
        if block.kind != "examples":
            lines += _roff_block(block)
    params = _params(doc)
    if params:
        lines.append(".SH OPTIONS")
        for opt, help_ in params:
            lines += [".TP", f".B {_roff(opt)}", _roff(" ".join(help_.split()))]
    if len(doc.path) > 1:
        lines += [
            ".SH GLOBAL OPTIONS",
            _roff(f"{GLOBAL_OPTION_NAMES} may appear before or after the subcommand; see statuscli(1)."),
        ]
    children = doc.children()
    if children:
        lines.append(".SH COMMANDS")
        for name, sub in children:
            lines += [".TP", f".B {_roff(name)}", _roff(_summary(sub))]
    example_lines = examples(doc)
    if example_lines:
        lines += [".SH EXAMPLES", ".nf", ".RS 4", _roff("\n".join(example_lines)), ".RE", ".fi"]
    lines.append(".SH EXIT STATUS")
    for code, meaning in EXIT_STATUS:
        lines += [".TP", f".B {code}", meaning]
    lines.append(".SH ENVIRONMENT")
    for var, meaning in ENVIRONMENT:
        lines += [".TP", f".B {var}", _roff(meaning)]
    refs = _see_also(doc)
    if refs:
        lines.append(".SH SEE ALSO")
        lines += [f".BR {_roff(r)} (1){',' if i < len(refs) - 1 else ''}" for i, r in enumerate(refs)]
    return "\n".join(lines) + "\n"


# --- docs/cli.md ----------------------------------------------------------------------------
def _md(text: str) -> str:
    """Prose for Markdown: no accidental HTML tags, emphasis or table cells."""
    return text.replace("\\", "\\\\").replace("<", "&lt;").replace("*", "\\*").replace("|", "\\|")


def _md_code_cell(text: str) -> str:
    """Code in a table cell: GitHub splits cells on '|' even inside backticks."""
    return "`" + text.replace("|", "\\|") + "`"


def _md_flow(lines: list[str]) -> str:
    return _md(" ".join(" ".join(lines).split()))


def _anchor(path: tuple[str, ...]) -> str:
    return "-".join(path)


def _md_command(doc: CommandDoc) -> list[str]:
    level = "##" if len(doc.path) <= 2 else "###"
    out = [f"{level} `{doc.name}`", "", "```text", _usage(doc), "```", ""]
    for block in _all_blocks(doc):
        if block.kind == "text" or _is_prose(block):
            out += [_md_flow(block.lines), ""]
        elif block.kind == "examples":
            out += ["Examples:", "", "```sh", *block.lines, "```", ""]
        else:
            out += ["```text", *textwrap.dedent("\n".join(block.lines)).splitlines(), "```", ""]
    params = _params(doc)
    if params:
        out += ["| option | description |", "|---|---|"]
        out += [f"| {_md_code_cell(o)} | {_md(' '.join(h.split()))} |" for o, h in params]
        out.append("")
    children = doc.children()
    if children:
        out += ["| command | what it does |", "|---|---|"]
        out += [f"| [`{name}`](#{_anchor(doc.path + (name,))}) | {_md(_summary(sub))} |" for name, sub in children]
        out.append("")
    return out


def markdown(docs: list[CommandDoc]) -> str:
    out = [
        "# statuscli command reference",
        "",
        "Generated from the click tree by `scripts/gen_docs.py`; do not edit by hand. The same text is",
        "printed by `statuscli COMMAND --help` and is in the man pages under `man/`. What each command",
        "prints with `--json`, and the error JSON, are in [exit-codes-and-json.md](exit-codes-and-json.md).",
        "",
        "Global options (" + ", ".join(f"`{o}`" for o in GLOBAL_OPTION_NAMES.split(", ")) + ") may appear before or after",
        "the subcommand: `statuscli --json keys list` is `statuscli keys list --json`.",
        "",
        "| exit code | meaning |",
        "|---:|---|",
        *[f"| {c} | {m} |" for c, m in EXIT_STATUS],
        "",
        "## Contents",
        "",
    ]
    for doc in docs[1:]:
        indent = "  " * (len(doc.path) - 2)
        out.append(f"{indent}- [`{' '.join(doc.path[1:])}`](#{_anchor(doc.path)}) — {_md(_summary(doc.command))}")
    out.append("")
    for doc in docs:
        out += _md_command(doc)
    return "\n".join(out).rstrip("\n") + "\n"


def generate_all() -> dict[str, str]:
    """{relative path: content} for every generated reference file (deterministic: no dates)."""
    docs = list(walk())
    files = {f"completions/statuscli.{sh}": completion_script(sh) for sh in SHELLS}
    for doc in docs:
        files[f"man/{doc.slug}.1"] = man_page(doc)
    files["docs/cli.md"] = markdown(docs)
    from pathlib import Path

    from statuscli.cli import error_table

    files[error_table.DOC] = error_table.regenerate(Path(__file__).resolve().parents[2])
    return files
