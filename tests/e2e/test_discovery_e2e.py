"""A short-lived command finds its service node by discovery: `node run --discv5` in one process,
`mailserver fetch --bootstrap ENR` (no --node, no running node in its home) in another."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.e2e.conftest import PY, base_env, start_node, stop_process

pytestmark = pytest.mark.e2e


def test_mailserver_fetch_finds_the_store_node_through_discv5(tmp_path):
    proc, listening = start_node(tmp_path / "node", "--discv5", "--discv5-port", "0")
    try:
        env = {**base_env(), "STATUSCLI_HOME": str(tmp_path / "alice")}
        env.pop("STATUSCLI_NODE", None)
        gen = subprocess.run([PY, "-m", "statuscli", "keys", "generate", "--name", "alice"], env=env, capture_output=True, timeout=60)
        assert gen.returncode == 0, gen.stderr
        status = subprocess.run([PY, "-m", "statuscli", "--home", str(tmp_path / "node"), "--json", "node", "status"],
                                env=base_env(), capture_output=True, text=True, timeout=60)  # fmt: skip
        enr = json.loads(status.stdout)["enr"]
        assert enr == listening["enr"]
        r = subprocess.run([PY, "-m", "statuscli", "--json", "mailserver", "fetch", "--bootstrap", enr, "--since", "1m"],
                           env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
        assert r.returncode == 0, r.stderr
        assert "using the node found by discovery" in r.stderr
        assert json.loads(r.stdout.splitlines()[-1])["type"] == "summary"
    finally:
        stop_process(proc)
