"""Real pipes: a reader that goes away early (``| head``) is not an error, and huge inputs are
refused before they are read into memory. Every case runs the CLI as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

PY = sys.executable
PASSWORD = "pipes-passphrase"


def _env(home) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATUSCLI_")}
    env.update(STATUSCLI_HOME=str(home), STATUSCLI_PASSWORD=PASSWORD, COLUMNS="80")
    return env


def run_into_closed_pipe(env: dict, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    """Run ``statuscli ARGS`` with stdout a pipe whose reader is already gone, as ``| head -0``
    leaves it: the first write fails with EPIPE, whenever it comes."""
    r, w = os.pipe()
    os.close(r)
    try:
        return subprocess.run([PY, "-m", "statuscli", *args], stdout=w, stderr=subprocess.PIPE, input=stdin,
                              env=env, timeout=120)  # fmt: skip
    finally:
        os.close(w)


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    home = tmp_path_factory.mktemp("pipes-home")
    env = _env(home)
    for name in ("alice", "bob"):
        p = subprocess.run([PY, "-m", "statuscli", "keys", "generate", "--name", name], capture_output=True, env=env, timeout=120)
        assert p.returncode == 0, p.stderr
    p = subprocess.run([PY, "-m", "statuscli", "--account", "alice", "group", "create", "club", "--dry-run"],
                       capture_output=True, env=env, timeout=120)  # fmt: skip
    return home


MVDS_STREAM = b"\n".join([b"0xcab80220" + b"11" * 32] * 6000)  # one ack per line: a result line each
LISTS = [
    ("vectors", "list"),
    ("--json", "vectors", "list"),
    ("vectors", "generate", "identity", "--count", "50"),
    ("keys", "list"),
    ("--json", "keys", "list"),
    ("--account", "alice", "group", "list"),
    ("--json", "--account", "alice", "group", "list"),
    ("topic", "compute", "public", "status"),
    ("mvds", "inspect", "-"),
    ("--json", "mvds", "inspect", "-"),
    ("--account", "alice", "bundle", "show"),
    ("--help",),
    ("completion", "bash"),
]


@pytest.mark.parametrize("args", LISTS, ids=" ".join)
def test_a_reader_that_left_early_is_not_an_error(home, args):
    p = run_into_closed_pipe(_env(home), *args, stdin=MVDS_STREAM if "mvds" in args else None)
    assert p.returncode == 0, p.stderr.decode(errors="replace")
    assert p.stderr == b"", p.stderr.decode(errors="replace")  # quiet: no traceback, no "Exception ignored"


def test_head_reads_the_first_lines_and_the_writer_exits_0(home):
    """The shell's own pipeline, with a reader that stops after one line while the writer writes on."""
    cmd = f"'{PY}' -m statuscli mvds inspect - < '{home}/stream' | head -n 1; echo \"rc=${{PIPESTATUS[0]}}\""
    (home / "stream").write_bytes(MVDS_STREAM)
    p = subprocess.run(["bash", "-c", cmd], capture_output=True, env=_env(home), timeout=120)
    out = p.stdout.decode().splitlines()
    assert out[0].startswith("line 1: MVDS payload") and out[-1] == "rc=0", (out[-3:], p.stderr)
    assert p.stderr == b""


# --- huge inputs are refused before they are read ---------------------------------------------
HUGE = 200 * 1024 * 1024
RSS_CEILING_KIB = 160 * 1024  # the interpreter and statuscli take ~40 MiB; the bounded read 32 MiB


# Linux carries a process's peak RSS across exec, so a child forked from this (large) pytest process
# would report pytest's own peak. A small wrapper starts the command and reports its child's peak.
_MEASURE = (
    "import resource, subprocess, sys;"
    "p = subprocess.run(sys.argv[1:]);"
    "sys.stdout.write(f'{p.returncode} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}')"
)


def _peak_rss_kib(args: list[str], env: dict, feed_stdin: bool) -> tuple[int, int, bytes]:
    """Run ``statuscli ARGS`` (feeding 200 MB of hex on stdin when asked) and return its exit code,
    its peak resident set size in KiB (getrusage of the wrapper's children), and its stderr."""
    import threading

    p = subprocess.Popen([PY, "-c", _MEASURE, PY, "-m", "statuscli", *args],
                         stdin=subprocess.PIPE if feed_stdin else subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)  # fmt: skip

    def feed() -> None:
        chunk = b"0x" + b"ab" * (1024 * 1024 - 1) + b"\n"
        try:
            for _ in range(HUGE // len(chunk) + 1):
                p.stdin.write(chunk)
        except (BrokenPipeError, ValueError):
            pass  # refused early: what we want
        finally:
            try:
                p.stdin.close()
            except BrokenPipeError:
                pass

    feeder = threading.Thread(target=feed, daemon=True)
    if feed_stdin:
        feeder.start()
    out, err = p.communicate(timeout=120) if not feed_stdin else (p.stdout.read(), p.stderr.read())
    p.wait(30)
    if feed_stdin:
        feeder.join(30)
    code, rss = (int(x) for x in out.split())
    return code, rss, err


@pytest.mark.parametrize("args", [
    ("mvds", "inspect", "-"),
    ("envelope", "inspect", "--no-account", "-"),
    ("envelope", "hash", "--pubsub-topic", "/p", "--content-topic", "/c/1/t/proto", "--timestamp", "1", "--payload", "-"),
])  # fmt: skip
def test_200_mb_on_stdin_is_refused_early(tmp_path, args):
    code, rss, err = _peak_rss_kib(list(args), _env(tmp_path), feed_stdin=True)
    assert code == 3 and b"larger than 32 MiB" in err, err
    assert rss < RSS_CEILING_KIB, f"peak RSS {rss // 1024} MiB"


def test_a_200_mb_file_is_refused_by_its_size_without_reading_it(tmp_path):
    big = tmp_path / "big.hex"
    with open(big, "wb") as f:
        f.truncate(HUGE)  # sparse: no disk used
    code, rss, err = _peak_rss_kib(["mvds", "inspect", str(big)], _env(tmp_path), feed_stdin=False)
    assert code == 3 and b"larger than 32 MiB" in err, err
    assert rss < RSS_CEILING_KIB // 2, f"peak RSS {rss // 1024} MiB"


# --- one command's output is the next one's input ---------------------------------------------
def test_envelope_hash_takes_what_envelope_encode_prints(run_cli):
    enc = run_cli("--json", "envelope", "encode", "--text", "hi", "--content-topic", "/c/1/t/proto", "--clear",
                  "--timestamp", "5", "--meta", "0x01")  # fmt: skip
    assert enc.exit_code == 0, enc.stderr
    doc = enc.json()
    raw = bytes.fromhex(doc["bytes"][2:])
    for given in (enc.stdout, doc["bytes"], raw):  # its JSON, its hex, its raw bytes
        r = run_cli("envelope", "hash", "-", input=given)
        assert r.exit_code == 0, r.stderr
        assert r.stdout.strip() == doc["message_hash"]
    r = run_cli("envelope", "hash", "-", "--pubsub-topic", "/other", input=doc["bytes"])
    assert r.stdout.strip() != doc["message_hash"]  # the topic is part of the hash
    parts = run_cli("envelope", "hash", "--pubsub-topic", doc["pubsub_topic"], "--content-topic", "/c/1/t/proto",
                    "--payload", b"hi".hex(), "--meta", "0x01", "--timestamp", "5")  # fmt: skip
    assert parts.stdout.strip() == doc["message_hash"]


def test_envelope_hash_of_a_listen_event_uses_its_pubsub_topic(run_cli):
    enc = run_cli("--json", "envelope", "encode", "--text", "x", "--content-topic", "/c/1/t/proto", "--clear",
                  "--timestamp", "7", "--pubsub-topic", "/waku/2/rs/1/0").json()  # fmt: skip
    event = {"type": "message", "envelope": enc["bytes"], "pubsub_topic": "/waku/2/rs/1/0", "hash": enc["message_hash"]}
    r = run_cli("envelope", "hash", "-", input=json.dumps(event))
    assert r.stdout.strip() == enc["message_hash"]


def test_envelope_hash_needs_an_envelope_or_all_its_parts(run_cli):
    assert run_cli("envelope", "hash", "--content-topic", "/c/1/t/proto").exit_code == 2
    assert run_cli("envelope", "hash", "0x0a00", "--timestamp", "1").exit_code == 2


ACK = bytes.fromhex("cab80220" + "11" * 32)  # an MVDS payload with one ack


@pytest.mark.parametrize("given", [
    "0x" + ACK.hex(),
    ACK,
    json.dumps({"plaintext": "0x" + ACK.hex(), "text": None}),  # the shape 'decrypt --json' prints
    json.dumps({"plaintext": "0x" + ACK.hex(), "sender": "0x04"}, indent=2),  # ... through 'jq .'
], ids=["hex", "raw", "decrypt-json", "pretty-json"])  # fmt: skip
def test_mvds_inspect_takes_hex_raw_and_json(run_cli, given):
    r = run_cli("--json", "mvds", "inspect", "-", input=given)
    assert r.exit_code == 0, r.stdout + r.stderr
    assert r.json()["acks"] == ["0x" + "11" * 32]
