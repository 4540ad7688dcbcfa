"""Metadata (cluster/shards, wire forms, other clusters), peer exchange and discovery, ENR."""

from __future__ import annotations

import pytest

from statuscli.core.waku.enr import decode_enr
from statuscli.net import codecs
from statuscli.net import metadata as md
from statuscli.net.streams import request
from statuscli.pb import waku_peer_exchange_pb2 as pxpb
from tests.net.conftest import TOPIC, make_node, trio_test, wait_until

pytestmark = pytest.mark.net


def test_metadata_wire_forms():
    body = md.encode(16, [64, 32])
    # cluster id, then field 2 unpacked (one tag per shard), then field 3 packed
    assert body.hex() == "0810" + "1020" + "1040" + "1a022040"
    assert md.decode(md.encode(0, [])).cluster_id == 0  # cluster 0 is on the wire
    assert md.encode(0, []).hex() == "0800"
    assert md.decode(bytes.fromhex("08101a022040")).shards == (32, 64)  # field 3 packed (nwaku)
    assert md.decode(bytes.fromhex("081012022040")).shards == (32, 64)  # field 2 packed
    assert md.decode(bytes.fromhex("081010201040")).shards == (32, 64)  # field 2 unpacked (js-waku)
    assert md.decode(b"").cluster_id is None


@trio_test(30)
async def test_metadata_exchange_and_other_cluster_is_disconnected():
    a, b = make_node("relay"), make_node("relay", cluster_id=99, shards=[5])
    async with a, b:
        await b.connect(a.multiaddrs[0])
        await wait_until(lambda: not a.host.connected_peers() and not b.host.connected_peers())
        assert a.counters.get("dropped.metadata.cluster-mismatch") == 1
        # and a peer on our cluster stays, with its shards recorded
        async with make_node("relay", shards=[64]) as c:
            pid = await c.connect(a.multiaddrs[0])
            meta = await c.metadata.query(c.host.host, pid)
            assert (meta.cluster_id, meta.shards) == (16, (32, 64))
            await wait_until(lambda: c.host.peer_id in a.metadata.peers)
            assert a.metadata.peers[c.host.peer_id].shards == (64,)
            await a.relay.wait_for_mesh("/waku/2/rs/16/64", 1)
            assert a.host.connected_peers() == [c.host.peer_id]


@trio_test(30)
async def test_metadata_answers_garbage_with_its_own_record():
    a, light = make_node("relay"), make_node("light")
    async with a, light:
        pid = await light.connect(a.multiaddrs[0])
        reply = await request(light.host.host, pid, codecs.METADATA, b"\x08", timeout=5)  # truncated varint
        assert md.decode(reply) == md.PeerMetadata(16, (32, 64))
        assert a.counters.get("dropped.metadata.bad-request") == 1


@trio_test(40)
async def test_peer_exchange_and_discovery_through_a_bootstrap_node():
    boot = make_node("bootstrap", shards=[32])
    async with boot:
        assert codecs.PEER_EXCHANGE in boot.protocols() and codecs.RELAY not in boot.protocols()
        a = make_node("relay", peers=[boot.multiaddrs[0]])
        async with a:
            await wait_until(lambda: a.peer_id in {e.peer_id for e in boot.enr_cache.records()})
            b = make_node("relay", peers=[boot.enr])  # a static peer given as an ENR
            async with b:
                # b learns a's ENR from the bootstrap node and dials it: a relay mesh forms
                await b.relay.wait_for_mesh(TOPIC, 1, timeout=20)
                assert a.host.peer_id in b.relay.mesh_peers(TOPIC)
            async with make_node("light") as light:
                enrs = await light.peer_exchange(boot.multiaddrs[0], 10)
                ids = [e.peer_id for e in enrs]
                assert ids[0] == boot.peer_id and a.peer_id in ids
                assert all(e.signature_valid for e in enrs)


@trio_test(30)
async def test_peer_exchange_wire_and_bad_requests():
    boot, light = make_node("bootstrap"), make_node("light")
    async with boot, light:
        pid = await light.connect(boot.multiaddrs[0])
        data = await request(light.host.host, pid, codecs.PEER_EXCHANGE, pxpb.PeerExchangeRPC(query=pxpb.PeerExchangeQuery(num_peers=5)).SerializeToString())
        rpc = pxpb.PeerExchangeRPC()
        rpc.ParseFromString(data)
        assert rpc.HasField("query") and rpc.response.status_code == 200  # field 1 present for nwaku
        assert decode_enr(rpc.response.peer_infos[0].enr).peer_id == boot.peer_id
        data = await request(light.host.host, pid, codecs.PEER_EXCHANGE, b"\xff\x01")
        rpc.ParseFromString(data)
        assert rpc.response.status_code == 400
        assert boot.counters.get("dropped.peer-exchange.bad-request") == 1


@trio_test(20)
async def test_our_enr_describes_the_node():
    async with make_node("full") as node:
        enr = decode_enr(node.enr)
        assert enr.signature_valid and enr.peer_id == node.peer_id
        assert enr.ip == "127.0.0.1" and f"/tcp/{enr.tcp}/" in node.multiaddrs[0]
        assert enr.shards == (16, [32, 64])
        assert enr.waku2 == 0b1111  # relay, store, filter, lightpush
    async with make_node("relay", listen=["/ip4/127.0.0.1/tcp/0", "/ip4/127.0.0.1/tcp/0/ws"]) as node:
        enr = decode_enr(node.enr)
        assert enr.waku2 == 1
        assert any(a.endswith("/ws") for a in enr.multiaddrs)
        assert any("/ws/p2p/" in a for a in node.multiaddrs)
