"""Size-capped state for the discv5 service: every map evicts its oldest entry when full."""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class BoundedMap(OrderedDict, Generic[K, V]):
    """An insertion-ordered dict of at most ``capacity`` items (oldest evicted, eviction counted)."""

    def __init__(self, capacity: int) -> None:
        super().__init__()
        self.capacity = capacity
        self.evicted = 0

    def __setitem__(self, key, value) -> None:
        if key in self:
            self.move_to_end(key)
        super().__setitem__(key, value)
        while len(self) > self.capacity:
            self.popitem(last=False)
            self.evicted += 1


class RateLimit:
    """At most ``per_window`` events per key in each ``window`` seconds; tracks ``capacity`` keys."""

    def __init__(self, per_window: int, window: float, capacity: int = 4096) -> None:
        self.per_window, self.window = per_window, window
        self._seen: BoundedMap[object, list] = BoundedMap(capacity)

    def allow(self, key, now: float) -> bool:
        slot = self._seen.get(key)
        if slot is None or now - slot[0] >= self.window:
            self._seen[key] = [now, 1]
            return True
        if slot[1] >= self.per_window:
            return False
        slot[1] += 1
        return True
