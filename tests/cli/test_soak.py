"""CI-sized samples of the kill -9 soak (scripts/soak): `decrypt`, `send` and `listen` killed at random
moments lose nothing and repeat nothing. Bounded: about 10 (decrypt), 5 (send) and 8 (listen) kills,
or 150/90/35 s of new messages, whichever is first; `scripts/soak decrypt|send|listen --kills 200` is
the full run (figures in docs/reliability.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_decrypt_killed_at_random_moments_loses_nothing_and_repeats_nothing():
    p = subprocess.run([sys.executable, str(ROOT / "scripts" / "soak"), "decrypt", "--kills", "10", "--max-seconds", "150", "--json"],
                       capture_output=True, text=True, timeout=600, cwd=ROOT)  # fmt: skip
    stats = json.loads(p.stdout)
    assert p.returncode == 0 and stats["ok"], (stats, p.stderr[-2000:])
    assert stats["kills"] >= 3 and stats["lost"] == stats["replay_accepted"] == stats["wrong_text"] == 0
    assert stats["acknowledged"] + stats["complete_output_before_kill"] >= stats["messages"]


def test_send_killed_at_random_moments_loses_no_acknowledged_message():
    """A node on 127.0.0.1; `send` SIGKILLed at random moments; every id a run acknowledged (exit 0)
    is in the recipient's store fetch, and no id arrives twice."""
    p = subprocess.run([sys.executable, str(ROOT / "scripts" / "soak"), "send", "--kills", "5", "--max-seconds", "90", "--json"],
                       capture_output=True, text=True, timeout=600, cwd=ROOT)  # fmt: skip
    stats = json.loads(p.stdout)
    assert p.returncode == 0 and stats["ok"], (stats, p.stderr[-2000:])
    assert stats["kills"] >= 2 and stats["acknowledged"] >= 1
    assert stats["acknowledged_lost"] == stats["received_twice"] == 0


def test_listen_killed_at_random_moments_prints_every_message_once():
    """A node on 127.0.0.1; Alice sends 1:1 messages without pause while Bob's `listen --since CURSOR`
    is SIGKILLed at random moments and restarted from the last cursor it printed: every message
    Alice's send acknowledged is printed, none twice (by id), none undecryptable."""
    p = subprocess.run([sys.executable, str(ROOT / "scripts" / "soak"), "listen", "--kills", "8", "--max-seconds", "35", "--json"],
                       capture_output=True, text=True, timeout=300, cwd=ROOT)  # fmt: skip
    stats = json.loads(p.stdout)
    assert p.returncode == 0 and stats["ok"], (stats, p.stderr[-2000:])
    assert stats["kills"] >= 3 and stats["acknowledged"] >= 2
    assert stats["acknowledged_not_printed"] == stats["printed_twice"] == stats["undecryptable"] == 0
