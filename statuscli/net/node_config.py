"""What a Waku node is asked to be (:class:`NodeConfig`) and local message subscriptions.

Modes and what they mount (besides identify, ping, metadata and the filter-push client):

=========  ======================================================================
full       relay, lightpush v3+v2, filter v2, store v3 (with an archive), peer exchange
relay      relay, peer exchange (so that others can discover it)
bootstrap  peer exchange and discovery (asks every new peer for ENRs and passes them on)
light      nothing served: a client of service nodes it finds (lightpush, filter, store, peer
           exchange client; see ``service_peers``); advertises no capability in its ENR
=========  ======================================================================

Cheap to import (no libp2p).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from statuscli import __version__
from statuscli.core.errors import InvalidInput
from statuscli.core.topics.sharding import STATUS_CLUSTER
from statuscli.net.bounded_messages import BoundedMessages
from statuscli.net.limits import NodeLimits
from statuscli.net.listen_addrs import LOOPBACK_LISTEN

MODES = ("full", "relay", "bootstrap", "light")
DEFAULT_LISTEN = LOOPBACK_LISTEN  # reachable from other machines only when asked (PUBLIC_LISTEN)
DEFAULT_CLUSTER = STATUS_CLUSTER
DEFAULT_SHARDS = (32, 64)


def pubsub_topic(cluster_id: int, shard: int) -> str:
    return f"/waku/2/rs/{cluster_id}/{shard}"


@dataclass
class NodeConfig:
    mode: str = "full"
    listen: list[str] = field(default_factory=lambda: list(DEFAULT_LISTEN))
    #: Static peers: multiaddrs ending in /p2p/<id>, or enr:… records. Kept connected.
    peers: list[str] = field(default_factory=list)
    cluster_id: int = DEFAULT_CLUSTER
    shards: list[int] = field(default_factory=lambda: list(DEFAULT_SHARDS))
    #: 32-byte secp256k1 secret; None = a fresh identity for this run.
    node_key: bytes | None = None
    #: The store archive (``statuscli.store.archive.Archive`` or alike); full mode serves it.
    archive: object | None = None
    max_message_size: int = 153_600
    timestamp_window_s: float = 20.0
    agent: str = f"statuscli/{__version__}"
    #: Level for py-libp2p's own loggers (its warnings are mostly noise for a CLI).
    libp2p_log_level: int = 30  # logging.WARNING
    #: Relay peers a full/relay node tries to keep by dialing ENRs it learned.
    target_relay_peers: int = 6
    #: Service nodes (lightpush, filter, store) a light node keeps connected (status-go keeps a few).
    target_service_peers: int = 2
    #: How often static peers are re-dialed and discovery runs (seconds).
    maintenance_interval: float = 10.0
    #: How often the archive retention runs (seconds).
    prune_interval: float = 600.0
    #: How often our filter subscriptions are pinged (js-waku: 60 s; services forget after 5 min, and a
    #: widely deployed go-waku service forgot every live subscription once a minute): 15 s.
    filter_ping_interval: float = 15.0
    #: TEST ONLY: the filter service forgets every subscription this often (seconds), as a go-waku
    #: service with a reversed timeout check did; set by ``STATUSCLI_TEST_FILTER_FORGET_S`` (node run).
    test_filter_forget_every: float | None = None
    #: Discovery v5 on UDP ``discv5_port`` (0: any), seeded by ``bootstrap`` ENRs and ``enrtree`` URLs
    #: (resolved through ``dns_server`` HOST[:PORT], else the system resolver); a random walk every
    #: ``discv5_interval`` seconds. See net/node_discovery.py.
    discv5: bool = False
    discv5_port: int = 9000
    bootstrap: list[str] = field(default_factory=list)
    enrtree: list[str] = field(default_factory=list)
    dns_server: str | None = None
    discv5_interval: float = 10.0
    #: Run discovery only for this many seconds after start, then stop it (None: always), as a mobile client would.
    discovery_period: float | None = None
    #: Rendezvous points (multiaddrs ending in /p2p/<id>): every ``rendezvous_interval`` seconds
    #: register under ``rs/<cluster>/<shard>`` for each of our shards (``rendezvous_ttl`` s) and
    #: ask there for peers. See net/node_rendezvous.py.
    rendezvous: list[str] = field(default_factory=list)
    rendezvous_interval: float = 10.0
    rendezvous_ttl: int = 60
    #: Per-peer rate limits, bans, byte caps of queues and frames (``statuscli.net.limits``).
    limits: NodeLimits = field(default_factory=NodeLimits)

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise InvalidInput(f"unknown node mode {self.mode!r}", hint=f"use one of: {', '.join(MODES)}")
        if not 0 <= self.cluster_id <= 0xFFFF:
            raise InvalidInput(f"cluster id {self.cluster_id} is not a uint16")
        for s in self.shards:
            if not 0 <= s <= 1023:
                raise InvalidInput(f"shard {s} is out of range (0–1023)")
        self.shards = sorted(set(self.shards))
        if self.mode != "light" and not self.shards:
            raise InvalidInput("a relaying node needs at least one shard")

    @property
    def pubsub_topics(self) -> list[str]:
        return [pubsub_topic(self.cluster_id, s) for s in self.shards]

    @property
    def relays(self) -> bool:
        return self.mode in ("full", "relay")

    @property
    def serves(self) -> bool:
        return self.mode == "full"

    @property
    def finds_services(self) -> bool:
        """A light node told where to look (``node run --role light``: --peer, discovery, rendezvous): it asks peers for ENRs and
        keeps ``target_service_peers`` service nodes connected. A light client of one given node
        (``send --node``, ``node probe``) does neither."""
        return self.mode == "light" and bool(self.peers or self.discv5 or self.enrtree or self.bootstrap or self.rendezvous)

    @property
    def discovers(self) -> bool:
        return self.mode in ("full", "relay", "bootstrap")


class Subscription(BoundedMessages):
    """Relay messages for one pubsub topic (or all) and some content topics (or all).

    ``async for m in sub`` yields ``RelayMessage``. It holds at most ``buffer`` messages and
    ``max_bytes`` of them (:class:`~statuscli.net.bounded_messages.BoundedMessages`); the newest
    message that would pass either bound is dropped, counted (``dropped.subscription.buffer-full``)
    and remembered — how many and the span of their timestamps — until :meth:`take_lost` hands it
    to whoever forwards the subscription (the control socket tells its subscriber, who can fetch
    that span from a store). ``close()`` ends the iteration.
    """

    def __init__(self, node, pubsub_topic: str | None, content_topics, buffer: int, max_bytes: int) -> None:
        super().__init__(buffer, max_bytes)
        self.node = node
        self.pubsub_topic = pubsub_topic
        self.content_topics = set(content_topics or ())

    def matches(self, msg) -> bool:
        if self.pubsub_topic is not None and msg.pubsub_topic != self.pubsub_topic:
            return False
        return not self.content_topics or msg.message.content_topic in self.content_topics

    def offer(self, msg) -> None:
        if self._put(msg) is False:
            self.node.counters.drop("subscription.buffer-full", "local subscription buffer full (%s, %d bytes waiting)",
                                    self.pubsub_topic or "all topics", self.bytes)  # fmt: skip

    def close(self) -> None:
        self.node._subscriptions.discard(self)
        self._close_channel()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
