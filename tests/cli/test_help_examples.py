"""The Examples of every --help run as written, in bash, against a prepared sandbox.

The sandbox (built once per module, copied afresh for every command) holds what the examples name:
accounts alice (the default) and bob in $STATUSCLI_HOME, each with the other's bundle stored as a
contact; bob is made from fixed entropy, so examples may spell out his key
(zQ3shdsKbXgWwHcg4DMMg7aeASNir7sqEkLZDvH1SFgwMp4Mh); files alice.bundle, bob.bundle, msg.hex (a
ProtocolMessage from alice to bob), envelope.hex/.bin (a public-chat WakuMessage on 'status'),
payload.bin, payload.hex (an MVDS payload), payloads.ndjson, record.txt (an ENR), identity.json (a
vector file), words.txt (bob's mnemonic), $WORDS (another one), pw.txt (the keystore passphrase,
also $STATUSCLI_PASSWORD_FILE), new.txt (another passphrase), entropy.hex and signing-key.hex
(secrets that examples read with @FILE); alice has a private group 'friends' with bob.
Examples of commands that create accounts start from an empty home instead. Plain 'statuscli …'
lines run in-process (as the run_cli fixture does), lines with shell syntax in bash; a group's
example that repeats an example of one of its commands runs only there.

The lines of one command run in order (a later example may use what an earlier one wrote); each
must exit 0, and write no colour codes: they run with FORCE_COLOR=1 and NO_COLOR=1. Not run here:
lines that need a running node (they may hold '…' placeholders for what only a live network has,
a peer id or a message id; the commands are covered by tests/e2e and test_json_shapes.py), lines
that need an Ethereum node (--eth-rpc: tests/chain runs ENS names against ganache), lines
that need a tool that is not installed, and zsh-only lines.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from statuscli.cli.main import run
from statuscli.cli.reference import examples, walk

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ALICE_ENTROPY = "000102030405060708090a0b0c0d0e0f"
BOB_ENTROPY = "0f0e0d0c0b0a09080706050403020100"
BOB_ZQ3 = "zQ3shdsKbXgWwHcg4DMMg7aeASNir7sqEkLZDvH1SFgwMp4Mh"
OTHER_WORDS = "cage animal match embark fame bean pass census clinic gesture entire fury"
NETWORK = (
    "statuscli node ", "statuscli --json node ", "statuscli listen", "statuscli --json listen", "| statuscli listen",
    "statuscli mailserver", "statuscli --json mailserver", "statuscli bundle publish", "statuscli --json bundle publish",
    "statuscli bundle fetch", "statuscli demo", "statuscli --json demo", "statuscli discover", "postgresql://",
    # a group exists only once created through a node (a dry run stores nothing)
    "statuscli group add", "statuscli group remove", "statuscli --json group remove", "statuscli group leave",
    "statuscli group rename", "statuscli group admins", "statuscli group show", "--group friends",
    # a contact request to accept or decline arrives only through a node (tests/e2e/test_contacts.py runs them)
    "statuscli contacts accept", "statuscli contacts decline",
    # ENS names need an Ethereum node (tests/chain runs them against ganache)
    "--eth-rpc",
    # another device of ours is known only once its pairing message came through a node
    "statuscli devices enable", "statuscli devices disable",
)
NEEDS_DRY_RUN = ("statuscli send", "statuscli group create", "statuscli group add", "statuscli --json group create", "statuscli react",
                 "statuscli edit", "statuscli delete", "statuscli pin", "devices pair", "devices sync")
CREATES_ACCOUNTS = {("keys",), ("keys", "generate"), ("keys", "import"), ()}

SETUP = f"""
set -euo pipefail
mkdir -p home .local/share/bash-completion/completions .config/fish/completions tests
ln -s {ROOT}/tests/vectors tests/vectors
printf 'sandbox-passphrase' > pw.txt
printf 'another-passphrase' > new.txt
printf '000102030405060708090a0b0c0d0e0f' > entropy.hex
printf '0x{"30" * 32}' > signing-key.hex
statuscli keys generate --name alice --entropy {ALICE_ENTROPY} >/dev/null 2>&1
statuscli keys generate --name bob --entropy {BOB_ENTROPY} --show-mnemonic --json 2>/dev/null \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["mnemonic"])' > words.txt
statuscli bundle export > alice.bundle
statuscli --account bob bundle export > bob.bundle
statuscli bundle import bob.bundle --name bob >/dev/null
statuscli --account bob bundle import alice.bundle --name alice >/dev/null
statuscli encrypt bob "hi bob" > msg.hex
statuscli send --public status "gm" --dry-run 2>/dev/null > envelope.hex
python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(open("envelope.hex").read().strip()[2:]))' > envelope.bin
printf 'some payload bytes' > payload.bin
statuscli vectors generate mvds --count 2 \
  | python3 -c 'import json,sys; v=json.load(sys.stdin)["vectors"]; p=[x["expected"]["payload_protobuf"] for x in v if "payload_protobuf" in x["expected"]]; open("payload.hex","w").write(p[0]+"\\n"); open("payloads.ndjson","w").write("".join(json.dumps({{"payload": "0x"+h}})+"\\n" for h in p))'
statuscli enr encode --key 0x{"01" * 32} --ip 10.0.0.1 --tcp 60000 > record.txt
statuscli vectors generate identity --count 2 > identity.json
mkdir empty && cp pw.txt entropy.hex words.txt empty/
python3 -c 'from statuscli.store.archive_sqlite import SqliteArchive as A
for path in ("store.sqlite", "home/node/store.sqlite"):
    a = A(path); a.add([(bytes([i]) * 32, "/waku/2/rs/16/32", "/a/1/b/proto", 1_700_000_000_000_000_000 + i, b"\\x0a\\x01x") for i in range(3)]); a.close()'
"""


def _env(home: Path, cwd: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATUSCLI_")}
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        HOME=str(cwd),
        STATUSCLI_HOME=str(home),
        STATUSCLI_PASSWORD_FILE=str(cwd / "pw.txt"),
        WORDS=OTHER_WORDS,
        COLUMNS="80",
        FORCE_COLOR="1",  # colour as on a terminal, and then NO_COLOR must take it away again
        NO_COLOR="1",
    )
    return env


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    world = tmp_path_factory.mktemp("examples") / "world"
    world.mkdir()
    r = subprocess.run(["bash", "-c", SETUP], cwd=world, env=_env(world / "home", world), capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    return world


def _colour_codes(text: str) -> list[str]:
    """SGR parameters that set a colour (30-49, 90-107); bold and the like do not count."""
    return [p for params in re.findall(r"\x1b\[([0-9;]*)m", text) for p in params.split(";")
            if p.isdigit() and (30 <= int(p) <= 49 or 90 <= int(p) <= 107)]  # fmt: skip


def _statements(lines: list[str]) -> list[str]:
    """Example lines with their '\\' continuations joined."""
    out: list[str] = []
    pending = ""
    for line in lines:
        if pending:
            line = pending + " " + line.strip()
        if line.rstrip().endswith("\\"):
            pending = line.rstrip()[:-1].rstrip()
            continue
        pending = ""
        out.append(line)
    return out


def skip_reason(line: str) -> str | None:
    """Why an example line is not run here (None: it runs). A '…' placeholder is allowed in a line
    that needs a network (a peer id, a message id); in any other line it fails the test."""
    if any(p in line for p in NETWORK) or (any(p in line for p in NEEDS_DRY_RUN) and "--dry-run" not in line):
        return "needs a running node"
    if "${fpath" in line:
        return "zsh only"
    for tool in ("jq", "zbarimg"):
        if f"{tool} " in line and shutil.which(tool) is None:
            return f"{tool} is not installed"
    return None


DOCS = [d for d in walk() if examples(d)]


SHELL_SYNTAX = re.compile(r"[|<>;&$`]")
_IN_PROCESS = threading.Lock()  # in-process runs change the working folder and the environment


def _run_line(line: str, cwd: Path, env: dict) -> tuple[int, str, str]:
    """Run one example: a plain 'statuscli …' line in-process (fast), anything else in bash."""
    words = shlex.split(line, comments=True)
    if words[0] == "statuscli" and not SHELL_SYNTAX.search(line.split(" #")[0]):
        with _IN_PROCESS:
            old = os.getcwd()
            os.chdir(cwd)
            try:
                holder = {}
                changes = {k: v for k, v in env.items() if os.environ.get(k) != v}
                changes.update({k: None for k in os.environ if k.startswith("STATUSCLI_") and k not in env})
                cmd = click.Command("statuscli", callback=lambda: holder.setdefault("code", run(words[1:])))
                res = CliRunner().invoke(cmd, [], env=changes, catch_exceptions=False)
            finally:
                os.chdir(old)
        return holder.get("code", res.exit_code), res.stdout, res.stderr
    r = subprocess.run(["bash", "-o", "pipefail", "-c", line], cwd=cwd, env=env, capture_output=True, text=True, timeout=120,
                       stdin=subprocess.DEVNULL)  # fmt: skip
    return r.returncode, r.stdout, r.stderr


def _run_doc(doc, pristine: Path, base: Path, ran_in_leaves: set[str]) -> list[str]:
    """Run one command's examples in a fresh copy of the sandbox; return the failures."""
    cwd = base / doc.slug
    shutil.copytree(pristine, cwd, symlinks=True)
    home = cwd / ("empty" if doc.path[1:3] in CREATES_ACCOUNTS else "home")
    failures = []
    for line in _statements(examples(doc)):
        if skip_reason(line) or (doc.is_group and line in ran_in_leaves):
            continue
        code, out, err = _run_line(line, cwd, _env(home, cwd))
        if code != 0:
            failures.append(f"{doc.name}: `{line}` exited {code}: {err.strip()[-600:]}")
        elif _colour_codes(out + err):
            failures.append(f"{doc.name}: `{line}` wrote colour codes although NO_COLOR is set")
    return failures


def test_every_runnable_example_works(pristine, tmp_path):
    # a group's example that repeats one of its commands' examples runs there only
    in_leaves = {line for d in DOCS if not d.is_group for line in _statements(examples(d))}
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda d: _run_doc(d, pristine, tmp_path, in_leaves), DOCS))
    failures = [f for r in results for f in r]
    assert not failures, "\n".join(failures)
