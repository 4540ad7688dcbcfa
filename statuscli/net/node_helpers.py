"""The parts of :class:`~statuscli.net.node.WakuNode` that face other nodes as a client, and
what the node reports about itself (``info``, ``peers``) — split out to keep ``node.py`` short.

Peers are given as multiaddr text ending in ``/p2p/<peer id>`` (the node dials if needed), as an
``enr:…`` record, or as an already connected peer id (text or ``ID``).
"""

from __future__ import annotations

import time
from ipaddress import ip_address

from libp2p.peer.id import ID

from statuscli.core.errors import InvalidInput, StatusCliError
from statuscli.core.waku.enr import Enr, build_enr, decode_enr
from statuscli.core.waku.message import WakuMessage, encode
from statuscli.net import codecs, lightpush, store_protocol
from statuscli.net.filter_client import FilterSubscription
from statuscli.net.metadata import PeerMetadata
from statuscli.net.pacing import Pacer, paced
from statuscli.net.peer_exchange import enr_multiaddrs, peer_exchange
from statuscli.net.streams import ServiceRefused


def is_enr_text(text: str) -> bool:
    return isinstance(text, str) and text.startswith("enr:")


def build_enr_for(node) -> bytes:
    """Our ENR: first IPv4 TCP listen address, /ws addresses in ``multiaddrs``, ``rs``, ``waku2``."""
    cfg = node.config
    ip = tcp = None
    ws: list[str] = []
    # a routable address first: 127.0.0.1 only when the node listens nowhere else
    addrs = sorted(node.host.multiaddrs(), key=lambda a: a.startswith("/ip4/127."))
    for a in addrs:
        base = a.rsplit("/p2p/", 1)[0]
        parts = base.split("/")
        if len(parts) >= 5 and parts[1] == "ip4" and parts[3] == "tcp":
            if len(parts) == 5 and ip is None:
                ip, tcp = parts[2], int(parts[4])
            elif len(parts) > 5 and parts[5] in ("ws", "wss") and len(ws) < 2:
                ws.append(base)
    flags = []
    if cfg.relays:
        flags.append("relay")
    if cfg.serves:
        flags += ["filter", "lightpush"] + (["store"] if node.archive is not None else [])
    rs = (cfg.cluster_id, cfg.shards) if cfg.shards and cfg.mode != "light" else None
    if ip is not None:
        ip_address(ip)
    return build_enr(node._secret, int(time.time()), ip=ip, tcp=tcp, waku2_flags=flags, multiaddrs=ws, rs=rs)


class NodeClientMixin:
    """Light-client helpers and reports (mixed into ``WakuNode``)."""

    @property
    def pacer(self) -> Pacer:
        """The pace each rate-limited service accepted from us (:mod:`statuscli.net.pacing`)."""
        p = self.__dict__.get("_pacer")
        if p is None:
            p = self._pacer = Pacer()
        return p

    async def resolve_peer(self, peer) -> ID:
        """A connected peer id for ``peer`` (multiaddr text, ``enr:…``, or peer id)."""
        if isinstance(peer, ID):
            return peer
        if isinstance(peer, Enr):
            peer = peer.text
        if not isinstance(peer, str) or not peer:
            raise InvalidInput("a peer is a multiaddr ending in /p2p/<peer id>, an enr:… record or a peer id")
        if is_enr_text(peer):
            addrs = enr_multiaddrs(decode_enr(peer))
            if not addrs:
                raise InvalidInput("that ENR has no address to dial")
            last: StatusCliError | None = None
            for addr in addrs:
                try:
                    return await self.host.connect(addr)
                except StatusCliError as e:
                    last = e
            raise last  # type: ignore[misc]
        if peer.startswith("/"):
            return await self.host.connect(peer)
        try:
            return ID.from_base58(peer)
        except Exception:
            raise InvalidInput(f"not a multiaddr, ENR or peer id: {peer!r}") from None

    async def connect(self, peer) -> ID:
        return await self.resolve_peer(peer)

    async def lightpush_publish(self, peer, pubsub_topic: str, message: WakuMessage | bytes, *, timeout: float = 10.0) -> lightpush.PushResult:
        """Ask a service node to relay ``message`` (returns its status; raises on transport errors)."""
        pid = await self.resolve_peer(peer)
        data = message if isinstance(message, bytes) else encode(message)
        return await paced(self.pacer, (pid, "lightpush"), lambda: lightpush.lightpush(self.host.host, pid, pubsub_topic, data, timeout=timeout), timeout)

    async def filter_subscribe(self, peer, pubsub_topic: str, content_topics: list[str], *, timeout: float = 10.0) -> FilterSubscription:
        pid = await self.resolve_peer(peer)
        return await self.filter_client.subscribe(pid, pubsub_topic, list(content_topics), timeout=timeout)

    async def store_query(self, peer=None, *, timeout: float = 10.0, **criteria) -> store_protocol.StorePage:
        """One store page: from our own archive (``peer`` None) or from a store node."""
        if peer is None:
            if self.archive is None:
                raise InvalidInput("this node keeps no archive", hint="query a store node: pass its multiaddr")
            req = store_protocol.build_request(**criteria)
            service = store_protocol.StoreService(self.archive_writer, self.counters)
            rows, cursor = await service.run_query(req)
            return store_protocol.local_page(rows, cursor, req.include_data)
        pid = await self.resolve_peer(peer)

        async def once():
            try:
                return await store_protocol.store_query(self.host.host, pid, timeout=timeout, **criteria)
            except ServiceRefused as e:
                if e.status != lightpush.TOO_MANY_REQUESTS:
                    raise
                return e  # retried while time is left, then raised

        result = await paced(self.pacer, (pid, "store"), once, timeout)
        if isinstance(result, ServiceRefused):
            raise result
        return result

    async def peer_exchange(self, peer, num_peers: int = 20, *, timeout: float = 10.0) -> list[Enr]:
        pid = await self.resolve_peer(peer)
        return await peer_exchange(self.host.host, pid, num_peers, self.counters, timeout=timeout)

    async def probe(self, peer, *, timeout: float = 10.0) -> dict:
        """What ``node probe`` reports: identify, metadata and ping of a peer."""
        t0 = time.perf_counter()
        pid = await self.resolve_peer(peer)
        connect_ms = (time.perf_counter() - t0) * 1000
        ident = await self.host.identify(pid, timeout=timeout)
        meta: PeerMetadata | None = None
        meta_error = None
        if codecs.METADATA in ident["protocols"]:
            try:
                meta = await self.metadata.query(self.host.host, pid, timeout=timeout)
            except StatusCliError as e:
                meta_error = e.message
        rtt = await self.host.ping(pid, timeout=timeout) if codecs.PING in ident["protocols"] else None
        return {
            "peer_id": str(pid),
            "agent": ident["agent"],
            "protocols": ident["protocols"],
            "waku": sorted(codecs.NAMES[p] for p in ident["protocols"] if p in codecs.NAMES and p.startswith("/vac/waku/")),
            "listen_addrs": ident["listen_addrs"],
            "cluster_id": meta.cluster_id if meta else None,
            "shards": list(meta.shards) if meta else None,
            "metadata_error": meta_error,
            "connect_ms": round(connect_ms, 2),
            "rtt_ms": round(rtt, 3) if rtt is not None else None,
        }

    # -- reports ---------------------------------------------------------------------------
    def peers(self) -> list[dict]:
        """Connected peers, then (with a peer manager) the known ones: where each came from, its score."""
        relay_peers = set(self.relay.relay_peers()) if self.relay is not None else set()
        pm = getattr(self, "peer_manager", None)
        book = pm.book if pm is not None else {}
        static = {a.rsplit("/p2p/", 1)[-1] for a in self._static_peers.values() if "/p2p/" in a}
        out = []
        for pid in self.host.connected_peers():
            meta = self.metadata.peers.get(pid)
            rec = book.get(str(pid))
            out.append(
                {
                    "peer_id": str(pid),
                    "connected": True,
                    "source": "static" if str(pid) in static else rec.source if rec else "inbound",
                    "score": rec.score if rec else 0,
                    "addrs": self.host.peer_addrs(pid),
                    "protocols": self.host.peer_protocols(pid),
                    "relay": pid in relay_peers,
                    "cluster_id": meta.cluster_id if meta else None,
                    "shards": list(meta.shards) if meta else None,
                }
            )
        if pm is not None:
            connected = {p["peer_id"] for p in out}
            for r in pm.report():
                if r["peer_id"] not in connected:
                    shards = pm.book[r["peer_id"]].enr.shards if pm.book[r["peer_id"]].enr else None
                    out.append({"peer_id": r["peer_id"], "connected": False, "source": r["source"], "score": r["score"],
                                "addrs": r["multiaddrs"], "protocols": [], "relay": False,
                                "cluster_id": shards[0] if shards else None, "shards": shards[1] if shards else None})  # fmt: skip
        return out

    def _rendezvous_info(self) -> dict:
        """The point we serve (registrations held) and the points we use (``--rendezvous``)."""
        client = getattr(self, "rendezvous", None)
        return {
            "point": self.rendezvous_point.stats() if self.rendezvous_point is not None else None,
            "client": client.info() if client is not None else None,
        }

    def info(self) -> dict:
        cfg = self.config
        store = None
        if self.archive_writer is not None:
            store = self.archive_writer.status()
        return {
            "peer_id": self.peer_id,
            "multiaddrs": self.multiaddrs,
            "enr": self.enr,
            "mode": cfg.mode,
            "cluster_id": cfg.cluster_id,
            "shards": cfg.shards,
            "pubsub_topics": sorted(self.relay.topics) if self.relay is not None else [],
            "protocols": self.protocols(),
            "agent": cfg.agent,
            "peers": self.peers(),
            "store": store,
            "uptime_s": round(time.time() - self.started_at, 1),
            "counters": self.counters.snapshot(),
            "drops_by_peer": self.counters.by_peer(),
            **({"discovery": self.discovery.info()} if getattr(self, "discovery", None) is not None else {}),
            **({"rendezvous": self._rendezvous_info()} if self.rendezvous_point is not None or getattr(self, "rendezvous", None) else {}),
            "guard": {
                **self.guard.snapshot(),
                "frame_bytes_held": self.frame_budget.used,
                "filter_queued_bytes": self.filter.queued_bytes if self.filter is not None else 0,
                "rate_limits": {k: str(v) for k, v in sorted(cfg.limits.rates.items())},
            },
        }
