"""The --help of every command, compared with committed snapshots; every leaf command has examples.

Snapshots live in tests/cli/snapshots/help/<command path joined by '-'>.txt, rendered 80 columns
wide. After changing a help text on purpose, rewrite them and review the diff:

    STATUSCLI_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest -q tests/cli/test_help_snapshots.py
    git diff tests/cli/snapshots/help

(then regenerate the reference files too: .venv/bin/python scripts/gen_docs.py)
"""

from __future__ import annotations

import pytest

from statuscli.cli.reference import examples, walk
from tests.cli.snapshot import check, check_no_orphans

DOCS = list(walk())
LEAVES = [d for d in DOCS if not d.is_group]


@pytest.fixture
def help_text(run_cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")  # click wraps to the terminal: fix the width

    def get(doc) -> str:
        r = run_cli(*doc.path[1:], "--help")
        assert r.exit_code == 0, r.stderr
        assert r.stderr == ""
        return r.stdout

    return get


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.name)
def test_help_matches_the_snapshot(help_text, doc):
    text = help_text(doc)
    assert "\b" not in text, "a stray \\b: in a help text or epilog a \\b line must follow a blank line"
    check(f"help/{doc.slug}.txt", text)


def test_no_orphan_help_snapshots():
    check_no_orphans("help", {f"{d.slug}.txt" for d in DOCS})


def test_short_help_flag_is_the_same(run_cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    assert run_cli("keys", "generate", "-h").stdout == run_cli("keys", "generate", "--help").stdout


@pytest.mark.parametrize("doc", LEAVES, ids=lambda d: d.name)
def test_every_leaf_command_has_examples(help_text, doc):
    lines = examples(doc)
    assert any(line.startswith("statuscli ") for line in lines), f"{doc.name}: no example line starting with 'statuscli'"
    assert "\n  Examples:\n" in help_text(doc)
    for line in lines:  # an example names its own command (or pipes into it)
        assert " ".join(doc.path[1:]) in line or line.startswith((" ", "#")), f"{doc.name}: example {line!r} is about something else"


def test_groups_have_examples_too():
    missing = [d.name for d in DOCS if d.is_group and not examples(d)]
    assert not missing
