"""Ctrl-C is exit 130 everywhere, also for the long-running commands (real processes, real SIGINT);
the listen case also checks the pipe half: a stream whose reader left exits 0."""

from __future__ import annotations

import os
import signal
import socket
import subprocess

import pytest

from tests.e2e.conftest import PY, start_node, stop_process

pytestmark = pytest.mark.e2e


def test_ctrl_c_stops_listen_with_130(people):
    (alice,) = people("alice")
    listen = alice.listen().ready()
    assert listen.stop(signal.SIGINT) == 130, listen.stderr[-1500:]
    assert "Traceback" not in listen.stderr


def test_sigterm_still_stops_listen_with_0(people):
    (alice,) = people("alice")
    assert alice.listen().ready().stop(signal.SIGTERM) == 0


def test_ctrl_c_stops_a_foreground_node_with_130(tmp_path):
    proc, info = start_node(tmp_path / "n")
    try:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(30) == 130
        assert not (tmp_path / "n" / "node" / "node.pid").exists()  # it still cleaned up
        log = (tmp_path / "n" / "node.log").read_text(errors="replace")
        assert "Traceback" not in log, log[-1500:]
    finally:
        stop_process(proc)


def test_ctrl_c_stops_mailserver_fetch_waiting_on_a_silent_peer_with_130(people, node):
    (alice,) = people("alice")
    with socket.socket() as silent:  # accepts the connection and never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        silent.settimeout(60)
        addr = f"/ip4/127.0.0.1/tcp/{silent.getsockname()[1]}/p2p/{node['peer_id']}"
        p = subprocess.Popen([PY, "-m", "statuscli", "mailserver", "fetch", "--node", addr], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=alice.env)  # fmt: skip
        try:
            conn, _ = silent.accept()  # fetch is now waiting on us: interrupt it
            with conn:
                p.send_signal(signal.SIGINT)
                out, err = p.communicate(timeout=30)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait(5)
    assert p.returncode == 130, err.decode(errors="replace")[-1500:]
    assert b"Traceback" not in err


def test_a_stream_whose_reader_left_exits_0(people):
    alice, bob, carol = people("alice", "bob", "carol")
    alice.ok("send", bob.key, "for the store", "--contact-request")
    alice.ok("send", carol.key, "for the store", "--contact-request")
    r, w = os.pipe()
    os.close(r)  # the reader is gone before the first event is written
    try:
        for person, args in ((bob, ("listen", "--count", "1", "--timeout", "30")), (carol, ("mailserver", "fetch", "--since", "5m"))):
            p = subprocess.run([PY, "-m", "statuscli", "--json", *args], stdout=w, stderr=subprocess.PIPE, env=person.env,
                               timeout=120)  # fmt: skip
            assert p.returncode == 0, (args, p.stderr.decode(errors="replace")[-1500:])
            assert b"Traceback" not in p.stderr and b"Exception ignored" not in p.stderr
    finally:
        os.close(w)
