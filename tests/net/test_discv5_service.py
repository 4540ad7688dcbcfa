"""Discovery v5 services on 127.0.0.1: handshake, PING/FINDNODE/TALKREQ, lookups from one
bootstrap record, and bad input dropped and counted while the service keeps answering."""

from __future__ import annotations

import os

import pytest
import trio

from statuscli.core.crypto import secp256k1
from statuscli.core.discv5 import handshake, messages
from statuscli.core.discv5.local_record import LocalRecord
from statuscli.core.errors import TimeoutExpired
from statuscli.core.waku.enr import decode_enr
from statuscli.net.discv5.lookup import lookup, random_walk
from statuscli.net.discv5.service import Discv5Service
from tests.net.conftest import trio_test

pytestmark = pytest.mark.net


def make_service(**kw) -> Discv5Service:
    key = secp256k1.generate_private_key(os.urandom)
    return Discv5Service(key, LocalRecord(key, 1, waku2_flags=["relay"], rs=(16, [32])), **kw)


async def start(nursery, n: int) -> list[Discv5Service]:
    out = []
    for _ in range(n):
        svc = make_service()
        await nursery.start(svc.serve)
        out.append(svc)
    return out


@trio_test(30)
async def test_ping_findnode_talk_both_ways():
    async with trio.open_nursery() as nursery:
        a, b = await start(nursery, 2)
        assert a.enr.udp == a.port and a.enr.seq == 2  # the bound port bumped seq once
        b.talk_handlers[b"echo"] = lambda node_id, req: b"echo:" + req
        pong = await a.ping(b.enr)
        assert pong.enr_seq == b.enr.seq and pong.port == a.port
        assert a.counters["handshakes.initiated"] == 1 and b.counters["handshakes.accepted"] == 1
        assert await a.talk(b.enr, b"echo", b"hi") == b"echo:hi"
        assert await a.talk(b.enr, b"unknown", b"hi") == b""
        # b answers a's FINDNODE for distance 0 with its own record
        (rec,) = await a.find_node(b.enr, [0])
        assert rec.raw == b.enr.raw
        # the other direction reuses nothing: b has a session as recipient and answers over it
        assert (await b.ping(a.enr)).enr_seq == a.enr.seq
        assert b.enr.node_id in a.table and a.enr.node_id in b.table
        nursery.cancel_scope.cancel()


@trio_test(60)
async def test_twenty_services_find_each_other_from_one_bootstrap():
    async with trio.open_nursery() as nursery:
        boot, *others = await start(nursery, 20)
        for svc in others:
            svc.add_bootstrap(boot.enr)
            await random_walk(svc)
        everyone = {s.node_id for s in [boot, *others]}
        # every service resolves every other: a random lookup first, then (what Kademlia promises)
        # a lookup of each id still missing — a service that joined early has not seen later ones
        for svc in others:
            found = {e.node_id for e in await lookup(svc, os.urandom(32))} | set(svc.known)
            for missing in everyone - {svc.node_id} - found:
                for _ in range(3):
                    if missing in {e.node_id for e in await lookup(svc, missing)}:
                        found.add(missing)
                        break
            assert found >= everyone - {svc.node_id}
        assert all(len(s.table) >= 5 for s in others)
        nursery.cancel_scope.cancel()


@trio_test(30)
async def test_bad_input_is_dropped_counted_and_service_keeps_running():
    async with trio.open_nursery() as nursery:
        a, b = await start(nursery, 2)
        sock = trio.socket.socket(trio.socket.AF_INET, trio.socket.SOCK_DGRAM)
        await sock.bind(("127.0.0.1", 0))
        target = ("127.0.0.1", b.port)
        await sock.sendto(b"short", target)  # below the minimum size
        await sock.sendto(os.urandom(200), target)  # garbage: protocol id does not unmask
        # a flood of WHOAREYOU nobody asked for
        for _ in range(200):
            raw, _ = handshake.whoareyou(b.node_id, os.urandom(16), os.urandom(12), os.urandom(16), 0)
            await sock.sendto(raw, target)
        # messages under unknown sessions from many fake node ids: WHOAREYOU answers are rate-limited
        for _ in range(100):
            raw = handshake.seal_message(os.urandom(16), os.urandom(32), b.node_id, os.urandom(16), os.urandom(12), b"\x01\xc2\x01\x01")
            await sock.sendto(raw, target)
        with trio.fail_after(5):
            while b.counters["packets.in"] < 302:
                await trio.sleep(0.05)
        c = b.counters
        assert c["dropped.decode-error"] == 2
        assert c["dropped.whoareyou-unsolicited"] == 200
        assert c["dropped.whoareyou-rate"] == 50  # 50 answered, 50 refused within one second
        assert len(b._challenges) <= b.limits.challenges
        # still serving a real peer (from the same IP: once the one-second rate window has passed)
        await trio.sleep(1.05)
        assert (await a.ping(b.enr)).enr_seq == b.enr.seq
        sock.close()
        nursery.cancel_scope.cancel()


@trio_test(30)
async def test_oversize_and_off_distance_nodes_answers_are_dropped():
    async with trio.open_nursery() as nursery:
        a, b = await start(nursery, 2)
        others = [make_service() for _ in range(30)]
        # b answers with 30 records for any FINDNODE (ignoring the distances asked)
        b._nodes_replies = lambda msg: [
            messages.Nodes(msg.request_id, 200, tuple(s.record.raw for s in others[i : i + 3])) for i in range(0, 30, 3)
        ]
        found = await a.find_node(b.enr, [256, 255, 254])
        assert len(found) <= 16
        assert a.counters["dropped.nodes-oversize"] == 1
        assert a.counters["dropped.nodes-wrong-distance"] + a.counters["dropped.nodes-excess"] + len(found) >= 24
        nursery.cancel_scope.cancel()


@trio_test(20)
async def test_unreachable_node_times_out():
    async with trio.open_nursery() as nursery:
        (a,) = await start(nursery, 1)
        gone = make_service()
        gone.record.update(ip="127.0.0.1", udp=9)  # discard port: nobody answers
        with pytest.raises(TimeoutExpired):
            await a.ping(gone.enr, timeout=0.3)
        assert a.counters["requests.timeout"] == 1
        assert decode_enr(a.enr.text).signature_valid
        nursery.cancel_scope.cancel()


@trio_test(30)
async def test_crossed_handshakes_leave_both_directions_working():
    async with trio.open_nursery() as nursery:
        a, b = await start(nursery, 2)
        async with trio.open_nursery() as both:  # each starts a handshake with the other at once
            both.start_soon(a.ping, b.enr)
            both.start_soon(b.ping, a.enr)
        assert a.counters["handshakes.initiated"] == b.counters["handshakes.initiated"] == 1  # they crossed
        for _ in range(3):
            await a.ping(b.enr)
            await b.ping(a.enr)
        # each side writes with the keys of the handshake it accepted last; the other side still
        # reads them: no failed decryption, no further handshake
        assert a.counters["session.decrypt-failed"] == b.counters["session.decrypt-failed"] == 0
        assert a.counters["handshakes.initiated"] + b.counters["handshakes.initiated"] == 2
        nursery.cancel_scope.cancel()


@trio_test(30)
async def test_a_handshake_answering_an_older_challenge_is_accepted():
    """Under load a requester re-sends before the first WHOAREYOU reached it, gets two challenges
    and answers the older one: the service keeps the last few, so that handshake verifies (it
    checked only the newest and, having dropped it, then refused the right answer too)."""
    from statuscli.core.discv5 import packet

    async with trio.open_nursery() as nursery:
        (b,) = await start(nursery, 1)
        key = secp256k1.generate_private_key(os.urandom)
        me = LocalRecord(key, 1, ip="127.0.0.1", udp=1)
        sock = trio.socket.socket(type=trio.socket.SOCK_DGRAM)
        await sock.bind(("127.0.0.1", 0))
        me.update(udp=sock.getsockname()[1])
        challenges = []
        for _ in range(2):  # two packets b cannot read: two WHOAREYOUs
            await sock.sendto(handshake.random_message(me.node_id, b.node_id, os.urandom(16), os.urandom(12), os.urandom(20)), ("127.0.0.1", b.port))
            with trio.fail_after(5):
                data, _ = await sock.recvfrom(2048)
            challenges.append(packet.decode(data, me.node_id).challenge_data)
        for challenge in challenges:  # the older first, then the newer: both are answered
            hs, keys = handshake.seal_handshake(static_key=key, ephemeral_key=secp256k1.generate_private_key(os.urandom), src_id=me.node_id,
                                                dest_id=b.node_id, dest_pubkey=b.enr.public_key, challenge_data=challenge,
                                                masking_iv=os.urandom(16), nonce=os.urandom(12),
                                                plaintext=messages.encode(messages.Ping(b"\x01", 1)), record=me.raw)  # fmt: skip
            await sock.sendto(hs, ("127.0.0.1", b.port))
            with trio.fail_after(5):
                data, _ = await sock.recvfrom(2048)
            pong = messages.decode(handshake.open_message(packet.decode(data, me.node_id), keys.read))
            assert isinstance(pong, messages.Pong)
        assert b.counters["handshakes.accepted"] == 2 and not b.counters["dropped.bad-signature"]
        sock.close()
        nursery.cancel_scope.cancel()
