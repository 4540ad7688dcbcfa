"""The archive on a real PostgreSQL server (started by the tests): several nodes share one
database and answer for each other's messages; a database restart under lightpush load loses
no acknowledged message."""

from __future__ import annotations

import pytest
import trio

from statuscli.core.waku.message import message_hash
from statuscli.net import lightpush
from statuscli.store.archive_postgres import PostgresArchive
from tests.net.conftest import CT, TOPIC, make_node, trio_test, wait_until, waku_message
from tests.net.test_store import page_through

pytestmark = pytest.mark.net


def test_two_nodes_share_one_database_and_answer_for_each_other(pg_url):
    @trio_test(60)
    async def run():
        a, b = make_node("full", archive=PostgresArchive(pg_url)), make_node("full", archive=PostgresArchive(pg_url))
        light = make_node("light")
        async with a, b, light:
            hashes = [(await a.publish(TOPIC, waku_message(i))).hash for i in range(10)]
            hashes += [(await b.publish(TOPIC, waku_message(i))).hash for i in range(10, 20)]
            await a.archive_writer.flush()
            await b.archive_writer.flush()
            for node in (a, b):
                pages, _ = await page_through(light, node.multiaddrs[0], pubsub_topic=TOPIC, content_topics=[CT], forward=True, limit=100)
                assert sorted(m.hash for p in pages for m in p) == sorted(hashes)
            # a message both nodes relay (and write) is one row
            await b.connect(a.multiaddrs[0])
            await a.relay.wait_for_mesh(TOPIC, 1)
            await b.relay.wait_for_mesh(TOPIC, 1)
            shared = waku_message(99)
            await a.publish(TOPIC, shared)
            await wait_until(lambda: b.counters.get("relay.delivered") >= 1)
            await a.archive_writer.flush()
            await b.archive_writer.flush()
            assert a.archive.count() == 21
            assert a.counters.get("store.archived") + b.counters.get("store.archived") == 21
            assert a.archive.get(message_hash(TOPIC, shared)) is not None
        a.archive.close()
        b.archive.close()

    run()


def test_a_database_restart_under_lightpush_load_loses_no_acknowledged_message(tmp_path):
    from tests.postgres_server import PostgresServer, bin_dir

    if bin_dir() is None:
        pytest.skip("PostgreSQL is not installed: scripts/dev test installs it")
    with PostgresServer() as pg:
        url = pg.create_database("restart")

        @trio_test(120)
        async def run():
            node, light = make_node("full", archive=PostgresArchive(url)), make_node("light")
            acked, refused, states = [], [], set()
            async with node, light:
                addr = node.multiaddrs[0]
                await light.connect(addr)
                done = trio.Event()

                async def pusher(k: int) -> None:
                    i = 0
                    while not done.is_set():
                        msg = waku_message(k * 100_000 + i)
                        i += 1
                        r = await light.lightpush_publish(addr, TOPIC, msg, timeout=20)
                        if r.ok:
                            acked.append(message_hash(TOPIC, msg))
                        else:
                            assert r.status_code == lightpush.SERVICE_NOT_AVAILABLE, r
                            refused.append(r)
                            await trio.sleep(0.05)

                async def watch() -> None:
                    while not done.is_set():
                        states.add(node.info()["store"]["state"])
                        await trio.sleep(0.02)

                async with trio.open_nursery() as nursery:
                    for k in range(3):
                        nursery.start_soon(pusher, k)
                    nursery.start_soon(watch)
                    await trio.sleep(1.0)
                    before = len(acked)
                    await trio.to_thread.run_sync(pg.stop)
                    await trio.sleep(1.0)
                    await trio.to_thread.run_sync(pg.start)
                    await wait_until(lambda: node.archive_writer.available and len(acked) > before + 20, timeout=30)
                    done.set()
                await node.archive_writer.flush()
                stored = {bytes(h) for (h,) in _all_hashes(url)}
            node.archive.close()
            assert before > 0 and refused, (before, len(refused))
            assert "unavailable" in states and "ok" in states
            missing = [h for h in acked if h not in stored]
            assert missing == [], f"{len(missing)} of {len(acked)} acknowledged messages are not in the archive"

        run()


def _all_hashes(url):
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute("SELECT message_hash FROM messages").fetchall()
