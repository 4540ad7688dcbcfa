"""The peer manager on real nodes: dials a matching bootstrap peer (source, score +1), backs off a
dead one (score -1, retry later), prunes inbound extras above target + slack, and reports all of
it through node.peers()."""

from __future__ import annotations

import os
from contextlib import AsyncExitStack

import pytest
import trio

from statuscli.core.crypto import secp256k1
from statuscli.core.waku.enr import build_enr, enr_text
from tests.net.conftest import make_node, trio_test, wait_until

pytestmark = pytest.mark.net


def disc_node(mode="relay", bootstrap=(), **kw):
    return make_node(mode, discv5=True, discv5_port=0, bootstrap=list(bootstrap), discv5_interval=0.5, **kw)


@trio_test(60)
async def test_dial_backoff_and_report():
    dead_key = secp256k1.generate_private_key(os.urandom)
    dead = enr_text(build_enr(dead_key, 1, ip="127.0.0.1", tcp=9, udp=9, waku2_flags=["relay"], rs=(16, [32])))
    other_cluster = enr_text(build_enr(secp256k1.generate_private_key(os.urandom), 1, ip="127.0.0.1", tcp=9, udp=9, waku2_flags=["relay"], rs=(99, [1])))
    live = disc_node()
    async with live:
        node = disc_node(bootstrap=[live.enr, dead, other_cluster])
        async with node:
            pm = node.peer_manager
            await wait_until(lambda: live.peer_id in {str(p) for p in node.host.connected_peers()}, timeout=20)
            await wait_until(lambda: any(r.failures for r in pm.book.values()), timeout=20)
            book = {r["peer_id"]: r for r in node.peers()}
            assert book[live.peer_id]["connected"] and book[live.peer_id]["source"] == "bootstrap" and book[live.peer_id]["score"] == 1
            from statuscli.core.waku.enr import decode_enr

            dead_id = decode_enr(dead).peer_id
            assert not book[dead_id]["connected"] and book[dead_id]["score"] == -1 and book[dead_id]["source"] == "bootstrap"
            assert pm.book[dead_id].retry_at > trio.current_time()  # backing off: not redialed every round
            failures = pm.book[dead_id].failures
            await trio.sleep(2.0)  # four more maintenance rounds
            assert pm.book[dead_id].failures == failures
            assert decode_enr(other_cluster).peer_id not in book  # not our cluster: never even learned
            assert node.counters.get("dropped.discovery.bootstrap.mismatch") == 1


@trio_test(60)
async def test_prune_extras_above_target():
    hub = disc_node(target_relay_peers=1)
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(hub)
        spokes = [make_node("relay") for _ in range(5)]
        for s in spokes:
            await stack.enter_async_context(s)
            await s.connect(hub.multiaddrs[0])
        await wait_until(lambda: hub.counters.get("peers.pruned") >= 2, timeout=20)
        await wait_until(lambda: len(hub.host.connected_peers()) <= 3, timeout=20)
        sources = {r["source"] for r in hub.peers()}
        assert sources == {"inbound"}
