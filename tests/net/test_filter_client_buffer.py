"""The light client's filter subscription buffer is bounded in bytes and reports what it dropped.

Before, a :class:`FilterSubscription` held up to 4 096 pushes whatever their size (≈ 600 MB of
150 KiB messages) and a full one dropped the newest push with only a counter: nobody learned the
span, so ``listen`` never fetched it from the store. Now it holds at most
``NodeLimits.filter_subscription_bytes`` and hands the span of the dropped timestamps on
(``take_lost``) — through the control socket's ``dropped`` notification to ``listen``, whose store
has them, or through our embedded light client's ``interruptions()``. Real nodes on 127.0.0.1;
the bound is set to 64 KiB and 200 pushes of ~4 KB arrive while nobody reads.
"""

from __future__ import annotations

import time

import pytest
import trio

from statuscli.core.waku.message import encode
from statuscli.net.control_server import ControlServer
from statuscli.net.control_transport import ControlSocketTransport
from statuscli.net.embedded import EmbeddedTransport
from statuscli.net.limits import NodeLimits
from statuscli.net.node_config import NodeConfig
from tests.net.conftest import CT, TOPIC, big_and_small, drain, fetch_span, make_node, read_all, trio_test, wait_until, waku_message

pytestmark = pytest.mark.net

N = 200
BOUND = 64 * 1024


async def _publish(service, base: int) -> dict[int, bytes]:
    sent = {}
    for i in range(N):
        m = waku_message(i, payload=bytes([i % 251]) * 4000, ts=base + i * 1000)
        sent[m.timestamp] = encode(m)
        await service.publish(TOPIC, m)
    return sent


@trio_test(60)
async def test_a_full_filter_subscription_drops_in_bytes_counts_and_keeps_the_span():
    service = make_node("full")
    light = make_node("light", limits=NodeLimits(filter_subscription_bytes=BOUND))
    async with service, light:
        sub = await light.filter_subscribe(service.multiaddrs[0], TOPIC, [CT])
        sent = await _publish(service, time.time_ns())  # nobody reads meanwhile: what waits only grows
        await wait_until(lambda: light.counters.get("filter-client.received") == N, timeout=30, interval=0.05)
        assert BOUND - 5000 < sub.bytes <= BOUND
        got = await drain(sub)
        assert sub.bytes == 0
        lost = N - len(got)
        assert 0 < len(got) < 20 and light.counters.get("dropped.filter-client.buffer-full") == lost
        missing = set(sent) - {m.message.timestamp for m in got}
        n, first, last = sub.take_lost()
        assert n == lost == len(missing) and first == min(missing) and last == max(missing)
        assert sub.take_lost() is None  # taken once
        again = waku_message(N, ts=time.time_ns())  # room again: delivered, nothing more dropped
        await service.publish(TOPIC, again)
        with trio.fail_after(5):
            assert (await sub.receive()).message.timestamp == again.timestamp
        assert light.counters.get("dropped.filter-client.buffer-full") == lost


@trio_test(60)
async def test_a_light_node_tells_its_slow_control_socket_reader_the_span_and_the_store_has_it(tmp_path):
    service = make_node("full")
    sock = str(tmp_path / "c.sock")
    async with service:
        light = make_node("light", peers=[service.multiaddrs[0]], limits=NodeLimits(filter_subscription_bytes=BOUND))
        async with light, trio.open_nursery() as nursery:
            await nursery.start(ControlServer(light, sock).serve)
            await wait_until(lambda: service.peer_id in {str(p) for p in light.host.connected_peers()}, timeout=20)
            t = ControlSocketTransport(sock)
            try:
                await trio.to_thread.run_sync(t.subscribe, [CT])
                await wait_until(lambda: service.filter.subscription_count() > 0)
                sent = await _publish(service, time.time_ns())  # the reader is busy meanwhile (a catch-up)
                await wait_until(lambda: light.counters.get("filter-client.received") == N, timeout=30, interval=0.05)
                got = await trio.to_thread.run_sync(read_all, t)
                spans = t.interruptions()  # what listen's heal path takes
                lost = N - len(got)
                assert 0 < len(got) < N and light.counters.get("dropped.filter-client.buffer-full") == lost
                assert spans and all("dropped" in why for _, _, why in spans)
                got_data = {r.data for r in got}
                missing = [ts for ts, data in sent.items() if data not in got_data]
                assert len(missing) == lost and all(any(a <= ts <= b for a, b, _ in spans) for ts in missing)

                archived = []
                for a, b, _ in spans:
                    archived += await trio.to_thread.run_sync(fetch_span, t, a, b)
                assert set(archived) >= {sent[ts] for ts in missing}
            finally:
                t.close()
            nursery.cancel_scope.cancel()


@trio_test(60)
async def test_our_embedded_light_client_hands_its_filter_subscriptions_spans_to_listen():
    """The embedded transport moves pushes on at once, so here the bound (2 000 B) is below one big
    push: the three big ones are dropped in the filter subscription, the small one passes."""
    service = make_node("full")
    async with service:
        cfg = NodeConfig(mode="light", listen=[], shards=[], limits=NodeLimits(filter_subscription_bytes=2000))
        t = await trio.to_thread.run_sync(lambda: EmbeddedTransport(cfg, service_peer=service.multiaddrs[0]))
        try:
            await trio.to_thread.run_sync(t.subscribe, [CT])
            big, small = big_and_small(time.time_ns())
            for m in (*big, small):
                await service.publish(TOPIC, m)
            got = await trio.to_thread.run_sync(lambda: t.receive(5.0))
            assert [r.data for r in got] == [encode(small)]
            assert (await trio.to_thread.run_sync(t.info))["counters"]["dropped.filter-client.buffer-full"] == 3
            spans = await trio.to_thread.run_sync(t.interruptions)
            assert [(a, b) for a, b, _ in spans] == [(big[0].timestamp, big[2].timestamp)]
            assert "3 live message(s) dropped: our subscription buffer was full" in spans[0][2]
            archived = await trio.to_thread.run_sync(fetch_span, t, spans[0][0], spans[0][1])
            assert sorted(archived) == sorted(encode(m) for m in big)
            assert t.dropped() == 0  # the receive queue dropped nothing: one mechanism, one report
        finally:
            await trio.to_thread.run_sync(t.close)
