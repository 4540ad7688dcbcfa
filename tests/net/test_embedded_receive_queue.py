"""Our own light client's receive queue is bounded in bytes and tells ``listen`` what it dropped (issue 13).

Before, filter pushes waited for ``listen`` in an unbounded ``queue.Queue`` (``net/embedded.py``).
Now a real :class:`EmbeddedTransport` light client with the smallest bound (256 KiB) is pushed
~860 KB by a real filter service on 127.0.0.1 while nobody reads: it keeps at most its bound, counts
every drop (``dropped.receive-queue.full`` and :meth:`EmbeddedTransport.dropped`), and hands the
span of the dropped timestamps to the listener (``interruptions()``), whose store has them.
"""

from __future__ import annotations

import time

import pytest
import trio

from statuscli.core.waku.message import encode
from statuscli.net.embedded import EmbeddedTransport
from statuscli.net.limits import MIN_RECEIVE_QUEUE_BYTES
from tests.net.conftest import CT, TOPIC, fetch_span, make_node, read_all, trio_test, waku_message

pytestmark = pytest.mark.net

N = 200


@trio_test(90)
async def test_a_full_receive_queue_drops_counts_and_reports_the_span_the_store_has():
    service = make_node("full")
    async with service:
        t = await trio.to_thread.run_sync(lambda: EmbeddedTransport.client(service.multiaddrs[0], receive_queue_bytes=MIN_RECEIVE_QUEUE_BYTES))
        try:
            await trio.to_thread.run_sync(t.subscribe, [CT])
            base = time.time_ns()
            sent = {}
            for i in range(N):  # nobody reads meanwhile (a listener busy catching up)
                m = waku_message(i, payload=bytes([i % 251]) * 4000, ts=base + i * 1000)
                sent[m.timestamp] = encode(m)
                await service.publish(TOPIC, m)
            with trio.fail_after(30):  # every push reached the client: kept or dropped
                while len(t._queue) + t.dropped() < N:
                    await trio.sleep(0.1)
            assert t._queue.bytes <= MIN_RECEIVE_QUEUE_BYTES
            got = await trio.to_thread.run_sync(read_all, t, 0.5)
            lost = N - len(got)
            assert 0 < len(got) < N and t.dropped() == lost
            assert (await trio.to_thread.run_sync(t.info))["counters"]["dropped.receive-queue.full"] == lost
            spans = await trio.to_thread.run_sync(t.interruptions)
            assert len(spans) == 1 and "receive queue was full" in spans[0][2]
            got_data = {r.data for r in got}
            missing = [ts for ts, data in sent.items() if data not in got_data]
            assert len(missing) == lost and all(spans[0][0] <= ts <= spans[0][1] for ts in missing)


            archived = await trio.to_thread.run_sync(fetch_span, t, spans[0][0], spans[0][1])
            assert set(archived) == {sent[ts] for ts in missing}
        finally:
            await trio.to_thread.run_sync(t.close)
