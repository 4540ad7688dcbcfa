"""Relay between our own nodes: a three-node mesh, validation, drops counted and logged."""

from __future__ import annotations

import logging
import time

import pytest
import trio
from libp2p.pubsub.pb import rpc_pb2

from statuscli.core.waku.message import WakuMessage, encode
from statuscli.net.relay import InvalidMessage, validate
from tests.net.conftest import CT, TOPIC, TOPIC2, make_node, trio_test, wait_until, waku_message

pytestmark = pytest.mark.net


async def collect(sub, into: set, n: int):
    async for m in sub:
        into.add(m.hash)
        if len(into) >= n:
            return


@trio_test(90)
async def test_three_nodes_relay_1000_messages_without_loss():
    a, b, c = make_node("relay"), make_node("relay"), make_node("relay")
    async with a, b, c:
        # a line: a - b - c (c only hears a through b, and a only hears c through b)
        await a.connect(b.multiaddrs[0])
        await c.connect(b.multiaddrs[0])
        await a.relay.wait_for_mesh(TOPIC, 1)
        await c.relay.wait_for_mesh(TOPIC, 1)
        await b.relay.wait_for_mesh(TOPIC, 2)
        got = {n: set() for n in "abc"}
        subs = {"a": a.subscribe(TOPIC), "b": b.subscribe(TOPIC), "c": c.subscribe(TOPIC)}
        sent: set[bytes] = set()
        async with trio.open_nursery() as nursery:
            for name, sub in subs.items():
                nursery.start_soon(collect, sub, got[name], 1000)
            for i in range(500):
                sent.add((await a.publish(TOPIC, waku_message(i, content_topic="/t/1/from-a/proto"))).hash)
                sent.add((await c.publish(TOPIC, waku_message(i, content_topic="/t/1/from-c/proto"))).hash)
        assert len(sent) == 1000
        for name in "abc":
            assert got[name] == sent, f"node {name} got {len(got[name])}/1000"
        for node in (a, b, c):
            assert node.counters.dropped_total() == 0, node.counters.snapshot()
        assert b.counters.get("relay.delivered") == 1000


@trio_test(30)
async def test_topics_are_separate_and_own_messages_are_delivered():
    a, b = make_node("relay"), make_node("relay", shards=[64])
    async with a, b:
        await b.connect(a.multiaddrs[0])
        await a.relay.wait_for_mesh(TOPIC2, 1)
        sub_b = b.subscribe()
        sub_a32 = a.subscribe(TOPIC)
        await a.publish(TOPIC, waku_message(1))  # b does not relay shard 32
        await a.publish(TOPIC2, waku_message(2))
        with trio.fail_after(5):
            m = await sub_b.receive()
            assert (m.pubsub_topic, m.message.payload) == (TOPIC2, b"message 2")
            own = await sub_a32.receive()
            assert own.message.payload == b"message 1"
        with pytest.raises(Exception):
            await b.publish(TOPIC, waku_message(3))


def test_validation_rules():
    now = time.time_ns()
    good = encode(waku_message(1, ts=now))
    assert validate(good, now_ns=now).payload == b"message 1"
    cases = {
        "too-large": encode(waku_message(1, payload=b"x" * 153_600, ts=now)),
        "undecodable": b"\xff\xff\xff",
        "empty-content-topic": encode(WakuMessage(payload=b"x", content_topic="", timestamp=now)),
        "empty-payload": encode(WakuMessage(payload=b"", content_topic=CT, timestamp=now)),
        "no-timestamp": encode(WakuMessage(payload=b"x", content_topic=CT)),
        "timestamp-skew": encode(waku_message(1, ts=now - 60 * 10**9)),
    }
    for reason, data in cases.items():
        with pytest.raises(InvalidMessage) as e:
            validate(data, now_ns=now)
        assert e.value.reason == reason
    # fields 1 and 2 must be on the wire (nwaku's rule)
    with pytest.raises(InvalidMessage):
        validate(b"\x12\x03a/b\x50\x02", now_ns=now)


@trio_test(30)
async def test_invalid_relay_messages_are_counted_logged_and_not_forwarded(caplog):
    """A peer that publishes garbage and oversized messages: b rejects and counts each one,
    forwards none of them to c, and keeps relaying good messages."""
    a, b, c = make_node("relay"), make_node("relay"), make_node("relay")
    async with a, b, c:
        await a.connect(b.multiaddrs[0])
        await c.connect(b.multiaddrs[0])
        await a.relay.wait_for_mesh(TOPIC, 1)
        await b.relay.wait_for_mesh(TOPIC, 2)
        sub_c = c.subscribe(TOPIC)
        bad = [
            b"\x0a\x01",  # truncated protobuf
            encode(waku_message(1, payload=b"x" * 160_000)),
            encode(WakuMessage(payload=b"", content_topic=CT, timestamp=time.time_ns())),
            encode(waku_message(2, ts=1)),  # 1970
        ]
        with caplog.at_level(logging.WARNING, logger="statuscli"):
            for data in bad:  # a misbehaves: straight to its mesh, past its own validation
                await a.relay.router.publish(a.host.peer_id, rpc_pb2.Message(data=data, topicIDs=[TOPIC]))
            await a.publish(TOPIC, waku_message(3))
            with trio.fail_after(5):
                m = await sub_c.receive()
        assert m.message.payload == b"message 3"
        await wait_until(lambda: b.counters.dropped_total() >= 4)
        snap = b.counters.snapshot()
        for reason in ("undecodable", "too-large", "empty-payload", "timestamp-skew"):
            assert snap.get(f"dropped.relay.invalid.{reason}") == 1, snap
        assert c.counters.dropped_total() == 0
        assert sum("dropped: relay message" in r.getMessage() for r in caplog.records) >= 4


@trio_test(30)
async def test_publish_refuses_invalid_messages():
    async with make_node("relay") as a:
        with pytest.raises(InvalidMessage):
            await a.publish(TOPIC, WakuMessage(payload=b"x", content_topic=CT))  # no timestamp
        with pytest.raises(InvalidMessage):
            await a.publish(TOPIC, b"garbage")
