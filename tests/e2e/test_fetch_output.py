"""`mailserver fetch` whose output cannot be written: exit 3 (output-failed), not 1, and nothing lost —
the events it stored are replayed by `listen --since` from the cursor the error names."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

pytestmark = pytest.mark.e2e


def test_fetch_to_a_full_disk_is_exit_3_and_the_stored_events_replay(people):
    alice, carol = people("alice", "carol")
    alice.ok("send", carol.key, "kept for later")
    with open("/dev/full", "wb") as full:
        r = subprocess.run([sys.executable, "-m", "statuscli", "mailserver", "fetch", "--since", "5m"], stdout=full,
                           stderr=subprocess.PIPE, env=carol.env, timeout=120)  # fmt: skip
    err = r.stderr.decode()
    assert r.returncode == 3 and "could not write the result" in err and "Traceback" not in err, err
    since = int(re.search(r"listen --since (\d+)", err).group(1))
    replay = carol.listen("--since", str(since), "--count", "1", "--timeout", "60").ready(timeout=60)
    assert replay.finish() == 0, replay.stderr[-1500:]
    assert [e["text"] for e in replay.messages()] == ["kept for later"]
