"""``--discovery-period``: Discovery v5 runs only for the first seconds (mobile style). While it
runs the node finds a peer through its bootstrap record; when the period ends the UDP socket is
closed (others' requests go unanswered), walks stop, our record drops ``udp`` with a new seq, and
``info()``/``node status`` say so — the peer found meanwhile is kept."""

from __future__ import annotations

from contextlib import AsyncExitStack

import pytest
import trio

from statuscli.core.errors import TimeoutExpired
from statuscli.core.waku.enr import decode_enr
from tests.net.conftest import make_node, trio_test, wait_until

pytestmark = pytest.mark.net

PERIOD = 2.0


def disc_node(mode="relay", bootstrap=(), **kw):
    return make_node(mode, discv5=True, discv5_port=0, bootstrap=list(bootstrap), discv5_interval=0.3, **kw)


@trio_test(60)
async def test_discovery_stops_after_its_period_and_says_so():
    async with AsyncExitStack() as stack:
        peer = await stack.enter_async_context(disc_node())
        mobile = await stack.enter_async_context(disc_node(bootstrap=[peer.enr], discovery_period=PERIOD))
        disc = mobile.discovery
        while_on, seq = disc.record.enr, disc.record.seq
        assert disc.info()["active"] and disc.info()["period_s"] == PERIOD
        await wait_until(lambda: peer.discovery.record.node_id in disc.service.known, timeout=PERIOD)  # found while on
        await wait_until(lambda: disc.stopped_at is not None, timeout=PERIOD + 3)
        info = mobile.info()["discovery"]
        assert info["active"] is False and info["udp_port"] is None and PERIOD - 0.1 <= info["stopped_after_s"] <= PERIOD + 1
        mine = decode_enr(mobile.enr)
        assert mine.udp is None and mine.seq == seq + 1 and mine.tcp  # still dialable over TCP, no longer over UDP
        assert mobile.counters.get("discovery.stopped") == 1
        lookups = disc.service.counters["lookups"]
        with pytest.raises(TimeoutExpired):  # the socket is closed: a PING to the old port is not answered
            await peer.discovery.service.ping(while_on)
        await trio.sleep(1.0)
        assert disc.service.counters["lookups"] == lookups  # no more walks
        await wait_until(lambda: peer.peer_id in {str(p) for p in mobile.host.connected_peers()}, timeout=10)  # kept what it found

