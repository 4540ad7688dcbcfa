"""Acknowledged means durable: lightpush answers 200 only after the message's archive batch
committed; an archive that fails makes the node refuse (503), keep relaying, retry with backoff
and say so in its status; store queries run off the event loop with a time bound."""

from __future__ import annotations

import sqlite3

import pytest
import trio

from statuscli.net import lightpush
from statuscli.store.archive_sqlite import _SCHEMA_V1, _SCHEMA_V2, SqliteArchive
from tests.net.conftest import TOPIC, make_node, trio_test, wait_until, waku_message

pytestmark = pytest.mark.net


def other_connection(path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None, timeout=1.0)


@trio_test(60)
async def test_lightpush_success_waits_for_the_commit(tmp_path):
    """While another process holds the write lock, no push is acknowledged; once it lets go,
    every acknowledged message is in the archive file."""
    db = str(tmp_path / "store.sqlite")
    node, light = make_node("full", archive=SqliteArchive(db)), make_node("light")
    async with node, light:
        blocker = other_connection(db)
        blocker.execute("BEGIN EXCLUSIVE")
        answers: list = []

        async def push(i: int) -> None:
            answers.append((i, await light.lightpush_publish(node.multiaddrs[0], TOPIC, waku_message(i), timeout=20)))

        async with trio.open_nursery() as nursery:
            for i in range(5):
                nursery.start_soon(push, i)
            await trio.sleep(1.5)
            assert answers == []  # relayed, but not durable yet: nobody was told "200"
            assert node.counters.get("store.archived") == 0
            blocker.execute("COMMIT")
        assert sorted(i for i, _ in answers) == list(range(5)) and all(r.ok for _, r in answers)
        check = other_connection(db)
        assert check.execute("SELECT COUNT(*) FROM archive_messages").fetchone()[0] == 5
        assert node.counters.get("store.archived") == 5
    node.archive.close()


@trio_test(60)
async def test_a_failing_archive_is_refused_reported_and_recovered(tmp_path):
    db = str(tmp_path / "store.sqlite")
    node, light = make_node("full", archive=SqliteArchive(db)), make_node("light")
    async with node, light:
        addr = node.multiaddrs[0]
        assert (await light.lightpush_publish(addr, TOPIC, waku_message(0))).ok
        other = other_connection(db)
        other.execute("DROP TABLE archive_messages")  # a real database failure, under the node
        r = await light.lightpush_publish(addr, TOPIC, waku_message(1))
        assert r.status_code == lightpush.SERVICE_NOT_AVAILABLE and "archive" in r.status_desc  # never a false 200
        status = node.info()["store"]
        assert status["state"] == "unavailable" and "archive_messages" in status["error"]
        r = await light.lightpush_publish(addr, TOPIC, waku_message(2))
        assert r.status_code == lightpush.SERVICE_NOT_AVAILABLE  # refused up front while unavailable
        # the relay keeps going: a message relayed from elsewhere is kept for the retry
        await node.publish(TOPIC, waku_message(3))
        other.executescript(_SCHEMA_V1 + ";" + _SCHEMA_V2)  # the table is back
        await wait_until(lambda: node.archive_writer.available, timeout=15)
        assert (await light.lightpush_publish(addr, TOPIC, waku_message(4))).ok
        payloads = {row[0] for row in other.execute("SELECT data FROM archive_messages")}
        assert len(payloads) == 3  # 1 (refused after relaying, kept for the retry), 3 (relayed), 4
        assert node.counters.get("store.archive-failures") >= 1
        assert node.info()["store"]["state"] == "ok"
    node.archive.close()


@trio_test(60)
async def test_a_store_query_over_its_time_bound_answers_a_clear_error():
    node, light = make_node("full"), make_node("light")
    async with node, light:
        for i in range(300):
            await node.publish(TOPIC, waku_message(i))
        pid = await light.connect(node.multiaddrs[0])
        assert len((await light.store_query(pid, pubsub_topic=TOPIC)).messages) == 20
        node.archive.query_timeout = -1.0
        from statuscli.net.streams import ServiceRefused

        with pytest.raises(ServiceRefused) as e:
            await light.store_query(pid, pubsub_topic=TOPIC, forward=True, limit=100)
        assert e.value.status == 503 and "took longer than" in str(e.value)
        assert node.counters.get("dropped.store.store-timeout") == 1
        node.archive.query_timeout = 2.0
        assert len((await light.store_query(pid, pubsub_topic=TOPIC)).messages) == 20
