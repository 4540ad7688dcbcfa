"""`statuscli demo`: the README's main command finishes by itself, well under a minute, exit 0."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.e2e


def test_demo_walks_through_every_step(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATUSCLI_")}
    env["TMPDIR"] = str(tmp_path)
    t0 = time.monotonic()
    p = subprocess.run([sys.executable, "-m", "statuscli", "demo"], capture_output=True, text=True, timeout=120, env=env)
    assert p.returncode == 0, p.stderr[-2000:]
    assert time.monotonic() - t0 < 60
    for heading in ("1. A Waku v2 node", "2. Two accounts", "4. Bob's prekey bundle", "5. X3DH", "6. Alice's first message, layer by layer",
                    "8. Bob's reply", "9. Offline delivery through the store", "10. Done"):  # fmt: skip
        assert heading in p.stdout
    assert "alice: Hello Bob!" in p.stdout and "recovered: See you!" in p.stdout and "3 delivered" in p.stdout
    assert not list(tmp_path.iterdir())  # the temporary home is gone


def test_demo_json_transcript(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATUSCLI_")}
    env["TMPDIR"] = str(tmp_path)
    p = subprocess.run([sys.executable, "-m", "statuscli", "--json", "demo"], capture_output=True, text=True, timeout=120, env=env)
    assert p.returncode == 0, p.stderr[-2000:]
    d = json.loads(p.stdout)
    assert d["ok"] and [s["step"] for s in d["steps"]] == list(range(1, 11))
    layers = d["steps"][5]["data"]["layers"]
    assert layers["layer"] == "waku-message" and layers["inner"]["layer"] == "payload-v1"
    assert d["steps"][8]["data"]["recovered"] == ["Are you there?", "I'll leave these with the store.", "See you!"]
