"""``node run --role light`` as a user runs it: a light node next to a full node (separate
processes on 127.0.0.1); ``send``, ``listen`` and ``mailserver fetch`` through the light node's
control socket reach the network through the full node (lightpush, filter, store), and the light
node advertises nothing and relays nothing."""

from __future__ import annotations

import json

import pytest

from statuscli.core.waku.enr import decode_enr
from tests.e2e.conftest import Person, start_node, stop_process

pytestmark = pytest.mark.e2e


def test_send_listen_and_fetch_through_a_light_node(tmp_path, node):
    proc, light = start_node(tmp_path / "light", "--role", "light", "--peer", node["multiaddrs"][0])
    try:
        assert light["mode"] == "light" and light["pubsub_topics"] == []
        enr = decode_enr(light["enr"])
        assert not enr.waku2 and enr.shards is None  # no relay, no service in its record
        alice = Person(tmp_path, "alice", light["control_socket"])  # sends through the light node (lightpush)
        bob = Person(tmp_path, "bob", light["control_socket"])  # listens through the light node (filter)
        carol = Person(tmp_path, "carol", node["control_socket"])  # on the full node: a relay peer
        lb = bob.listen("--count", "2", "--timeout", "90").ready(timeout=60)
        lc = carol.listen("--count", "1", "--timeout", "90").ready(timeout=60)
        assert "control socket" in lb.stderr
        alice.ok("send", bob.key, "light to light")
        carol.ok("send", bob.key, "relayed to light")
        alice.ok("send", carol.key, "light to relay")
        assert lb.finish() == 0, lb.stderr[-1500:]
        assert sorted(e["text"] for e in lb.messages()) == ["light to light", "relayed to light"]
        assert lc.finish() == 0, lc.stderr[-1500:]
        assert [e["text"] for e in lc.messages()] == ["light to relay"]
        # history through the light node: the full node's store answers
        dave = Person(tmp_path, "dave", light["control_socket"])
        alice.ok("send", dave.key, "for the store")
        got = [e for e in dave.ndjson("mailserver", "fetch", "--since", "5m") if e["type"] == "message"]
        assert [e["text"] for e in got] == ["for the store"]
        status = json.loads(alice.ok("--json", "--home", str(tmp_path / "light"), "node", "status"))
        assert status["mode"] == "light" and status["pubsub_topics"] == []
        assert status["counters"].get("light.pushed", 0) >= 4  # 3 sends + dave's, each through lightpush (plus any bundles)
        assert status["counters"].get("relay.delivered", 0) == 0
        assert [p["peer_id"] for p in status["peers"] if p["connected"]] == [node["peer_id"]]
    finally:
        stop_process(proc)
