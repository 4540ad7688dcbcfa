"""A running node's rendezvous client: register on rendezvous points, learn peers from them.

Rules (nwaku's and go-waku's use of rendezvous, see docs/discovery.md#rendezvous):
* Points are multiaddrs ending in ``/p2p/<id>`` (``NodeConfig.rendezvous``). Every
  ``rendezvous_interval`` seconds, for each point: dial it if need be, then for each of our
  shards' namespaces ``rs/<cluster>/<shard>`` REGISTER our signed peer record (our multiaddrs,
  ``seq`` = Unix seconds, strictly increasing) for ``rendezvous_ttl`` seconds, and DISCOVER up to
  12 peers (nwaku's count) registered after the namespace's cookie from the last answer.
  A light node only asks (the Waku spec's client-only mode): it relays no shard to offer.
* Peers found (never ourselves) go to the peer manager with source ``rendezvous``: addresses
  only, a peer record has no ENR; the namespace they came from says which shard they relay.
  ``found`` remembers at most :data:`FOUND_SIZE` of them.
* A point that fails (unreachable, refusing) is logged once per distinct error, and asked again
  after a pause that doubles up to :data:`MAX_BACKOFF` (nwaku: 5 min); a success resets it.
* Stopping, the node UNREGISTERs what it registered (within :data:`UNREGISTER_WITHIN` s, best
  effort): a point then stops handing out a node that is gone before its TTL runs out.
"""

from __future__ import annotations

import logging
import time

import trio

from statuscli.core.errors import InvalidInput, StatusCliError
from statuscli.core.rendezvous import shard_namespace
from statuscli.net import rendezvous as rdv
from statuscli.net.discv5.bounded import BoundedMap

log = logging.getLogger("statuscli.net.rendezvous")

FOUND_SIZE = 2000
MAX_BACKOFF = 300.0
#: seconds a stopping node spends taking its registrations back
UNREGISTER_WITHIN = 2.0


class _Point:
    __slots__ = ("addr", "peer_id", "cookies", "retry_at", "backoff", "error", "registered")

    def __init__(self, addr: str) -> None:
        self.addr = addr
        self.peer_id = addr.rsplit("/p2p/", 1)[-1]
        self.cookies: dict[str, bytes] = {}
        self.retry_at = 0.0
        self.backoff = 0.0
        self.error: str | None = None
        self.registered: dict[str, int] = {}  # namespace -> ttl granted


class NodeRendezvous:
    def __init__(self, node) -> None:
        self.node = node
        cfg = node.config
        for addr in cfg.rendezvous:
            if "/p2p/" not in addr:
                raise InvalidInput(f"rendezvous point {addr} has no /p2p/<peer id>", hint="give the point's full multiaddr")
        self.points = [_Point(a) for a in cfg.rendezvous]
        self.namespaces = [shard_namespace(cfg.cluster_id, s) for s in cfg.shards]
        self.registers = cfg.mode != "light"
        self.found: BoundedMap[str, rdv.FoundPeer] = BoundedMap(FOUND_SIZE)
        self._seq = 0

    def _record(self) -> bytes:
        self._seq = max(self._seq + 1, int(time.time()))
        return rdv.seal_peer_record(self.node.host.key_pair.private_key, self.node.multiaddrs, self._seq)

    async def run(self, *, task_status=trio.TASK_STATUS_IGNORED) -> None:
        task_status.started()
        interval = self.node.config.rendezvous_interval
        try:
            while True:
                for point in self.points:
                    if trio.current_time() >= point.retry_at:
                        await self.round(point)
                await trio.sleep(interval)
        finally:
            with trio.CancelScope(shield=True, deadline=trio.current_time() + UNREGISTER_WITHIN):
                await self.unregister_all()

    async def unregister_all(self) -> None:
        """Stopping: take our registrations back (UNREGISTER has no answer), so that no point hands
        out a node that is gone until its TTL runs out; best effort, bounded by the caller."""
        for point in (p for p in self.points if p.registered):
            try:
                peer = await self.node.host.connect(point.addr, timeout=UNREGISTER_WITHIN)  # connected: no dial
            except Exception as e:  # noqa: BLE001 — a point gone or a host closing: its TTL clears it
                log.debug("unregister from %s: %s", point.addr, e)
                continue
            for ns in list(point.registered):
                try:
                    await rdv.unregister(self.node.host.host, peer, ns, timeout=UNREGISTER_WITHIN)
                except Exception as e:  # noqa: BLE001 — as above
                    log.debug("unregister %s from %s: %s", ns, point.addr, e)
                    continue
                del point.registered[ns]
                self.node.counters.inc("rendezvous-client.unregistered")

    async def round(self, point: _Point) -> None:
        """Register on ``point`` and ask it for peers, once per namespace."""
        node, cfg = self.node, self.node.config
        try:
            peer = await node.host.connect(point.addr, timeout=10.0)
            record = self._record() if self.registers else b""
            for ns in self.namespaces:
                if self.registers:
                    point.registered[ns] = await rdv.register(node.host.host, peer, ns, record, cfg.rendezvous_ttl)
                    node.counters.inc("rendezvous-client.registered")
                peers, point.cookies[ns] = await rdv.discover(node.host.host, peer, ns, cookie=point.cookies.get(ns, b""), counters=node.counters)
                for found in peers:
                    self._learn(found)
        except StatusCliError as e:
            node.counters.inc("rendezvous-client.failed")
            point.backoff = min(MAX_BACKOFF, max(cfg.rendezvous_interval, point.backoff * 2))
            point.retry_at = trio.current_time() + point.backoff
            if point.error != e.message:
                log.warning("rendezvous point %s: %s (asking again in %.0f s)", point.addr, e.message, point.backoff)
                point.error = e.message
            return
        if point.error is not None:
            log.info("rendezvous point %s answers again", point.addr)
        point.error, point.backoff, point.retry_at = None, 0.0, 0.0

    def _learn(self, found: rdv.FoundPeer) -> None:
        if found.peer_id == self.node.peer_id:
            return
        if found.peer_id not in self.found:
            self.node.counters.inc("rendezvous-client.found")
        self.found[found.peer_id] = found
        pm = getattr(self.node, "peer_manager", None)
        if pm is not None:
            pm.learn_addrs(found.peer_id, found.multiaddrs, "rendezvous")

    def info(self) -> dict:
        return {
            "points": [{"multiaddr": p.addr, "registered": dict(p.registered), "error": p.error} for p in self.points],
            "namespaces": self.namespaces,
            "found": len(self.found),
        }
