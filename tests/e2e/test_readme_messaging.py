"""README's "Sending, listening and bots" recipes do what their comments say."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(shutil.which("jq") is None, reason="the recipes use jq")]

README = Path(__file__).resolve().parents[2] / "README.md"


def test_sending_listening_and_bot_recipes(tmp_path):
    text = README.read_text(encoding="utf-8")
    cookbook = text[text.index("## Cookbook") :]
    script = "\n".join(re.findall(r"```sh\n(.*?)```", cookbook, re.S))  # later recipes use the homes of earlier ones
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATUSCLI_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["TMPDIR"] = str(tmp_path)
    try:
        r = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    finally:
        for pid_file in tmp_path.rglob("node.pid"):  # a recipe that failed half-way leaves its detached node behind
            try:
                os.kill(int(pid_file.read_text().strip()), 15)
            except (OSError, ValueError):
                pass
    out = r.stdout
    assert "bob got: hello over waku" in out, r.stderr[-2000:]
    assert "bob fetched: are you there?" in out
    assert re.search(r"delivered 0x[0-9a-f]{8}…", out)
    assert "alice got: echo: ping" in out
    assert r.returncode == 0, r.stderr[-2000:]
