"""A long catch-up against a rate-limited store is not banned and gets every page (issue 14.2).

The store node refuses a peer's request over its token bucket with a 429 and counts each refusal
against that peer's score (issue 13): enough refusals and the peer is banned, its connection closed,
every further page refused. The client used to back off only for the page in hand and then ask at
full speed again — one refusal per page from then on, so a catch-up of many pages ran into the ban
and ended with a gap. Now the client keeps the pace the service accepted (:mod:`statuscli.net.pacing`).

Here the store allows 5 pages a second and bans at -10 points (the default is -100: the same race,
ten times longer); 40 pages of 10 are asked one after the other.
"""

from __future__ import annotations

import time

import pytest

from statuscli.net.limits import NodeLimits, RateLimit
from tests.net.conftest import CT, TOPIC, make_node, trio_test, waku_message

pytestmark = pytest.mark.net

PAGES, PAGE = 40, 10


@trio_test(90)
async def test_a_client_paging_through_a_rate_limited_store_keeps_its_pace_and_is_not_banned():
    limits = NodeLimits(ban_score=-10.0)
    limits.rates["store"] = RateLimit(5, 1.0)
    store, light = make_node("full", limits=limits), make_node("light")
    async with store, light:
        t0 = time.time_ns() - PAGES * PAGE * 1_000_000
        for i in range(PAGES * PAGE):
            await store.publish(TOPIC, waku_message(i, ts=t0 + i * 1_000_000))
        pid = await light.connect(store.multiaddrs[0])
        got, cursor = [], None
        for _ in range(PAGES + 1):
            page = await light.store_query(pid, pubsub_topic=TOPIC, content_topics=[CT], forward=True, limit=PAGE, cursor=cursor)
            got += page.messages
            cursor = page.cursor
            if cursor is None:
                break
        assert len(got) == PAGES * PAGE and len({m.hash for m in got}) == PAGES * PAGE
        assert store.counters.get("guard.bans") == 0 and not store.guard.banned(light.host.peer_id)
        refused = store.counters.get("dropped.ratelimit.store")
        assert 0 < refused == light.pacer.refusals <= 6  # a few while it learns the pace, not one a page
