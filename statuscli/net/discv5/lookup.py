"""Iterative Kademlia lookups and random walks over a :class:`Discv5Service`.

A lookup for ``target`` keeps the ``k`` closest records seen so far and asks, ``alpha`` at a time,
each not-yet-asked one of them for the three log distances around the target
(``d``, ``d+1``, ``d-1`` with ``d = logdist(target, node)``); it ends when the k closest have
all been asked (or failed), or after ``max_rounds``. Every record learned is returned.
A random walk is a lookup for a random id: it is how the table fills and stays fresh; a
self-lookup (our own id) first is how a node joins.
"""

from __future__ import annotations

import os

import trio

from statuscli.core.discv5.table import BUCKET_SIZE, BUCKETS, distance, log_distance
from statuscli.core.errors import StatusCliError
from statuscli.core.waku.enr import Enr
from statuscli.net.discv5.service import Discv5Service, endpoint

ALPHA = 3


def lookup_distances(target: bytes, node_id: bytes) -> list[int]:
    d = log_distance(target, node_id)
    out = [d] + [x for x in (d + 1, d - 1) if 1 <= x <= BUCKETS]
    return [x for x in out if x >= 1] or [BUCKETS]


async def lookup(svc: Discv5Service, target: bytes, *, k: int = BUCKET_SIZE, alpha: int = ALPHA, max_rounds: int = 20, timeout: float = 1.0) -> list[Enr]:
    seen: dict[bytes, Enr] = {e.node_id: e for e in svc.table.closest(target, k)}
    asked: set[bytes] = set()
    for _ in range(max_rounds):
        closest = sorted(seen.values(), key=lambda e: distance(e.node_id, target))[:k]
        batch = [e for e in closest if e.node_id not in asked and endpoint(e) is not None][:alpha]
        if not batch:
            break

        async def ask(enr: Enr) -> None:
            asked.add(enr.node_id)
            try:
                found = await svc.find_node(enr, lookup_distances(target, enr.node_id), timeout=timeout)
            except StatusCliError:
                svc.counters["lookup.failed-peer"] += 1
                return
            for rec in found:
                if rec.node_id != svc.node_id:
                    old = seen.get(rec.node_id)
                    if old is None or rec.seq > old.seq:
                        seen[rec.node_id] = rec

        async with trio.open_nursery() as nursery:
            for enr in batch:
                nursery.start_soon(ask, enr)
    svc.counters["lookups"] += 1
    return sorted(seen.values(), key=lambda e: distance(e.node_id, target))


async def random_walk(svc: Discv5Service, **kw) -> list[Enr]:
    return await lookup(svc, os.urandom(32), **kw)


async def self_lookup(svc: Discv5Service, **kw) -> list[Enr]:
    """A lookup for our own id: Kademlia's join (geth's table refresh starts with one). It asks the
    nodes nearest us, which fills our near buckets and puts us in theirs; random walks alone
    rarely reach the few nodes at small distances."""
    return await lookup(svc, svc.node_id, **kw)
