"""The finish of the CLI: NO_COLOR, progress on stderr only, and --quiet never touching stdout."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys

import pytest

from statuscli.cli import progress as progress_mod
from statuscli.cli.context import AppContext
from tests.conftest import VECTORS, vectors

SGR = re.compile(r"\x1b\[([0-9;]*)m")
KEYS = vectors("status.json", "status-keys")[0]
ZQ3 = KEYS["expected"]["chat_compressed_key"]


def _colour_codes(text: str) -> list[str]:
    """SGR parameters that set a colour (30-37, 38;…, 39, 40-49, 90-107); bold/italic do not count."""
    found = []
    for params in SGR.findall(text):
        for p in params.split(";"):
            if p.isdigit() and (30 <= int(p) <= 49 or 90 <= int(p) <= 107):
                found.append(p)
    return found


def _run(*args, env=None, **kw):
    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "TERM")}
    return subprocess.run([sys.executable, "-m", "statuscli", *args], capture_output=True, timeout=120, env={**base, **(env or {})}, **kw)


# --- NO_COLOR -------------------------------------------------------------------------------
@pytest.mark.parametrize("args", [("vectors", "list"), ("vectors", "verify", str(VECTORS / "status.json"))])
def test_no_color_is_honoured_by_rich_output(args):
    coloured = _run(*args, env={"FORCE_COLOR": "1"})
    assert coloured.returncode == 0 and _colour_codes(coloured.stdout.decode())  # the check can see colour
    plain = _run(*args, env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert plain.returncode == 0 and _colour_codes(plain.stdout.decode()) == []
    piped = _run(*args)
    assert "\x1b" not in piped.stdout.decode()  # not a terminal: no escape codes at all


# --- progress -------------------------------------------------------------------------------
def _app(quiet=False) -> AppContext:
    from pathlib import Path

    return AppContext(home=Path("/nonexistent"), quiet=quiet)


def test_progress_is_a_silent_no_op_without_a_terminal(capsys):
    with progress_mod.progress(_app(), "work", total=3) as update:
        for _ in range(3):
            update()
        update(completed=3, total=3, description="done")
    assert capsys.readouterr() == ("", "")


def test_progress_is_silent_with_quiet_even_on_a_terminal(monkeypatch, capsys):
    monkeypatch.setattr("statuscli.cli.console.stderr_is_terminal", lambda: True)
    assert progress_mod.enabled(_app(quiet=False)) and not progress_mod.enabled(_app(quiet=True))
    with progress_mod.progress(_app(quiet=True), "work") as update:
        update(5)
    assert capsys.readouterr() == ("", "")


def test_progress_draws_on_stderr_only(monkeypatch):
    monkeypatch.setattr("statuscli.cli.console.stderr_is_terminal", lambda: True)
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setenv("FORCE_COLOR", "1")  # make rich treat the StringIO as a terminal
    with progress_mod.progress(_app(), "PoW", total=None) as update:
        update(1024)
        update(completed=2048, description="PoW (best 9 bits)")
    assert out.getvalue() == "" and err.getvalue()


def test_stdout_written_while_a_bar_is_live_stays_on_stdout(monkeypatch):
    monkeypatch.setattr("statuscli.cli.console.stderr_is_terminal", lambda: True)
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setenv("FORCE_COLOR", "1")
    with progress_mod.progress(_app(), "fetching history") as update:
        sys.stdout.write('{"type": "message"}\n')  # e.g. an event of 'mailserver fetch'
        update(completed=1, description="page 1")
    assert out.getvalue() == '{"type": "message"}\n'
    assert "message" not in err.getvalue() and "fetching history" in err.getvalue()


def _run_with_terminal_stderr(*args, env=None) -> tuple[subprocess.CompletedProcess, bytes]:
    """Run with stderr on a pseudo-terminal (so progress bars draw) and stdout on a pipe."""
    import pty
    import threading

    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "TERM")}
    master, slave = pty.openpty()
    drawn = bytearray()

    def drain():  # read the terminal while the command runs, so it never blocks on a full buffer
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                return
            if not chunk:
                return
            drawn.extend(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        r = subprocess.run([sys.executable, "-m", "statuscli", *args], stdout=subprocess.PIPE, stderr=slave, timeout=120,
                           env={**base, **(env or {})})  # fmt: skip
    finally:
        os.close(slave)
        reader.join(timeout=10)
        os.close(master)
    return r, bytes(drawn)


POW = ("envelope", "encode", "--text", "hi", "--password", "status", "--topic", "0xcd423760", "--v1", "--pow", "0.05",
       "--work-time", "60", "--timestamp", "1790000000000000000", "--seed", "00")  # fmt: skip


def test_pow_draws_a_bar_on_stderr_and_stdout_is_the_same():
    plain = _run(*POW)
    with_tty, drawn = _run_with_terminal_stderr(*POW)
    assert with_tty.returncode == plain.returncode == 0
    assert with_tty.stdout == plain.stdout and plain.stdout.strip()
    assert b"PoW" in drawn
    quiet, drawn_quietly = _run_with_terminal_stderr("--quiet", *POW)
    assert quiet.stdout == plain.stdout and b"PoW" not in drawn_quietly


def test_progress_bar_honours_no_color():
    args = ("vectors", "generate", "keys", "--count", "6", "--seed", "pty")
    _, coloured = _run_with_terminal_stderr(*args)
    assert _colour_codes(coloured.decode(errors="replace"))  # the check can see colour
    _, plain = _run_with_terminal_stderr(*args, env={"NO_COLOR": "1"})
    assert b"generating keys" in plain and _colour_codes(plain.decode(errors="replace")) == []


def test_progress_bar_in_a_real_pseudo_terminal_leaves_stdout_identical():
    args = ("vectors", "generate", "keys", "--count", "6", "--seed", "pty")
    plain = _run(*args)
    with_tty, drawn = _run_with_terminal_stderr(*args)
    assert with_tty.returncode == plain.returncode == 0
    assert with_tty.stdout == plain.stdout
    assert b"generating keys" in drawn  # the bar went to the terminal on stderr


# --- --quiet never changes stdout -----------------------------------------------------------
def _pair(run_cli, *args, input=None):
    loud = run_cli(*args, input=input)
    quiet = run_cli("--quiet", *args, input=input)
    return loud, quiet


COMMANDS = [
    ("topic", "compute", "public", "status"),
    ("--json", "topic", "compute", "public", "status"),
    ("keys", "inspect", ZQ3),
    ("--json", "keys", "inspect", ZQ3),
    ("keys", "inspect", "not-a-key"),
    ("--json", "keys", "inspect", "not-a-key"),
    ("vectors", "list"),
    ("--json", "vectors", "list"),
    ("vectors", "generate", "identity", "--count", "2"),
    ("vectors", "verify", str(VECTORS / "status.json")),
    ("--json", "vectors", "verify", str(VECTORS / "waku.json")),
    ("topic", "shard", "/toychat/2/huilong/proto"),
    ("envelope", "hash", "--pubsub-topic", "/waku/2/rs/16/32", "--content-topic", "/c/1/t/proto", "--payload", "0x01", "--timestamp", "1"),
    ("envelope", "encode", "--text", "hi", "--password", "status", "--topic", "0xcd423760", "--timestamp", "1790000000000000000",
     "--seed", "00"),
    ("--json", "envelope", "encode", "--text", "hi", "--password", "status", "--topic", "0xcd423760", "--v1", "--pow", "0.01",
     "--timestamp", "1790000000000000000", "--seed", "00"),
    ("enr", "encode", "--key", "0x" + "01" * 32, "--ip", "10.0.0.1", "--tcp", "60000"),
    ("mvds", "group-id", ZQ3, "zQ3shgXaXEtHSFVhHgTUiCSNAXYKeKryUVnPZZJLBMDutaWHB"),
    ("completion", "bash"),
    ("node", "status"),
    ("--json", "send", "nobody", "hi"),
    ("--json", "listen", "--timeout", "1"),
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a)[:40])
def test_quiet_never_changes_stdout(run_cli, args):
    loud, quiet = _pair(run_cli, *args)
    assert quiet.exit_code == loud.exit_code
    assert quiet.stdout == loud.stdout


def test_quiet_keeps_stdout_of_a_failing_verify_and_drops_the_stderr_note(run_cli, tmp_path):
    import json

    doc = json.loads(run_cli("vectors", "generate", "mvds", "--count", "1").stdout)
    doc["vectors"][0]["expected"]["group_id"] = "00" * 32
    f = tmp_path / "bad.json"
    f.write_text(json.dumps(doc), encoding="utf-8")
    loud, quiet = _pair(run_cli, "vectors", "verify", str(f))
    assert loud.exit_code == quiet.exit_code == 4
    assert quiet.stdout == loud.stdout and "failures" in loud.stdout
    assert "vectors failed" in loud.stderr and quiet.stderr == ""


def test_quiet_with_accounts_and_secrets(run_cli, tmp_path, monkeypatch):
    monkeypatch.setenv("STATUSCLI_PASSWORD", "pw")
    entropy = "000102030405060708090a0b0c0d0e0f"
    loud = run_cli("--home", str(tmp_path / "a"), "keys", "generate", "--name", "x", "--entropy", entropy, "--show-mnemonic")
    quiet = run_cli("--home", str(tmp_path / "b"), "--quiet", "keys", "generate", "--name", "x", "--entropy", entropy, "--show-mnemonic")
    assert loud.exit_code == quiet.exit_code == 0
    assert loud.stdout == quiet.stdout and loud.stderr and not quiet.stderr
    for args in (("keys", "show", "x", "--qr"), ("keys", "list"), ("keys", "export", "x", "--format", "mnemonic")):
        assert run_cli("--home", str(tmp_path / "a"), *args).stdout == run_cli("--home", str(tmp_path / "b"), "--quiet", *args).stdout
