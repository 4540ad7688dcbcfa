"""Broken peers: truncated frames, oversized frames, resets, garbage on relay. Each is logged or
answered with a status code, and the node keeps serving."""

from __future__ import annotations

import logging

import pytest
import trio

from statuscli.core.encoding import uvarint_encode
from statuscli.net import codecs
from statuscli.net.streams import open_stream
from tests.net.conftest import CT, TOPIC, make_node, trio_test, wait_until, waku_message

pytestmark = pytest.mark.net


async def still_serving(node, light) -> None:
    await node.publish(TOPIC, waku_message(42))
    page = await light.store_query(node.multiaddrs[0], pubsub_topic=TOPIC, content_topics=[CT])
    assert any(m.message.payload == b"message 42" for m in page.messages)
    assert (await light.lightpush_publish(node.multiaddrs[0], TOPIC, waku_message(43))).ok


@trio_test(40)
async def test_peer_that_closes_mid_stream(caplog):
    node, light = make_node("full"), make_node("light")
    async with node, light:
        pid = await light.connect(node.multiaddrs[0])
        h = light.host.host
        with caplog.at_level(logging.WARNING, logger="statuscli"):
            for protocol in (codecs.STORE_V3, codecs.LIGHTPUSH_V3, codecs.FILTER_SUBSCRIBE, codecs.PEER_EXCHANGE, codecs.METADATA):
                s = await open_stream(h, pid, protocol)
                await s.write(uvarint_encode(100) + b"only ten b")  # promise 100 bytes, send 10, hang up
                await s.close()
            s = await open_stream(h, pid, codecs.STORE_V3)
            await s.write(b"\x85")  # half a varint, then a reset
            await s.reset()
            await wait_until(lambda: node.counters.dropped_total() >= 6)
        snap = node.counters.snapshot()
        for name in ("store", "lightpush", "filter", "peer-exchange", "metadata"):
            assert snap.get(f"dropped.{name}.bad-frame", 0) >= 1, snap
        assert sum("dropped:" in r.getMessage() for r in caplog.records) >= 6
        await still_serving(node, light)


@trio_test(30)
async def test_a_stream_closed_unused_is_counted_but_not_a_drop(caplog):
    node, light = make_node("full"), make_node("light")
    async with node, light:
        pid = await light.connect(node.multiaddrs[0])
        with caplog.at_level(logging.WARNING, logger="statuscli"):
            for protocol in (codecs.STORE_V3, codecs.LIGHTPUSH_V3):  # what js-waku does with spare streams
                s = await open_stream(light.host.host, pid, protocol)
                await s.close()
            await wait_until(lambda: node.counters.get("store.unused-streams") and node.counters.get("lightpush.unused-streams"))
        assert node.counters.dropped_total() == 0, node.counters.snapshot()
        assert not any("dropped:" in r.getMessage() for r in caplog.records)
        await still_serving(node, light)


@trio_test(30)
async def test_oversized_frames_are_refused_before_reading_them():
    node, light = make_node("full"), make_node("light")
    async with node, light:
        pid = await light.connect(node.multiaddrs[0])
        s = await open_stream(light.host.host, pid, codecs.METADATA)
        await s.write(uvarint_encode(10_000_000))  # a 10 MB metadata request
        answer = b""
        with trio.fail_after(5):
            while True:  # the node resets the stream without reading 10 MB or answering
                try:
                    chunk = await s.read(1)
                except Exception:
                    break
                if not chunk:
                    break
                answer += chunk
        assert answer == b""
        await wait_until(lambda: node.counters.get("dropped.metadata.bad-frame") == 1)
        await still_serving(node, light)


@trio_test(30)
async def test_garbage_on_the_relay_stream_drops_only_that_peer():
    node, bad, good = make_node("full"), make_node("light"), make_node("relay")
    async with node, bad, good:
        await good.connect(node.multiaddrs[0])
        await node.relay.wait_for_mesh(TOPIC, 1)
        pid = await bad.connect(node.multiaddrs[0])
        s = await open_stream(bad.host.host, pid, codecs.RELAY)
        await s.write(uvarint_encode(5) + b"\xff\xff\xff\xff\xff")  # not an RPC
        await trio.sleep(0.3)
        sub = good.subscribe(TOPIC)
        await node.publish(TOPIC, waku_message(7))
        with trio.fail_after(5):
            m = await sub.receive()
        assert m.message.payload == b"message 7"
        await still_serving(node, bad)
        assert node.counters.get("dropped.relay.bad-rpc") == 1
        assert node.host.handler_errors == 0


@trio_test(20)
async def test_a_failing_handler_cannot_stop_the_node():
    node, light = make_node("full"), make_node("light")

    async def broken(stream):
        raise RuntimeError("bug in a handler")

    node.host.set_handler("/test/broken/1.0.0", broken)
    async with node, light:
        pid = await light.connect(node.multiaddrs[0])
        for _ in range(3):
            try:
                s = await open_stream(light.host.host, pid, "/test/broken/1.0.0")
                await s.write(b"x")
            except Exception:
                pass  # the node may reset the stream before we finish negotiating
        await wait_until(lambda: node.host.handler_errors == 3)
        await still_serving(node, light)
