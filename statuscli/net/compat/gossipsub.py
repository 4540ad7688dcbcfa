"""The relay router: gossipsub on ``/vac/waku/relay/2.0.0`` with StrictNoSign messages (compat
P1-P3, P5, P6, P20, P25-P28; the list is in :mod:`statuscli.net.compat`)."""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable

from libp2p.custom_types import TProtocol
from libp2p.peer.id import ID
from libp2p.pubsub import mcache as _mcache
from libp2p.pubsub.gossipsub import PROTOCOL_ID_V11, GossipSub
from libp2p.pubsub.pb import rpc_pb2
from libp2p.pubsub.score import PeerScorer

log = logging.getLogger("statuscli.net.compat")

RELAY_CODEC = TProtocol("/vac/waku/relay/2.0.0")

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


# --- P3 -------------------------------------------------------------------------------------
#: Bytes of message data the relay's message cache holds (P28). Upstream bounds it only in time
#: (``gossip_history`` heartbeats): 6 s of whatever rate the node relays, ~140 MB at 1 000 messages
#: of 140 KB in 6 s. 32 MiB is > 200 messages of relay's 150 KiB limit, > 16 000 of 2 KB.
MCACHE_MAX_BYTES = 32 * 1024 * 1024


class Sha256MessageCache(_mcache.MessageCache):
    """gossipsub's message cache keyed on sha256(data) instead of from+seqno (P3), holding at most
    ``max_bytes`` of message data: beyond that the oldest messages leave early (P28); they can no
    longer be sent for an IWANT and are no longer advertised in IHAVE. ``on_evict(n)`` counts them."""

    def __init__(self, window_size: int, history_size: int, max_bytes: int = MCACHE_MAX_BYTES) -> None:
        super().__init__(window_size, history_size)
        self.max_bytes = max_bytes
        self.nbytes = 0
        self.on_evict: Callable[[int], None] | None = None

    def put(self, msg: rpc_pb2.Message) -> None:
        mid = waku_message_id(msg)
        if mid in self.msgs:
            return
        self.msgs[mid] = msg
        self.nbytes += len(msg.data)
        self.history[0].append(_mcache.CacheEntry(mid, msg.topicIDs))
        if self.nbytes > self.max_bytes:
            self._evict_oldest()

    def shift(self) -> None:
        for entry in self.history[-1]:
            msg = self.msgs.pop(entry.mid, None)
            if msg is not None:
                self.nbytes -= len(msg.data)
        self.history = [[], *self.history[:-1]]

    def _evict_oldest(self) -> None:
        evicted = 0
        for entries in reversed(self.history):  # oldest heartbeat first, oldest message first
            k = 0
            while k < len(entries) and self.nbytes > self.max_bytes:
                msg = self.msgs.pop(entries[k].mid, None)
                if msg is not None:
                    self.nbytes -= len(msg.data)
                    evicted += 1
                k += 1
            del entries[:k]
            if self.nbytes <= self.max_bytes:
                break
        if evicted and self.on_evict is not None:
            self.on_evict(evicted)


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
