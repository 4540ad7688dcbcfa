"""`node run --rendezvous` in separate processes: a bootstrap node is the point, a relay node
registers on it (its `node status` shows the namespaces granted), and `node status` of the point
counts the registrations (JSON and text)."""

from __future__ import annotations

import json
import subprocess
import time

import pytest

from tests.e2e.conftest import PY, base_env, start_node, stop_process

pytestmark = pytest.mark.e2e


def _status(home) -> dict:
    r = subprocess.run([PY, "-m", "statuscli", "--home", str(home), "--json", "node", "status"], env=base_env(), capture_output=True,
                       text=True, timeout=60)  # fmt: skip
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_a_relay_node_registers_on_a_bootstrap_node(tmp_path):
    point, listening = start_node(tmp_path / "point", "--mode", "bootstrap")
    node = None
    try:
        node, _ = start_node(tmp_path / "relay", "--mode", "relay", "--rendezvous", listening["multiaddrs"][0])
        deadline = time.monotonic() + 30
        while True:
            held = _status(tmp_path / "point")["rendezvous"]["point"]
            client = _status(tmp_path / "relay")["rendezvous"]["client"]
            if (held["registrations"] == 2 and len(client["points"][0]["registered"]) == 2) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert held == {"registrations": 2, "namespaces": 2, "peers": 1}
        assert client["points"] == [{"multiaddr": listening["multiaddrs"][0], "registered": {"rs/16/32": 60, "rs/16/64": 60}, "error": None}]
        text = {}
        for who in ("point", "relay"):
            r = subprocess.run([PY, "-m", "statuscli", "--home", str(tmp_path / who), "node", "status"], env=base_env(), capture_output=True,
                               text=True, timeout=60)  # fmt: skip
            text[who] = r.stdout
        assert "rendezvous: point holding 2 registration(s) of 1 peer(s) in 2 namespace(s)" in text["point"]
        assert "rendezvous: registered on 1 of 1 point(s) under rs/16/32, rs/16/64; 0 peer(s) found" in text["relay"]
    finally:
        if node is not None:
            stop_process(node)
        stop_process(point)
