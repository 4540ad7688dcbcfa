"""Counters for everything the node does, and every message it drops (never silently).

Names are dotted: ``relay.received``, ``dropped.relay.invalid.too-large``, ``lightpush.requests``.
``snapshot()`` is what ``node status``/``info`` report.
"""

from __future__ import annotations

import logging
from collections import Counter, OrderedDict

#: Peers whose drops are itemised (``by_peer``); the least recently dropping are forgotten first.
MAX_PEERS_ITEMISED = 1000

log = logging.getLogger("statuscli.net")


class Counters:
    def __init__(self) -> None:
        self._values: Counter[str] = Counter()
        self._by_peer: OrderedDict[str, Counter[str]] = OrderedDict()

    def inc(self, name: str, n: int = 1) -> None:
        self._values[name] += n

    def drop(self, name: str, message: str, *args, n: int = 1, level: int = logging.WARNING, peer=None) -> None:
        """Count ``n`` dropped items under ``dropped.<name>`` (and under ``peer`` when given) and log why."""
        self._values["dropped." + name] += n
        if peer is not None:
            key = str(peer)
            per = self._by_peer.get(key)
            if per is None:
                per = self._by_peer[key] = Counter()
                while len(self._by_peer) > MAX_PEERS_ITEMISED:
                    self._by_peer.popitem(last=False)
            else:
                self._by_peer.move_to_end(key)
            per[name] += n
        log.log(level, "dropped: " + message, *args)

    def by_peer(self) -> dict[str, dict[str, int]]:
        """Drops itemised per peer (peer id → counter name without ``dropped.`` → count)."""
        return {p: dict(sorted(c.items())) for p, c in self._by_peer.items()}

    def get(self, name: str) -> int:
        return self._values.get(name, 0)

    def snapshot(self) -> dict[str, int]:
        return dict(sorted(self._values.items()))

    def dropped_total(self) -> int:
        return sum(v for k, v in self._values.items() if k.startswith("dropped."))
