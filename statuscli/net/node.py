"""The Waku v2 node: one py-libp2p host with the protocols its mode mounts (see ``node_config``).

In-process API (trio)::

    from statuscli.net.node import WakuNode
    from statuscli.net.node_config import NodeConfig

    async with WakuNode(NodeConfig(mode="full", listen=["/ip4/127.0.0.1/tcp/0"], archive=archive)) as node:
        node.multiaddrs, node.enr                    # /p2p/-terminated addresses, "enr:…"
        await node.connect("/ip4/…/tcp/…/p2p/16Uiu2…")
        r = await node.publish("/waku/2/rs/16/32", WakuMessage(payload=b"hi", content_topic="/a/1/b/proto", timestamp=now))
        with node.subscribe("/waku/2/rs/16/32", ["/a/1/b/proto"]) as sub:
            async for m in sub: ...                  # RelayMessage(pubsub_topic, message, data, hash)
        page = await node.store_query(None, pubsub_topic=…, content_topics=[…], forward=True)   # local archive
        # light-client helpers, towards another node (multiaddr text or peer id):
        await node.lightpush_publish(addr, pubsub_topic, msg)      # -> PushResult
        sub = await node.filter_subscribe(addr, pubsub_topic, ["/a/1/b/proto"])
        page = await node.store_query(addr, pubsub_topic=…, cursor=…, limit=100)
        enrs = await node.peer_exchange(addr, 20)
        report = await node.probe(addr)

Every message the node drops is counted in ``node.counters`` (``dropped.*``) and logged.
Connections: on each new connection the node asks for the peer's metadata and disconnects a
peer on another cluster (nwaku's rule); discovering modes also ask for ENRs (peer exchange),
keep static peers connected and dial learned relay peers up to ``target_relay_peers``.
"""

from __future__ import annotations

import logging
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass

import trio
from libp2p.abc import INotifee
from libp2p.peer.id import ID

from statuscli.core.errors import InvalidInput, NetworkError, StatusCliError, StoreError
from statuscli.core.waku.enr import decode_enr, enr_text
from statuscli.core.waku.message import WakuMessage, encode, message_hash
from statuscli.net import codecs, lightpush
from statuscli.net.archive_writer import ArchiveWriter
from statuscli.net.filter import FilterService
from statuscli.net.filter_client import FilterClient
from statuscli.net.guard import FrameBudget, PeerGuard
from statuscli.net.host import WakuHost
from statuscli.net.metadata import MetadataService
from statuscli.net.node_config import NodeConfig, Subscription
from statuscli.net.node_helpers import NodeClientMixin, build_enr_for, is_enr_text
from statuscli.net.peer_exchange import EnrCache, PeerExchangeService, enr_multiaddrs, peer_exchange
from statuscli.net.relay import InvalidMessage, RelayMessage, WakuRelay
from statuscli.net.rendezvous import MAX_REQUEST, MESSAGES_PER_STREAM
from statuscli.net.stats import Counters
from statuscli.net.store_protocol import StoreService
from statuscli.net.streams import serve

log = logging.getLogger("statuscli.net.node")

ARCHIVE_BATCH = 1000
ARCHIVE_FLUSH_INTERVAL = 0.05
STORE_UNAVAILABLE_DESC = "the archive is unavailable: message not accepted, retry later"


@dataclass(frozen=True, slots=True)
class PublishResult:
    hash: bytes
    pubsub_topic: str
    relay_peer_count: int

    def to_json(self) -> dict:
        return {"hash": "0x" + self.hash.hex(), "pubsub_topic": self.pubsub_topic, "relay_peer_count": self.relay_peer_count}


class _ConnectionEvents(INotifee):
    def __init__(self, send: trio.MemorySendChannel) -> None:
        self.send = send

    async def connected(self, network, conn) -> None:
        self._put("connected", conn)

    async def disconnected(self, network, conn) -> None:
        self._put("disconnected", conn)

    def _put(self, kind, conn) -> None:
        try:
            self.send.send_nowait((kind, conn.muxed_conn.peer_id))
        except (trio.WouldBlock, trio.ClosedResourceError, trio.BrokenResourceError, AttributeError):
            pass

    async def opened_stream(self, network, stream) -> None:
        return None

    async def closed_stream(self, network, stream) -> None:
        return None

    async def listen(self, network, multiaddr) -> None:
        return None

    async def listen_close(self, network, multiaddr) -> None:
        return None


class WakuNode(NodeClientMixin):
    def __init__(self, config: NodeConfig) -> None:
        self.config = config
        self.counters = Counters()
        lim = config.limits
        self.guard = PeerGuard(lim, self.counters, on_ban=self._on_ban)
        self.frame_budget = FrameBudget(lim.frame_bytes_per_connection, lim.frame_bytes_total)
        secret = config.node_key or _fresh_key()
        self._secret = secret
        listen = config.listen if config.mode != "light" else [a for a in config.listen if a]
        self.host = WakuHost(secret, listen, agent=config.agent, libp2p_log_level=config.libp2p_log_level)
        self.archive = config.archive if config.serves else None
        self.metadata = MetadataService(config.cluster_id, config.shards if config.mode != "light" else [], self.counters)
        self.enr_cache = EnrCache(config.cluster_id)
        self.filter_client = FilterClient(self.host, self.counters, ping_interval=config.filter_ping_interval,
                                          subscription_bytes=lim.filter_subscription_bytes)  # fmt: skip
        self.relay: WakuRelay | None = None
        self.filter: FilterService | None = None
        self._subscriptions: set[Subscription] = set()
        self.archive_writer = (
            ArchiveWriter(self.archive, self.counters, batch_rows=ARCHIVE_BATCH, interval=ARCHIVE_FLUSH_INTERVAL, prune_interval=config.prune_interval)
            if self.archive is not None
            else None
        )
        self._static_peers: dict[str, str] = {}  # text -> dialable multiaddr
        self.rendezvous_point = None  # the rendezvous service of a discovering node
        self._enr_raw = b""
        self.started_at = time.time()
        self._stack: AsyncExitStack | None = None
        self._mount()

    # -- wiring ----------------------------------------------------------------------------
    def _serve(self, name: str, fn, *, limit: int | None = None, rate: str | None = None, per_stream: int = 1):
        kw = {"limit": limit} if limit is not None else {}
        return serve(name, fn, self.counters, guard=self.guard, budget=self.frame_budget, rate=rate, per_stream=per_stream, **kw)

    def _mount(self) -> None:
        cfg, h, c = self.config, self.host, self.counters
        events_send, self._events_recv = trio.open_memory_channel(1024)
        h.host.get_network().register_notifee(_ConnectionEvents(events_send))
        h.set_handler(codecs.METADATA, self._serve("metadata", self.metadata.handle, limit=4096))
        h.set_handler(codecs.FILTER_PUSH, self.filter_client.handle_push)
        if cfg.relays:
            self.relay = WakuRelay(h, c, max_message_size=cfg.max_message_size, timestamp_window_ns=int(cfg.timestamp_window_s * 1e9),
                                   guard=self.guard)  # fmt: skip
            self.relay.add_listener(self._on_relay_message)
        if cfg.serves:
            lp = lightpush.LightPushService(self._accept_push, c)
            h.set_handler(codecs.LIGHTPUSH_V3, self._serve("lightpush", lp.handle_v3, rate="lightpush"))
            h.set_handler(codecs.LIGHTPUSH_V2, self._serve("lightpush-v2", lp.handle_v2, rate="lightpush"))
            self.filter = FilterService(h, c, topics=lambda: self.relay.topics if self.relay else set(),
                                        forget_every=cfg.test_filter_forget_every, limits=cfg.limits, guard=self.guard)  # fmt: skip
            h.set_handler(codecs.FILTER_SUBSCRIBE, self._serve("filter", self.filter.handle, rate="filter"))
            if self.archive is not None:
                h.set_handler(codecs.STORE_V3, self._serve("store", StoreService(self.archive_writer, c).handle, rate="store"))
        if cfg.discovers:
            px = PeerExchangeService(lambda: self._enr_raw, self.enr_cache, c)
            h.set_handler(codecs.PEER_EXCHANGE, self._serve("peer-exchange", px.handle, limit=1024, rate="peer-exchange"))
            self.rendezvous_point = _rendezvous_point(self)
            h.set_handler(codecs.RENDEZVOUS, self._serve("rendezvous", self.rendezvous_point.handle, limit=MAX_REQUEST, rate="rendezvous",
                                                              per_stream=MESSAGES_PER_STREAM))

    def _on_ban(self, peer) -> None:
        nursery = getattr(self, "_nursery", None)
        if nursery is not None:
            nursery.start_soon(self.host.disconnect, peer)

    async def __aenter__(self) -> WakuNode:
        stack = AsyncExitStack()
        await stack.__aenter__()
        try:
            await stack.enter_async_context(self.host.run())
            if self.relay is not None:
                await stack.enter_async_context(self.relay.run())
                for topic in self.config.pubsub_topics:
                    await self.relay.join(topic)
            nursery = await stack.enter_async_context(trio.open_nursery())
            stack.callback(nursery.cancel_scope.cancel)
            self._nursery = nursery
            self._enr_raw = build_enr_for(self)
            self.discovery = self.peer_manager = self.rendezvous = self.service_peers = None
            cfg = self.config
            if cfg.mode == "light":  # sends and receives through service nodes (net/service_peers.py)
                from statuscli.net.service_peers import ServicePeers

                self.service_peers = ServicePeers(self)
            if cfg.relays and (cfg.discv5 or cfg.enrtree or cfg.rendezvous) or cfg.finds_services:
                from statuscli.net.peer_manager import PeerManager

                self.peer_manager = PeerManager(self, target=cfg.target_service_peers if cfg.finds_services else cfg.target_relay_peers)
            if self.config.discv5 or self.config.enrtree:
                from statuscli.net.node_discovery import NodeDiscovery

                self.discovery = NodeDiscovery(self)
                await nursery.start(self.discovery.run)
            if self.config.rendezvous:
                from statuscli.net.node_rendezvous import NodeRendezvous

                self.rendezvous = NodeRendezvous(self)
                await nursery.start(self.rendezvous.run)
            nursery.start_soon(self._connection_events, self._events_recv)
            nursery.start_soon(self.filter_client.keepalive)
            if self.filter is not None:
                await self.filter.run(nursery)
            if self.archive_writer is not None:
                nursery.start_soon(self.archive_writer.run)
            for peer in self.config.peers:
                self._static_peers[peer] = self._dialable(peer)
            nursery.start_soon(self._maintenance)
        except BaseException:
            await stack.__aexit__(None, None, None)
            raise
        self._stack = stack
        return self

    async def __aexit__(self, *exc) -> None:
        stack, self._stack = self._stack, None
        if stack is not None:
            for sub in list(self._subscriptions):
                sub.close()
            await stack.__aexit__(*exc)
            if self.archive_writer is not None:
                self.archive_writer.flush_sync()  # the loop's tasks are gone: what is left goes now

    # -- identity --------------------------------------------------------------------------
    @property
    def peer_id(self) -> str:
        return str(self.host.peer_id)

    @property
    def multiaddrs(self) -> list[str]:
        return self.host.multiaddrs()

    @property
    def enr(self) -> str:
        return enr_text(self._enr_raw) if self._enr_raw else ""

    def protocols(self) -> list[str]:
        return self.host.protocols()

    # -- relay -----------------------------------------------------------------------------
    async def publish(self, pubsub_topic: str | None, message: WakuMessage | bytes) -> PublishResult:
        """Relay a message (``WakuMessage`` or its exact bytes). Raises ``InvalidMessage``."""
        if self.relay is None:
            raise InvalidInput(f"a {self.config.mode} node does not relay", hint="use lightpush_publish towards a full node")
        topic = pubsub_topic or self.config.pubsub_topics[0]
        data = message if isinstance(message, bytes) else encode(message)
        n, msg = await self.relay.publish_checked(topic, data)
        return PublishResult(msg.hash(topic), topic, n)

    def subscribe(self, pubsub_topic: str | None = None, content_topics=None, *, buffer: int = 10_000) -> Subscription:
        """Messages relayed on our topics (ours included) matching the filter, from now on."""
        sub = Subscription(self, pubsub_topic, content_topics, buffer, self.config.limits.subscription_bytes)
        self._subscriptions.add(sub)
        return sub

    def _on_relay_message(self, msg: RelayMessage) -> None:
        if self.archive_writer is not None and not msg.message.ephemeral:
            self.archive_writer.offer((msg.hash, msg.pubsub_topic, msg.message.content_topic, msg.message.timestamp or 0, msg.data))
        if self.filter is not None:
            self.filter.on_message(msg)
        for sub in list(self._subscriptions):
            if sub.matches(msg):
                sub.offer(msg)

    async def _accept_push(self, topic: str, data: bytes) -> int:
        """Lightpush service: relay a pushed message or refuse it with a status code."""
        if self.relay is None or topic not in self.relay.topics:
            raise lightpush.PushRefused(lightpush.UNSUPPORTED_PUBSUB_TOPIC, f"this node does not relay {topic}")
        try:
            msg = self.relay.check(data)
        except InvalidMessage as e:
            code = lightpush.PAYLOAD_TOO_LARGE if e.reason == "too-large" else lightpush.INVALID_MESSAGE
            raise lightpush.PushRefused(code, e.message) from None
        peers = self.relay.peer_count(topic)
        kept = self.archive is not None or any(s.matches(RelayMessage(topic, msg, data, b"")) for s in self._subscriptions)
        kept = kept or (self.filter is not None and self.filter.subscription_count() > 0)
        if peers == 0 and not kept:
            raise lightpush.PushRefused(lightpush.NO_PEERS_TO_RELAY, "no peers to relay the message to")
        archiving = self.archive_writer is not None and not msg.ephemeral
        if archiving and not self.archive_writer.available:
            raise lightpush.PushRefused(lightpush.SERVICE_NOT_AVAILABLE, STORE_UNAVAILABLE_DESC)
        try:
            n = await self.relay.publish(topic, data)
        except InvalidMessage as e:
            raise lightpush.PushRefused(lightpush.INVALID_MESSAGE, e.message) from None
        if archiving:  # acknowledged means durable: answer once the message's batch committed
            batch = self.archive_writer.offer((message_hash(topic, msg), topic, msg.content_topic, msg.timestamp or 0, data))
            try:
                await self.archive_writer.committed(batch)
            except StoreError:
                raise lightpush.PushRefused(lightpush.SERVICE_NOT_AVAILABLE, STORE_UNAVAILABLE_DESC) from None
        return n

    # -- peers -----------------------------------------------------------------------------
    def _dialable(self, text: str) -> str:
        if is_enr_text(text):
            enr = decode_enr(text)
            self.enr_cache.add(enr)
            addrs = enr_multiaddrs(enr)
            if not addrs:
                raise InvalidInput(f"ENR {text[:24]}… has no address to dial")
            return addrs[0]
        return text

    async def _connection_events(self, recv: trio.MemoryReceiveChannel) -> None:
        async with recv:
            async for kind, peer in recv:
                if kind == "connected":
                    self.counters.inc("peers.connected")
                    if self.guard.banned(peer):
                        self.counters.drop("guard.banned-connection", "closing a connection from banned peer %s", peer)
                        self._nursery.start_soon(self.host.disconnect, peer)
                        continue
                    self._nursery.start_soon(self._check_new_peer, peer)
                else:
                    self.counters.inc("peers.disconnected")
                    self.metadata.peers.pop(peer, None)

    async def _check_new_peer(self, peer: ID) -> None:
        # Wait for identify before asking for metadata, and don't ask a peer that already told
        # us: js-waku answers a metadata query that races its own connection set-up with an
        # empty record, stores us as "cluster 0, no shards" and then refuses to use us.
        speaks_metadata = await self._speaks(peer, codecs.METADATA)
        meta = self.metadata.peers.get(peer)
        if meta is None and speaks_metadata:
            try:
                meta = await self.metadata.query(self.host.host, peer)
            except StatusCliError as e:
                log.info("metadata: %s did not answer (%s); keeping it", peer, e.message)
        elif meta is None:
            log.info("metadata: %s does not serve %s; keeping it", peer, codecs.METADATA)
        if meta is not None and self.config.mode != "light":
            why = self.metadata.compatible(meta)
            if why is not None:
                self.counters.drop("metadata.cluster-mismatch", "disconnecting %s: %s", peer, why)
                await self.host.disconnect(peer)
                return
        if (self.config.discovers or self.config.finds_services) and await self._speaks(peer, codecs.PEER_EXCHANGE):
            try:
                for enr in await peer_exchange(self.host.host, peer, 20, self.counters, timeout=5.0):
                    if enr.peer_id != self.peer_id:
                        self.enr_cache.add(enr)
            except StatusCliError as e:
                log.debug("peer exchange with %s: %s", peer, e.message)

    async def _speaks(self, peer: ID, protocol: str, timeout: float = 3.0) -> bool:
        """Whether identify says ``peer`` serves ``protocol`` (waits for identify a little)."""
        with trio.move_on_after(timeout):
            while not self.host.peer_protocols(peer):
                await trio.sleep(0.05)
        return protocol in self.host.peer_protocols(peer)

    async def _maintenance(self) -> None:
        reported: dict[str, str] = {}
        while True:
            for text, addr in list(self._static_peers.items()):
                try:
                    await self.host.connect(addr, timeout=10.0)
                    if reported.pop(text, None) is not None:
                        log.info("static peer %s is reachable again", text)
                except StatusCliError as e:
                    if reported.get(text) != e.message:
                        log.warning("static peer %s: %s", text, e.message)
                        reported[text] = e.message
            if getattr(self, "peer_manager", None) is not None:
                await self.peer_manager.tick()
            elif self.relay is not None:
                await self._discover_relay_peers()
            await trio.sleep(self.config.maintenance_interval)

    async def _discover_relay_peers(self) -> None:
        need = self.config.target_relay_peers - len(self.relay.relay_peers())
        if need <= 0:
            return
        connected = {str(p) for p in self.host.connected_peers()}
        for enr in self.enr_cache.records(exclude=connected | {self.peer_id}):
            if need <= 0:
                break
            if enr.waku2 is not None and not enr.waku2 & 1:
                continue
            for addr in enr_multiaddrs(enr):
                try:
                    await self.host.connect(addr, timeout=5.0)
                    need -= 1
                    break
                except NetworkError:
                    continue
                except StatusCliError:
                    continue


def _rendezvous_point(node):
    from statuscli.core.rendezvous import Registry
    from statuscli.net.rendezvous import RendezvousService

    return RendezvousService(Registry(node.config.limits.rendezvous), node.counters, guard=node.guard)


def _fresh_key() -> bytes:
    import secrets

    from statuscli.core.crypto.secp256k1 import generate_private_key

    return generate_private_key(secrets.token_bytes)
