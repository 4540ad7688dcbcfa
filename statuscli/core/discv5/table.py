"""The Kademlia routing table of discv5 (discv5-theory.md, "Node Table"), sans-IO.

Rules:
* 256 buckets by log2 distance ``d = bitlen(local_id XOR id)``; each holds at most ``k = 16``
  live entries ordered least-recently-seen first, plus a replacement list of at most 10.
* A new node goes into its bucket if there is room; otherwise into the replacement list (newest
  kept), and :meth:`add` returns the bucket's least-recently-seen entry: the caller should
  check that node's liveness (PING, retried: net/discv5/liveness.py) and call :meth:`remove`
  if it stays silent, which promotes the newest replacement.
* A newer record (higher seq) of a known node replaces the old one; :meth:`seen` moves an entry
  to the live end. Our own id is never stored.
Time is an argument (``now``); nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from statuscli.core.waku.enr import Enr

BUCKET_SIZE = 16
REPLACEMENTS = 10
BUCKETS = 256


def log_distance(a: bytes, b: bytes) -> int:
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).bit_length()


def distance(a: bytes, b: bytes) -> int:
    return int.from_bytes(a, "big") ^ int.from_bytes(b, "big")


@dataclass
class Entry:
    enr: Enr
    last_seen: float

    @property
    def node_id(self) -> bytes:
        return self.enr.node_id  # cached on the record


class RoutingTable:
    def __init__(self, local_id: bytes, *, bucket_size: int = BUCKET_SIZE, replacements: int = REPLACEMENTS) -> None:
        self.local_id = bytes(local_id)
        self.bucket_size = bucket_size
        self.max_replacements = replacements
        self.buckets: list[list[Entry]] = [[] for _ in range(BUCKETS + 1)]
        self.replacements: list[list[Entry]] = [[] for _ in range(BUCKETS + 1)]
        self._index: dict[bytes, int] = {}

    def __len__(self) -> int:
        return len(self._index)

    def __contains__(self, node_id: bytes) -> bool:
        return node_id in self._index

    def _entry(self, node_id: bytes) -> Entry | None:
        d = self._index.get(node_id)
        if d is None:
            return None
        return next((e for e in self.buckets[d] if e.node_id == node_id), None)

    def get(self, node_id: bytes) -> Enr | None:
        e = self._entry(node_id)
        return e.enr if e is not None else None

    def add(self, enr: Enr, now: float) -> Entry | None:
        """Insert or refresh ``enr``; returns the entry whose liveness to check when full."""
        nid = enr.node_id
        d = log_distance(self.local_id, nid)
        if d == 0:
            return None
        bucket = self.buckets[d]
        for i, e in enumerate(bucket):
            if e.node_id == nid:
                if enr.seq >= e.enr.seq:
                    e.enr = enr
                e.last_seen = now
                bucket.append(bucket.pop(i))
                return None
        if len(bucket) < self.bucket_size:
            bucket.append(Entry(enr, now))
            self._index[nid] = d
            return None
        repl = [e for e in self.replacements[d] if e.node_id != nid]
        repl.append(Entry(enr, now))
        self.replacements[d] = repl[-self.max_replacements :]
        return bucket[0]

    def last_seen(self, node_id: bytes) -> float | None:
        """When ``node_id`` was last heard from (None: not in a bucket)."""
        e = self._entry(node_id)
        return e.last_seen if e is not None else None

    def seen(self, node_id: bytes, now: float) -> None:
        d = self._index.get(node_id)
        if d is None:
            return
        bucket = self.buckets[d]
        for i, e in enumerate(bucket):
            if e.node_id == node_id:
                e.last_seen = now
                bucket.append(bucket.pop(i))
                return

    def remove(self, node_id: bytes) -> None:
        """Drop a dead node; the newest replacement of its bucket takes the place."""
        d = self._index.pop(node_id, None)
        if d is None:
            return
        self.buckets[d] = [e for e in self.buckets[d] if e.node_id != node_id]
        if self.replacements[d]:
            promoted = self.replacements[d].pop()
            self.buckets[d].append(promoted)
            self._index[promoted.node_id] = d

    def at_distances(self, distances: Iterable[int], limit: int = BUCKET_SIZE) -> list[Enr]:
        out: list[Enr] = []
        for d in distances:
            if 1 <= d <= BUCKETS:
                out.extend(e.enr for e in reversed(self.buckets[d]))
            if len(out) >= limit:
                break
        return out[:limit]

    def closest(self, target: bytes, count: int = BUCKET_SIZE) -> list[Enr]:
        t = int.from_bytes(target, "big")
        return sorted(self.entries(), key=lambda e: int.from_bytes(e.node_id, "big") ^ t)[:count]

    def entries(self) -> list[Enr]:
        return [e.enr for bucket in self.buckets for e in bucket]

    def stalest(self, now: float, older_than: float) -> list[Entry]:
        """Entries not seen for ``older_than`` seconds, least recently seen first."""
        stale = [e for bucket in self.buckets for e in bucket if now - e.last_seen >= older_than]
        return sorted(stale, key=lambda e: e.last_seen)
