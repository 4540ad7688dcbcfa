"""Shell completion for real: the committed completions/statuscli.bash, sourced in bash, driven the
way readline drives it (COMP_WORDS/COMP_CWORD), with the venv's statuscli on PATH answering."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from statuscli.cli.registry import COMMANDS

ROOT = Path(__file__).resolve().parents[2]
COMPLETIONS = ROOT / "completions"

# Each case: the words on the command line, the last one being completed (may be "").
DRIVER = r"""
source "$1"
shift
complete -p statuscli >/dev/null || { echo "no completion registered" >&2; exit 9; }
fn=$(complete -p statuscli | sed -E 's/.* -F ([^ ]+) .*/\1/')
while IFS= read -r line; do
    read -r -a COMP_WORDS <<<"$line"
    [[ $line == *" " ]] && COMP_WORDS+=("")
    COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
    COMP_LINE=$line
    COMP_POINT=${#line}
    COMPREPLY=()
    "$fn" statuscli "${COMP_WORDS[$COMP_CWORD]}" "${COMP_WORDS[$COMP_CWORD-1]}"
    echo "== $line"
    printf '%s\n' "${COMPREPLY[@]}"
done
"""

HOME = "/tmp/statuscli-completion-test-home"  # replaced by a real temporary folder in the fixture
CASES = [
    "statuscli ",
    "statuscli ve",
    "statuscli keys ",
    "statuscli keys in",
    "statuscli topic compute --",
    "statuscli completion ",
    "statuscli topic compute ",
    "statuscli --json vectors ",
    "statuscli --",
    f"statuscli --home {HOME} keys show ",
    f"statuscli --home {HOME} --account bo",
    "statuscli keys list --js",
    f"statuscli keys show --home {HOME} ",
]


@pytest.fixture(scope="module")
def replies(tmp_path_factory) -> dict[str, list[str]]:
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    from statuscli.store.accounts import METADATA_FILE

    home = tmp_path_factory.mktemp("completion-home")
    for name in ("alice", "bob", "bobby"):  # what account-name completion lists: folders with metadata
        (home / "accounts" / name).mkdir(parents=True)
        (home / "accounts" / name / METADATA_FILE).write_text("{}")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STATUSCLI_", "_STATUSCLI"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    assert shutil.which("statuscli", path=env["PATH"]), "the venv has no statuscli entry point"
    r = subprocess.run(["bash", "--norc", "--noprofile", "-c", DRIVER, "driver", str(COMPLETIONS / "statuscli.bash")],
                       input="\n".join(c.replace(HOME, str(home)) for c in CASES) + "\n", capture_output=True, text=True,
                       env=env, timeout=120)  # fmt: skip
    assert r.returncode == 0, r.stderr
    out: dict[str, list[str]] = {}
    current = None
    for line in r.stdout.splitlines():
        if line.startswith("== "):
            current = line[3:].replace(str(home), HOME)
            out[current] = []
        elif line:
            out[current].append(line)
    assert set(out) == {c.rstrip("\n") for c in CASES}, r.stdout
    return out


def test_top_level_command_names(replies):
    assert set(replies["statuscli "]) == set(COMMANDS)
    assert replies["statuscli ve"] == ["vectors"]


def test_subcommands_of_keys(replies):
    assert set(replies["statuscli keys "]) == {"delete", "derive", "export", "generate", "import", "inspect", "list", "passwd", "show"}
    assert replies["statuscli keys in"] == ["inspect"]


def test_options_of_topic_compute(replies):
    assert "--symkey" in replies["statuscli topic compute --"]


def test_choice_values(replies):
    assert replies["statuscli completion "] == ["bash", "zsh", "fish"]
    assert set(replies["statuscli topic compute "]) == {"contact-code", "partitioned", "negotiated", "public", "personal", "name"}


def test_global_options_before_the_subcommand(replies):
    assert set(replies["statuscli --json vectors "]) == {"generate", "list", "verify"}
    assert {"--home", "--account", "--json", "--output", "--quiet", "--password-file"} <= set(replies["statuscli --"])


@pytest.mark.parametrize("shell, check", [("zsh", ["zsh", "-n"]), ("fish", ["fish", "--no-execute"])])
def test_other_shells_scripts_parse(shell, check):
    if shutil.which(check[0]) is None:
        pytest.skip(f"{shell} is not installed (not needed to run statuscli; its script is still generated and checked fresh)")
    r = subprocess.run([*check, str(COMPLETIONS / f"statuscli.{shell}")], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr


def test_scripts_call_the_program_with_its_completion_variable():
    for shell in ("bash", "zsh", "fish"):
        text = (COMPLETIONS / f"statuscli.{shell}").read_text(encoding="utf-8")
        assert "_STATUSCLI_COMPLETE" in text and "statuscli" in text, shell


def test_global_options_after_the_subcommand(replies):
    assert replies["statuscli keys list --js"] == ["--json"]
    assert replies[f"statuscli keys show --home {HOME} "] == ["alice", "bob", "bobby"]


def test_account_names(replies):
    assert replies[f"statuscli --home {HOME} keys show "] == ["alice", "bob", "bobby"]
    assert replies[f"statuscli --home {HOME} --account bo"] == ["bob", "bobby"]
