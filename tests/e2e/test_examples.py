"""The scripts in examples/ run as written."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import PY, Person

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(shutil.which("jq") is None, reason="the examples use jq")]

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATUSCLI_")}
    env.update(extra)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def test_conversation_script(tmp_path):
    r = subprocess.run(["bash", str(EXAMPLES / "conversation.sh")], capture_output=True, text=True, timeout=180,
                       env=_env(TMPDIR=str(tmp_path)))  # fmt: skip
    out = r.stdout
    assert r.returncode == 0, r.stderr[-2000:]
    assert "bob got a contact request from zQ3" in out and ": Hi Bob, it's Alice" in out
    assert "alice got: Hello Alice!" in out and "payload-v1/negotiated" in out
    for text in ("Are you there?", "I will leave these with the store.", "See you!"):
        assert f"bob recovered: {text}" in out
    assert out.count("delivered 0x") >= 3 and out.rstrip().endswith("== done")
    assert not list(tmp_path.iterdir())  # it cleaned up after itself


@pytest.mark.parametrize("bot", ["bot.sh", "bot.py"])
def test_bots_answer_and_resume(tmp_path, node, bot):
    alice = Person(tmp_path, "alice", node["control_socket"])
    botp = Person(tmp_path, "bot", node["control_socket"])
    cmd = ["bash", str(EXAMPLES / bot)] if bot.endswith(".sh") else [PY, str(EXAMPLES / bot)]
    env = _env(**botp.env)
    p = subprocess.Popen([*cmd, "--count", "1", "--timeout", "60"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    time.sleep(1.0)
    alice.ok("send", botp.key, "!ping")
    assert p.wait(90) == 0, p.stderr.read()[-1500:]
    got = [e for e in alice.ndjson("listen", "--count", "1", "--timeout", "30") if e["type"] == "message"]
    assert [e["text"] for e in got] == ["pong"] and got[0]["response_to"]
    # a message sent while the bot is down is answered after its restart, and the old one is not answered again
    alice.ok("send", botp.key, "are you back?")
    p = subprocess.Popen([*cmd, "--count", "1", "--timeout", "60"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    assert p.wait(90) == 0, p.stderr.read()[-1500:]
    got = [e for e in alice.ndjson("listen", "--count", "1", "--timeout", "30") if e["type"] == "message"]
    assert [e["text"] for e in got] == ["you said: are you back?"]
