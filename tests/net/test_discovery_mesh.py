"""Ten relay nodes and a bootstrap node on 127.0.0.1: given only the bootstrap node's ENR, they
find each other through Discovery v5, dial each other, form a relay mesh, and a message published
on any one reaches all. The bootstrap node serves discovery only and relays nothing."""

from __future__ import annotations

from contextlib import AsyncExitStack

import pytest
import trio

from statuscli.core.waku.enr import decode_enr
from tests.net.conftest import TOPIC, make_node, trio_test, wait_until, waku_message

pytestmark = [pytest.mark.net, pytest.mark.slow]

N = 10


def disc_node(mode: str, bootstrap=(), **kw):
    return make_node(mode, discv5=True, discv5_port=0, bootstrap=list(bootstrap), discv5_interval=0.5, **kw)


@trio_test(180)
async def test_ten_nodes_discover_each_other_and_relay_from_one_bootstrap_enr():
    boot = disc_node("bootstrap")
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(boot)
        enr = decode_enr(boot.enr)
        assert enr.udp == boot.discovery.service.port and not enr.waku2  # serves discovery, announces no relay
        nodes = [disc_node("relay", [boot.enr], target_relay_peers=4) for _ in range(N)]
        for n in nodes:
            await stack.enter_async_context(n)
        everyone = {n.discovery.record.node_id for n in nodes}

        def all_known():
            return all(everyone - {n.discovery.record.node_id} <= set(n.discovery.service.known) for n in nodes)

        await wait_until(all_known, timeout=60, interval=0.2)
        for n in nodes:
            assert decode_enr(n.enr).udp == n.discovery.service.port
            assert all(n.discovery.sources.get(p) in ("discv5", "bootstrap") for p in n.discovery.sources)
        await wait_until(lambda: all(len(n.relay.relay_peers()) >= 2 for n in nodes), timeout=60, interval=0.2)
        subs = [n.subscribe(TOPIC) for n in nodes]
        await trio.sleep(1.0)  # let the gossipsub meshes settle
        for i, origin in enumerate((nodes[0], nodes[N // 2], nodes[-1])):
            sent = await origin.publish(TOPIC, waku_message(i))
            for sub in subs:
                with trio.fail_after(15):
                    while (await sub.receive()).hash != sent.hash:
                        pass
        assert boot.relay is None and boot.counters.get("relay.delivered") == 0
        assert boot.discovery.service.counters["requests.findnode"] > 0
