"""The peer manager of a node that discovers: keeps ``target`` connections from what it learned.

Rules:
* The book holds every peer learned (ENR, source: ``bootstrap``/``discv5``/``enrtree``/
  ``peer-exchange``/``rendezvous``/``static``/``inbound``), at most ``BOOK_SIZE`` (oldest
  forgotten). A rendezvous peer comes with addresses and no ENR: the namespace it registered
  under (``rs/<cluster>/<shard>``, one of ours) already says it matches.
* Each round (:meth:`tick`): when fewer than ``target`` peers are connected, dial candidates —
  records whose ENR matches our cluster, shards and needed capability (``relay`` for relaying
  nodes, one of ``store``/``filter``/``lightpush`` for a light node), not connected, not backing off — best score first. A failed dial costs one point and
  backs off ``BACKOFF_BASE · 2^(failures-1)`` seconds (at most ``BACKOFF_MAX``); a success earns
  one point (score in [-10, 10]) and clears the failures.
* When more than ``target + slack`` peers are connected, the lowest-scored ones that are not
  static peers are disconnected (pruned) down to ``target``.
Time comes from ``clock`` (trio's by default) so the rules are testable.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import trio

from statuscli.core.errors import StatusCliError
from statuscli.core.waku.enr import Enr
from statuscli.net.discv5.bounded import BoundedMap
from statuscli.net.peer_exchange import enr_multiaddrs
from statuscli.net.service_peers import SERVICE_BITS

log = logging.getLogger("statuscli.net.peers")

BOOK_SIZE = 2000
BACKOFF_BASE = 5.0
BACKOFF_MAX = 600.0
SCORE_RANGE = (-10, 10)


@dataclass
class PeerRecord:
    source: str
    enr: Enr | None = None
    addrs: list[str] | None = None  # dialable, for peers learned without an ENR (rendezvous)
    score: int = 0
    failures: int = 0
    retry_at: float = 0.0


class PeerManager:
    def __init__(self, node, *, target: int, slack: int = 2, clock: Callable[[], float] = trio.current_time) -> None:
        self.node = node
        self.target = target
        self.slack = slack
        self.clock = clock
        self.book: BoundedMap[str, PeerRecord] = BoundedMap(BOOK_SIZE)

    def learn(self, enr: Enr, source: str) -> None:
        rec = self.book.get(enr.peer_id)
        if rec is None:
            self.book[enr.peer_id] = PeerRecord(source, enr)
        elif rec.enr is None or enr.seq >= rec.enr.seq:
            rec.enr = enr

    def learn_addrs(self, peer_id: str, addrs: list[str], source: str) -> None:
        """A peer known by its addresses only (a rendezvous peer record)."""
        rec = self.book.get(peer_id)
        if rec is None:
            self.book[peer_id] = PeerRecord(source, addrs=list(addrs))
        else:
            rec.addrs = list(addrs)

    def note(self, peer_id: str, source: str) -> None:
        """A peer we did not learn from a record (static, inbound)."""
        if peer_id not in self.book:
            self.book[peer_id] = PeerRecord(source)

    def wants(self, enr: Enr) -> bool:
        cfg = self.node.config
        if cfg.relays and not (enr.waku2 or 0) & 1:
            return False
        if cfg.mode == "light" and not (enr.waku2 or 0) & SERVICE_BITS:
            return False
        shards = enr.shards
        return shards is None or (shards[0] == cfg.cluster_id and bool(set(shards[1]) & set(cfg.shards)))

    def _scored(self, rec: PeerRecord, delta: int) -> None:
        rec.score = max(SCORE_RANGE[0], min(SCORE_RANGE[1], rec.score + delta))

    async def tick(self) -> None:
        connected = {str(p) for p in self.node.host.connected_peers()}
        for pid in connected:
            self.note(pid, "inbound")
        if len(connected) < self.target:
            await self._dial(self.target - len(connected), connected)
        elif len(connected) > self.target + self.slack:
            await self._prune(connected)

    async def _dial(self, need: int, connected: set[str]) -> None:
        now = self.clock()
        me = self.node.peer_id
        for enr in self.node.enr_cache.records(exclude=connected | {me}):
            self.learn(enr, "peer-exchange")
        candidates = [
            (pid, rec) for pid, rec in self.book.items()
            if (self.wants(rec.enr) if rec.enr is not None else bool(rec.addrs)) and pid not in connected and pid != me and rec.retry_at <= now
        ]  # fmt: skip
        candidates.sort(key=lambda item: -item[1].score)
        for pid, rec in candidates:
            if need <= 0:
                return
            if await self._try(rec):
                need -= 1
                self._scored(rec, +1)
                rec.failures = 0
            else:
                self._scored(rec, -1)
                rec.failures += 1
                rec.retry_at = self.clock() + min(BACKOFF_MAX, BACKOFF_BASE * 2 ** (rec.failures - 1))
                self.node.counters.inc("peers.dial-failed")

    async def _try(self, rec: PeerRecord) -> bool:
        for addr in self._addrs(rec):
            try:
                await self.node.host.connect(addr, timeout=5.0)
                self.node.counters.inc("peers.dialed")
                return True
            except StatusCliError as e:
                log.debug("dial %s failed: %s", addr, e.message)
        return False

    @staticmethod
    def _addrs(rec: PeerRecord) -> list[str]:
        return enr_multiaddrs(rec.enr) if rec.enr is not None else list(rec.addrs or ())

    async def _prune(self, connected: set[str]) -> None:
        static = {a.rsplit("/p2p/", 1)[-1] for a in self.node._static_peers.values() if "/p2p/" in a}
        extra = sorted((p for p in connected if p not in static), key=lambda p: self.book[p].score if p in self.book else 0)
        for pid in extra[: len(connected) - self.target]:
            peer = next((p for p in self.node.host.connected_peers() if str(p) == pid), None)
            if peer is not None:
                await self.node.host.disconnect(peer)
                self.node.counters.inc("peers.pruned")

    def report(self) -> list[dict]:
        connected = {str(p) for p in self.node.host.connected_peers()}
        out = []
        for pid, rec in self.book.items():
            out.append({"peer_id": pid, "connected": pid in connected, "source": rec.source, "score": rec.score,
                        "failures": rec.failures, "multiaddrs": self._addrs(rec)})  # fmt: skip
        for pid in connected - set(self.book):
            out.append({"peer_id": pid, "connected": True, "source": "inbound", "score": 0, "failures": 0, "multiaddrs": []})
        return sorted(out, key=lambda r: (not r["connected"], -r["score"], r["peer_id"]))
