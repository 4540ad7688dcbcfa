"""Rendezvous with real py-libp2p hosts on 127.0.0.1.

* Three relay nodes given only a rendezvous point (a host serving nothing but rendezvous, so
  they can learn of each other in no other way) register under their shards' namespaces, find
  each other there, dial each other, form a relay mesh, and a message published on any one
  reaches all.
* A bootstrap node is a rendezvous point: bad input (oversize frame, garbage, a record of another
  peer, a tampered record, too many registrations, a flood) is refused, answered with the spec's
  status where one exists, counted, and the point keeps serving.
"""

from __future__ import annotations

import os
from contextlib import AsyncExitStack

import pytest
import trio

from statuscli.core import rendezvous as rz
from statuscli.core.crypto import secp256k1
from statuscli.core.errors import NetworkError, ServiceRefused
from statuscli.net import codecs
from statuscli.net import rendezvous as rdv
from statuscli.net.limits import NodeLimits, RateLimit
from statuscli.net.stats import Counters
from tests.net.conftest import LOCAL, TOPIC, make_node, trio_test, wait_until, waku_message

pytestmark = pytest.mark.net


def bare_point():
    """A host that serves rendezvous only (same service as a node's), and its counters."""
    from statuscli.net.host import WakuHost
    from statuscli.net.streams import serve

    host = WakuHost(secp256k1.generate_private_key(os.urandom), LOCAL, agent="test-point")
    counters = Counters()
    svc = rdv.RendezvousService(rz.Registry(), counters)
    host.set_handler(codecs.RENDEZVOUS, serve("rendezvous", svc.handle, counters, limit=rdv.MAX_REQUEST))
    return host, svc, counters


@trio_test(120)
async def test_three_nodes_find_each_other_through_a_rendezvous_point_and_relay():
    host, svc, _ = bare_point()
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(host.run())
        point = host.multiaddrs()[0]
        # target 3: the point and the two others
        nodes = [make_node("relay", rendezvous=[point], rendezvous_interval=0.3, target_relay_peers=3) for _ in range(3)]
        for n in nodes:
            await stack.enter_async_context(n)
        ids = {n.peer_id for n in nodes}
        # each node registers and asks namespace by namespace (rs/16/32, then rs/16/64)
        # (the point counts a registration before the client has read its answer: wait for both sides)
        both = {"rs/16/32", "rs/16/64"}
        await wait_until(lambda: all(ids - {n.peer_id} <= set(n.rendezvous.found) for n in nodes) and svc.stats()["registrations"] == 6
                         and all(set(n.info()["rendezvous"]["client"]["points"][0]["registered"]) == both for n in nodes),
                         timeout=30, interval=0.1)  # fmt: skip
        assert svc.stats()["namespaces"] == 2  # 3 nodes x shards 32, 64
        for n in nodes:
            assert {f.namespace for f in n.rendezvous.found.values()} <= {"rs/16/32", "rs/16/64"}
            info = n.info()["rendezvous"]["client"]
            assert info["points"][0]["registered"] == {"rs/16/32": 60, "rs/16/64": 60} and info["points"][0]["error"] is None
        await wait_until(lambda: all(len(n.relay.relay_peers()) >= 2 for n in nodes), timeout=30, interval=0.1)
        for n in nodes:
            sources = {p["peer_id"]: p["source"] for p in n.peers()}
            assert all(sources[p] == "rendezvous" for p in ids - {n.peer_id}), sources
        subs = [n.subscribe(TOPIC) for n in nodes]
        await trio.sleep(1.0)  # gossipsub meshes settle
        for i, origin in enumerate(nodes):
            sent = await origin.publish(TOPIC, waku_message(i))
            for sub in subs:
                with trio.fail_after(10):
                    while (await sub.receive()).hash != sent.hash:
                        pass


async def _client():
    from statuscli.net.host import WakuHost

    return WakuHost(secp256k1.generate_private_key(os.urandom), LOCAL, agent="test-client")


def _register_bytes(ns: str, record: bytes, ttl: int = 120) -> bytes:
    M = rdv.pb.Message
    return M(type=M.REGISTER, register=M.Register(ns=ns, signedPeerRecord=record, ttl=ttl)).SerializeToString()


@trio_test(90)
async def test_a_bootstrap_node_is_a_bounded_rate_limited_point():
    from statuscli.net.streams import request

    limits = NodeLimits(rendezvous=rz.RegistryLimits(max_per_peer=3))
    limits.rates["rendezvous"] = RateLimit(8, 3600.0)  # b spends its 8 tokens below; refill is negligible
    point = make_node("bootstrap", limits=limits)
    a, b = await _client(), await _client()
    async with point, a.run(), b.run():
        pid = await a.connect(point.multiaddrs[0])
        await b.connect(point.multiaddrs[0])
        rec_a = rdv.seal_peer_record(a.key_pair.private_key, a.multiaddrs(), 1)
        rec_b = rdv.seal_peer_record(b.key_pair.private_key, b.multiaddrs(), 1)
        c = point.counters
        # 1: a registers itself; b finds it with its addresses
        assert await rdv.register(a.host, pid, "rs/16/32", rec_a, 120) == 120
        found, cookie = await rdv.discover(b.host, pid, "rs/16/32")
        assert [(f.peer_id, f.multiaddrs, f.ttl > 100) for f in found] == [(str(a.peer_id), a.multiaddrs(), True)]
        # 2-3: nothing new after the cookie; a cookie we never made is refused
        assert (await rdv.discover(b.host, pid, "rs/16/32", cookie=cookie))[0] == []
        with pytest.raises(ServiceRefused) as e:
            await rdv.discover(b.host, pid, "rs/16/32", cookie=b"\x07junk")
        assert e.value.status == rz.E_INVALID_COOKIE
        # 4: b may not register a's record
        with pytest.raises(ServiceRefused) as e:
            await rdv.register(b.host, pid, "rs/16/32", rec_a, 120)
        assert e.value.status == rz.E_NOT_AUTHORIZED
        # 5: a tampered record does not verify
        bad = bytearray(rec_b)
        bad[-1] ^= 1
        with pytest.raises(ServiceRefused) as e:
            await rdv.register(b.host, pid, "rs/16/32", bytes(bad), 120)
        assert e.value.status == rz.E_INVALID_SIGNED_PEER_RECORD
        # 6-8: a holds 3 namespaces at most (limit 3): the 4th is refused
        for ns in ("rs/16/64", "rs/16/128"):
            await rdv.register(a.host, pid, ns, rec_a, 120)
        with pytest.raises(ServiceRefused) as e:
            await rdv.register(a.host, pid, "rs/16/256", rec_a, 120)
        assert e.value.status == rz.E_NOT_AUTHORIZED
        assert c.get("dropped.rendezvous.not-authorized") == 2 and c.get("dropped.rendezvous.invalid-signed-peer-record") == 1
        assert c.get("dropped.rendezvous.invalid-cookie") == 1
        # 9: an oversize frame is refused at its length prefix; 10: garbage is closed unanswered
        with pytest.raises(NetworkError):
            await request(b.host, pid, codecs.RENDEZVOUS, _register_bytes("rs/16/32", b"x" * 5000), timeout=5)
        with pytest.raises(NetworkError):
            await request(b.host, pid, codecs.RENDEZVOUS, b"\xff\xff\xff", timeout=5)
        assert c.get("dropped.rendezvous.bad-frame") == 1 and c.get("dropped.rendezvous.bad-request.undecodable") == 1
        # 7-8 use b's last tokens (garbage took one, the oversize frame none); then a flood is answered E_UNAVAILABLE and counted
        await rdv.register(b.host, pid, "rs/16/32", rec_b, 120)
        await rdv.discover(b.host, pid, None)
        refused = 0
        for _ in range(5):
            with pytest.raises(ServiceRefused) as e:
                await rdv.discover(b.host, pid, "rs/16/32")
            refused += e.value.status == rz.E_UNAVAILABLE
        assert refused == 5 and c.get("dropped.ratelimit.rendezvous") == 5
        # the point still serves a, and node status reports what it holds
        found, _ = await rdv.discover(a.host, pid, "rs/16/32")
        assert {f.peer_id for f in found} == {str(a.peer_id), str(b.peer_id)}
        assert point.info()["rendezvous"]["point"] == {"registrations": 4, "namespaces": 3, "peers": 2}
        assert c.get("rendezvous.registered") == 4


@trio_test(60)
async def test_several_requests_on_one_stream_and_a_client_that_resets_after_its_answer():
    # canvas's and py-libp2p's clients send REGISTER then DISCOVER on one stream (the spec allows
    # it, go-libp2p-rendezvous's server reads until EOF); go-libp2p-rendezvous's client resets
    # its stream once it has the answer: neither is an offence.
    from statuscli.net.streams import frame, open_stream, read_frame

    point = make_node("bootstrap")
    a = await _client()
    async with point, a.run():
        pid = await a.connect(point.multiaddrs[0])
        record = rdv.seal_peer_record(a.key_pair.private_key, a.multiaddrs(), 1)
        M = rdv.pb.Message
        s = await open_stream(a.host, pid, codecs.RENDEZVOUS)
        await s.write(frame(_register_bytes("rs/16/32", record)))
        first = M.FromString(await read_frame(s))
        await s.write(frame(M(type=M.DISCOVER, discover=M.Discover(ns="rs/16/32")).SerializeToString()))
        second = M.FromString(await read_frame(s))
        await s.close()
        assert first.registerResponse.status == rz.OK and first.registerResponse.ttl == 120
        assert second.discoverResponse.status == rz.OK and len(second.discoverResponse.registrations) == 1
        s = await open_stream(a.host, pid, codecs.RENDEZVOUS)
        await s.write(frame(M(type=M.DISCOVER, discover=M.Discover(ns="rs/16/32")).SerializeToString()))
        assert M.FromString(await read_frame(s)).discoverResponse.status == rz.OK
        await s.reset()
        c = point.counters
        await wait_until(lambda: c.get("rendezvous.streams-ended-after-reply") == 2, timeout=5)
        assert c.get("rendezvous.requests") == 3 and c.dropped_total() == 0 and point.guard.score(a.peer_id) == 0


@trio_test(60)
async def test_a_stopping_node_takes_its_registrations_back():
    """Before, a node that stopped stayed registered (and was handed out to others) until its TTL ran out."""
    host, svc, counters = bare_point()
    async with host.run():
        point = host.multiaddrs()[0]
        node = make_node("relay", rendezvous=[point], rendezvous_interval=0.3)
        async with node:
            both = {"rs/16/32", "rs/16/64"}
            await wait_until(lambda: svc.stats()["registrations"] == 2
                             and set(node.info()["rendezvous"]["client"]["points"][0]["registered"]) == both, timeout=20, interval=0.1)  # fmt: skip
        # the node has stopped: its UNREGISTERs (answerless) reach the point
        await wait_until(lambda: svc.stats()["registrations"] == 0, timeout=10, interval=0.05)
        assert counters.get("rendezvous.unregistered") == 2 and node.counters.get("rendezvous-client.unregistered") == 2
