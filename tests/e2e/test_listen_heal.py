"""A light-client listen through a filter service that forgets its subscriptions loses nothing (issue 19.2).

The node's test-only switch ``STATUSCLI_TEST_FILTER_FORGET_S`` makes its filter service drop every
subscription every 2 s without a word (as a go-waku service with a reversed timeout check did once
a minute). Public-channel messages have no MVDS retransmission: one that is not pushed is lost
unless the listener notices (ping → 404), re-subscribes and fetches the window from the store.
"""

from __future__ import annotations

import time

import pytest

from tests.e2e.conftest import Person, start_node, stop_process

pytestmark = pytest.mark.e2e

N = 12


def test_a_forgetful_filter_service_loses_nothing_for_a_light_client(tmp_path):
    proc, info = start_node(tmp_path / "node", env={"STATUSCLI_TEST_FILTER_FORGET_S": "2"})
    try:
        alice = Person(tmp_path, "alice", info["control_socket"])
        bob = Person(tmp_path, "bob", None)
        addr = info["multiaddrs"][0]
        lb = bob.listen("-v", "--node", addr, "--public", "heal", "--filter-ping", "1", "--count", str(N), "--timeout", "90")
        lb.ready(timeout=60)
        for i in range(N):
            alice.ok("send", "--public", "heal", f"heal {i}")
            time.sleep(0.4)
        assert lb.finish() == 0, lb.stderr[-2000:]
        assert sorted(e["text"] for e in lb.messages()) == sorted(f"heal {i}" for i in range(N))
        assert "re-subscribed" in lb.stderr
        resubs = int(lb.stderr.split("filter re-subscriptions: ")[1].split()[0])
        assert resubs >= 1, lb.stderr[-2000:]
    finally:
        stop_process(proc)
