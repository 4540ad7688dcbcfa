"""34/WAKU2-PEER-EXCHANGE (``/vac/waku/peer-exchange/2.0.0-alpha1``): hand out and learn ENRs.

Rules (spec §8.1):
* Request ``PeerExchangeRPC{query{num_peers}}``; answer ``PeerExchangeRPC{query{num_peers: 0},
  response{peer_infos[enr], status_code, status_desc}}`` — field 1 (query) is always present,
  since nwaku's decoder requires it. ENRs are raw RLP bytes. At most min(num_peers, 60) ENRs.
* What we hand out: our own ENR first (a peer that already knows us simply skips it), then ENRs
  learned from other peers' peer exchange, newest first, never the asker's own, only those on
  our cluster (or without shard info). Without discv5 this is how nodes find each other: a
  bootstrap node asks every peer that connects for its ENRs (which include that peer's own) and
  passes them on.
* ENRs we receive are verified (signature) and filtered (cluster); bad ones are counted
  (``dropped.peer-exchange.bad-enr``) and logged. The cache keeps at most 1000 records for an hour.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable

from statuscli.core.errors import StatusCliError
from statuscli.core.protobuf_codec import parse_into
from statuscli.core.waku.enr import Enr, decode_enr
from statuscli.net import codecs
from statuscli.net.streams import ServiceRefused, request
from statuscli.pb import waku_peer_exchange_pb2 as pb

log = logging.getLogger("statuscli.net.px")

MAX_PEERS = 60
CACHE_SIZE = 1000
CACHE_TTL = 3600.0
OK, BAD_REQUEST, SERVICE_UNAVAILABLE = 200, 400, 503


def enr_multiaddrs(enr: Enr) -> list[str]:
    """Dialable multiaddrs of a record, each ending in ``/p2p/<peer id>``."""
    out = []
    if enr.ip and enr.tcp:
        out.append(f"/ip4/{enr.ip}/tcp/{enr.tcp}")
    if enr.ip6 and enr.tcp6:
        out.append(f"/ip6/{enr.ip6}/tcp/{enr.tcp6}")
    out.extend(enr.multiaddrs)
    return [f"{a}/p2p/{enr.peer_id}" for a in out]


class EnrCache:
    def __init__(self, cluster_id: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.cluster_id = cluster_id
        self.clock = clock
        self._items: OrderedDict[str, tuple[Enr, float]] = OrderedDict()

    def add(self, enr: Enr) -> bool:
        """Keep ``enr`` (newest seq wins); False if it is for another cluster."""
        shards = enr.shards
        if shards is not None and shards[0] != self.cluster_id:
            return False
        old = self._items.get(enr.peer_id)
        if old is not None and old[0].seq > enr.seq:
            return True
        self._items.pop(enr.peer_id, None)
        self._items[enr.peer_id] = (enr, self.clock())
        while len(self._items) > CACHE_SIZE:
            self._items.popitem(last=False)
        return True

    def records(self, exclude: set[str] = frozenset()) -> list[Enr]:
        now = self.clock()
        for pid, (_, seen) in list(self._items.items()):
            if now - seen > CACHE_TTL:
                del self._items[pid]
        return [e for pid, (e, _) in reversed(self._items.items()) if pid not in exclude]

    def __len__(self) -> int:
        return len(self._items)


def parse_enrs(raw_list, counters, source) -> list[Enr]:
    out = []
    for raw in raw_list:
        try:
            enr = decode_enr(raw)
        except StatusCliError as e:
            counters.drop("peer-exchange.bad-enr", "peer exchange from %s: bad ENR: %s", source, e.message)
            continue
        if not enr.signature_valid:
            counters.drop("peer-exchange.bad-enr", "peer exchange from %s: ENR with a bad signature", source)
            continue
        out.append(enr)
    return out


class PeerExchangeService:
    def __init__(self, own_enr: Callable[[], bytes], cache: EnrCache, counters) -> None:
        self.own_enr = own_enr
        self.cache = cache
        self.counters = counters

    async def handle(self, peer, data: bytes) -> bytes:
        rpc = pb.PeerExchangeRPC()
        try:
            parse_into(rpc, data, "PeerExchangeRPC")
            if not rpc.HasField("query"):
                raise ValueError("no query")
        except Exception as e:
            self.counters.drop("peer-exchange.bad-request", "peer exchange request from %s: %s", peer, e)
            return self._answer([], BAD_REQUEST, "decoding request failed")
        n = min(rpc.query.num_peers or MAX_PEERS, MAX_PEERS)
        records = [self.own_enr()] + [e.raw for e in self.cache.records(exclude={str(peer)})]
        self.counters.inc("peer-exchange.answered")
        return self._answer(records[:n], OK, "OK")

    @staticmethod
    def _answer(records: list[bytes], code: int, desc: str) -> bytes:
        rpc = pb.PeerExchangeRPC(query=pb.PeerExchangeQuery(num_peers=0))
        rpc.response.status_code = code
        rpc.response.status_desc = desc
        for raw in records:
            rpc.response.peer_infos.add(enr=raw)
        return rpc.SerializeToString()


async def peer_exchange(host, peer_id, num_peers: int, counters, *, timeout: float = 10.0) -> list[Enr]:
    """Ask ``peer_id`` for up to ``num_peers`` ENRs (verified; ``host`` is the py-libp2p host)."""
    req = pb.PeerExchangeRPC(query=pb.PeerExchangeQuery(num_peers=num_peers))
    data = await request(host, peer_id, codecs.PEER_EXCHANGE, req.SerializeToString(), limit=1_601_536, timeout=timeout)
    rpc = pb.PeerExchangeRPC()
    try:
        parse_into(rpc, data, "PeerExchangeRPC")
    except Exception:
        raise ServiceRefused(f"undecodable peer exchange answer from {peer_id}", status=300) from None
    resp = rpc.response
    if resp.HasField("status_code") and resp.status_code not in (0, OK):
        raise ServiceRefused(f"peer exchange {peer_id} answered {resp.status_code} {resp.status_desc}".rstrip(), status=resp.status_code)
    return parse_enrs([p.enr for p in resp.peer_infos], counters, peer_id)
