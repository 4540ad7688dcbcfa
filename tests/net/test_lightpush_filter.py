"""Lightpush (v3 and v2) into a service node, filter pushes out of it, and their error codes."""

from __future__ import annotations

import pytest
import trio

from statuscli.core.waku.message import WakuMessage, encode
from statuscli.net import codecs, lightpush
from statuscli.net.streams import ServiceRefused, request
from statuscli.pb import waku_filter_pb2 as fpb
from statuscli.pb import waku_lightpush_pb2 as lpb
from tests.net.conftest import CT, TOPIC, make_node, trio_test, wait_until, waku_message

pytestmark = pytest.mark.net


@trio_test(60)
async def test_lightpush_to_one_node_reaches_filter_subscriber_of_another():
    """light client L1 pushes to A; A relays to B; light client L2 gets it from B's filter."""
    a, b = make_node("full"), make_node("full")
    l1, l2 = make_node("light"), make_node("light")
    async with a, b, l1, l2:
        await b.connect(a.multiaddrs[0])
        await a.relay.wait_for_mesh(TOPIC, 1)
        sub = await l2.filter_subscribe(b.multiaddrs[0], TOPIC, [CT])
        other = await l2.filter_subscribe(b.multiaddrs[0], TOPIC, ["/other/1/x/proto"])
        sent = []
        for i in range(50):
            msg = waku_message(i)
            res = await l1.lightpush_publish(a.multiaddrs[0], TOPIC, msg)
            assert res.ok and res.protocol == codecs.LIGHTPUSH_V3 and res.relay_peer_count == 1, res
            sent.append(msg.payload)
        got = []
        with trio.fail_after(10):
            async for m in sub:
                got.append(m.message.payload)
                if len(got) == len(sent):
                    break
        assert got == sent  # in order, none lost
        await other.unsubscribe()
        await sub.ping()
        assert b.counters.get("filter.pushed") == 50
        assert l2.counters.dropped_total() == 0 and b.counters.dropped_total() == 0


@trio_test(30)
async def test_lightpush_v2_legacy_and_the_pushed_bytes_are_unchanged():
    a, light = make_node("full"), make_node("light")
    async with a, light:
        sub = await light.filter_subscribe(a.multiaddrs[0], TOPIC, [CT])
        # nwaku-style bytes: every optional field written, even empty ones
        raw = encode(WakuMessage(payload=b"legacy", content_topic=CT, version=0, timestamp=waku_message().timestamp, meta=b"", ephemeral=False))
        pid = await light.connect(a.multiaddrs[0])
        res = await lightpush.lightpush(light.host.host, pid, TOPIC, raw, protocols=(codecs.LIGHTPUSH_V2,))
        assert res.ok and res.protocol == codecs.LIGHTPUSH_V2
        with trio.fail_after(5):
            m = await sub.receive()
        assert m.data == raw  # relayed and pushed byte for byte


async def push_raw(host, pid, protocol: str, body: bytes) -> bytes:
    return await request(host, pid, protocol, body, timeout=5)


@trio_test(40)
async def test_lightpush_refusals_carry_status_codes():
    a, light = make_node("full"), make_node("light")
    async with a, light:
        pid = await light.connect(a.multiaddrs[0])
        h = light.host.host

        async def v3(body: bytes) -> lpb.LightPushResponseV3:
            r = lpb.LightPushResponseV3()
            r.ParseFromString(await push_raw(h, pid, codecs.LIGHTPUSH_V3, body))
            assert r.HasField("request_id") and r.HasField("status_code") and r.HasField("status_desc")
            return r

        ok = waku_message(1)
        cases = [
            (b"\xff\xff\xff\xff", 400),  # malformed protobuf
            (lpb.LightPushRequestV3(request_id="r1", pubsub_topic=TOPIC).SerializeToString(), 400),  # no message
            (lpb.LightPushRequestV3(request_id="r2", message=encode(ok)).SerializeToString(), 400),  # no topic
            (lpb.LightPushRequestV3(request_id="r3", pubsub_topic="/waku/2/rs/16/9", message=encode(ok)).SerializeToString(), 421),
            (lpb.LightPushRequestV3(request_id="r4", pubsub_topic=TOPIC, message=encode(waku_message(2, payload=b"x" * 200_000))).SerializeToString(), 413),
            (lpb.LightPushRequestV3(request_id="r5", pubsub_topic=TOPIC, message=b"\x0a\x05ab").SerializeToString(), 420),
            (lpb.LightPushRequestV3(request_id="r6", pubsub_topic=TOPIC, message=encode(WakuMessage(payload=b"x", content_topic=CT))).SerializeToString(), 420),
        ]
        for body, code in cases:
            r = await v3(body)
            assert r.status_code == code, (code, r)
        r = await v3(lpb.LightPushRequestV3(request_id="ok", pubsub_topic=TOPIC, message=encode(ok)).SerializeToString())
        assert (r.request_id, r.status_code, r.status_desc) == ("ok", 200, "OK")
        # legacy v2: is_success written even when false
        bad = lpb.PushRpc(request_id="v2", request=lpb.PushRequest(pubsub_topic="/nope", message=encode(ok))).SerializeToString()
        data = await push_raw(h, pid, codecs.LIGHTPUSH_V2, bad)
        rpc = lpb.PushRpc()
        rpc.ParseFromString(data)
        assert rpc.request_id == "v2" and rpc.response.HasField("is_success") and not rpc.response.is_success
        assert b"\x08\x00" in data  # the explicit false is on the wire
        assert a.counters.get("dropped.lightpush.bad-request") == 1
        # the node still works
        assert (await light.lightpush_publish(a.multiaddrs[0], TOPIC, waku_message(9))).ok


@trio_test(30)
async def test_relay_node_without_peers_or_storage_answers_505():
    relay_only, light = make_node("relay"), make_node("light")
    async with relay_only, light:
        with pytest.raises(Exception) as e:
            await light.lightpush_publish(relay_only.multiaddrs[0], TOPIC, waku_message(1))
        assert getattr(e.value, "code", "") == "protocol-refused"
    full = make_node("full", archive=None)
    async with full, make_node("light") as light:
        res = await light.lightpush_publish(full.multiaddrs[0], TOPIC, waku_message(1))
        assert res.status_code == lightpush.NO_PEERS_TO_RELAY


@trio_test(40)
async def test_filter_requests_and_error_codes():
    a, light = make_node("full"), make_node("light")
    async with a, light:
        pid = await light.connect(a.multiaddrs[0])
        h = light.host.host
        T = fpb.FilterSubscribeRequest

        async def ask(**kw) -> fpb.FilterSubscribeResponse:
            r = fpb.FilterSubscribeResponse()
            r.ParseFromString(await request(h, pid, codecs.FILTER_SUBSCRIBE, T(request_id="x", **kw).SerializeToString(), timeout=5))
            assert r.request_id == "x" and r.HasField("status_code") and r.HasField("status_desc")
            return r

        assert (await ask(filter_subscribe_type=T.SUBSCRIBER_PING)).status_code == 404
        assert (await ask(filter_subscribe_type=T.UNSUBSCRIBE_ALL)).status_code == 404
        assert (await ask(filter_subscribe_type=T.SUBSCRIBE, pubsub_topic=TOPIC)).status_code == 400  # no content topic
        assert (await ask(filter_subscribe_type=T.SUBSCRIBE, content_topics=[CT])).status_code == 400  # no pubsub topic
        too_many = [f"/a/1/t{i}/proto" for i in range(101)]
        assert (await ask(filter_subscribe_type=T.SUBSCRIBE, pubsub_topic=TOPIC, content_topics=too_many)).status_code == 400
        assert (await ask(filter_subscribe_type=T.SUBSCRIBE, pubsub_topic="/waku/2/rs/16/1", content_topics=[CT])).status_code == 400
        assert (await ask(filter_subscribe_type=T.SUBSCRIBE, pubsub_topic=TOPIC, content_topics=[CT])).status_code == 200
        assert (await ask(filter_subscribe_type=T.SUBSCRIBER_PING)).status_code == 200
        assert a.filter.subscription_count() == 1
        assert (await ask(filter_subscribe_type=T.UNSUBSCRIBE, pubsub_topic=TOPIC, content_topics=[CT])).status_code == 200
        assert a.filter.subscription_count() == 0
        # malformed protobuf: 400 and a counted drop, the node keeps serving
        r = fpb.FilterSubscribeResponse()
        r.ParseFromString(await request(h, pid, codecs.FILTER_SUBSCRIBE, b"\x12\xff", timeout=5))
        assert r.status_code == 400 and r.request_id == "N/A"
        assert a.counters.get("dropped.filter.bad-request") == 1
        with pytest.raises(ServiceRefused) as e:
            await light.filter_client.request(pid, T.SUBSCRIBER_PING)
        assert e.value.status == 404


@trio_test(30)
async def test_filter_subscriber_that_goes_away_is_dropped_and_counted():
    a, light = make_node("full"), make_node("light")
    async with a:
        async with light:
            await light.filter_subscribe(a.multiaddrs[0], TOPIC, [CT])
            await wait_until(lambda: a.filter.subscription_count() == 1)
        await wait_until(lambda: not a.host.connected_peers())
        await a.publish(TOPIC, waku_message(1))
        await wait_until(lambda: a.counters.get("dropped.filter.push-failed") == 1)
        await wait_until(lambda: a.filter.subscription_count() == 0)
        await a.publish(TOPIC, waku_message(2))  # still relaying and storing
        page = await a.store_query(None, pubsub_topic=TOPIC, content_topics=[CT])
        assert len(page.messages) == 2


@trio_test(30)
async def test_a_service_that_forgets_every_second_is_healed_at_each_ping():
    service = make_node("full", test_filter_forget_every=1.0)
    light = make_node("light", filter_ping_interval=0.3)
    async with service, light:
        sub = await light.filter_subscribe(service.multiaddrs[0], TOPIC, [CT])
        await wait_until(lambda: service.counters.get("filter.test-forgotten") >= 2 and light.counters.get("filter-client.resubscribed") >= 2)
        assert len(light.filter_client.take_interruptions()) >= 2
        await wait_until(lambda: service.filter.subscription_count() == 1)
        await service.publish(TOPIC, waku_message(6))
        with trio.fail_after(5):
            m = await sub.receive()
        assert m.message.payload == b"message 6"


@trio_test(30)
async def test_filter_keepalive_resubscribes_after_the_service_forgets():
    service, light = make_node("full"), make_node("light", filter_ping_interval=0.3)
    async with service, light:
        sub = await light.filter_subscribe(service.multiaddrs[0], TOPIC, [CT])
        await wait_until(lambda: light.counters.get("filter-client.pings") >= 1)
        service.filter._remove(light.host.peer_id)  # as after a restart of the service
        await wait_until(lambda: light.counters.get("filter-client.resubscribed") == 1)
        ((peer, since, until),) = light.filter_client.take_interruptions()  # the window to fetch from a store
        assert peer == service.host.peer_id and 0 < until - since < 5e9 and light.filter_client.take_interruptions() == []
        await service.publish(TOPIC, waku_message(5))
        with trio.fail_after(5):
            m = await sub.receive()
        assert m.message.payload == b"message 5"
