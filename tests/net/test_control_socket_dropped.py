"""A control-socket subscriber that reads too slowly is told what it lost (issue 14.2).

``listen`` through a running node does not read its subscription while it catches up from the
store; a long catch-up with messages still arriving fills the node's subscription buffer, and the
node drops the newest. Before, only the node counted that (``dropped.subscription.buffer-full``):
the listener never knew, its checkpoint moved on over those messages, and they were skipped though
the store had them. Now the node tells the subscriber (a ``dropped`` notification with the count
and the span of their timestamps) and :class:`ControlSocketTransport` hands the span to the
listener (``interruptions()``), which fetches it from the store.
"""

from __future__ import annotations

import time

import pytest
import trio

from statuscli.core.waku.message import encode
from statuscli.net import control_server
from statuscli.net.control_server import ControlServer
from statuscli.net.control_transport import ControlSocketTransport
from tests.net.conftest import TOPIC, make_node, read_all, trio_test, waku_message

pytestmark = pytest.mark.net

N = 200


@trio_test(60)
async def test_a_slow_subscriber_is_told_the_span_it_lost_and_the_store_has_it(tmp_path, monkeypatch):
    monkeypatch.setattr(control_server, "SUBSCRIPTION_BUFFER", 8)
    node = make_node("full")
    sock = str(tmp_path / "c.sock")
    async with node, trio.open_nursery() as nursery:
        await nursery.start(ControlServer(node, sock).serve)
        t = ControlSocketTransport(sock)
        await trio.to_thread.run_sync(t.subscribe)
        base = time.time_ns()
        sent = {}
        for i in range(N):  # nobody reads the subscription meanwhile (a listener busy catching up)
            m = waku_message(i, payload=bytes([i % 251]) * 4000, ts=base + i * 1000)
            sent[m.timestamp] = encode(m)
            await node.publish(TOPIC, m)
        await trio.sleep(0.5)
        got = await trio.to_thread.run_sync(read_all, t)
        spans = t.interruptions()
        lost = N - len(got)
        assert 0 < len(got) < N and node.counters.get("dropped.subscription.buffer-full") == lost
        assert spans and all("dropped" in why for _, _, why in spans)
        got_data = {r.data for r in got}
        missing = [ts for ts, data in sent.items() if data not in got_data]
        assert len(missing) == lost
        assert all(any(a <= ts <= b for a, b, _ in spans) for ts in missing)  # every lost one inside a span told

        def fetch(a, b):  # what the listener then does with a span: page through the store
            out, cursor = [], None
            while True:
                items, cursor = t.store_query([], pubsub_topic=TOPIC, time_start=a, time_end=b, cursor=cursor, limit=100)
                out += [r.data for r in items]
                if cursor is None:
                    return out

        archived = []
        for a, b, _ in spans:
            archived += await trio.to_thread.run_sync(fetch, a, b)
        assert set(archived) >= {sent[ts] for ts in missing}
        t.close()
        nursery.cancel_scope.cancel()
