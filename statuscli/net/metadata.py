"""66/WAKU2-METADATA (``/vac/waku/metadata/1.0.0``): exchange cluster id and shards with peers.

Rules (spec §7):
* Both directions use the same shape ``{cluster_id, shards}``; the requester sends its own,
  the responder answers with its own. ``cluster_id`` is always written (even 0). Shards are
  written as field 2 UNPACKED (js-waku) and again as field 3 packed (nwaku); a reader takes
  field 3 if present, else field 2 in either encoding.
* On every new connection the node asks the peer (as nwaku does). A peer that answers with no
  cluster id or another cluster is disconnected (nwaku's rule; counted as
  ``metadata.cluster-mismatch`` and logged). A peer that does not serve metadata is kept (a
  plain libp2p tool may probe us) and logged at INFO. Shard differences never disconnect.
* Requests from a peer on another cluster are still answered (so it learns why), then counted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from statuscli.core.errors import DecodeError
from statuscli.core.protobuf_codec import parse_into
from statuscli.net import codecs
from statuscli.net.streams import request
from statuscli.pb import waku_metadata_pb2 as pb

log = logging.getLogger("statuscli.net.metadata")

MAX_METADATA = 1024


@dataclass(frozen=True, slots=True)
class PeerMetadata:
    cluster_id: int | None
    shards: tuple[int, ...]

    def to_json(self) -> dict:
        return {"cluster_id": self.cluster_id, "shards": list(self.shards)}


def encode(cluster_id: int, shards) -> bytes:
    shards = sorted(set(shards))
    return pb.WakuMetadataResponse(cluster_id=cluster_id, shards=shards, shards_packed=shards).SerializeToString()


def decode(data: bytes) -> PeerMetadata:
    msg = pb.WakuMetadataResponse()
    try:
        parse_into(msg, data, "WakuMetadataResponse")
    except Exception as e:
        raise DecodeError(f"undecodable metadata: {e}") from None
    shards = msg.shards_packed or msg.shards
    return PeerMetadata(msg.cluster_id if msg.HasField("cluster_id") else None, tuple(shards))


class MetadataService:
    def __init__(self, cluster_id: int, shards, counters) -> None:
        self.cluster_id = cluster_id
        self.shards = sorted(set(shards))
        self.counters = counters
        self.peers: dict = {}  # peer id -> PeerMetadata

    def body(self) -> bytes:
        return encode(self.cluster_id, self.shards)

    async def handle(self, peer, data: bytes) -> bytes:
        try:
            meta = decode(data)
        except DecodeError as e:
            self.counters.drop("metadata.bad-request", "metadata request from %s: %s", peer, e.message)
            return self.body()
        self.peers[peer] = meta
        if meta.cluster_id is not None and meta.cluster_id != self.cluster_id:
            self.counters.inc("metadata.other-cluster")
            log.info("metadata: %s says it is on cluster %s (we are on %d)", peer, meta.cluster_id, self.cluster_id)
        return self.body()

    async def query(self, host, peer_id, *, timeout: float = 5.0) -> PeerMetadata:
        """Ask ``peer_id`` for its metadata (``host`` is the py-libp2p host)."""
        data = await request(host, peer_id, codecs.METADATA, self.body(), limit=MAX_METADATA, timeout=timeout)
        meta = decode(data)
        self.peers[peer_id] = meta
        return meta

    def compatible(self, meta: PeerMetadata) -> str | None:
        """Why a peer must be disconnected (nwaku's rule), or None if it may stay."""
        if meta.cluster_id is None:
            return "no cluster id in its metadata"
        if meta.cluster_id != self.cluster_id:
            return f"it is on cluster {meta.cluster_id}, we are on {self.cluster_id}"
        return None
