"""Discovery for a running :class:`~statuscli.net.node.WakuNode`: Discovery v5 and DNS trees.

Rules:
* Our discv5 record is the node's ENR (ip, tcp, waku2, multiaddrs, rs) plus ``udp``; it becomes
  the node's ENR (so ``node status`` and peer exchange show the record discv5 serves). A change
  re-signs it with ``seq + 1``.
* Records found (discv5 walks, DNS trees, bootstrap) are offered to the node's ENR cache only if
  they match us: a non-zero ``waku2``, and ``rs``/``rsv`` on our cluster sharing one of our
  shards (records without shard keys pass). The node's maintenance loop dials them up to its
  target. Where each peer came from is recorded (``sources``, bounded).
* A self-lookup (our own id: Kademlia's join) runs first, then a random walk every
  ``discv5_interval`` seconds while discovery is on. With
  ``discovery_period`` (mobile-style, as status-go's peer pool stops discovery once it has
  peers or after a timeout) everything stops when the period ends: the UDP socket closes, walks
  and DNS refreshes end, our record drops ``udp`` (seq + 1), and ``info()`` says
  ``active: false`` with ``stopped_after_s``; peers learned so far stay with the peer manager. DNS trees are resolved at start and on every
  ``dns_interval``; a tree that fails to verify is logged and counted, never used.
"""

from __future__ import annotations

import logging

import trio

from statuscli.core.discv5.local_record import LocalRecord
from statuscli.core.errors import StatusCliError
from statuscli.core.waku.enr import Enr, decode_enr
from statuscli.net.discv5.bounded import BoundedMap
from statuscli.net.discv5.lookup import random_walk, self_lookup
from statuscli.net.discv5.service import Discv5Service

log = logging.getLogger("statuscli.net.discovery")

DNS_INTERVAL = 1800.0


class NodeDiscovery:
    def __init__(self, node) -> None:
        self.node = node
        cfg = node.config
        mine = decode_enr(node._enr_raw)
        self.record = LocalRecord(
            node._secret,
            mine.seq,
            ip=mine.ip,
            tcp=mine.tcp,
            waku2_flags=mine.waku2 or 0,
            multiaddrs=mine.multiaddrs,
            rs=(cfg.cluster_id, cfg.shards) if mine.shards else None,
        )
        host = "127.0.0.1" if (mine.ip or "127.").startswith("127.") else "0.0.0.0"
        self.service = Discv5Service(node._secret, self.record, host=host, port=cfg.discv5_port, on_discovered=self._found_discv5)
        self.sources: BoundedMap[str, str] = BoundedMap(10_000)
        self.active_until: float | None = None  # None: always on
        self.stopped_at: float | None = None
        self.started_at = trio.current_time()
        self.counters = node.counters

    # --- what we accept -------------------------------------------------------------------
    def matches(self, enr: Enr) -> bool:
        if not enr.waku2:
            return False
        shards = enr.shards
        if shards is None:
            return True
        cfg = self.node.config
        return shards[0] == cfg.cluster_id and (not cfg.shards or bool(set(shards[1]) & set(cfg.shards)))

    def offer(self, enr: Enr, source: str) -> None:
        if enr.peer_id == self.node.peer_id:
            return
        if not self.matches(enr):
            self.counters.drop(
                f"discovery.{source}.mismatch", "ignoring %s from %s: not our cluster/shards/capabilities", enr.peer_id, source, level=logging.DEBUG
            )
            return
        self.sources.setdefault(enr.peer_id, source)
        self.node.enr_cache.add(enr)
        pm = getattr(self.node, "peer_manager", None)
        if pm is not None:
            pm.learn(enr, source)

    def _found_discv5(self, enr: Enr) -> None:
        self.offer(enr, "discv5")

    # --- running --------------------------------------------------------------------------
    def discover_for(self, seconds: float | None) -> None:
        """Walk for ``seconds`` from now (None: always)."""
        self.active_until = None if seconds is None else trio.current_time() + seconds

    @property
    def active(self) -> bool:
        return self.stopped_at is None and (self.active_until is None or trio.current_time() < self.active_until)

    async def run(self, *, task_status=trio.TASK_STATUS_IGNORED) -> None:
        cfg = self.node.config
        with trio.CancelScope() as self._scope:
            await self._run(cfg, task_status)
        # the period is over: no socket, no walks, no DNS; our record stops advertising udp
        self.stopped_at = trio.current_time()
        self.record.update(udp=None)
        self.node._enr_raw = self.record.raw
        self.counters.inc("discovery.stopped")
        log.info("discovery stopped after its period of %g s (peers learned so far are kept)", cfg.discovery_period or 0)

    async def _run(self, cfg, task_status) -> None:
        async with trio.open_nursery() as nursery:
            await nursery.start(self.service.serve)
            self.node._enr_raw = self.record.raw
            for text in cfg.bootstrap:
                try:
                    enr = decode_enr(text)
                except StatusCliError as e:
                    log.warning("bootstrap record %s…: %s", text[:20], e.message)
                    continue
                self.offer(enr, "bootstrap")
                self.service.add_bootstrap(enr)
            for url in cfg.enrtree:
                nursery.start_soon(self._dns_loop, url)
            if cfg.discovery_period is not None:
                self.discover_for(cfg.discovery_period)
                self._scope.deadline = self.active_until
            task_status.started(self.service.port)
            walk = self_lookup  # join first, then random walks
            while True:
                if self.active:
                    await walk(self.service)
                    walk = random_walk
                await trio.sleep(cfg.discv5_interval)

    async def _dns_loop(self, url: str) -> None:
        from statuscli.net.dns_discovery import TreeResolver, dnspython_lookup

        cfg = self.node.config
        host, _, port = (cfg.dns_server or "").partition(":")
        resolver = TreeResolver(dnspython_lookup(host, int(port or 53)) if host else dnspython_lookup())
        while True:
            try:
                async for enr in resolver.walk(url):
                    self.offer(enr, "enrtree")
                    self.service.add_bootstrap(enr)
            except StatusCliError as e:
                self.counters.drop("discovery.enrtree", "enrtree %s: %s", url, e.message)
            await trio.sleep(DNS_INTERVAL)

    def info(self) -> dict:
        return {
            "node_id": "0x" + self.record.node_id.hex(),
            "udp_port": None if self.stopped_at is not None else self.service.port,
            "seq": self.record.seq,
            "active": self.active,
            "period_s": self.node.config.discovery_period,
            "stopped_after_s": None if self.stopped_at is None else round(self.stopped_at - self.started_at, 1),
            **self.service.stats(),
        }
