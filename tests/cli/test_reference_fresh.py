"""The generated reference files (completions/, man/, docs/cli.md) are committed and fresh.

When a command or a help text changes, regenerate them and commit the result:

    .venv/bin/python scripts/gen_docs.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from statuscli.cli import reference

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def generated() -> dict[str, str]:
    return reference.generate_all()


def test_committed_reference_files_are_fresh():
    r = subprocess.run([sys.executable, "scripts/gen_docs.py", "--check"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr


def test_check_notices_a_stale_and_an_orphaned_file(tmp_path, monkeypatch, generated):
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import gen_docs
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    monkeypatch.setattr(gen_docs, "ROOT", tmp_path)
    monkeypatch.setattr(gen_docs, "generate_all", lambda: dict(generated))
    assert gen_docs.main([]) == 0 and gen_docs.main(["--check"]) == 0
    (tmp_path / "man" / "statuscli-keys-list.1").write_text("old\n")
    assert gen_docs.main(["--check"]) == 1
    gen_docs.main([])
    (tmp_path / "man" / "statuscli-gone.1").write_text("a command that no longer exists\n")
    assert gen_docs.main(["--check"]) == 1
    gen_docs.main([])
    assert not (tmp_path / "man" / "statuscli-gone.1").exists() and gen_docs.main(["--check"]) == 0


def test_generation_is_deterministic(generated):
    assert reference.generate_all() == generated


def test_one_man_page_per_command_and_the_completion_command_prints_the_files(generated, run_cli):
    pages = {p for p in generated if p.startswith("man/")}
    assert pages == {f"man/{d.slug}.1" for d in reference.walk()}
    for shell in reference.SHELLS:
        r = run_cli("completion", shell)
        assert r.exit_code == 0 and r.stdout == generated[f"completions/statuscli.{shell}"]


def test_man_pages_carry_examples_options_and_see_also(generated):
    page = generated["man/statuscli-keys-generate.1"]
    assert page.startswith('.TH "STATUSCLI-KEYS-GENERATE" "1"')
    for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "GLOBAL OPTIONS", "EXAMPLES", "EXIT STATUS", "ENVIRONMENT", "SEE ALSO"):
        assert f"\n.SH {section}\n" in page, section
    examples = page.split(".SH EXAMPLES\n", 1)[1].split(".SH", 1)[0]
    assert ".nf\n" in examples and "statuscli keys generate \\-\\-name alice\n" in examples  # verbatim, one per line
    group = generated["man/statuscli-keys.1"]
    see_also = group.split(".SH SEE ALSO\n", 1)[1]
    assert ".BR statuscli (1)," in see_also and ".BR statuscli\\-keys\\-generate (1)," in see_also
    assert ".SH COMMANDS" in group
    root = generated["man/statuscli.1"]
    assert ".BR statuscli\\-vectors (1)" in root.split(".SH SEE ALSO\n", 1)[1]
    assert "\b" not in "".join(generated.values())


@pytest.mark.skipif(shutil.which("groff") is None, reason="groff is not installed")
def test_man_pages_render_without_warnings(generated, tmp_path):
    for path in sorted(p for p in generated if p.startswith("man/")):
        f = tmp_path / Path(path).name
        f.write_text(generated[path], encoding="utf-8")
        r = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", str(f)], capture_output=True, text=True, timeout=60)
        assert r.returncode == 0 and r.stderr == "", (path, r.stderr)


def test_cli_md_has_contents_examples_and_option_tables(generated):
    md = generated["docs/cli.md"]
    assert "- [`keys generate`](#statuscli-keys-generate)" in md
    section = md.split("### `statuscli keys generate`", 1)[1].split("\n### ", 1)[0]
    assert "```sh\nstatuscli keys generate --name alice\n" in section
    assert "| `--entropy HEX` |" in section
    assert "| `--output [text\\|json]` |" in md  # a '|' inside a table cell is escaped
    for doc in reference.walk():
        heading = "##" if len(doc.path) <= 2 else "###"
        assert f"\n{heading} `{doc.name}`\n" in md, doc.name
