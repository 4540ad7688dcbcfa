"""Counters for everything the node does, and every message it drops (never silently).

Names are dotted: ``relay.received``, ``dropped.relay.invalid.too-large``, ``lightpush.requests``.
``snapshot()`` is what ``node status``/``info`` report.
"""

from __future__ import annotations

import logging
from collections import Counter

log = logging.getLogger("statuscli.net")


class Counters:
    def __init__(self) -> None:
        self._values: Counter[str] = Counter()

    def inc(self, name: str, n: int = 1) -> None:
        self._values[name] += n

    def drop(self, name: str, message: str, *args, n: int = 1, level: int = logging.WARNING) -> None:
        """Count ``n`` dropped items under ``dropped.<name>`` and log why."""
        self._values["dropped." + name] += n
        log.log(level, "dropped: " + message, *args)

    def get(self, name: str) -> int:
        return self._values.get(name, 0)

    def snapshot(self) -> dict[str, int]:
        return dict(sorted(self._values.items()))

    def dropped_total(self) -> int:
        return sum(v for k, v in self._values.items() if k.startswith("dropped."))
