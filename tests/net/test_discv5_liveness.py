"""A full bucket's liveness check on 127.0.0.1: a live node that misses one PING (the datagram
lost by a relay in front of it) stays in the table; a node that is really gone (socket closed)
is evicted after every attempt went unanswered — once, however hard its bucket is hammered.

Each test fills bucket 256 of ``a`` (ids whose top bit differs from a's: half of all ids) with
the node under test first, then 15 records nobody contacts, so that node is the bucket's
least-recently-seen entry when a new node arrives."""

from __future__ import annotations

import os

import pytest
import trio

from statuscli.core.crypto import secp256k1
from statuscli.core.discv5.local_record import LocalRecord
from statuscli.core.discv5.table import BUCKET_SIZE, log_distance
from statuscli.net.discv5.liveness import LivenessPolicy
from statuscli.net.discv5.service import Discv5Service
from tests.net.conftest import trio_test, wait_until
from tests.net.test_discv5_service import make_service

pytestmark = pytest.mark.net

FAR = 256


def far_service(a: Discv5Service) -> Discv5Service:
    while True:
        svc = make_service()
        if log_distance(a.node_id, svc.node_id) == FAR:
            return svc


def fill_bucket(a: Discv5Service, first: Discv5Service) -> None:
    """``first`` is already in a's bucket; 15 uncontacted records complete it behind it."""
    while len(a.table.buckets[FAR]) < BUCKET_SIZE:
        key = secp256k1.generate_private_key(os.urandom)
        rec = LocalRecord(key, 1, ip="127.0.0.1", udp=9).enr
        if log_distance(a.node_id, rec.node_id) == FAR:
            a.add_bootstrap(rec)
    assert a.table.buckets[FAR][0].node_id == first.node_id  # the least recently seen


class LossyRelay:
    """A UDP relay in front of one service: what arrives on ``port`` goes to the service and its
    answers go back to the last sender; the next ``drop`` datagrams toward the service are lost."""

    def __init__(self, target_port: int) -> None:
        self.target = ("127.0.0.1", target_port)
        self.drop = 0
        self.dropped = self.forwarded = 0
        self.port = 0

    async def run(self, *, task_status=trio.TASK_STATUS_IGNORED) -> None:
        front = trio.socket.socket(type=trio.socket.SOCK_DGRAM)
        back = trio.socket.socket(type=trio.socket.SOCK_DGRAM)
        with front, back:
            await front.bind(("127.0.0.1", 0))
            await back.bind(("127.0.0.1", 0))
            self.port = front.getsockname()[1]
            client = None

            async def answers() -> None:
                while True:
                    data, _ = await back.recvfrom(2048)
                    if client is not None:
                        await front.sendto(data, client)

            async with trio.open_nursery() as nursery:
                nursery.start_soon(answers)
                task_status.started()
                while True:
                    data, client = await front.recvfrom(2048)
                    if self.drop:
                        self.drop -= 1
                        self.dropped += 1
                        continue
                    self.forwarded += 1
                    await back.sendto(data, self.target)


@trio_test(20)
async def test_a_live_node_that_misses_one_ping_stays_in_the_table():
    async with trio.open_nursery() as nursery:
        a = make_service(liveness=LivenessPolicy(timeout=1.0, backoff=0.1))
        await nursery.start(a.serve)
        b = far_service(a)
        await nursery.start(b.serve)
        relay = LossyRelay(b.port)
        await nursery.start(relay.run)
        b.record.update(udp=relay.port)  # b is reached through the relay only
        await a.ping(b.enr)  # handshake: b enters a's table
        fill_bucket(a, b)
        relay.drop = 1  # the next datagram to b — the liveness PING — is lost
        c = far_service(a)
        await nursery.start(c.serve)
        await a.ping(c.enr)  # bucket full: b's liveness is checked
        await wait_until(lambda: a.counters["table.liveness-checks"] == 1 and a.liveness.running == 0, 10)
        assert relay.dropped == 1 and a.counters["table.liveness-retries"] == 1
        assert a.counters["table.liveness-kept"] == 1 and a.counters["table.evicted"] == 0
        assert b.node_id in a.table and c.node_id not in a.table  # c waits among the replacements
        assert a.table.buckets[FAR][-1].node_id == b.node_id  # its answer counted as seen
        nursery.cancel_scope.cancel()


@trio_test(20)
async def test_a_closed_node_is_evicted_once_however_often_its_bucket_is_hit():
    async with trio.open_nursery() as nursery:
        a = make_service(liveness=LivenessPolicy(timeout=0.5, backoff=0.05))
        await nursery.start(a.serve)
        b = far_service(a)
        async with trio.open_nursery() as b_life:
            await b_life.start(b.serve)
            await a.ping(b.enr)
            b_life.cancel_scope.cancel()  # b's socket is closed: gone for good
        fill_bucket(a, b)
        newcomers = [far_service(a) for _ in range(3)]
        for c in newcomers:
            await nursery.start(c.serve)
        async with trio.open_nursery() as arrivals:  # each arrival names b while its check runs
            for c in newcomers:
                arrivals.start_soon(a.ping, c.enr)
        await wait_until(lambda: a.liveness.running == 0, 10)
        assert a.counters["table.liveness-checks"] == 1 and a.counters["table.liveness-busy"] == 2
        assert a.counters["table.liveness-retries"] == 2 and a.counters["requests.timeout"] == 3  # 3 PINGs, all silent
        assert a.counters["table.evicted"] == 1 and not a.counters["table.liveness-kept"]
        assert b.node_id not in a.table
        assert sum(c.node_id in a.table for c in newcomers) == 1  # a replacement took its place
        assert len(a.table.buckets[FAR]) == BUCKET_SIZE
        nursery.cancel_scope.cancel()
