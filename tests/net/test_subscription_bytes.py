"""The node's local subscriptions are bounded in bytes, and what they dropped is never forgotten.

Before, a node subscription (what the control socket forwards to ``listen``, or our embedded
transport's) held up to 10 000 messages whatever their size — 1.5 GB of 150 KiB messages — and our
embedded relay transport, when it replaced its subscription (new topics), closed the old one without
taking the span it had dropped, so ``listen`` never fetched it. Real nodes on 127.0.0.1.
"""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
import trio

from statuscli.core.waku.message import encode
from statuscli.net.embedded import EmbeddedTransport
from statuscli.net.limits import NodeLimits
from statuscli.net.node_config import NodeConfig
from tests.net.conftest import CT, LOCAL, TOPIC, big_and_small, drain, make_node, trio_test, waku_message

pytestmark = pytest.mark.net

N = 100
BOUND = 64 * 1024


@trio_test(60)
async def test_a_node_subscription_holds_at_most_its_bytes_and_keeps_the_span_it_dropped():
    node = make_node("full", limits=NodeLimits(subscription_bytes=BOUND))
    async with node:
        sub = node.subscribe(TOPIC, [CT])
        base = time.time_ns()
        sent = {}
        for i in range(N):  # nobody reads meanwhile
            m = waku_message(i, payload=bytes([i % 251]) * 4000, ts=base + i * 1000)
            sent[m.timestamp] = m
            await node.publish(TOPIC, m)
        assert BOUND - 5000 < sub.bytes <= BOUND
        got = await drain(sub)
        assert sub.bytes == 0 and 0 < len(got) < 20
        lost = N - len(got)
        assert node.counters.get("dropped.subscription.buffer-full") == lost
        missing = set(sent) - {r.message.timestamp for r in got}
        assert sub.take_lost() == (lost, min(missing), max(missing))
        again = waku_message(N, ts=time.time_ns())  # room again
        await node.publish(TOPIC, again)
        with trio.fail_after(5):
            assert (await sub.receive()).message.timestamp == again.timestamp


@trio_test(90)
async def test_our_relay_transport_reports_what_a_replaced_subscription_dropped():
    """The bound (2 000 B) is below one big message: the three big ones are dropped by the
    subscription, then ``subscribe`` (new topics) replaces it — their span must still reach ``listen``."""
    peer = make_node("full")
    async with peer:
        cfg = NodeConfig(mode="relay", listen=list(LOCAL), peers=[peer.multiaddrs[0]], shards=[32, 64],
                         limits=NodeLimits(subscription_bytes=2000))  # fmt: skip
        t = await trio.to_thread.run_sync(lambda: EmbeddedTransport(cfg))
        try:
            await trio.to_thread.run_sync(t.subscribe, [CT])
            big, small = big_and_small(time.time_ns())
            for m in (*big, small):
                await trio.to_thread.run_sync(t.publish, SimpleNamespace(pubsub_topic=TOPIC, data=encode(m)))
            got = await trio.to_thread.run_sync(lambda: t.receive(5.0))
            assert [r.data for r in got] == [encode(small)]
            await trio.to_thread.run_sync(t.subscribe, [CT, "/other/1/topic/proto"])  # replaced
            spans = await trio.to_thread.run_sync(t.interruptions)
            assert [(a, b) for a, b, _ in spans] == [(big[0].timestamp, big[2].timestamp)]
            assert "3 live message(s) dropped: our subscription buffer was full" in spans[0][2]
            assert await trio.to_thread.run_sync(t.interruptions) == []  # handed out once
        finally:
            await trio.to_thread.run_sync(t.close)
