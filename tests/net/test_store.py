"""Store v3 between our nodes: paging both ways over 1 000 messages, filters, restarts — on each
archive backend (SQLite; PostgreSQL on a real server the tests start)."""

from __future__ import annotations

import time

import pytest

from statuscli.core.waku.message import message_hash
from statuscli.net import codecs
from statuscli.net.streams import ServiceRefused, request
from statuscli.net.store_protocol import store_query_all
from statuscli.pb import waku_store_pb2 as spb
from tests.net.conftest import CT, TOPIC, make_node, trio_test, waku_message

pytestmark = pytest.mark.net

N = 1000


@pytest.fixture(params=["sqlite", "postgresql"])
def open_store(request, tmp_path):
    """``open_store()`` → the archive of this test on each backend (the same one each call)."""
    opened = []
    url = tmp_path / "store.sqlite" if request.param == "sqlite" else request.getfixturevalue("pg_url")

    def open_():
        from statuscli.store.archive import open_archive

        a = open_archive(url)
        opened.append(a)
        return a

    yield open_
    for a in opened:
        a.close()


async def page_through(light, addr, **criteria) -> list:
    pid = await light.connect(addr)
    out, sizes = [], []
    async for page in store_query_all(light.host.host, pid, **criteria):
        sizes.append(len(page.messages))
        out.append(page.messages)
    return out, sizes


@trio_test(120)
async def test_store_paging_forward_and_backward_over_1000_messages(open_store):
    store, light = make_node("full", archive=open_store()), make_node("light")
    async with store, light:
        t0 = time.time_ns() - N * 1_000_000
        hashes = []
        for i in range(N):
            msg = waku_message(i, content_topic=CT if i % 2 == 0 else "/other/1/x/proto", ts=t0 + i * 1_000_000)
            hashes.append((await store.publish(TOPIC, msg)).hash)
        assert hashes[0] == message_hash(TOPIC, waku_message(0, ts=t0))
        addr = store.multiaddrs[0]

        pages, sizes = await page_through(light, addr, pubsub_topic=TOPIC, forward=True, limit=100)
        assert sizes == [100] * 10
        assert [m.hash for p in pages for m in p] == hashes  # oldest first, none missing

        pages, sizes = await page_through(light, addr, pubsub_topic=TOPIC, forward=False, limit=100)
        assert sizes == [100] * 10
        assert [m.hash for m in pages[0]] == hashes[-100:]  # backward: newest page first, ascending inside
        assert [m.hash for p in reversed(pages) for m in p] == hashes

        # default page size 20, limit capped at 100
        pid = await light.connect(addr)
        first = await light.store_query(pid, pubsub_topic=TOPIC)
        assert len(first.messages) == 20 and first.cursor == first.messages[0].hash
        big = await light.store_query(pid, pubsub_topic=TOPIC, limit=1000)
        assert len(big.messages) == 100

        # content topics, time range (end inclusive), hash lookup, presence only
        pages, _ = await page_through(light, addr, pubsub_topic=TOPIC, content_topics=[CT], forward=True, limit=100)
        assert [m.hash for p in pages for m in p] == hashes[0::2]
        win = await light.store_query(pid, pubsub_topic=TOPIC, time_start=t0 + 10_000_000, time_end=t0 + 19_000_000, forward=True)
        assert [m.hash for m in win.messages] == hashes[10:20] and win.cursor is None
        look = await light.store_query(pid, hashes=[hashes[5], hashes[500], b"\x00" * 32], include_data=False)
        assert sorted(m.hash for m in look.messages) == sorted([hashes[5], hashes[500]])
        assert all(m.data is None and m.pubsub_topic is None for m in look.messages)
        full = await light.store_query(pid, hashes=[hashes[7]])
        assert full.messages[0].message.payload == b"message 7" and full.messages[0].pubsub_topic == TOPIC

        # an unknown cursor is a 400, not a hang
        with pytest.raises(ServiceRefused) as e:
            await light.store_query(pid, pubsub_topic=TOPIC, cursor=b"\x01" * 32)
        assert e.value.status == 400


@trio_test(60)
async def test_store_keeps_messages_across_a_restart(open_store):
    key = b"\x07" * 32
    node = make_node("full", archive=open_store(), node_key=key)
    async with node:
        for i in range(30):
            await node.publish(TOPIC, waku_message(i))
        peer_id = node.peer_id
    node.archive.close()
    again = make_node("full", archive=open_store(), node_key=key)
    async with again, make_node("light") as light:
        assert again.peer_id == peer_id
        pages, sizes = await page_through(light, again.multiaddrs[0], pubsub_topic=TOPIC, content_topics=[CT], forward=True, limit=25)
        assert sizes == [25, 5]
        assert [m.message.payload for p in pages for m in p] == [b"message %d" % i for i in range(30)]
        await again.archive_writer.refresh()
        assert again.info()["store"]["messages"] == 30
    again.archive.close()


@trio_test(40)
async def test_store_answers_bad_requests_with_status_codes_and_keeps_serving(open_store):
    store, light = make_node("full", archive=open_store()), make_node("light")
    async with store, light:
        await store.publish(TOPIC, waku_message(1))
        pid = await light.connect(store.multiaddrs[0])
        h = light.host.host

        async def ask(body: bytes) -> spb.StoreQueryResponse:
            r = spb.StoreQueryResponse()
            r.ParseFromString(await request(h, pid, codecs.STORE_V3, body, timeout=5))
            assert r.HasField("request_id") and r.HasField("status_code") and r.HasField("status_desc")
            return r

        r = await ask(b"\x0a\xff\xff")
        assert (r.status_code, r.request_id) == (400, "N/A")
        r = await ask(spb.StoreQueryRequest(request_id="q", content_topics=[f"/a/1/{i}/p" for i in range(101)]).SerializeToString())
        assert (r.status_code, r.request_id) == (400, "q")
        r = await ask(spb.StoreQueryRequest(request_id="ok", include_data=True, pubsub_topic=TOPIC, content_topics=[CT]).SerializeToString())
        assert r.status_code == 200 and len(r.messages) == 1
        assert store.counters.get("dropped.store.bad-request") == 1

    relay_only = make_node("full", archive=None)
    async with relay_only, make_node("light") as light:
        pid = await light.connect(relay_only.multiaddrs[0])
        assert codecs.STORE_V3 not in relay_only.protocols()
        with pytest.raises(Exception) as e:
            await light.store_query(pid, pubsub_topic=TOPIC)
        assert getattr(e.value, "code", "") == "protocol-refused"
