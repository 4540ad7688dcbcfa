"""Liveness checks of routing-table entries: evict a node only after repeated silence.

When a full bucket is offered a new node, :meth:`RoutingTable.add` names the bucket's
least-recently-seen entry; this module decides whether that entry is dead.

Rules:
* The node is PINGed up to ``attempts`` times. Before each retry we wait ``backoff`` seconds,
  doubled for every further retry; each PING is bounded by ``timeout`` (plus the handshake wait
  when there is no session), so one check ends within
  ``attempts × (timeout + HANDSHAKE_WAIT) + backoff × (2^(attempts-1) − 1)`` seconds.
* An answer to any attempt keeps the node (the answer refreshes it as seen). So does anything
  heard from it since the check began (a request of its own, an answer to another request):
  no further PING is sent then. Only a node silent through every attempt is removed (its
  bucket's newest replacement takes the place).
* At most one check per node at a time and at most ``max_running`` checks at once: a request
  for a node already under check, or beyond the cap, is dropped and counted — a hammered
  bucket spawns no more tasks.
* A node that left the table meanwhile (removed by another path) is not checked further.
Counters (in the service's): ``table.liveness-checks`` started, ``table.liveness-retries``
(PINGs after the first), ``table.liveness-kept`` (answered or heard from),
``table.liveness-busy`` / ``table.liveness-capped`` (requests dropped), ``table.evicted``.

Why retries and not geth's per-entry credit: go-ethereum (p2p/discover/table_reval.go)
revalidates table entries on a timer, one PING per check, and keeps a per-node count of
answered checks that a failure divides by 3 (at its 2026 head) — an entry is deleted when the count reaches 0, so a
node answered fewer than 3 times is still dropped at its first miss. The discv5 theory
("Table Maintenance In Practice") leaves it open: occasional non-responsiveness of a node verified
many times may be tolerated. Our checks run only when a full bucket is offered a new node, and a
benchmark swarm (BENCHMARKS.md) lost live nodes to single lost datagrams: spaced retries shield
every entry, new or old, from a lost PING or PONG, and keep the check bounded in time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import trio

from statuscli.core.discv5.table import RoutingTable
from statuscli.core.errors import StatusCliError
from statuscli.core.waku.enr import Enr


@dataclass(frozen=True)
class LivenessPolicy:
    attempts: int = 3  # PINGs before a silent node is evicted
    timeout: float = 1.0  # seconds per PING
    backoff: float = 0.25  # seconds before the first retry, doubled for each further one
    max_running: int = 64  # checks at once (one per node)


class LivenessChecks:
    def __init__(
        self,
        table: RoutingTable,
        ping: Callable[[Enr, float], Awaitable[object]],
        counters: Counter,
        policy: LivenessPolicy | None = None,
    ) -> None:
        self.table = table
        self.ping = ping
        self.counters = counters
        self.policy = policy or LivenessPolicy()
        self._running: set[bytes] = set()  # node ids under check, ≤ policy.max_running

    @property
    def running(self) -> int:
        return len(self._running)

    def start(self, nursery: trio.Nursery, enr: Enr) -> None:
        """Check ``enr`` in the background unless it is already under check (or the cap is hit)."""
        node_id = enr.node_id
        if node_id in self._running:
            self.counters["table.liveness-busy"] += 1
            return
        if len(self._running) >= self.policy.max_running:
            self.counters["table.liveness-capped"] += 1
            return
        try:
            nursery.start_soon(self._check, enr)
        except RuntimeError:  # the service is stopping (its nursery takes no new task): nothing to check for
            self.counters["table.liveness-stopping"] += 1
            return
        self._running.add(node_id)
        self.counters["table.liveness-checks"] += 1

    async def _check(self, enr: Enr) -> None:
        node_id = enr.node_id
        started = trio.current_time()
        try:
            for attempt in range(self.policy.attempts):
                if attempt:
                    await trio.sleep(self.policy.backoff * 2 ** (attempt - 1))
                    if node_id not in self.table:
                        return
                    if self._heard_since(node_id, started):
                        self.counters["table.liveness-kept"] += 1
                        return
                    self.counters["table.liveness-retries"] += 1
                try:
                    await self.ping(enr, self.policy.timeout)
                except StatusCliError:
                    continue
                self.counters["table.liveness-kept"] += 1
                return
            if self._heard_since(node_id, started):
                self.counters["table.liveness-kept"] += 1
            elif node_id in self.table:
                self.counters["table.evicted"] += 1
                self.table.remove(node_id)
        finally:
            self._running.discard(node_id)

    def _heard_since(self, node_id: bytes, started: float) -> bool:
        last = self.table.last_seen(node_id)
        return last is not None and last > started
