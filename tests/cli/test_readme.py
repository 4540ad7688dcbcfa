"""The README stays true: two set-up commands, and the cookbook recipes run as written."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def _section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"## {title}")
    end = text.find("\n## ", start + 1)
    return text[start:] if end < 0 else text[start:end]


def _blocks(section: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", section, re.S)


def test_setup_section_has_exactly_two_commands():
    (block,) = _blocks(_section("Set-up on a fresh machine"))
    commands = [line for line in block.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert len(commands) == 2 and all(c.startswith("scripts/dev ") for c in commands)


def test_tour_shows_only_commands_that_exist():
    from statuscli.cli.registry import COMMANDS

    (block,) = _blocks(_section("A one-screen tour"))
    used = {m.group(1) for m in re.finditer(r"^statuscli (?:--\S+ \S+ )*([a-z-]+)", block, re.M)}
    assert used and used <= set(COMMANDS)
    for name in used:
        assert (Path(__file__).resolve().parents[2] / "statuscli" / "cli" / "commands" / f"{name}.py").is_file(), name


def argv_recorder(tmp_path: Path) -> tuple[Path, Path]:
    """A ``statuscli`` first on PATH that appends its own /proc/PID/cmdline (what ``ps`` shows every
    local user) to a log, then runs the real one. Returns (folder to put first on PATH, log)."""
    folder, log = tmp_path / "argv-shim", tmp_path / "argv.log"
    folder.mkdir()
    shim = folder / "statuscli"
    real = Path(sys.executable).parent / "statuscli"
    shim.write_text(f"#!/bin/bash\ntr '\\0' ' ' < /proc/$$/cmdline >> {log}\necho >> {log}\nexec {real} \"$@\"\n")
    shim.chmod(0o755)
    return folder, log


def secrets_of_homes(root: Path, passphrase: str) -> set[str]:
    """Every secret the recipes made, as text: private keys, database keys (hex), mnemonics."""
    from statuscli.store import keystore

    out = {passphrase}
    for key_file in root.rglob("accounts/*/*.json"):
        if key_file.name in ("chat-key.json", "db-key.json"):
            out.add(keystore.decrypt(key_file.read_text(), passphrase).hex())
        elif key_file.name == "mnemonic.json":
            out.add(json.loads(keystore.decrypt(key_file.read_text(), passphrase))["mnemonic"])
    return out


@pytest.mark.skipif(shutil.which("jq") is None, reason="the recipes use jq")
def test_cookbook_recipes_run(tmp_path):
    """…as written, and no secret appears on a statuscli command line (issue 12)."""
    offline = _section("Cookbook").split("### Sending, listening and bots")[0]  # the rest: tests/e2e/test_readme_messaging.py
    script = "\n".join(_blocks(offline))
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATUSCLI_")}
    shim, argv_log = argv_recorder(tmp_path)
    env["PATH"] = f"{shim}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["TMPDIR"] = str(tmp_path)  # mktemp -d lands under the test's folder
    r = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    out = r.stdout
    assert "message: hello bob" in out and "path: x3dh" in out
    assert "message: hi alice" in out and "path: double-ratchet" in out
    assert '"code": "decryption-failed"' in out  # the replay
    assert "text: over waku" in out and "signer_compressed" not in r.stderr
    assert "stopped: no key opened it" in out  # --no-account
    assert "exit 4" in out
    assert '"failed": 0' in out and '"ok": true' in out and r.returncode == 0, r.stderr[-2000:]
    command_lines = argv_log.read_text()
    assert command_lines.count("\n") >= 20  # every statuscli run was recorded
    secrets = secrets_of_homes(tmp_path, "correct-horse")
    assert len(secrets) >= 7  # the passphrase; alice's and bob's chat key, database key, mnemonic
    assert not [s for s in secrets if s in command_lines], "a secret appeared on a command line"


def _env(tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATUSCLI_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["TMPDIR"] = str(tmp_path)
    env["STATUSCLI_HOME"] = str(tmp_path / "home")
    return env


def test_tour_runs_offline_as_written(tmp_path, run_cli):
    """The tour's lines run one by one; all but the last three (a node, send, listen) need no network."""
    (block,) = _blocks(_section("A one-screen tour"))
    lines = [line for line in block.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    offline, network = lines[:-3], lines[-3:]
    assert [n.split()[1] for n in network] == ["node", "send", "listen"]
    env = _env(tmp_path)
    shim, argv_log = argv_recorder(tmp_path)
    env["PATH"] = f"{shim}{os.pathsep}{env['PATH']}"
    for line in offline:
        r = subprocess.run(["bash", "-o", "pipefail", "-c", line], cwd=README.parent, env=env, capture_output=True, text=True,
                           timeout=120)  # fmt: skip
        assert r.returncode == 0, f"{line}: exit {r.returncode}: {r.stderr[-1000:]}"
        if "STATUSCLI_PASSWORD_FILE" not in env:  # the tour's first line exports it: a file holding the passphrase
            (tmp_path / "pw").write_text("correct-horse")
            env["STATUSCLI_PASSWORD_FILE"] = str(tmp_path / "pw")
    command_lines = argv_log.read_text()
    assert "enr encode" in command_lines and "01" * 32 not in command_lines  # the node key went through stdin
    assert not [s for s in secrets_of_homes(tmp_path, "correct-horse") if s in command_lines]
    for line in network:  # these parse (click rejects an unknown option before it looks at --help)
        args = shlex.split(line.split("#")[0])[1:]
        assert run_cli(*args, "--help").exit_code == 0, line


def test_readme_links_point_at_files_that_exist():
    text = README.read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text)
    assert {"docs/cli.md", "docs/exit-codes-and-json.md", "docs/control-socket.md", "docs/interop.md", "BENCHMARKS.md",
            "examples/", "docs/secrets.md"} <= set(targets)  # fmt: skip
    for t in targets:
        if not t.startswith(("http://", "https://")):
            assert (README.parent / t).exists(), t


def test_code_layout_section_is_short_and_true():
    section = _section("How the code is laid out")
    body = [line for line in section.splitlines()[1:] if line.strip()]
    assert len(body) <= 10
    for folder in re.findall(r"`(statuscli/[a-z]+)/`", section):
        assert (README.parent / folder).is_dir(), folder
