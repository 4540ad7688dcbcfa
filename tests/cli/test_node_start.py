"""How 'statuscli node run' starts: one node per data dir, one per port, loopback defaults that
move to a free port, listen addresses checked before detaching, absolute paths in the record."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

pytestmark = pytest.mark.net


def cli(home, *args, timeout=90, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "statuscli", "--home", str(home), *args], capture_output=True, text=True, timeout=timeout, cwd=cwd
    )


def kill(pid) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def detached(results) -> list[dict]:
    return [json.loads(r.stdout.splitlines()[0]) for r in results if r.returncode == 0]


def ports(record) -> set[int]:
    return {int(a.split("/")[4]) for a in record["multiaddrs"]}


def test_two_homes_with_default_options_at_once_get_different_loopback_ports(tmp_path):
    homes = [tmp_path / "a", tmp_path / "b"]
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda h: cli(h, "node", "run", "--detach", "--mode", "relay"), homes))
    recs = detached(results)
    try:
        assert len(recs) == 2, [r.stderr for r in results]
        for rec in recs:
            assert rec["multiaddrs"] and all(a.startswith("/ip4/127.0.0.1/tcp/") for a in rec["multiaddrs"])
        assert not ports(recs[0]) & ports(recs[1])
        # the default ports went to at most one of them; the other says it moved
        moved = [r for r in recs if r["default_ports_taken"]]
        assert moved, recs
        both_stderr = "".join(r.stderr for r in results)
        assert "is taken; the node listens on a free port instead" in both_stderr
        for h in homes:
            assert cli(h, "node", "stop").returncode == 0
    finally:
        for rec in recs:
            kill(rec["pid"])


def test_two_detached_nodes_on_one_data_dir_at_once_one_refuses(tmp_path):
    home = tmp_path / "h"
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: cli(home, "node", "run", "--detach", "--mode", "relay", "--listen", "/ip4/127.0.0.1/tcp/0"), range(2)))
    recs = detached(results)
    try:
        assert len(recs) == 1, [(r.returncode, r.stderr) for r in results]
        refused = next(r for r in results if r.returncode != 0)
        assert refused.returncode == 2 and "already running" in refused.stderr, refused.stderr
        info = json.loads((home / "node" / "node.json").read_text())
        assert info["pid"] == recs[0]["pid"]
        assert cli(home, "node", "stop").returncode == 0
    finally:
        for rec in recs:
            kill(rec["pid"])


def test_a_port_another_node_holds_is_refused(tmp_path):
    first = cli(tmp_path / "a", "node", "run", "--detach", "--mode", "relay", "--listen", "/ip4/127.0.0.1/tcp/0")
    assert first.returncode == 0, first.stderr
    rec = json.loads(first.stdout.splitlines()[0])
    try:
        taken = rec["multiaddrs"][0].rsplit("/p2p/", 1)[0]
        second = cli(tmp_path / "b", "--json", "node", "run", "--mode", "relay", "--listen", taken)
        assert second.returncode == 6, second.stdout + second.stderr
        assert json.loads(second.stdout)["error"]["code"] == "address-in-use"
        # the same port on every interface collides too (no SO_REUSEPORT sharing)
        port = taken.split("/")[4]
        third = cli(tmp_path / "c", "node", "run", "--mode", "relay", "--listen", f"/ip4/0.0.0.0/tcp/{port}")
        assert third.returncode == 6 and "already in use" in third.stderr, third.stderr
    finally:
        kill(rec["pid"])


def test_bad_listen_is_refused_before_detaching(tmp_path):
    home = tmp_path / "h"
    for bad in ("/ip4/127.0.0.1/udp/5", "/ip4/300.1.1.1/tcp/1", "/dns4/example.org/tcp/1", "nonsense"):
        r = cli(home, "--json", "node", "run", "--detach", "--listen", bad)
        assert r.returncode == 3, (bad, r.stdout, r.stderr)
        assert "cannot listen on" in json.loads(r.stdout)["error"]["message"]
    assert not (home / "node" / "node.log").exists()  # no child was ever started


def test_held_port_is_refused_before_detaching(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = cli(tmp_path / "h", "node", "run", "--detach", "--listen", f"/ip4/127.0.0.1/tcp/{port}")
    assert r.returncode == 6 and "already in use" in r.stderr, r.stderr


def test_record_has_absolute_paths_and_the_log_file_written(tmp_path):
    home = tmp_path / "h"
    r = cli(home, "-v", "node", "run", "--detach", "--mode", "relay", "--listen", "/ip4/127.0.0.1/tcp/0",
            "--data-dir", "nd", "--log-file", "logs.txt", cwd=tmp_path)  # fmt: skip
    assert r.returncode == 0, r.stderr
    rec = json.loads(r.stdout.splitlines()[0])
    try:
        assert os.path.isabs(rec["control_socket"]) and os.path.exists(rec["control_socket"])
        assert rec["log_file"] == str(tmp_path / "logs.txt")
        assert "listening on" in (tmp_path / "logs.txt").read_text()
        saved = json.loads((tmp_path / "nd" / "node.json").read_text())
        assert saved["log_file"] == rec["log_file"] and saved["control_socket"] == rec["control_socket"]
        assert cli(home, "node", "stop", "--data-dir", str(tmp_path / "nd")).returncode == 0
    finally:
        kill(rec["pid"])
