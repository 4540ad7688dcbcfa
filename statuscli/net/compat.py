"""Every work-around for py-libp2p 0.8.1 that statuscli needs, in one place.

py-libp2p can act as a Waku v2 relay peer only with these changes (measured in
``shared/interop/py-libp2p-and-js-waku.md``). Each one is pinned by a drift test in
``tests/net/test_compat_drift.py`` that fails when the upstream internals it relies on change, so
an upgrade of ``libp2p`` (pinned ``==0.8.1``) cannot silently break the relay.

The patches (P-numbers are referenced by the drift tests):

P1  Custom gossipsub codec. ``GossipSub.add_peer`` refuses any protocol id but ``/meshsub/*`` and
    floodsub, and ``Pubsub`` swallows the error (the peer is then never meshed). Waku uses only
    ``/vac/waku/relay/2.0.0``: :class:`WakuGossipSub` records peers that negotiated it as
    ``/meshsub/1.1.0``, which also makes mesh selection (keyed on ``peer_protocol``) work.
P2  StrictNoSign equivocation. The equivocation check keys on ``from + seqno``; every unsigned
    message has the same (empty) key, so the second different message is dropped as
    "equivocation". :class:`WakuGossipSub` skips the check for messages without from/seqno.
P3  Message cache. ``MessageCache.put`` keys on ``from + seqno`` whatever the pubsub message id
    is, so IHAVE/IWANT would advertise ids nobody can match. :class:`Sha256MessageCache` keys it
    on sha256(data), the Waku message id.
P4  Message id and signing. ``Pubsub`` is built with ``strict_signing=False`` and
    ``msg_id_constructor = sha256(data)``; ``Pubsub.publish`` always sets from/seqno, so we
    publish through ``push_msg`` with a bare message (:meth:`WakuPubsub.publish_unsigned`).
P5  Spam protection off. ``GossipSub`` drops anything above 10 msg/s per peer and topic, our own
    publishes included (``spam_protection_enabled=False``). The "v2.0" adaptive degree and IP
    diversity features are turned off too: they re-shape the mesh on loopback, where every peer
    has the same IP.
P6  Outbound RPC queue. Each pubsub peer gets an ``RpcQueue()`` of 32 RPCs and overflow is dropped
    at DEBUG level. :class:`WakuPubsub` raises the size of every queue it creates (per instance,
    no global default is changed) and :class:`WakuGossipSub` counts and logs every dropped RPC.
P7  Subscription delivery. ``Pubsub.notify_subscriptions`` puts messages on a 32-slot channel and
    drops on overflow; :class:`WakuPubsub` hands each message to a callback instead, so the
    relay layer does its own (counted) buffering.
P8  Security. ``new_host`` without ``sec_opt`` also accepts plaintext, secio and TLS:
    :func:`security_options` returns Noise only. :func:`muxer_options` offers yamux and mplex
    (js-waku's default stack speaks only mplex).
P9  Dial delay. ``Swarm.dial_peer`` waits a fixed 250 ms "happy eyeballs" head start after each
    dial even when it already succeeded; :func:`patch_dial_delay` shortens it to 10 ms.
P10 Agent and logs. identify's agent string is a module constant (:func:`set_agent_version`);
    the ``libp2p`` logger is detached from the root logger at import unless ``LIBP2P_DEBUG`` is
    set, and some children force INFO (:func:`route_libp2p_logs` sends warnings to our handlers).
    Failed stream opens (e.g. a light client that does not speak relay) are logged by
    ``BasicHost.new_stream`` at ERROR on eight lines before the exception reaches us; those
    records are downgraded to DEBUG (:class:`_QuietStreamFailures`) — callers log their own line.
P11 Auto-connector. The swarm redials every peer in its peerstore (light clients included) to
    reach 50–150 connections; :func:`disable_auto_connector` turns that off per host (the node
    keeps its static peers connected itself).
P12 Signed peer records. Every pubsub RPC carries a 223-byte signed peer record, rebuilt by the
    sender (≈0.3 ms: it re-reads our addresses) and parsed and signature-checked by the receiver;
    js-waku and nwaku ignore it. :func:`skip_gossipsub_peer_records` stops gossipsub building it
    (every gossipsub RPC goes through the outbound queue) and :meth:`WakuPubsub.write_msg` strips
    the field; the hello and subscription RPCs, written directly, keep their record.
P13 Validation cache. ``Pubsub``'s validation cache keeps an LRU list with O(n) updates; it is
    kept small (our validator is cheaper than the cache, and seen-ids already stop duplicates).
P14 Shutdown. Leaving ``BasicHost.run()`` stops the swarm's service first and closes its
    connections in a ``finally`` that runs under cancellation, so the close is aborted at its first
    await and the sockets stay open: peers never learn we left. :func:`close_swarm` calls
    ``Swarm.close()`` (connections first, then listeners) inside ``run()``, shielded and bounded.
P15 Handler crashes. ``BasicHost`` awaits each stream handler in the swarm's task tree, so an
    exception in any handler stops the whole node. ``Pubsub.stream_handler`` lets a protobuf
    ``DecodeError`` through (it catches only libp2p's own ``ParseError``): one malformed RPC from
    any peer crashes a stock py-libp2p relay node. :meth:`WakuPubsub.stream_handler` treats it
    as upstream treats a parse error (reset, forget the peer, count it), and
    :func:`guard_stream_handlers` wraps the host's stream dispatch so that no handler error can
    take the node down (logged and counted instead).
P16 Yamux window updates. ``YamuxStream._auto_tune_and_send_window_update`` sends a
    WINDOW_UPDATE frame after nearly every read (its "partial slack" branch fires whenever any
    credit is outstanding), and pubsub reads each length varint one byte at a time: about five
    encrypted frames go back per relayed message, which halved relay throughput.
    :func:`batch_yamux_window_updates` restores go-yamux's rule (process-wide): credit is returned
    once at least half the window has been consumed, with the same auto-tuning.
P17 Listen failures. ``Swarm.listen`` returns False (and logs) when a bind fails and
    ``BasicHost.run`` ignores it, so a node whose port is taken would run listening on nothing.
    :func:`missing_listeners` lets the host refuse to start instead.
P19 Duplicates. ``Pubsub`` spawns a task (``push_msg``) for every incoming published message and
    only there checks the seen cache, after allocating an ``ID`` from the message's ``from``
    field: every duplicate of a mesh costs a task. :meth:`WakuPubsub._is_subscribed_to_msg` (the
    filter applied before the task is spawned) also refuses a message whose id is already seen,
    and counts it (``on_duplicate``): one sha256 and a set lookup per duplicate.
P20 Pending-message queue. ``GossipSub`` queues messages for connected peers whose subscription
    it has not seen yet (100 per peer, 30 s) and drops the oldest / the expired with a log line
    only: :meth:`WakuGossipSub._prune_pending_messages` reports each drop through ``on_drop``.
P22 Write batching. ``Pubsub.handle_sending_messages`` writes each queued RPC on its own: one
    yamux frame, one Noise message and one socket send per message and peer, and the receiver
    parses each separately. :meth:`WakuPubsub.handle_sending_messages` writes everything queued
    for the peer at that moment in one write (≤ 60 KB), runs of publish-only RPCs merged into one
    RPC; control and subscription RPCs keep their own frame and their place in the order.
P23 Read buffering. ``Pubsub.continuously_read_stream`` reads each RPC's length one byte at a time
    (three or four net-stream reads per RPC, each taking two trio locks and formatting yamux debug
    strings); :class:`_BufferedStream` serves those reads from one buffer filled per muxer read.
P24 One task per message. ``continuously_read_stream`` spawns a service task (``push_msg``) for
    every new message it reads (task bookkeeping in the service manager, unbounded under a flood);
    :meth:`WakuPubsub.continuously_read_stream` keeps upstream's loop (signed record, publish,
    subscriptions with their limit, control, the same errors) but awaits ``push_msg`` in place:
    nothing in it waits on the network (sends are queued), and a peer's messages stay in order.
P25 Per-message copies. ``GossipSub.send_rpc`` copies every RPC for every peer and runs the
    splitter on it; :meth:`WakuGossipSub.send_rpc` queues a publish-only RPC that fits as it is
    (upstream's path for everything else). The message id, sha256 of the data, is asked for five
    or six times per message: :func:`waku_message_id` remembers the last message's.
P26 Gates that cannot close. ``GossipSub`` asks the peer scorer three or four times per message
    and peer (publish, gossip, graylist gates), each summing the peer's counters, though with
    upstream's default thresholds (-inf) and finite weights every answer is fixed:
    :class:`OpenGateScorer` answers those without the arithmetic (any other threshold is computed
    as upstream does). ``_emit_idontwant_for_message`` scans the mesh for /meshsub/1.2+ peers for
    every message; relay peers are all /meshsub/1.1.0 (P1), so :class:`WakuGossipSub` skips it.
P27 Forwarding. ``GossipSub.publish`` builds an ``ID`` and a tuple for every connected peer of every
    message (the checks for peers awaiting identification or subscription), and appends each
    message's time to ``recent_message_deliveries``, a list trimmed only by adaptive gossip's
    health check: with adaptive gossip off (P5) it grows by one float per message for as long as
    the node runs. :meth:`WakuGossipSub.publish` does upstream's steps for an unsigned message
    (message cache, mesh/fanout/direct peers with the score gate, the pending queue for
    unidentified or unsubscribed peers, last-publish time) without those; signed messages or
    spam protection/adaptive gossip switched on take upstream's path.
P18 SO_REUSEPORT. The TCP transport opens every listening socket with SO_REUSEPORT (for hole
    punching, which we never do), so a second node on the same port binds "successfully" and the
    kernel splits incoming connections between the two. :func:`no_reuseport_listeners` leaves
    SO_REUSEADDR only (process-wide): a taken port is refused with EADDRINUSE.
P21 Rendezvous. ``libp2p.discovery.rendezvous`` speaks a draft older than the libp2p spec under
    the same id ``/rendezvous/1.0.0``: its REGISTER carries ``PeerInfo{id, addrs}`` in field 2
    where the spec, go-waku and nwaku carry a signed peer record, so neither side understands the
    other; it is not used (statuscli/net/rendezvous.py speaks the spec). Its signed envelopes are
    used (``libp2p.peer.envelope``), but ``consume_envelope`` checks the signature only, not that
    the record's peer id is the signer's (RFC 0003 requires it): :func:`open_peer_record` adds
    that check.

Import cost: this module imports libp2p (1.5–3 s). Import it only inside a running node.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable

from google.protobuf.message import DecodeError as ProtobufDecodeError
from libp2p.crypto.keys import KeyPair
from libp2p.crypto.x25519 import create_new_key_pair as _new_x25519
from libp2p.custom_types import TProtocol
from libp2p.identity.identify import identify as _identify
from libp2p.io.exceptions import IOException, MessageTooLarge
from libp2p.network import swarm as _swarm
from libp2p.network.connection.exceptions import RawConnError
from libp2p.network.stream.exceptions import StreamClosed, StreamReset
from libp2p.peer.id import ID
from libp2p.pubsub import gossipsub as _gossipsub_mod
from libp2p.pubsub import mcache as _mcache
from libp2p.pubsub.gossipsub import PROTOCOL_ID_V11, GossipSub
from libp2p.pubsub.pb import rpc_pb2
from libp2p.pubsub.pubsub import Pubsub
from libp2p.pubsub.rpc_queue import RpcQueue
from libp2p.pubsub.score import PeerScorer
from libp2p.pubsub.utils import maybe_consume_signed_record
from libp2p.security.noise.transport import PROTOCOL_ID as NOISE_PROTOCOL_ID
from libp2p.security.noise.transport import Transport as NoiseTransport
from libp2p.stream_muxer.mplex.mplex import MPLEX_PROTOCOL_ID, Mplex
from libp2p.stream_muxer.yamux import yamux as _yamux_mod
from libp2p.stream_muxer.yamux.yamux import PROTOCOL_ID as YAMUX_PROTOCOL_ID
from libp2p.stream_muxer.yamux.yamux import Yamux
from libp2p.transport.tcp import tcp as _tcp_mod
from libp2p.utils.varint import encode_uvarint, read_varint_prefixed_bytes_limited

log = logging.getLogger("statuscli.net.compat")

RELAY_CODEC = TProtocol("/vac/waku/relay/2.0.0")

#: Outbound pubsub RPCs queued per peer before one is dropped (upstream: 32).
OUTBOUND_QUEUE_SIZE = 8192
#: Head start given to the first dial before the next address is tried (upstream: 0.250 s).
DIAL_HEAD_START = 0.01
#: Bytes of queued RPCs one peer's writer sends in a single stream write (P22): one yamux frame and
#: one Noise message (both cap a frame near 64 KiB). A single larger RPC still goes out whole.
WRITE_BATCH_BYTES = 60_000
#: Bytes asked of the muxer per read of an inbound pubsub stream (P23).
READ_CHUNK_BYTES = 65_536
#: Entries in Pubsub's validation cache (P13; upstream 1000, O(n) per insert).
VALIDATION_CACHE_SIZE = 128
#: Upstream values we replace, recorded for the drift tests and for :func:`patch_dial_delay`.
UPSTREAM_DIAL_DELAY = _swarm._HAPPY_EYEBALLS_DELAY
UPSTREAM_SET_REUSE_FLAGS = _tcp_mod._set_reuse_flags


_NO_ORIGIN = ID(b"")  # the originator of an unsigned message (no from field)
_last_id: list = [None, b""]  # the message object last asked about, and its id (P25)


def waku_message_id(msg: rpc_pb2.Message) -> bytes:
    """The relay message id of 11/WAKU2-RELAY: sha256 of the pubsub message data (P4).

    Pubsub asks for the id of the same message object five or six times on its way through (seen
    cache, validation cache, mark seen, message cache, router); the last answer is remembered for
    that object (held here, so its identity cannot be reused; a message's data is never changed)."""
    last = _last_id
    if last[0] is msg:
        return last[1]
    mid = hashlib.sha256(msg.data).digest()
    last[0], last[1] = msg, mid
    return mid


def unsigned_message(topic: str, data: bytes) -> rpc_pb2.Message:
    """A pubsub message without from/seqno/signature/key (StrictNoSign, P4)."""
    return rpc_pb2.Message(data=data, topicIDs=[topic])


# --- P3 -------------------------------------------------------------------------------------
class Sha256MessageCache(_mcache.MessageCache):
    """gossipsub's message cache keyed on sha256(data) instead of from+seqno."""

    def put(self, msg: rpc_pb2.Message) -> None:
        mid = waku_message_id(msg)
        if mid in self.msgs:
            return
        self.msgs[mid] = msg
        self.history[0].append(_mcache.CacheEntry(mid, msg.topicIDs))


# --- P26 ------------------------------------------------------------------------------------
class OpenGateScorer(PeerScorer):
    """The peer scorer, minus the arithmetic for a gate whose threshold is -inf (P26).

    With finite weights and no application callback every score is a finite float, so
    ``score >= -inf`` always holds and ``score < -inf`` never does: the answer is known without
    summing a peer's counters. Any other threshold or callback goes to upstream's computation."""

    def _open(self, threshold: float) -> bool:
        return threshold == -math.inf and self.params.app_specific_score_fn is None

    def allow_publish(self, peer: ID, topics: list[str]) -> bool:
        if topics and self._open(self.params.publish_threshold):
            return True
        return super().allow_publish(peer, topics)

    def allow_gossip(self, peer: ID, topics: list[str]) -> bool:
        if topics and self._open(self.params.gossip_threshold):
            return True
        return super().allow_gossip(peer, topics)

    def is_graylisted(self, peer: ID, topics: list[str]) -> bool:
        if topics and self._open(self.params.graylist_threshold):
            return False
        return super().is_graylisted(peer, topics)


# --- P1, P2, P3, P5, P6 -----------------------------------------------------------------------
class WakuGossipSub(GossipSub):
    """GossipSub speaking ``/vac/waku/relay/2.0.0`` with StrictNoSign messages.

    ``on_drop(peer_id, n_messages, reason)`` is called for every outbound RPC the queue refused.
    """

    def __init__(self, *, on_drop: Callable[[ID, int, str], None] | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.mcache = Sha256MessageCache(self.mcache.window_size, self.mcache.history_size)
        if self.scorer is not None:
            self.scorer = OpenGateScorer(self.scorer.params)  # P26
        self._on_drop = on_drop
        self._plain_rpc: tuple[object, int] = (None, 0)  # P25: the last RPC found publish-only, its size

    def add_peer(self, peer_id: ID, protocol_id: TProtocol | None) -> None:
        if protocol_id == RELAY_CODEC:
            protocol_id = PROTOCOL_ID_V11
        super().add_peer(peer_id, protocol_id)

    def _check_equivocation(self, msg: rpc_pb2.Message) -> bool:
        if not msg.from_id and not msg.seqno:
            return True  # unsigned (StrictNoSign): there is no (from, seqno) key to compare
        return super()._check_equivocation(msg)

    def _prune_pending_messages(self, peer_id: ID) -> None:  # P20
        before = len(self._pending_messages.get(peer_id, ()))
        super()._prune_pending_messages(peer_id)
        lost = before - len(self._pending_messages.get(peer_id, ()))
        if lost > 0 and self._on_drop is not None:
            self._on_drop(peer_id, lost, "pending-queue (subscription not yet known: expired or over the cap)")

    def send_rpc(self, peer_id: ID, rpc: rpc_pb2.RPC, priority: bool = False) -> None:  # P25
        """A publish-only RPC that fits is queued as it is (one object shared by every peer's queue,
        the writer only reads it); upstream copies and re-splits it for each peer. Anything else,
        or a peer with deferred GRAFT/PRUNE to piggyback, takes upstream's path."""
        plain, size = self._plain_rpc
        if plain is not rpc:  # examined once per RPC, not once per peer
            plain = rpc if not (rpc.subscriptions or rpc.senderRecord or rpc.HasField("control")) else None
            size = rpc.ByteSize()
            self._plain_rpc = (plain, size)
        queue = self.pubsub.peer_queues.get(peer_id) if self.pubsub is not None else None
        if plain is None or priority or queue is None or size > queue.max_message_size or peer_id in self._pending_control:
            super().send_rpc(peer_id, rpc, priority)
        elif not queue.push(rpc):
            self._handle_dropped_rpc(peer_id, rpc, "queue_full")

    async def publish(self, msg_forwarder: ID, pubsub_msg: rpc_pb2.Message) -> None:  # P27
        """Forward a validated unsigned message: upstream's steps for it, without the per-peer
        allocations, and without the delivery-time list that only adaptive gossip reads and trims
        (with adaptive gossip off, upstream appends to it for every message, forever)."""
        pubsub = self.pubsub
        if pubsub_msg.from_id or pubsub_msg.seqno or pubsub is None or self.spam_protection_enabled or self.adaptive_gossip_enabled:
            await super().publish(msg_forwarder, pubsub_msg)
            return
        self.mcache.put(pubsub_msg)  # (equivocation: nothing to compare without from/seqno, P2)
        msg_id = pubsub.get_message_id(pubsub_msg)
        topics = list(pubsub_msg.topicIDs)
        rpc = rpc_pb2.RPC(publish=[pubsub_msg])  # no senderRecord (P12)
        await self._notify_observers(topics, msg_id)  # (IDONTWANT: none to send, P26)
        peers, scorer = pubsub.peers, self.scorer
        for peer_id in self._get_peers_to_send(topics, msg_forwarder=msg_forwarder, origin=_NO_ORIGIN, msg_id=msg_id):
            if peer_id in peers and (scorer is None or scorer.allow_publish(peer_id, topics)):
                self.send_rpc(peer_id, rpc)
        # held for peers not yet identified, or whose subscription we have not seen, as upstream
        skip, queued, now = (msg_forwarder, _NO_ORIGIN), set(), time.time()
        for topic in topics:
            subscribed = pubsub.peer_topics.get(topic, ())
            waiting = [p for p in subscribed if p not in self.peer_protocol]
            waiting += [p for p in peers if p not in subscribed]
            for peer_id in waiting:
                if peer_id in skip or peer_id in self.direct_peers or peer_id in queued:
                    continue
                self._prune_pending_messages(peer_id)
                self._pending_messages[peer_id].append((now, rpc))
                queued.add(peer_id)
            self.time_since_last_publish[topic] = int(now)

    async def _emit_idontwant_for_message(self, msg_id: bytes, topic_ids) -> None:  # P26
        """IDONTWANT goes to /meshsub/1.2+ peers only, and every relay peer is recorded as
        /meshsub/1.1.0 (P1): nothing to send, so the per-message peer scan is skipped."""
        return None

    def _handle_dropped_rpc(self, peer_id: ID, rpc: rpc_pb2.RPC, reason: str) -> None:
        n = len(rpc.publish)
        if n:
            log.warning("relay: dropped an outbound RPC with %d message(s) to %s (%s)", n, peer_id, reason)
        else:
            log.info("relay: dropped an outbound control RPC to %s (%s)", peer_id, reason)
        if self._on_drop is not None:
            self._on_drop(peer_id, n, reason)
        super()._handle_dropped_rpc(peer_id, rpc, reason)


def make_relay_router(
    *,
    on_drop: Callable[[ID, int, str], None] | None = None,
    degree: int = 6,
    degree_low: int = 4,
    degree_high: int = 8,
    heartbeat_interval: int = 1,
) -> WakuGossipSub:
    """A relay router with nwaku's parameters (waku_relay/protocol.nim ``GossipsubParameters``:
    D 6 / Dlo 4 / Dhi 8, heartbeat 1 s, fanout TTL 60 s, history 6 / gossip 3, prune backoff 60 s,
    unsubscribe backoff 5 s; seen TTL 120 s is set on the pubsub; P5)."""
    return WakuGossipSub(
        on_drop=on_drop,
        protocols=[RELAY_CODEC],
        degree=degree,
        degree_low=degree_low,
        degree_high=degree_high,
        heartbeat_interval=heartbeat_interval,  # upstream default: 120 s
        time_to_live=60,
        gossip_window=3,
        gossip_history=6,
        prune_back_off=60,
        unsubscribe_back_off=5,
        spam_protection_enabled=False,
        adaptive_gossip_enabled=False,
        eclipse_protection_enabled=False,
    )


# --- P4, P6, P7 -----------------------------------------------------------------------------
class _ResizingQueues(dict):
    """``Pubsub.peer_queues`` that raises the size of every ``RpcQueue`` stored in it (P6)."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def __setitem__(self, key, queue) -> None:
        if isinstance(queue, RpcQueue):
            queue._queue.max_size = self.size
        super().__setitem__(key, queue)


class WakuPubsub(Pubsub):
    """Pubsub for Waku relay: unsigned, sha256(data) ids, callback delivery, big queues.

    ``deliver(topic, msg)`` is called synchronously for every validated message on a topic we
    subscribed to, our own publishes included; it must not block.
    """

    def __init__(
        self,
        host,
        router: WakuGossipSub,
        *,
        deliver: Callable[[str, rpc_pb2.Message], None],
        on_bad_rpc: Callable[[ID, str], None] | None = None,
        on_duplicate: Callable[[], None] | None = None,
        outbound_queue_size: int = OUTBOUND_QUEUE_SIZE,
        max_inbound_rpc_size: int = 1024 * 1024,
        seen_ttl: int = 120,
    ) -> None:
        super().__init__(
            host,
            router,
            strict_signing=False,
            msg_id_constructor=waku_message_id,
            seen_ttl=seen_ttl,
            max_inbound_rpc_size=max_inbound_rpc_size,
            validation_cache_size=VALIDATION_CACHE_SIZE,
        )
        self.peer_queues = _ResizingQueues(outbound_queue_size)
        self._deliver = deliver
        self._on_bad_rpc = on_bad_rpc
        self._on_duplicate = on_duplicate

    def _is_subscribed_to_msg(self, msg: rpc_pb2.Message) -> bool:  # P19: no task for a duplicate
        topics, ours = msg.topicIDs, self.subscribed_topics_receive  # upstream: any topic we receive
        if not (topics[0] in ours if len(topics) == 1 else any(t in ours for t in topics)):
            return False
        if self.seen_messages.has(waku_message_id(msg)):
            if self._on_duplicate is not None:
                self._on_duplicate()
            return False
        return True

    async def continuously_read_stream(self, stream) -> None:  # P19, P23, P24
        """Upstream's read loop, reading through one buffer (P23) and handling each new message
        here instead of in a task of its own (P24): one peer's messages are validated in order,
        and a slow validation holds back that peer's stream (flow control) instead of piling up
        tasks. Duplicates are refused by :meth:`_is_subscribed_to_msg` (P19)."""
        peer_id = stream.muxed_conn.peer_id
        reader = _BufferedStream(stream)
        try:
            while self.manager.is_running:
                rpc = rpc_pb2.RPC.FromString(await read_varint_prefixed_bytes_limited(reader, self.max_inbound_rpc_size))
                if not maybe_consume_signed_record(rpc, self.host, peer_id):
                    log.debug("relay RPC from %s with an invalid signed peer record: ignored", peer_id)
                    continue
                for msg in rpc.publish:
                    if self._is_subscribed_to_msg(msg):
                        await self.push_msg(peer_id, msg)
                if rpc.subscriptions:
                    if len(rpc.subscriptions) > self.max_subscriptions_per_rpc:
                        log.warning("relay: %s sent %d subscriptions in one RPC (limit %d): ignored", peer_id,
                                    len(rpc.subscriptions), self.max_subscriptions_per_rpc)  # fmt: skip
                    else:
                        for sub in rpc.subscriptions:
                            self.handle_subscription(peer_id, sub)
                if rpc.HasField("control"):
                    await self.router.handle_rpc(rpc, peer_id)
        except MessageTooLarge as e:
            log.warning("relay RPC from %s over the size limit (%s): closing its stream", peer_id, e)
            try:
                await stream.reset()
            except Exception:
                pass
            self._handle_dead_peer(peer_id)
        except (IOException, RawConnError) as e:  # the stream or connection ended
            log.debug("relay stream from %s ended: %r", peer_id, e)

    async def handle_sending_messages(self, peer_id: ID, stream, queue: RpcQueue) -> None:  # P22
        """Per-peer writer: whatever is queued goes out in one stream write (up to
        :data:`WRITE_BATCH_BYTES`), consecutive publish-only RPCs merged into one RPC."""
        try:
            while True:
                rpc = await queue.pop()
                if rpc is None:
                    return  # the queue was closed: the peer is gone
                if not await self._write_bytes(stream, _batch(rpc, queue._queue)):
                    return
        except Exception as e:
            log.debug("relay writer for %s stopped: %r", peer_id, e)
            self._handle_dead_peer(peer_id)

    async def _write_bytes(self, stream, data: bytes) -> bool:
        try:
            await stream.write(data)
            return True
        except (StreamClosed, StreamReset):
            self._handle_dead_peer(stream.muxed_conn.peer_id)
            return False

    def notify_subscriptions(self, publish_message: rpc_pb2.Message) -> None:
        for topic in publish_message.topicIDs:
            if topic in self.subscribed_topics_receive:
                self._deliver(topic, publish_message)

    async def stream_handler(self, stream) -> None:
        try:
            await super().stream_handler(stream)
        except ProtobufDecodeError as e:  # P15
            peer = stream.muxed_conn.peer_id
            if self._on_bad_rpc is not None:
                self._on_bad_rpc(peer, str(e))
            try:
                await stream.reset()
            except Exception:
                pass
            self._handle_dead_peer(peer)

    async def write_msg(self, stream, rpc_msg: rpc_pb2.RPC) -> bool:
        if rpc_msg.HasField("senderRecord"):
            rpc_msg.ClearField("senderRecord")  # P12
        return await super().write_msg(stream, rpc_msg)

    async def publish_unsigned(self, topic: str, data: bytes) -> None:
        """Publish ``data`` on ``topic`` without from/seqno/signature/key (StrictNoSign)."""
        await self.push_msg(self.my_id, unsigned_message(topic, data))

    async def publish_message(self, msg: rpc_pb2.Message) -> None:
        """Publish a message made by :func:`unsigned_message`."""
        await self.push_msg(self.my_id, msg)

    def outbound_backlog(self) -> int:
        """The longest outbound queue, in RPCs (used for publish back-pressure)."""
        return max((len(q) for q in self.peer_queues.values()), default=0)


def _batch(rpc: rpc_pb2.RPC, pending) -> bytes:
    """``rpc`` and the RPCs queued behind it (``pending.pop()``, priority first as upstream pops),
    length-prefixed, until :data:`WRITE_BATCH_BYTES`. Back-to-back serialized RPCs that carry only
    ``publish`` form one valid RPC (protobuf concatenates repeated fields), so runs of them are
    merged: the receiver parses one RPC per batch instead of one per message (P22)."""
    out = bytearray()
    run = bytearray()  # the publish-only RPCs being merged
    while True:
        if rpc.HasField("senderRecord"):  # set, even empty, it makes the receiver parse a record
            rpc.ClearField("senderRecord")  # P12
        body = rpc.SerializeToString()
        publish_only = not rpc.subscriptions and not rpc.HasField("control")
        if run and (not publish_only or len(run) + len(body) > WRITE_BATCH_BYTES):
            out += encode_uvarint(len(run))
            out += run
            run = bytearray()
        if publish_only:
            run += body
        else:
            out += encode_uvarint(len(body))
            out += body
        if len(out) + len(run) >= WRITE_BATCH_BYTES:
            break
        rpc = pending.pop()
        if rpc is None:
            break
    if run:
        out += encode_uvarint(len(run))
        out += run
    return bytes(out)


class _BufferedStream:
    """An inbound pubsub stream read through one buffer (P23). Upstream reads each RPC's length
    varint a byte at a time, and every read of a net stream takes two trio locks (a scheduler
    round trip each) and formats several debug strings in yamux; here each read of the muxer takes
    everything it holds (up to :data:`READ_CHUNK_BYTES`) and the small reads are served from it."""

    def __init__(self, stream) -> None:
        self._stream = stream
        self._buf = bytearray()

    def __getattr__(self, name: str):
        return getattr(self._stream, name)

    async def read(self, n: int | None = None) -> bytes:
        buf = self._buf
        if not buf:
            data = await self._stream.read(READ_CHUNK_BYTES)
            if not data or n is None or n < 0 or len(data) <= n:
                return data
            buf += data
        if n is None or n < 0 or n >= len(buf):
            out = bytes(buf)
            buf.clear()
        else:
            out = bytes(buf[:n])
            del buf[:n]
        return out


# --- P8 -------------------------------------------------------------------------------------
def security_options(key_pair: KeyPair) -> dict:
    """Noise only: never plaintext, secio or TLS (P8)."""
    return {TProtocol(NOISE_PROTOCOL_ID): NoiseTransport(key_pair, noise_privkey=_new_x25519().private_key)}


def muxer_options() -> dict:
    """yamux (preferred) and mplex (what js-waku's default stack speaks)."""
    return {TProtocol(YAMUX_PROTOCOL_ID): Yamux, TProtocol(MPLEX_PROTOCOL_ID): Mplex}


# --- P9, P10 --------------------------------------------------------------------------------
def patch_dial_delay(seconds: float = DIAL_HEAD_START) -> None:
    """Shorten the fixed happy-eyeballs wait after every dial (process-wide, idempotent)."""
    _swarm._HAPPY_EYEBALLS_DELAY = seconds


def set_agent_version(agent: str) -> None:
    """The agent string identify reports to peers (process-wide)."""
    _identify.AGENT_VERSION = agent


class _QuietStreamFailures(logging.Filter):
    """BasicHost's multi-line ERROR for a failed stream open becomes a DEBUG record (P10)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.ERROR and str(record.msg).startswith("Failed to open stream to peer"):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return logging.getLogger("statuscli").isEnabledFor(logging.DEBUG)
        return True


_QUIET = _QuietStreamFailures()


def route_libp2p_logs(level: int = logging.WARNING) -> None:
    """Let ``libp2p`` records at ``level`` and above reach our handlers (unless LIBP2P_DEBUG
    configured py-libp2p's own logging)."""
    host_logger = logging.getLogger("libp2p.host.basic_host")
    if _QUIET not in host_logger.filters:
        host_logger.addFilter(_QUIET)
    lg = logging.getLogger("libp2p")
    if lg.handlers:
        return
    lg.propagate = True
    lg.setLevel(level)
    for name, child in list(logging.root.manager.loggerDict.items()):
        if name.startswith("libp2p.") and isinstance(child, logging.Logger) and child.level:
            child.setLevel(max(child.level, level) if level > logging.DEBUG else level)


def _empty_peer_record(host) -> tuple[bytes, bool]:
    return b"", False


def skip_gossipsub_peer_records() -> None:
    """Gossipsub stops building a signed peer record for every RPC (P12, process-wide)."""
    _gossipsub_mod.env_to_send_in_RPC = _empty_peer_record


def disable_auto_connector(host) -> None:
    """Stop the swarm from dialing peerstore peers on its own (P11, per host)."""
    connector = host.get_network().auto_connector

    async def _noop() -> None:
        return None

    connector.maybe_connect = _noop


async def close_swarm(host, timeout: float = 3.0) -> None:
    """Close every connection and listener before ``host.run()`` unwinds (P14)."""
    import trio

    with trio.CancelScope(shield=True), trio.move_on_after(timeout):
        try:
            await host.get_network().close()
        except Exception as e:  # best effort: we are shutting down anyway
            log.debug("closing the swarm: %s", e)


def guard_stream_handlers(host, on_error: Callable[[object, BaseException], None]) -> None:
    """No exception from a stream handler may stop the node (P15, per host)."""
    import trio

    dispatch = host._swarm_stream_handler

    async def guarded(net_stream) -> None:
        try:
            await dispatch(net_stream)
        except trio.Cancelled:
            raise
        except Exception as e:
            peer = getattr(getattr(net_stream, "muxed_conn", None), "peer_id", None)
            on_error(peer, e)
            try:
                await net_stream.reset()
            except Exception:
                pass

    host.get_network().set_stream_handler(guarded)


async def _batched_window_update(self, *, bytes_read: int = 0) -> None:
    """go-yamux credit return: one WINDOW_UPDATE per half window consumed (P16)."""
    async with self.window_lock:
        if bytes_read > 0:
            self._pending_recv_release += bytes_read
        pending = self._pending_recv_release
        if pending <= 0 or pending < max(1, self.target_recv_window // 2):
            return
        self._pending_recv_release = 0
        self.recv_window += pending
        buffered = len(self.conn.stream_buffers.get(self.stream_id, b""))
        delta = pending + self._apply_autotune_epoch(buffered)
    await self.send_window_update(delta, skip_lock=True)


def batch_yamux_window_updates() -> None:
    """Return yamux credit per half window, not per read (P16, process-wide)."""
    _yamux_mod.YamuxStream._auto_tune_and_send_window_update = _batched_window_update


def missing_listeners(host, wanted) -> list[str]:
    """The requested listen addresses that have no listener after ``host.run()`` (P17)."""
    have = host.get_network().listeners
    return [str(m) for m in wanted if str(m) not in have]


def _reuse_address_only(sock) -> None:
    """SO_REUSEADDR (restart over TIME_WAIT) but never SO_REUSEPORT (P18)."""
    import socket

    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    except OSError:
        pass


def no_reuseport_listeners() -> None:
    """Listening TCP sockets without SO_REUSEPORT: one node per port (P18, process-wide)."""
    _tcp_mod._set_reuse_flags = _reuse_address_only


def apply_process_patches(agent: str, libp2p_log_level: int = logging.WARNING) -> None:
    """The process-wide patches (P9, P10, P12, P16, P18); the rest are per instance."""
    no_reuseport_listeners()
    batch_yamux_window_updates()
    patch_dial_delay()
    set_agent_version(agent)
    route_libp2p_logs(libp2p_log_level)
    skip_gossipsub_peer_records()


def open_peer_record(data: bytes) -> tuple[ID, list, int]:
    """(peer id, multiaddrs, seq) of a signed peer record envelope, verified: the signature in the
    ``libp2p-peer-record`` domain and the signer being the peer the record names (P21).
    ``ValueError`` for anything else."""
    from libp2p.peer.envelope import ENVELOPE_DOMAIN, consume_envelope

    try:
        env, record = consume_envelope(bytes(data), ENVELOPE_DOMAIN)
    except Exception as e:  # protobuf, key-type, signature and record errors alike
        raise ValueError(f"not a valid signed peer record: {type(e).__name__}: {e}") from None
    if ID.from_pubkey(env.public_key) != record.peer_id:
        raise ValueError("the signed peer record names another peer than its signer")
    return record.peer_id, list(record.addrs), int(record.seq)
