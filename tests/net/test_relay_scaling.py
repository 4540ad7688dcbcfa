"""Relay that scales with peers: duplicates refused before any task or decode, nwaku's mesh
parameters, and every queue drop in the relay path counted with its peer (no silent loss)."""

from __future__ import annotations

import pytest
import trio

from statuscli.core.waku.message import encode
from tests.net.conftest import TOPIC, make_node, trio_test, waku_message

pytestmark = pytest.mark.net


@trio_test(60)
async def test_duplicates_in_a_triangle_are_counted_and_delivered_once():
    a, b, c = make_node("relay"), make_node("relay"), make_node("relay")
    async with a, b, c:
        await a.connect(b.multiaddrs[0])
        await a.connect(c.multiaddrs[0])
        await b.connect(c.multiaddrs[0])
        for n in (a, b, c):
            await n.relay.wait_for_mesh(TOPIC, 2)
        sub_b = b.subscribe(TOPIC)
        got: set = set()
        for i in range(200):
            await a.publish(TOPIC, waku_message(i))
        with trio.fail_after(20):
            while len(got) < 200:
                got.add((await sub_b.receive()).hash)
        await trio.sleep(0.5)
        # b and c each hear every message twice (from a, and from each other): the second copy
        # is refused at the seen cache, before a task, a validation or a decode
        dups = b.counters.get("relay.duplicates") + c.counters.get("relay.duplicates")
        assert dups >= 200, (b.counters.snapshot(), c.counters.snapshot())
        assert b.counters.get("relay.delivered") == 200 and c.counters.get("relay.delivered") == 200
        assert all(n.counters.dropped_total() == 0 for n in (a, b, c))


@trio_test(60)
async def test_forced_outbound_queue_overflow_is_counted_with_the_peer():
    a, b = make_node("relay"), make_node("relay")
    async with a, b:
        a.relay.pubsub.peer_queues.size = 2  # a tiny outbound queue for every peer from now on
        await a.connect(b.multiaddrs[0])
        await a.relay.wait_for_mesh(TOPIC, 1)
        await b.relay.wait_for_mesh(TOPIC, 1)
        sub = b.subscribe(TOPIC)
        n = 300
        for i in range(n):  # straight into pubsub: no publish back-pressure, the queue must overflow
            await a.relay.pubsub.publish_unsigned(TOPIC, encode(waku_message(i)))
        got: set = set()
        with trio.move_on_after(5):
            while True:
                got.add((await sub.receive()).hash)
        dropped = a.counters.get("dropped.relay.outbound-queue")
        assert dropped > 0, a.counters.snapshot()
        assert len(got) + dropped == n  # every message is either delivered or counted: no silent loss
        assert a.counters.by_peer()[b.peer_id]["relay.outbound-queue"] == dropped
        assert a.info()["drops_by_peer"][b.peer_id]["relay.outbound-queue"] == dropped


def test_mesh_parameters_are_nwakus():
    from statuscli.net.compat import make_relay_router

    r = make_relay_router()
    assert (r.degree, r.degree_low, r.degree_high) == (6, 4, 8)
    assert (r.heartbeat_interval, r.time_to_live, r.prune_back_off, r.unsubscribe_back_off) == (1, 60, 5 * 12, 5)
    assert (r.mcache.window_size, r.mcache.history_size) == (3, 6)
