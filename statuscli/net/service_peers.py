"""A ``light`` node's way to the network (``node run --role light``): it serves no relay, store,
filter or lightpush of its own and sends and receives through service nodes.

Rules (as nwaku's and status-go's light clients, and 67/STATUS-WAKU2-USAGE, define one):
* A service node for a capability (``lightpush``, ``filter``, ``store``) is a connected peer
  whose identify record lists the capability's protocol and, when it told us its metadata, is on
  our cluster and shares one of our shards. Static peers (``--peer``) come first, then the peer
  manager's best scored. When none is connected, known records that advertise the capability's
  ``waku2`` bit (discv5, ``--bootstrap``, ``--enrtree``, peer exchange) are dialed, static peers
  first, then the best scored, at most ``DIAL_TRIES`` per request; the peer manager keeps a small number of such connections.
* ``publish`` pushes through one lightpush service; a refusal or a transport error moves on to
  the next service (at most ``PUBLISH_TRIES``); the last failure is raised.
* ``subscribe`` makes one filter subscription per pubsub topic (all of ours when none is named)
  and per ``FILTER_TOPICS_PER_REQUEST`` content topics (nwaku's limit), unsubscribed together. A
  service keeps one topic set per client (us), so a content topic is unsubscribed only when no
  other live subscription (another control connection, or the one ``listen`` re-opens when its
  topics grow) still wants it.
* ``store_query`` asks one store service.
Nothing here relays: a light node has no relay, so it forwards nothing for anyone.
"""

from __future__ import annotations

import logging
from collections import Counter

import trio
from libp2p.peer.id import ID

from statuscli.core.errors import InvalidInput, NetworkError, ProtocolRefused, StatusCliError
from statuscli.net import codecs
from statuscli.net.peer_exchange import enr_multiaddrs
from statuscli.pb.waku_filter_pb2 import FilterSubscribeRequest

log = logging.getLogger("statuscli.net.light")

#: capability -> (waku2 ENR bit, protocols that serve it)
CAPABILITIES = {
    "lightpush": (8, (codecs.LIGHTPUSH_V3, codecs.LIGHTPUSH_V2)),
    "filter": (4, (codecs.FILTER_SUBSCRIBE,)),
    "store": (2, (codecs.STORE_V3,)),
}
SERVICE_BITS = 2 | 4 | 8
DIAL_TRIES = 4
PUBLISH_TRIES = 3
FILTER_TOPICS_PER_REQUEST = 100
UNSUBSCRIBE = FilterSubscribeRequest.UNSUBSCRIBE


class ServicePeers:
    def __init__(self, node) -> None:
        self.node = node
        #: (service, pubsub topic, content topic) -> live subscriptions wanting it: a service keeps one
        #: set per client, so a topic is unsubscribed only when no control connection wants it any more
        self._wanted: Counter = Counter()

    # --- choosing ---------------------------------------------------------------------------
    def _fits(self, pid: ID) -> bool:
        meta = self.node.metadata.peers.get(pid)
        if meta is None or not meta.shards:
            return True  # told us nothing: identify decides
        cfg = self.node.config
        return meta.cluster_id == cfg.cluster_id and bool(set(meta.shards) & set(cfg.shards))

    def _ranked_connected(self) -> list[ID]:
        node = self.node
        static = {a.rsplit("/p2p/", 1)[-1] for a in node._static_peers.values() if "/p2p/" in a}
        pm = getattr(node, "peer_manager", None)

        def rank(pid: ID):
            rec = pm.book.get(str(pid)) if pm is not None else None
            return (str(pid) not in static, -(rec.score if rec else 0), str(pid))

        return sorted(node.host.connected_peers(), key=rank)

    async def candidates(self, capability: str) -> list[ID]:
        """Connected service peers for ``capability``, best first (dials known ones when none is)."""
        if capability not in CAPABILITIES:
            raise InvalidInput(f"unknown capability {capability!r}")
        bit, protocols = CAPABILITIES[capability]
        found = [p for p in self._ranked_connected() if await self._serves(p, protocols)]
        if found:
            return found
        static = [[a] for a in self.node._static_peers.values()]
        for addrs in (static + [enr_multiaddrs(e) for e in self._known(bit)])[:DIAL_TRIES]:
            for addr in addrs:
                try:
                    pid = await self.node.host.connect(addr, timeout=5.0)
                except StatusCliError as e:
                    log.debug("dialing %s service %s: %s", capability, addr, e.message)
                    continue
                if await self._serves(pid, protocols):
                    self.node.counters.inc(f"light.dialed.{capability}")
                    return [pid]
                break
        raise NetworkError(
            f"no {capability} service node found yet",
            hint="give the light node a service node: --peer MULTIADDR|ENR, --bootstrap ENR or --enrtree URL",
        )

    async def _serves(self, pid: ID, protocols) -> bool:
        if not self._fits(pid):
            return False
        for proto in protocols:
            if await self.node._speaks(pid, proto):
                return True
        return False

    def _known(self, bit: int) -> list:
        node = self.node
        connected = {str(p) for p in node.host.connected_peers()} | {node.peer_id}
        pm = getattr(node, "peer_manager", None)
        records = {e.peer_id: e for e in node.enr_cache.records(exclude=connected)}
        if pm is not None:
            for pid, rec in pm.book.items():
                if rec.enr is not None and pid not in connected:
                    records.setdefault(pid, rec.enr)

        def score(enr):
            rec = pm.book.get(enr.peer_id) if pm is not None else None
            return -(rec.score if rec else 0)

        return sorted((e for e in records.values() if (e.waku2 or 0) & bit and _on_our_shards(e, node.config)), key=score)

    # --- using ------------------------------------------------------------------------------
    async def publish(self, pubsub_topic: str, data: bytes):
        """Lightpush ``data`` through a service node; the first success (``PushResult``) or the last failure."""
        last: StatusCliError | None = None
        for pid in (await self.candidates("lightpush"))[:PUBLISH_TRIES]:
            try:
                res = await self.node.lightpush_publish(pid, pubsub_topic, data)
            except StatusCliError as e:
                last = e
                continue
            if res.ok:
                self.node.counters.inc("light.pushed")
                return res, pid
            last = ProtocolRefused(f"lightpush refused by {pid}: {res.status_code} {res.status_desc}")
        self.node.counters.inc("light.push-failed")
        raise last  # type: ignore[misc]

    async def subscribe(self, pubsub_topic: str | None, content_topics: list[str]) -> MergedSubscription:
        if not content_topics:
            raise InvalidInput("a light node receives through a filter service: name the content topics",
                               hint="listen names them itself; over the control socket pass content_topics")  # fmt: skip
        topics = [pubsub_topic] if pubsub_topic else list(self.node.config.pubsub_topics)
        pid = (await self.candidates("filter"))[0]
        merged = MergedSubscription(self, pid)
        try:
            for topic in topics:
                for i in range(0, len(content_topics), FILTER_TOPICS_PER_REQUEST):
                    part = await self.node.filter_subscribe(pid, topic, content_topics[i : i + FILTER_TOPICS_PER_REQUEST])
                    merged.parts.append(part)
                    self._wanted.update((pid, topic, ct) for ct in part.content_topics)
        except BaseException:
            with trio.CancelScope(shield=True):
                await merged.unsubscribe()
            raise
        return merged

    async def release(self, merged: MergedSubscription) -> None:
        """Stop ``merged``; tell the service to drop the topics no other subscription still wants."""
        for part in merged.parts:
            part.close()
            gone = []
            for ct in sorted(part.content_topics):
                key = (merged.peer_id, part.pubsub_topic, ct)
                self._wanted[key] -= 1
                if self._wanted[key] <= 0:
                    del self._wanted[key]
                    gone.append(ct)
            if gone:
                try:
                    await self.node.filter_client.request(merged.peer_id, UNSUBSCRIBE, part.pubsub_topic, gone, wait=False)
                except StatusCliError as e:
                    log.info("filter unsubscribe from %s: %s", merged.peer_id, e.message)
        merged.parts = []

    async def store_query(self, **criteria):
        return await self.node.store_query((await self.candidates("store"))[0], **criteria)


class MergedSubscription:
    """Several filter subscriptions with one service, closed together (each part is read on its own)."""

    def __init__(self, owner: ServicePeers, peer_id: ID) -> None:
        self.owner = owner
        self.peer_id = peer_id
        self.parts: list = []

    async def unsubscribe(self) -> None:
        await self.owner.release(self)


def _on_our_shards(enr, cfg) -> bool:
    shards = enr.shards
    return shards is None or (shards[0] == cfg.cluster_id and bool(set(shards[1]) & set(cfg.shards)))
