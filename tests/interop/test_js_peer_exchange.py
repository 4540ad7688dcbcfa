"""A js-waku light node (@waku/sdk 0.0.36) finds our nodes through our peer exchange.

Two of our nodes on 127.0.0.1: B has A as its static peer, so A asks B by peer exchange when B
connects (and keeps B's ENR). js-waku starts with A as its only bootstrap peer and its
peer-exchange discovery on (``discovery: {peerExchange: true}``, @waku/discovery 0.0.13): it asks
A, decodes the ENRs A answers, and its discovery dialer dials B by the address in B's ENR.
Nothing is dialed by hand on the js side (tests/interop/js/light/peer-exchange.mjs).
"""

from __future__ import annotations

import json
import time

import pytest

from tests.interop.harness import LIGHT, shard_info_hex

pytestmark = pytest.mark.interop


def _counter(node, name: str) -> int:
    res = node.statuscli("--json", "node", "status")
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)["counters"].get(name, 0)


def test_js_light_node_finds_and_dials_our_node_by_peer_exchange(start_node, js_driver):
    a = start_node()
    b = start_node(peers=(a.multiaddr("tcp"),))
    # A's query reaches B as soon as B's connection is identified: wait for B to have answered it,
    # so that js-waku's one query on identify (the next is 30 s later) already finds B.
    deadline = time.monotonic() + 15
    while _counter(b, "peer-exchange.answered") < 1:
        assert time.monotonic() < deadline, f"A never asked B by peer exchange\n{a.stderr_tail()}"
        time.sleep(0.2)

    driver = js_driver(LIGHT, "peer-exchange.mjs", "--bootstrap", a.multiaddr("tcp"), "--expect", b.peer_id,
                       "--timeout", "30")
    res = driver.result(40)
    assert res["ok"], res
    assert a.peer_id in res["connected"], res
    # js-waku learnt B only from A's peer-exchange answer (B's own ENR: 127.0.0.1 and its TCP port)
    found = {d["peer_id"]: d["multiaddrs"] for d in res["discovered"]}
    assert b.peer_id in found, res
    b_tcp = b.multiaddr("tcp").rsplit("/p2p/", 1)[0]
    assert b_tcp in found[b.peer_id], found
    expected = res["expected"]
    assert expected["connected"], res
    assert expected["connections"] and expected["connections"][0].startswith(b_tcp), expected
    assert "peer-exchange" in expected["tags"], expected
    assert expected["shard_info"] == shard_info_hex(16, (32, 64)), expected
    assert b.peer_id in res["connected"]
    assert _counter(a, "peer-exchange.answered") >= 1
    assert a.alive() and b.alive()
