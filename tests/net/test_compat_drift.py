"""Drift tests for statuscli.net.compat: each fails if the py-libp2p internals a patch relies on
change (names, signatures, defaults, the behaviour being worked around). When one fails after an
upgrade, re-read the upstream code, adjust or drop the patch, then update the test."""

from __future__ import annotations

import hashlib
import inspect
import socket

import pytest
import trio

pytestmark = pytest.mark.net

import libp2p  # noqa: E402
from libp2p.network import swarm as swarm_mod  # noqa: E402
from libp2p.network.config import ConnectionConfig  # noqa: E402
from libp2p.peer.id import ID  # noqa: E402
from libp2p.pubsub import gossipsub as gossipsub_mod  # noqa: E402
from libp2p.pubsub import mcache as mcache_mod  # noqa: E402
from libp2p.pubsub import pubsub as pubsub_mod  # noqa: E402
from libp2p.pubsub import rpc_queue as rpc_queue_mod  # noqa: E402
from libp2p.pubsub.gossipsub import PROTOCOL_ID_V11, GossipSub  # noqa: E402
from libp2p.pubsub.pb import rpc_pb2  # noqa: E402
from libp2p.pubsub.pubsub import Pubsub  # noqa: E402

from statuscli.net import compat  # noqa: E402
from tests.net.conftest import trio_test  # noqa: E402


def params(fn) -> dict[str, inspect.Parameter]:
    return dict(inspect.signature(fn).parameters)


def source(fn) -> str:
    return inspect.getsource(fn)


def stock_router() -> GossipSub:
    return GossipSub(protocols=[compat.RELAY_CODEC], degree=6, degree_low=4, degree_high=12)


def unsigned(data: bytes) -> rpc_pb2.Message:
    return rpc_pb2.Message(data=data, topicIDs=["/waku/2/rs/16/32"])


def test_pinned_version():
    assert libp2p.__version__ == "0.8.1"


# --- P1: custom gossipsub codec ---------------------------------------------------------------
def test_p1_stock_gossipsub_still_refuses_the_relay_codec():
    assert list(params(GossipSub.add_peer)) == ["self", "peer_id", "protocol_id"]
    with pytest.raises(ValueError):
        stock_router().add_peer(ID(b"\x00\x01x"), compat.RELAY_CODEC)
    assert PROTOCOL_ID_V11 == "/meshsub/1.1.0"
    # mesh selection keys on peer_protocol holding a /meshsub id
    assert "self.peer_protocol.get(peer_id) in" in source(GossipSub._is_gossipsub_peer)
    assert "self.peer_protocol[peer] in" in source(GossipSub._get_in_topic_gossipsub_peers_from_minus) or "peer_protocol" in source(
        GossipSub._get_in_topic_gossipsub_peers_from_minus
    )
    # and pubsub swallows add_peer errors (why the stock failure is silent)
    assert "self.router.add_peer(peer_id, negotiated_protocol)" in source(Pubsub._handle_new_peer)


def test_p1_patched_router_records_meshsub_v11():
    r = compat.make_relay_router()
    pid = ID(b"\x00\x01y")
    r.add_peer(pid, compat.RELAY_CODEC)
    assert r.peer_protocol[pid] == PROTOCOL_ID_V11
    assert r._is_gossipsub_peer(pid)
    assert r.get_protocols() == [compat.RELAY_CODEC]


# --- P2: equivocation ---------------------------------------------------------------------------
def test_p2_stock_equivocation_check_rejects_unsigned_messages():
    assert list(params(GossipSub._check_equivocation)) == ["self", "msg"]
    assert "msg.from_id + msg.seqno" in source(GossipSub._check_equivocation)
    r = stock_router()
    assert r._check_equivocation(unsigned(b"a")) is True
    assert r._check_equivocation(unsigned(b"b")) is False  # the bug the patch works around
    p = compat.make_relay_router()
    assert p._check_equivocation(unsigned(b"a")) and p._check_equivocation(unsigned(b"b"))
    assert "self._check_equivocation(pubsub_msg)" in source(GossipSub.publish)


# --- P3: message cache ------------------------------------------------------------------------
def test_p3_stock_mcache_keys_on_from_and_seqno():
    assert list(params(mcache_mod.MessageCache.put)) == ["self", "msg"]
    assert list(params(mcache_mod.MessageCache.__init__)) == ["self", "window_size", "history_size"]
    assert list(params(mcache_mod.CacheEntry.__init__)) == ["self", "mid", "topics"]
    assert mcache_mod.default_msg_id_fn(rpc_pb2.Message(from_id=b"f", seqno=b"s", data=b"x")) == b"fs"
    stock = mcache_mod.MessageCache(3, 6)
    assert hasattr(stock, "msgs") and hasattr(stock, "history")
    stock.put(unsigned(b"x"))
    assert list(stock.msgs) == [b""]
    assert "self.mcache.put(pubsub_msg)" in source(GossipSub.publish)
    assert "self.mcache.get(" in source(GossipSub.handle_iwant)


def test_p3_patched_mcache_keys_on_sha256_of_data():
    r = compat.make_relay_router()
    assert isinstance(r.mcache, compat.Sha256MessageCache)
    assert (r.mcache.window_size, r.mcache.history_size) == (3, 6)
    r.mcache.put(unsigned(b"x"))
    r.mcache.put(unsigned(b"y"))
    mid = hashlib.sha256(b"x").digest()
    assert r.mcache.get(mid).data == b"x"
    assert mid in r.mcache.window("/waku/2/rs/16/32")
    assert len(r.mcache.msgs) == 2


def test_p28_stock_mcache_is_bounded_only_in_time():
    stock = mcache_mod.MessageCache(3, 6)
    for i in range(50):
        stock.put(rpc_pb2.Message(from_id=b"f", seqno=b"%d" % i, data=b"\0" * 100_000))
    assert len(stock.msgs) == 50  # 5 MB held until six shifts, however many arrive
    assert "self.history[len(self.history) - 1]" in source(mcache_mod.MessageCache.shift)


def test_p28_patched_mcache_holds_at_most_max_bytes_oldest_evicted_first():
    evicted = []
    cache = compat.Sha256MessageCache(3, 6, max_bytes=1_000_000)
    cache.on_evict = evicted.append
    topic = "/waku/2/rs/16/32"
    mids = []
    for i in range(30):
        data = b"%03d" % i + b"\0" * 99_997  # 100 kB each
        cache.put(unsigned(data))
        mids.append(hashlib.sha256(data).digest())
        if i % 5 == 4:
            cache.shift()
    assert cache.nbytes == sum(len(m.data) for m in cache.msgs.values()) <= 1_000_000
    assert list(cache.msgs) == mids[-10:]  # the newest ten, the rest evicted oldest first
    assert sum(evicted) == 20 and all(cache.get(m) is None for m in mids[:20])
    window = cache.window(topic)
    assert set(window) <= set(mids[-10:]) and mids[-1] in window  # nothing evicted is advertised
    for _ in range(6):
        cache.shift()
    assert cache.msgs == {} and cache.nbytes == 0 and all(h == [] for h in cache.history)
    assert compat.make_relay_router().mcache.max_bytes == compat.MCACHE_MAX_BYTES


# --- P4: unsigned publishing and message ids ----------------------------------------------------
def test_p4_pubsub_signing_and_message_id_knobs():
    p = params(Pubsub.__init__)
    assert p["strict_signing"].default is True
    assert p["msg_id_constructor"].default is pubsub_mod.get_peer_and_seqno_msg_id
    assert "seqno=self._next_seqno()" in source(Pubsub.publish)  # publish() always sets from/seqno
    assert list(params(Pubsub.push_msg)) == ["self", "msg_forwarder", "msg"]
    assert compat.waku_message_id(unsigned(b"Hello, world!")).hex().startswith("315f5bdb")


# --- P5: spam protection and adaptive features ----------------------------------------------------
def test_p5_gossipsub_defaults_we_override():
    p = params(GossipSub.__init__)
    assert p["spam_protection_enabled"].default is True
    assert p["max_messages_per_topic_per_second"].default == 10.0
    assert p["heartbeat_interval"].default == 120
    assert p["adaptive_gossip_enabled"].default is True
    assert p["eclipse_protection_enabled"].default is True
    for name in ("gossip_window", "gossip_history", "time_to_live", "prune_back_off", "degree", "degree_low", "degree_high"):
        assert name in p
    assert "_check_spam_protection(msg_forwarder, pubsub_msg)" in source(GossipSub.publish)
    r = compat.make_relay_router()
    assert (r.spam_protection_enabled, r.adaptive_gossip_enabled, r.eclipse_protection_enabled) == (False, False, False)
    assert r.heartbeat_interval == 1


# --- P6: outbound RPC queue -----------------------------------------------------------------------
def test_p6_outbound_queue_internals():
    assert rpc_queue_mod.OutBoundQueueSize == 32
    assert params(rpc_queue_mod.RpcQueue.__init__)["max_size"].default == 32
    q = rpc_queue_mod.RpcQueue()
    assert q._queue.max_size == 32
    src = source(Pubsub._handle_new_peer)
    assert "queue = RpcQueue()" in src and "self.peer_queues[peer_id] = queue" in src
    assert list(params(GossipSub._handle_dropped_rpc)) == ["self", "peer_id", "rpc", "reason"]
    assert '_handle_dropped_rpc(peer_id, part, "queue_full")' in source(GossipSub.send_rpc)


def test_p6_upstream_priority_queue_is_bounded_in_rpcs_only():
    # what our bytes bound stands on: the queue RpcQueue holds, its two deques, push/pop shapes
    q = rpc_queue_mod.RpcQueue()
    assert isinstance(q._queue, rpc_queue_mod.PriorityQueue)
    assert list(params(rpc_queue_mod.PriorityQueue.push)) == ["self", "rpc", "priority"]
    assert "self._queue.push(rpc, priority)" in source(rpc_queue_mod.RpcQueue.push)
    assert "self._queue.pop()" in source(rpc_queue_mod.RpcQueue.pop)
    big = rpc_pb2.RPC(publish=[rpc_pb2.Message(data=b"x" * 100_000)])
    assert all(q.push(big) for _ in range(32))  # 3.2 MB in a queue upstream calls 32 long


def test_p6_resizing_queue_map():
    m = compat._ResizingQueues(4096)
    q = rpc_queue_mod.RpcQueue()
    m["peer"] = q
    assert q._queue.max_size == 4096 and q._queue.max_bytes == compat.OUTBOUND_QUEUE_BYTES == 32 * 1024 * 1024
    for i in range(100):
        assert q.push(rpc_pb2.RPC())


@trio_test(10)
async def test_p6_outbound_queue_is_bounded_in_bytes():
    m = compat._ResizingQueues(4096, max_bytes=1_000_000)
    q = rpc_queue_mod.RpcQueue()
    m["peer"] = q
    big = rpc_pb2.RPC(publish=[rpc_pb2.Message(data=b"x" * 100_000)])
    accepted = sum(q.push(big) for _ in range(30))
    assert accepted == 9 and len(q) == 9  # 9 × (100 000 + 64) ≤ 1 000 000 < 10 × …
    assert q.push(rpc_pb2.RPC(), priority=True)  # a small control RPC still fits
    assert q._queue.bytes_held == 9 * 100_064 + 64
    first = await q.pop()
    assert first.ByteSize() < 100 and q._queue.bytes_held == 9 * 100_064  # priority first, bytes given back
    await q.pop()
    assert q.push(big) and not q.push(big)  # room for exactly one more
    while len(q):
        await q.pop()
    assert q._queue.bytes_held == 0
    huge = rpc_pb2.RPC(publish=[rpc_pb2.Message(data=b"x" * 2_000_000)])
    assert q.push(huge) and not q.push(big)  # an empty queue takes one RPC over the bound, then nothing


# --- P7: subscription delivery ----------------------------------------------------------------------
def test_p7_subscription_channel_and_hook():
    assert pubsub_mod.SUBSCRIPTION_CHANNEL_SIZE == 32
    assert list(params(Pubsub.notify_subscriptions)) == ["self", "publish_message"]
    assert "self.notify_subscriptions(msg)" in source(Pubsub.push_msg)
    assert "send_nowait" in source(Pubsub.notify_subscriptions)


# --- P8: security -----------------------------------------------------------------------------------
def test_p8_default_host_accepts_insecure_transports():
    src = source(libp2p.new_swarm)
    assert "sec_opt or {" in src and "PLAINTEXT_PROTOCOL_ID" in src and "secio" in src


@trio_test(20)
async def test_p8_our_host_negotiates_noise_only():
    from statuscli.net.host import WakuHost

    h = WakuHost(b"\x05" * 32, ["/ip4/127.0.0.1/tcp/0"], agent="drift")
    assert list(h.host.get_network().upgrader.security_multistream.transports) == ["/noise"]
    assert sorted(h.host.get_network().upgrader.muxer_multistream.transports) == ["/mplex/6.7.0", "/yamux/1.0.0"]
    async with h.run():
        port = int(h.multiaddrs()[0].split("/")[4])
        answers = {}
        for proto in ("/plaintext/2.0.0", "/secio/1.0.0", "/tls/1.0.0", "/noise"):
            answers[proto] = await trio.to_thread.run_sync(_multistream_answer, port, proto)
    assert answers == {"/plaintext/2.0.0": "na", "/secio/1.0.0": "na", "/tls/1.0.0": "na", "/noise": "/noise"}


def _multistream_answer(port: int, proto: str) -> str:
    def line(s: str) -> bytes:
        b = (s + "\n").encode()
        return bytes([len(b)]) + b

    def read_line(sock) -> str:
        n = sock.recv(1)[0]
        data = b""
        while len(data) < n:
            data += sock.recv(n - len(data))
        return data.decode().strip()

    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(line("/multistream/1.0.0") + line(proto))
        read_line(s)
        return read_line(s)


# --- P9: dial delay ---------------------------------------------------------------------------------
def test_p9_happy_eyeballs_delay():
    assert compat.UPSTREAM_DIAL_DELAY == 0.250
    assert "move_on_after(_HAPPY_EYEBALLS_DELAY)" in source(swarm_mod.Swarm.dial_peer)
    compat.patch_dial_delay()
    assert swarm_mod._HAPPY_EYEBALLS_DELAY == compat.DIAL_HEAD_START


# --- P10: agent string and log routing ---------------------------------------------------------------
def test_p10_identify_agent_and_stream_failure_log():
    from libp2p.host.basic_host import BasicHost
    from libp2p.identity.identify import identify

    assert isinstance(identify.AGENT_VERSION, str)
    assert "agent_version=AGENT_VERSION" in source(identify._mk_identify_protobuf)
    assert '"Failed to open stream to peer' in source(BasicHost.new_stream).replace("f\"", '"')
    compat.set_agent_version("statuscli/drift")
    assert identify._mk_identify_protobuf.__globals__["AGENT_VERSION"] == "statuscli/drift"


# --- P11: auto-connector ----------------------------------------------------------------------------
def test_p11_auto_connector():
    from libp2p.network.auto_connector import AutoConnector

    assert inspect.iscoroutinefunction(AutoConnector.maybe_connect)
    cfg = ConnectionConfig()
    assert (cfg.min_connections, cfg.low_watermark) == (50, 100)
    assert "self.swarm.peerstore.peer_ids()" in source(AutoConnector._get_candidate_peers)
    from statuscli.net.host import WakuHost

    h = WakuHost(b"\x06" * 32, [], agent="drift")
    assert h.host.get_network().auto_connector.maybe_connect.__name__ == "_noop"


# --- P12: signed peer records ----------------------------------------------------------------------
def test_p12_peer_record_paths():
    assert "env_to_send_in_RPC" in vars(gossipsub_mod)
    assert "rpc_msg.senderRecord = envelope_bytes" in source(GossipSub.publish)
    assert "self.write_msg(stream, rpc)" in source(Pubsub.handle_sending_messages)
    assert list(params(Pubsub.write_msg)) == ["self", "stream", "rpc_msg"]
    assert "senderRecord" in rpc_pb2.RPC.DESCRIPTOR.fields_by_name
    # every gossipsub use of the record goes through send_rpc / write_msg (which strip it)
    src = inspect.getsource(gossipsub_mod)
    assert src.count("env_to_send_in_RPC(") == 4
    compat.skip_gossipsub_peer_records()
    assert gossipsub_mod.env_to_send_in_RPC(None) == (b"", False)
    assert pubsub_mod.env_to_send_in_RPC is not compat._empty_peer_record  # hello keeps its record


# --- P13: validation cache -------------------------------------------------------------------------
def test_p13_validation_cache():
    assert params(Pubsub.__init__)["validation_cache_size"].default == 1000
    assert "self.access_order.remove(msg_id)" in source(pubsub_mod.ValidationCache.put)


# --- P14: shutdown ---------------------------------------------------------------------------------
def test_p14_shutdown_closes_connections_only_under_cancellation_upstream():
    from libp2p.host.basic_host import BasicHost

    assert "background_trio_service(network)" in source(BasicHost.run)
    run_src = source(swarm_mod.Swarm.run)
    assert "finally:" in run_src and "await conn.close()" in run_src  # the close that cancellation aborts
    close_src = source(swarm_mod.Swarm.close)
    assert "self._closing" in close_src and "await conn.close()" in close_src


@trio_test(20)
async def test_p14_leaving_a_node_closes_its_connections():
    from tests.net.conftest import make_node

    a = make_node("relay")
    async with a:
        async with make_node("light") as light:
            await light.connect(a.multiaddrs[0])
            assert a.host.connected_peers()
        with trio.fail_after(5):
            while a.host.connected_peers():
                await trio.sleep(0.02)


# --- P15: handler crashes --------------------------------------------------------------------------
def test_p15_handler_errors_reach_the_swarm_upstream():
    from libp2p.host.basic_host import BasicHost

    assert "except (StreamError, ParseError, IncompleteReadError)" in source(Pubsub.stream_handler)
    assert "rpc_incoming.ParseFromString(incoming)" in source(Pubsub.continuously_read_stream)
    assert "self._network.set_stream_handler(self._swarm_stream_handler)" in source(BasicHost.__init__)
    assert source(BasicHost._swarm_stream_handler).rstrip().endswith("await handler(net_stream)")
    assert list(params(swarm_mod.Swarm.set_stream_handler)) == ["self", "stream_handler"]


# --- P16: yamux window updates -----------------------------------------------------------------------
def test_p16_yamux_window_update_internals():
    import os

    from libp2p.stream_muxer.yamux import yamux

    module_src = inspect.getsource(yamux)
    upstream = module_src.split("async def _auto_tune_and_send_window_update", 1)[1].split("def _log_perf_yamux_summary", 1)[0]
    assert "elif 0 < delta < threshold and bytes_read > 0:" in upstream  # the per-read update branch
    assert "PY_YAMUX_RELEASE_ON_READ" in os.environ or yamux._yamux_release_on_read()
    assert "await self._auto_tune_and_send_window_update(bytes_read=len(data))" in source(yamux.YamuxStream.read)
    assert list(params(yamux.YamuxStream.send_window_update)) == ["self", "increment", "skip_lock"]
    assert list(params(yamux.YamuxStream._apply_autotune_epoch)) == ["self", "buffered"]
    init_src = source(yamux.YamuxStream.__init__)
    for attr in ("self.window_lock", "self.recv_window", "self.target_recv_window", "self._pending_recv_release"):
        assert attr in init_src, attr
    assert "stream.recv_window -= len(" in module_src or ".recv_window -= len(" in module_src
    compat.batch_yamux_window_updates()
    assert yamux.YamuxStream._auto_tune_and_send_window_update is compat._batched_window_update


@trio_test(30)
async def test_p16_bulk_transfer_still_flows_with_batched_credit():
    """300 KB each way through yamux (more than one window) with the batched credit return."""
    from statuscli.net.streams import frame, read_frame
    from tests.net.conftest import make_node

    a, b = make_node("light", listen=["/ip4/127.0.0.1/tcp/0"]), make_node("light")
    blob = bytes(range(256)) * 1200  # 307 200 bytes

    async def echo(stream):
        data = await read_frame(stream, 1 << 20)
        await stream.write(frame(data))
        await stream.close()

    a.host.set_handler("/test/echo/1.0.0", echo)
    async with a, b:
        pid = await b.connect(a.multiaddrs[0])
        for _ in range(3):
            from statuscli.net.streams import open_stream

            s = await open_stream(b.host.host, pid, "/test/echo/1.0.0")
            await s.write(frame(blob))
            assert await read_frame(s, 1 << 20) == blob
            await s.close()


# --- P17: listen failures ----------------------------------------------------------------------------
def test_p17_listen_failures_are_swallowed_upstream():
    from libp2p.host.basic_host import BasicHost

    src = source(swarm_mod.Swarm.listen)
    assert "return any(ok for _, ok in results)" in src and "self.listeners[str(maddr)] = listener" in src
    assert "await network.listen(*listen_addrs)" in source(BasicHost.run)  # result ignored


@trio_test(20)
async def test_p17_a_node_whose_port_is_taken_does_not_start():
    from statuscli.core.errors import NetworkError
    from statuscli.net.host import WakuHost
    from statuscli.net.runner import unwrap

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        h = WakuHost(b"\x08" * 32, [f"/ip4/127.0.0.1/tcp/{port}"], agent="drift", libp2p_log_level=50)
        with pytest.raises(BaseException) as e:  # trio may wrap it in an exception group
            async with h.run():
                pass
        err = unwrap(e.value)
        assert isinstance(err, NetworkError) and "cannot listen" in err.message


# --- P18: no SO_REUSEPORT on listening sockets ---------------------------------------------------
def test_p18_upstream_listeners_set_reuseport_through_one_module_function():
    from libp2p.transport.tcp import tcp as tcp_mod

    assert "SO_REUSEPORT" in source(compat.UPSTREAM_SET_REUSE_FLAGS)
    assert "_set_reuse_flags" in tcp_mod._open_reuseport_listeners.__code__.co_names  # looked up by global name


@trio_test(20)
async def test_p18_a_second_host_on_a_taken_port_is_refused():
    from statuscli.net.host import WakuHost
    from statuscli.net.listen_addrs import AddressInUse
    from statuscli.net.runner import unwrap

    a = WakuHost(b"\x09" * 32, ["/ip4/127.0.0.1/tcp/0"], agent="drift", libp2p_log_level=50)
    async with a.run():
        taken = a.multiaddrs()[0].rsplit("/p2p/", 1)[0]
        for addr in (taken, "/ip4/0.0.0.0/tcp/" + taken.split("/")[4]):
            b = WakuHost(b"\x0a" * 32, [addr], agent="drift", libp2p_log_level=50)
            with pytest.raises(BaseException) as e:
                async with b.run():
                    pass
            assert isinstance(unwrap(e.value), AddressInUse), e.value


# --- P19: duplicates refused before a task is spawned ----------------------------------------------
def test_p19_handle_rpc_filters_with_is_subscribed_before_spawning_push_msg():
    src = source(Pubsub.continuously_read_stream)
    i = src.index("if not self._is_subscribed_to_msg(msg):")
    assert i < src.index("self.manager.run_task(self.push_msg, peer_id, msg)", i)
    assert "self._is_msg_seen(msg)" in source(Pubsub.push_msg)  # upstream's own (later) check
    assert "self.seen_messages.has(msg_id)" in source(Pubsub._is_msg_seen)
    assert "any(topic in self.topic_ids for topic in msg.topicIDs)" in source(Pubsub._is_subscribed_to_msg)
    assert "return self.subscribed_topics_receive.keys()" in source(Pubsub.topic_ids.fget)


# --- P20: pending-message queue drops ---------------------------------------------------------------
def test_p20_pending_queue_drops_silently_upstream():
    src = source(GossipSub._prune_pending_messages)
    assert "dropping oldest messages" in src and "self._max_pending_messages_per_peer" in src
    assert "self._pending_messages_ttl" in src
    p = params(GossipSub.__init__)
    assert p["max_pending_messages_per_peer"].default == 100 and p["pending_messages_ttl"].default == 30.0


def test_p20_patched_prune_reports_what_it_dropped():
    drops = []
    r = compat.make_relay_router(on_drop=lambda peer, n, why: drops.append((peer, n, why)))
    peer = ID(b"\x00\x25" + bytes(37))
    r._pending_messages[peer] = [(0.0, rpc_pb2.RPC()) for _ in range(3)]  # expired long ago
    r._prune_pending_messages(peer)
    assert drops == [(peer, 3, drops[0][2])] and drops[0][2].startswith("pending-queue")


def test_p21_upstream_rendezvous_still_speaks_the_pre_spec_draft():
    # If this fails, py-libp2p moved to the spec's signedPeerRecord: reconsider using its module.
    from libp2p.discovery.rendezvous import config
    from libp2p.discovery.rendezvous.pb import rendezvous_pb2 as upstream

    field = upstream.Message.Register.DESCRIPTOR.fields_by_number[2]
    assert config.RENDEZVOUS_PROTOCOL == "/rendezvous/1.0.0"
    assert field.name == "peer" and field.message_type.name == "PeerInfo"


def test_p21_upstream_consume_envelope_does_not_tie_the_record_to_its_signer():
    from libp2p.crypto.secp256k1 import create_new_key_pair
    from libp2p.peer.envelope import ENVELOPE_DOMAIN, consume_envelope, seal_record
    from libp2p.peer.peer_record import PEER_RECORD_ENVELOPE_PAYLOAD_TYPE, PeerRecord
    from multiaddr import Multiaddr

    assert ENVELOPE_DOMAIN == "libp2p-peer-record" and PEER_RECORD_ENVELOPE_PAYLOAD_TYPE == b"\x03\x01"
    signer, named = create_new_key_pair(b"\x01" * 32), create_new_key_pair(b"\x02" * 32)
    record = PeerRecord(ID.from_pubkey(named.public_key), [Multiaddr("/ip4/127.0.0.1/tcp/1")], 1)
    raw = seal_record(record, signer.private_key).marshal_envelope()
    _, opened = consume_envelope(raw, ENVELOPE_DOMAIN)  # upstream accepts it: the gap P21 fills
    assert opened.peer_id == ID.from_pubkey(named.public_key)
    with pytest.raises(ValueError, match="another peer"):
        compat.open_peer_record(raw)


# --- P22: write batching ------------------------------------------------------------------------------
def publish_rpc(data: bytes) -> rpc_pb2.RPC:
    return rpc_pb2.RPC(publish=[unsigned(data)])


def read_rpcs(data: bytes) -> list[rpc_pb2.RPC]:
    """Split varint-prefixed RPCs as a receiver does."""
    from libp2p.utils.varint import decode_varint_with_size

    out = []
    while data:
        n, k = decode_varint_with_size(data)
        out.append(rpc_pb2.RPC.FromString(data[k : k + n]))
        data = data[k + n :]
    return out


def test_p22_upstream_writes_one_rpc_per_write():
    assert list(params(Pubsub.handle_sending_messages)) == ["self", "peer_id", "stream", "queue"]
    assert "ok = await self.write_msg(stream, rpc)" in source(Pubsub.handle_sending_messages)
    assert "self.manager.run_task(self.handle_sending_messages, peer_id, stream, queue)" in source(Pubsub._handle_new_peer)
    q = rpc_queue_mod.RpcQueue()
    assert isinstance(q._queue, rpc_queue_mod.PriorityQueue)
    q.push(publish_rpc(b"late"))
    q.push(rpc_pb2.RPC(control=rpc_pb2.ControlMessage(graft=[rpc_pb2.ControlGraft(topicID="t")])), priority=True)
    assert q._queue.pop().HasField("control") and q._queue.pop().publish[0].data == b"late"
    assert q._queue.pop() is None  # the non-blocking pop the batch drains with


def test_p22_batch_merges_publish_runs_and_keeps_control_in_order():
    q = rpc_queue_mod.RpcQueue(max_size=100)
    for d in (b"b", b"c"):
        q.push(publish_rpc(d))
    q.push(rpc_pb2.RPC(subscriptions=[rpc_pb2.RPC.SubOpts(subscribe=True, topicid="t")], senderRecord=b"rec"))
    q.push(rpc_pb2.RPC(publish=[unsigned(b"d")], senderRecord=b""))  # gossipsub sets an empty record (P12)
    first = publish_rpc(b"a")
    rpcs = read_rpcs(compat._batch(first, q._queue))
    assert [[m.data for m in r.publish] for r in rpcs] == [[b"a", b"b", b"c"], [], [b"d"]]
    assert rpcs[1].subscriptions[0].topicid == "t"
    assert not any(r.HasField("senderRecord") for r in rpcs)  # P12: not even an empty one
    assert len(q) == 0


def test_p22_batch_stops_at_the_byte_budget():
    q = rpc_queue_mod.RpcQueue(max_size=1000)
    big = b"x" * 1000
    for i in range(200):
        q.push(publish_rpc(big + b"%d" % i))
    rpcs = read_rpcs(compat._batch(publish_rpc(big), q._queue))
    n = sum(len(r.publish) for r in rpcs)
    assert 50 <= n < 80 and all(r.ByteSize() <= compat.WRITE_BATCH_BYTES for r in rpcs)
    assert len(q) == 200 - (n - 1)  # the rest stays queued for the next write


# --- P23: read buffering --------------------------------------------------------------------------------
class ChunkReader:
    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks, self.reads = list(chunks), 0
        self.muxed_conn = "conn"

    async def read(self, n=None) -> bytes:
        self.reads += 1
        return self.chunks.pop(0) if self.chunks else b""


def test_p23_upstream_reads_the_length_a_byte_at_a_time():
    from libp2p.utils import varint

    assert "await reader.read(1)" in source(varint.read_varint_prefixed_bytes_limited)
    src = source(Pubsub.continuously_read_stream)
    assert "read_varint_prefixed_bytes_limited(\n                    stream, self.max_inbound_rpc_size" in src
    assert "stream.muxed_conn.peer_id" in src


@trio_test(10)
async def test_p23_buffered_stream_serves_rpcs_from_few_reads():
    from libp2p.utils.varint import encode_varint_prefixed, read_varint_prefixed_bytes_limited

    data = [(b"m%d" % i).ljust(100, b".") for i in range(50)]
    wire = b"".join(encode_varint_prefixed(publish_rpc(d).SerializeToString()) for d in data)
    reader = ChunkReader([wire[:7], wire[7:3000], wire[3000:]])  # RPCs split across reads
    s = compat._BufferedStream(reader)
    got = [rpc_pb2.RPC.FromString(await read_varint_prefixed_bytes_limited(s, 1 << 20)).publish[0].data for _ in range(50)]
    assert got == data
    assert reader.reads == 3 and s.muxed_conn == "conn"
    assert await s.read(5) == b""  # end of stream passes through


# --- P24: new messages handled in the read loop, not one task each ------------------------------------
def test_p24_upstream_read_loop_is_the_one_we_replaced():
    # WakuPubsub.continuously_read_stream re-implements this loop: any upstream change to it must be
    # read again (and our copy adjusted) before the pin is updated.
    src = source(Pubsub.continuously_read_stream)
    assert hashlib.sha256(src.encode()).hexdigest().startswith("ac0c4ad87ca39288")
    assert "self.manager.run_task(self.push_msg, peer_id, msg)" in src
    assert hashlib.sha256(source(Pubsub.handle_sending_messages).encode()).hexdigest().startswith("4eb0b978f9c4b142")  # P22
    from libp2p.pubsub import utils as pubsub_utils

    assert list(params(pubsub_utils.maybe_consume_signed_record)) == ["msg", "host", "peer_id"]
    assert list(params(Pubsub.handle_subscription)) == ["self", "origin_id", "sub_message"]
    assert list(params(GossipSub.handle_rpc)) == ["self", "rpc", "sender_peer_id"]
    assert params(Pubsub.__init__)["max_subscriptions_per_rpc"].default == rpc_queue_mod.DefaultMaxSubscriptionsPerRPC
    assert "max_inbound_rpc_size" in params(Pubsub.__init__)


# --- P25: per-message copies and message ids --------------------------------------------------------
def test_p25_upstream_copies_and_splits_every_rpc_per_peer():
    src = source(GossipSub.send_rpc)
    assert "outbound.CopyFrom(rpc)" in src and "queue.split_rpc(outbound)" in src
    assert "self._piggyback_control_retry(peer_id, outbound)" in src
    assert "self.mcache.put(pubsub_msg)" in source(GossipSub.publish)
    assert "msg_id = self._msg_id_constructor(msg)" in source(Pubsub._is_msg_seen)
    assert "msg_id = self._msg_id_constructor(msg)" in source(Pubsub._mark_msg_seen)
    assert "msg_id = self._msg_id_constructor(msg)" in source(Pubsub.validate_msg)


class _Pubsub:
    def __init__(self, peers) -> None:
        self.peer_queues = {p: rpc_queue_mod.RpcQueue() for p in peers}


def test_p25_publish_rpcs_are_queued_as_they_are_control_takes_upstreams_path():
    r = compat.make_relay_router()
    p1, p2 = ID(b"\x00\x01a"), ID(b"\x00\x01b")
    r.pubsub = _Pubsub([p1, p2])
    rpc = rpc_pb2.RPC(publish=[unsigned(b"m")], senderRecord=b"")
    r.send_rpc(p1, rpc)
    r.send_rpc(p2, rpc)
    assert r.pubsub.peer_queues[p1]._queue.pop() is rpc and r.pubsub.peer_queues[p2]._queue.pop() is rpc
    r._pending_control[p1].graft.append(rpc_pb2.ControlGraft(topicID="/waku/2/rs/16/32"))
    r.mesh["/waku/2/rs/16/32"] = {p1}
    r.send_rpc(p1, rpc)  # a deferred GRAFT rides on the next RPC, as upstream does
    q = r.pubsub.peer_queues[p1]._queue
    parts = [q.pop() for _ in range(len(q))]
    assert all(p is not rpc for p in parts) and [g.topicID for p in parts for g in p.control.graft] == ["/waku/2/rs/16/32"]


def test_p25_message_id_is_remembered_for_the_same_object_only():
    a, b = unsigned(b"a"), unsigned(b"b")
    assert compat.waku_message_id(a) == compat.waku_message_id(a) == hashlib.sha256(b"a").digest()
    assert compat.waku_message_id(b) == hashlib.sha256(b"b").digest()
    assert compat.waku_message_id(unsigned(b"a")) == hashlib.sha256(b"a").digest()


# --- P26: gates that cannot close, IDONTWANT to nobody ----------------------------------------------
def test_p26_upstream_scores_every_gate_and_scans_for_idontwant_peers():
    from libp2p.pubsub import score as score_mod

    p = score_mod.ScoreParams()
    assert (p.publish_threshold, p.gossip_threshold, p.graylist_threshold) == (-float("inf"),) * 3
    assert p.app_specific_score_fn is None
    assert "self.scorer = PeerScorer(score_params or ScoreParams())" in source(GossipSub.__init__)
    assert "scorer.allow_gossip(p, [topic])" in source(GossipSub._get_peers_to_send)
    assert "self.topic_score(peer, topic)" in source(score_mod.PeerScorer.allow_publish)
    src = source(GossipSub._emit_idontwant_for_message)
    assert "in (PROTOCOL_ID_V12, PROTOCOL_ID_V13, PROTOCOL_ID_V14, PROTOCOL_ID_V20)" in src
    assert compat.make_relay_router().get_protocols() == [compat.RELAY_CODEC]  # every peer is V11 (P1)


def test_p26_open_gates_answer_as_upstream_would():
    from libp2p.pubsub import score as score_mod

    peer, topic = ID(b"\x00\x01p"), "/waku/2/rs/16/32"
    open_, stock = compat.OpenGateScorer(score_mod.ScoreParams()), score_mod.PeerScorer(score_mod.ScoreParams())
    for s in (open_, stock):
        s.penalize_behavior(peer, 1e6)
        s.on_invalid_message(peer, topic)
    for gate in ("allow_publish", "allow_gossip", "is_graylisted"):
        for topics in ([topic], [], [topic, "/other"]):
            assert getattr(open_, gate)(peer, topics) == getattr(stock, gate)(peer, topics), (gate, topics)
    strict = score_mod.ScoreParams(publish_threshold=0.0, p5_behavior_penalty_weight=1.0)
    closed = compat.OpenGateScorer(strict)
    closed.penalize_behavior(peer, 5.0)
    assert closed.allow_publish(peer, [topic]) is False  # a real threshold is computed
    assert isinstance(compat.make_relay_router().scorer, compat.OpenGateScorer)


# --- P27: forwarding ------------------------------------------------------------------------------------
class _FakePubsub:
    """What GossipSub.publish reads of its pubsub: connected peers, their queues and topics."""

    def __init__(self, connected, subscribed) -> None:
        self.peers = {p: None for p in connected}
        self.peer_queues = {p: rpc_queue_mod.RpcQueue() for p in connected}
        self.peer_topics = {"/waku/2/rs/16/32": set(subscribed)}

    def get_message_id(self, msg) -> bytes:
        return compat.waku_message_id(msg)


def _forwarding_setup():
    a, b, c, d = (ID(b"\x00\x01" + x.encode()) for x in "abcd")
    r = compat.make_relay_router()
    # a forwards to us; b is meshed; c subscribed but not identified; d connected, not subscribed
    r.pubsub = _FakePubsub(connected=[a, b, d], subscribed=[a, b, c])
    r.mesh["/waku/2/rs/16/32"] = {a, b}
    r.peer_protocol.update({a: PROTOCOL_ID_V11, b: PROTOCOL_ID_V11, d: PROTOCOL_ID_V11})
    return r, (a, b, c, d)


def _outcome(r, peers) -> tuple:
    sent = {p: len(q) for p, q in r.pubsub.peer_queues.items()}
    pending = {p: len(r._pending_messages.get(p, ())) for p in peers}
    return sent, pending, len(r.mcache.msgs), dict(r.time_since_last_publish).keys()


@trio_test(10)
async def test_p27_forwarding_does_what_upstream_does_without_the_endless_list():
    assert hashlib.sha256(source(GossipSub.publish).encode()).hexdigest().startswith("b978282af46297f7")
    assert "self.recent_message_deliveries[topic].append(time.time())" in source(GossipSub.publish)
    assert "self._update_network_health()" in source(GossipSub.heartbeat)  # the only trim, under adaptive gossip
    stock, peers = _forwarding_setup()
    ours, _ = _forwarding_setup()
    for i in range(3):
        await GossipSub.publish(stock, peers[0], unsigned(b"m%d" % i))
        await ours.publish(peers[0], unsigned(b"m%d" % i))
    assert _outcome(ours, peers) == _outcome(stock, peers)
    sent, pending, _, _ = _outcome(ours, peers)
    assert (sent[peers[1]], sent[peers[0]], pending[peers[2]], pending[peers[3]]) == (3, 0, 3, 3)
    assert len(stock.recent_message_deliveries["/waku/2/rs/16/32"]) == 3  # upstream: one entry per message, never trimmed
    assert not ours.recent_message_deliveries
