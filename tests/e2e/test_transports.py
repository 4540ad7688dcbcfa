"""Transport selection and its failures: light client (lightpush, filter, store), --relay, no node."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Person, start_node, stop_process

pytestmark = pytest.mark.e2e


def test_light_client_and_relay_paths(people, node):
    alice, bob = people("alice", "bob")
    addr = node["multiaddrs"][0]
    # bob listens as a filter client of the node, alice publishes with lightpush, then joins the mesh with --relay
    lb = bob.listen("--node", addr, "--count", "2", "--timeout", "90").ready(timeout=60)
    alice.ok("send", bob.key, "over lightpush", "--node", addr)
    alice.ok("send", bob.key, "over relay", "--node", addr, "--relay")
    assert lb.finish() == 0, lb.stderr[-1500:]
    assert "light client of" in lb.stderr
    assert sorted(e["text"] for e in lb.messages()) == ["over lightpush", "over relay"]
    # history through the store protocol as a light client
    carol = people("carol")[0]
    alice.ok("send", carol.key, "for the store", "--node", addr)
    got = [e for e in carol.ndjson("mailserver", "fetch", "--since", "5m", "--node", addr) if e["type"] == "message"]
    assert [e["text"] for e in got] == ["for the store"]


def test_unreachable_nodes_are_exit_6(people, node, tmp_path):
    alice, bob = people("alice", "bob")
    dead = f"/ip4/127.0.0.1/tcp/1/p2p/{node['peer_id']}"  # nobody listens on port 1
    for args in (("send", bob.key, "x", "--node", dead), ("send", bob.key, "x", "--node", str(tmp_path / "no.sock")),
                 ("listen", "--node", str(tmp_path / "no.sock"), "--timeout", "1"), ("mailserver", "fetch", "--node", dead),
                 ("bundle", "publish", "--node", str(tmp_path / "no.sock"))):  # fmt: skip
        r = alice.run(*args)
        assert r.returncode == 6, (args, r.returncode, r.stderr.decode()[-500:])
        err = r.stderr.decode()
        assert "error:" in err and "Traceback" not in err
    assert alice.ok("send", bob.key, "fine offline", "--dry-run").startswith("0x")  # --dry-run needs no node


def test_a_stopped_node_is_exit_6(tmp_path):
    proc, info = start_node(tmp_path / "n2")
    alice = Person(tmp_path, "alice", info["control_socket"])
    bob = Person(tmp_path, "bob", None)
    stop_process(proc)
    r = alice.run("send", bob.key, "anyone there?")
    err = r.stderr.decode()
    assert r.returncode == 6 and ("does not answer" in err or "no control socket" in err), err
