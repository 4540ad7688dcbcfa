"""'statuscli node run/status/stop/probe' as real processes (the stdout contract others rely on)."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time

import pytest

from statuscli.net.control_client import ControlClient

pytestmark = pytest.mark.net


def cli(home, *args, timeout=60):
    return subprocess.run(
        [sys.executable, "-m", "statuscli", "--home", str(home), *args], capture_output=True, text=True, timeout=timeout
    )


def start_node(home, *args) -> tuple[subprocess.Popen, dict]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "statuscli", "--home", str(home), "node", "run", "--listen", "/ip4/127.0.0.1/tcp/0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    line = b""
    while not line.endswith(b"\n"):
        ready, _, _ = select.select([proc.stdout], [], [], max(0.1, deadline - time.monotonic()))
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError("node did not listen in time")
        if ready:
            b = proc.stdout.read1(4096) if hasattr(proc.stdout, "read1") else proc.stdout.read(1)
            if not b:
                raise AssertionError(f"node exited: {proc.wait()} {proc.stderr.read().decode()}")
            line += b
    return proc, json.loads(line)


def stop_proc(proc) -> None:
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def test_node_run_status_probe_stop(tmp_path):
    home = tmp_path / "h"
    proc, rec = start_node(home)
    try:
        assert rec["type"] == "listening"
        assert rec["peer_id"].startswith("16Uiu2")
        assert rec["multiaddrs"] and all(a.endswith("/p2p/" + rec["peer_id"]) for a in rec["multiaddrs"])
        assert rec["multiaddrs"][0].startswith("/ip4/127.0.0.1/tcp/") and not rec["multiaddrs"][0].startswith("/ip4/127.0.0.1/tcp/0/")
        assert rec["enr"].startswith("enr:")
        assert os.path.exists(rec["control_socket"])
        assert oct(os.stat(home / "node" / "node.key").st_mode & 0o777) == "0o600"

        st = cli(home, "--json", "node", "status")
        assert st.returncode == 0, st.stderr
        info = json.loads(st.stdout)
        for key in ("peer_id", "multiaddrs", "enr", "protocols", "peers", "store"):
            assert key in info
        assert info["peer_id"] == rec["peer_id"] and info["store"]["messages"] == 0
        assert "/vac/waku/store-query/3.0.0" in info["protocols"] and "/vac/waku/relay/2.0.0" in info["protocols"]

        with ControlClient(rec["control_socket"]) as c:
            c.call("publish", {"message": {"payload_text": "hello", "content_topic": "/statuscli/1/test/proto"}})

        pr = cli(home, "--json", "node", "probe", rec["multiaddrs"][0])
        assert pr.returncode == 0, pr.stderr
        report = json.loads(pr.stdout)
        assert report["peer_id"] == rec["peer_id"] and report["agent"].startswith("statuscli/")
        assert (report["cluster_id"], report["shards"]) == (16, [32, 64])
        assert report["rtt_ms"] > 0 and "lightpush" in report["waku"]

        st = cli(home, "node", "status")
        assert "store:      1 messages" in st.stdout

        sp = cli(home, "--json", "node", "stop")
        assert sp.returncode == 0, sp.stderr
        assert proc.wait(timeout=20) == 0
        assert not (home / "node" / "node.json").exists()
        err = proc.stderr.read().decode()
        assert "listening on" in err and "node stopped" in err and "Traceback" not in err
    finally:
        stop_proc(proc)

    # same key, same peer id on the next start; the stored message is still there
    proc, rec2 = start_node(home)
    try:
        assert rec2["peer_id"] == rec["peer_id"]
        st = json.loads(cli(home, "--json", "node", "status").stdout)
        assert st["store"]["messages"] == 1
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 130  # Ctrl-C: a clean stop, reported as interrupted
    finally:
        stop_proc(proc)


def test_sigterm_stops_cleanly_and_a_second_node_is_refused(tmp_path):
    home = tmp_path / "h"
    proc, rec = start_node(home, "--mode", "relay", "--shard", "32")
    try:
        assert rec["mode"] == "relay" and rec["pubsub_topics"] == ["/waku/2/rs/16/32"]
        second = cli(home, "node", "run", "--listen", "/ip4/127.0.0.1/tcp/0")
        assert second.returncode == 2 and "already running" in second.stderr
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        assert "Traceback" not in proc.stderr.read().decode()
    finally:
        stop_proc(proc)


def test_detach_then_stop(tmp_path):
    home = tmp_path / "h"
    r = cli(home, "node", "run", "--detach", "--listen", "/ip4/127.0.0.1/tcp/0")
    assert r.returncode == 0, r.stderr
    rec = json.loads(r.stdout.splitlines()[0])
    try:
        assert rec["type"] == "listening" and os.path.exists(rec["control_socket"])
        st = cli(home, "--json", "node", "status")
        assert json.loads(st.stdout)["pid"] == rec["pid"]
        sp = cli(home, "node", "stop")
        assert sp.returncode == 0 and "node stopped" in sp.stdout
    finally:
        try:
            os.kill(rec["pid"], signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert (home / "node" / "node.log").exists()


def test_status_and_stop_without_a_node(run_cli):
    r = run_cli("--json", "node", "status")
    assert r.exit_code == 6 and r.json()["error"]["code"] == "node-not-running"
    r = run_cli("node", "stop")
    assert r.exit_code == 6 and "no running node" in r.stderr


def test_probe_of_nothing_fails_with_exit_6(run_cli):
    r = run_cli("node", "probe", "/ip4/127.0.0.1/tcp/1/p2p/16Uiu2HAmEWQnHq2jLKJypwVnVoQeFCULuyop6atvq2eWjYSUjzNi", "--timeout", "3")
    assert r.exit_code in (6, 7), r.stderr
    r = run_cli("node", "probe", "not-a-multiaddr")
    assert r.exit_code == 3


def test_help_has_examples(run_cli):
    for sub in ("run", "status", "stop", "probe"):
        r = run_cli("node", sub, "--help")
        assert r.exit_code == 0 and "Examples:" in r.stdout


def test_discovery_period_shows_in_node_status(tmp_path):
    home = tmp_path / "h"
    proc, rec = start_node(home, "--mode", "relay", "--discv5", "--discv5-port", "0", "--discovery-period", "1")
    try:
        st = cli(home, "node", "status")
        assert "discovery:  discv5 on (udp/" in st.stdout, st.stdout
        deadline = time.monotonic() + 20
        while "stopped after" not in st.stdout and time.monotonic() < deadline:
            time.sleep(0.3)
            st = cli(home, "node", "status")
        assert "discovery:  discv5 stopped after 1" in st.stdout, st.stdout
        info = json.loads(cli(home, "--json", "node", "status").stdout)
        assert info["discovery"]["active"] is False and info["discovery"]["udp_port"] is None
        assert info["enr"] != rec["enr"]  # re-signed without udp
    finally:
        stop_proc(proc)
