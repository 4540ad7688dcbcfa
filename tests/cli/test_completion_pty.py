"""Completion as a person gets it: a real bash, zsh and fish in a pseudo-terminal, the committed
completion script loaded, a line typed, Tab pressed, and the line read back from the shell's own
line editor (a key bound to print it). File names, folders, account names, contact names and
global options after the subcommand must complete."""

from __future__ import annotations

import fcntl
import os
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable
MARK = "LI" + "NE"  # never typed whole, so the echo of the set-up lines cannot match it

SETUP = {
    "bash": [
        "PS1='$ '; bind 'set bell-style none'",
        f"source {ROOT}/completions/statuscli.bash",
        "M=LI; bind -x '\"\\C-t\": printf \"%sNE<%s>\\n\" \"$M\" \"$READLINE_LINE\"'",
    ],
    "zsh": [
        "PS1='$ '; unsetopt beep; autoload -U compinit; compinit -u",
        f"source {ROOT}/completions/statuscli.zsh",
        "M=LI; printline() { zle -I; print -r -- \"${M}NE<$BUFFER>\" }; zle -N printline; bindkey '^T' printline",
    ],
    "fish": [
        "function fish_prompt; echo -n '$ '; end",
        f"source {ROOT}/completions/statuscli.fish",
        "set M LI; bind \\ct 'echo \"$M\"\"NE<\"(commandline)\">\"; commandline -f repaint'",
    ],
}
ARGV = {"bash": ["bash", "--norc", "--noprofile", "-i"], "zsh": ["zsh", "-f", "-i"], "fish": ["fish", "--no-config", "-i"]}

# typed text -> the line after one Tab (trailing spaces ignored)
CASES = {
    "statuscli mvds inspect tests/vec": "statuscli mvds inspect tests/vectors/",
    "statuscli keys import --mnemonic-file tests/vectors/READ": "statuscli keys import --mnemonic-file tests/vectors/README.md",
    "statuscli node run --data-dir tests/vec": "statuscli node run --data-dir tests/vectors/",
    "statuscli send bo": "statuscli send bobby",  # a contact name (bundle import --name): from the encrypted
    # state.db with the passphrase file of the environment, never asked for
    "statuscli keys list --jso": "statuscli keys list --json",  # a global option after the subcommand
    "statuscli --account ali": "statuscli --account alice",
    "statuscli vec": "statuscli vectors",
}


def _controlling_terminal() -> None:
    """In the child: a session of its own whose controlling terminal is the pty (job control)."""
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class PtyShell:
    def __init__(self, shell: str, env: dict):
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 300, 0, 0))
        self.p = subprocess.Popen(ARGV[shell], stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT,
                                  preexec_fn=_controlling_terminal, close_fds=True)  # fmt: skip
        os.close(slave)
        self.out = ""

    def send(self, text: str) -> None:
        os.write(self.master, text.encode())

    def read_until(self, pattern: str, timeout: float = 60.0) -> re.Match:
        deadline = time.monotonic() + timeout
        while True:
            m = re.search(pattern, self.out)
            if m:
                self.out = self.out[m.end():]
                return m
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {pattern!r} in the terminal: {self.out[-1500:]!r}")
            ready, _, _ = select.select([self.master], [], [], min(left, 0.5))
            if ready:
                try:
                    self.out += os.read(self.master, 65536).decode(errors="replace")
                except OSError:
                    raise AssertionError(f"the shell exited: {self.out[-1500:]!r}") from None

    def run(self, line: str) -> None:
        n = len(self.out)
        self.send(line + "\r")
        token = f"S{n}Y"
        self.send(f"echo {token[:2]}''{token[2:]}\r")  # the echo of the typed line does not match
        self.read_until(re.escape(token) + r"\r?\n")

    def complete(self, text: str) -> str:
        self.send(text + "\t")
        time.sleep(0.3)  # let the shell take the Tab before the next key (fish reads ahead)
        self.send("\x14")  # Ctrl-T: print the line editor's buffer
        line = self.read_until(MARK + r"<(.*?)>").group(1)
        time.sleep(0.2)
        self.send("\x05\x15\x15")  # Ctrl-E Ctrl-U: clear the line for the next case
        return line

    def close(self) -> None:
        try:
            os.killpg(self.p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.p.wait(10)
        os.close(self.master)


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    home = tmp_path_factory.mktemp("completion-pty-home")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("STATUSCLI_", "_STATUSCLI"))}
    base.update(STATUSCLI_HOME=str(home), PATH=f"{Path(PY).parent}{os.pathsep}{base.get('PATH', '')}", TERM="dumb",
                HOME=str(home), XDG_CONFIG_HOME=str(home / "config"), XDG_DATA_HOME=str(home / "data"))  # fmt: skip
    make = {**base, "STATUSCLI_PASSWORD": "pty"}

    def cli(*args: str) -> subprocess.CompletedProcess:
        r = subprocess.run([PY, "-m", "statuscli", *args], capture_output=True, env=make, timeout=120)
        assert r.returncode == 0, r.stderr
        return r

    cli("keys", "generate", "--name", "alice")  # the default account
    cli("keys", "generate", "--name", "carol")
    bundle = home / "carol.bundle"
    bundle.write_bytes(cli("--account", "carol", "bundle", "export").stdout)
    cli("--account", "alice", "bundle", "import", str(bundle), "--name", "bobby")
    (home / "pw").write_text("pty")
    # contacts are in the encrypted state.db: the shells get a password file (completion never prompts;
    # without one it offers no contact names)
    return {**base, "STATUSCLI_PASSWORD_FILE": str(home / "pw")}


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_tab_completes_in_a_real_shell(shell, env):
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed")
    sh = PtyShell(shell, env)
    try:
        for line in SETUP[shell]:
            sh.run(line)
        got = {text: sh.complete(text).rstrip() for text in CASES}
    finally:
        sh.close()
    assert got == CASES
