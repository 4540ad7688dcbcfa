"""Dry runs change nothing; state commits only after the result reached stdout (issue 13, rows 1-2).

* ``send --dry-run`` (also of 1 200 lines, also cut short by ``| head``) and ``decrypt --no-commit``
  leave the account database as it was (every row of every table before and after), and the
  next real message still decrypts (before: 1 200 ratchet steps, "too many skipped messages");
* ``decrypt``/``encrypt`` to a full disk or a closed pipe: exit 3 ``output-failed`` (before: exit 1
  after the ratchet step was committed, and the retry was refused as a replay), nothing changed,
  and the retry works.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.cli.test_secure_transport import PW, Party, db_dump, exchange_bundles, make_party


def full_dump(where, passphrase: str = PW) -> dict:
    """Every row of every table of a party's SQLCipher state.db (a Party, or the path of its state.db),
    opened with the key from its keystore."""
    if isinstance(where, Party):
        return db_dump(where)
    from pathlib import Path

    path = Path(where)
    return db_dump(Party(None, path.parents[2], path.parent.name), passphrase)


@pytest.fixture
def talking(run_cli, tmp_path, monkeypatch):
    """Alice and Bob with Double Ratchet sessions both ways."""
    monkeypatch.setenv("STATUSCLI_PASSWORD", PW)
    alice, a = make_party(run_cli, tmp_path, "alice")
    bob, b = make_party(run_cli, tmp_path, "bob")
    exchange_bundles(alice, bob, a, b)
    assert bob.decrypt(alice.encrypt("bob", "hello bob"))["text"] == "hello bob"
    assert alice.decrypt(bob.encrypt("alice", "hello alice"))["text"] == "hello alice"
    return alice, bob


def _run(home, *args, stdin: str | None = None, stdout=subprocess.PIPE, timeout=120):
    env = {**os.environ, "STATUSCLI_PASSWORD": PW, "STATUSCLI_HOME": str(home)}
    env.pop("STATUSCLI_ACCOUNT", None)
    return subprocess.run([sys.executable, "-m", "statuscli", *args], input=stdin, stdout=stdout, stderr=subprocess.PIPE,
                          env=env, text=True, timeout=timeout)  # fmt: skip


# --- 13.2 dry runs are pure ----------------------------------------------------------------
def test_dry_run_of_1200_lines_changes_nothing_and_the_next_real_message_decrypts(talking):
    alice, bob = talking
    before = full_dump(alice)
    lines = "\n".join(str(i) for i in range(1, 1201))
    r = alice.cli("send", "bob", "--each-line", "-", "--dry-run", input=lines)
    assert len(r.stdout.split()) == 1200
    assert full_dump(alice) == before  # no ratchet step, no MVDS record, no clock, no outbox
    # the next real message uses the step after "hello bob": Bob reads it (before: 1200 skipped keys)
    assert bob.decrypt(alice.encrypt("bob", "the real one"))["text"] == "the real one"


def test_dry_run_to_a_public_channel_and_a_json_dry_run_change_nothing(talking):
    alice, _ = talking
    alice.cli("send", "--public", "status", "warm up", "--dry-run")  # a first run may cache the channel key
    before = full_dump(alice)
    alice.cli("send", "--public", "status", "gm", "--dry-run")
    alice.cli("--json", "send", "bob", "hi", "--dry-run")
    alice.cli("send", "bob", "--accept-contact-request", "0x" + "ab" * 32, "--dry-run")
    assert full_dump(alice) == before


def test_dry_run_cut_short_by_head_changes_nothing(talking):
    alice, bob = talking
    before = full_dump(alice)
    read, write = os.pipe()
    lines = "\n".join(f"line {i}" for i in range(300))  # ~300 kB of envelopes: far more than a pipe holds
    env = {**os.environ, "STATUSCLI_PASSWORD": PW, "STATUSCLI_HOME": str(alice.home)}
    proc = subprocess.Popen([sys.executable, "-m", "statuscli", "send", "bob", "--each-line", "-", "--dry-run"],
                            stdin=subprocess.PIPE, stdout=write, stderr=subprocess.PIPE, env=env, text=True)  # fmt: skip
    os.close(write)
    proc.stdin.write(lines)  # a few kB: fits in the pipe
    proc.stdin.close()
    head = subprocess.run(["head", "-n", "1"], stdin=read, stdout=subprocess.PIPE, text=True, timeout=120)
    os.close(read)
    err = proc.stderr.read()
    proc.wait(timeout=120)
    assert head.stdout.startswith("0x")
    assert proc.returncode == 0 and "Traceback" not in err, err  # a reader that saw enough: not an error
    assert full_dump(alice) == before
    assert bob.decrypt(alice.encrypt("bob", "after head"))["text"] == "after head"


def test_decrypt_no_commit_changes_nothing(talking):
    alice, bob = talking
    msg = alice.encrypt("bob", "look only")
    before = full_dump(bob)
    assert bob.cli("--json", "decrypt", "-", "--no-commit", input=msg).json()["text"] == "look only"
    assert full_dump(bob) == before
    assert bob.decrypt(msg)["text"] == "look only"


# --- 13.1 output before commit -------------------------------------------------------------
@pytest.mark.parametrize("json_mode", [False, True])
def test_decrypt_to_a_full_disk_commits_nothing_and_the_retry_succeeds(talking, json_mode):
    alice, bob = talking
    msg = alice.encrypt("bob", "do not lose me")
    before = full_dump(bob)
    flags = ["--json"] if json_mode else []
    with open("/dev/full", "w") as full:
        r = _run(bob.home, *flags, "decrypt", "-", stdin=msg, stdout=full)
    assert r.returncode == 3 and "Traceback" not in r.stderr, r.stderr
    if not json_mode:
        assert "could not write the result" in r.stderr
    assert full_dump(bob) == before
    again = _run(bob.home, "--json", "decrypt", "-", stdin=msg)
    assert again.returncode == 0, again.stderr
    import json

    assert json.loads(again.stdout)["text"] == "do not lose me"


def test_decrypt_raw_to_a_closed_pipe_commits_nothing(talking):
    alice, bob = talking
    msg = alice.encrypt("bob", "nobody reads this yet")
    before = full_dump(bob)
    read, write = os.pipe()
    os.close(read)  # no reader: the first write fails with EPIPE
    try:
        r = _run(bob.home, "decrypt", "-", "--raw", stdin=msg, stdout=write)
    finally:
        os.close(write)
    assert r.returncode == 3 and "could not write the result" in r.stderr, r.stderr
    assert full_dump(bob) == before
    assert bob.decrypt(msg)["text"] == "nobody reads this yet"


def test_encrypt_to_a_full_disk_does_not_advance_the_session(talking):
    alice, bob = talking
    before = full_dump(alice)
    with open("/dev/full", "w") as full:
        r = _run(alice.home, "encrypt", "bob", "lost in the void", "--now", str(Party.clock + 1), stdout=full)
    assert r.returncode == 3 and "could not write" in r.stderr, r.stderr
    assert full_dump(alice) == before
    with open("/dev/full", "w") as full:
        r = _run(alice.home, "encrypt", "bob", "--bundle-only", "--now", str(Party.clock + 2), stdout=full)
    assert r.returncode == 3
    assert full_dump(alice) == before
    assert bob.decrypt(alice.encrypt("bob", "written"))["text"] == "written"
