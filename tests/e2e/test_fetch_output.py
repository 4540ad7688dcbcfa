"""`mailserver fetch` stores an envelope only after its events reached stdout (issue 13, Build 1).

Before, each envelope was committed (ratchet step, message, envelope marked seen) and then
printed: output lost to a full disk or a kill was skipped by the next plain fetch as already seen.
Now a failed write (exit 3, output-failed) or a kill -9 while writing leaves that envelope
unstored, and the same command run again prints every message — each exactly once.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.e2e

TEXTS = ["first kept", "second kept", "third kept"]
F_SETPIPE_SZ = 1031  # linux/fcntl.h


def _fetch(person, stdout, *output: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "statuscli", *output, "mailserver", "fetch", "--since", "10m"], stdout=stdout,
                            stderr=subprocess.PIPE, env=person.env)  # fmt: skip


def _texts(person) -> list[str]:
    events = person.ndjson("mailserver", "fetch", "--since", "10m")
    assert events[-1]["type"] == "summary"
    return [e["text"] for e in events if e["type"] == "message"]


def test_fetch_to_a_full_disk_stores_nothing_and_the_same_command_prints_every_message_once(people):
    alice, carol = people("alice", "carol")
    for text in TEXTS:
        alice.ok("send", carol.key, text)
    with open("/dev/full", "wb") as full:
        p = _fetch(carol, full)
        _, err = p.communicate(timeout=120)
    err = err.decode()
    assert p.returncode == 3 and "could not write the result" in err and "run the same command again" in err, err
    assert "Traceback" not in err
    assert sorted(_texts(carol)) == sorted(TEXTS)  # before: the first envelope was stored, then skipped as seen
    assert _texts(carol) == []  # now they are stored: a third fetch prints nothing new


def test_fetch_killed_while_writing_its_first_event_stores_nothing(people):
    """stdout is a pipe already full, so the first event's write blocks — inside the envelope's
    transaction — until the process is SIGKILLed there."""
    alice, carol = people("alice", "carol")
    for text in TEXTS:
        alice.ok("send", carol.key, text)
    r, w = os.pipe()
    try:
        fcntl.fcntl(w, F_SETPIPE_SZ, 4096)
        os.set_blocking(w, False)
        try:
            while True:
                os.write(w, b"\n" * 4096)
        except BlockingIOError:
            pass
        os.set_blocking(w, True)
        p = _fetch(carol, w, "--json")
        deadline, wchan = time.monotonic() + 90, ""
        while "pipe_write" not in wchan and p.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
            with open(f"/proc/{p.pid}/wchan") as f:
                wchan = f.read()
        p.send_signal(signal.SIGKILL)
        p.wait(30)
        assert "pipe_write" in wchan, (wchan, p.returncode, p.stderr.read().decode()[-1500:])
    finally:
        os.close(r)
        os.close(w)
    assert p.returncode == -signal.SIGKILL
    got = _texts(carol)
    assert sorted(got) == sorted(TEXTS), got  # before: the envelope being written was committed, and lost to the output
    assert json.dumps(_texts(carol)) == "[]"
