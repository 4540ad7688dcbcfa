"""How much unverified Double Ratchet work one peer may cost us (forged headers, issue 13.7).

A DR header is not authenticated on its own: the installation id and bundle id it names are
public, so anyone can send ``N = PN = 1000`` for someone else's session and make us walk up to
2 000 chain steps before the MAC fails. Each session (peer identity, installation, bundle) has a
token bucket of chain steps for such work:

* a message whose header needs more steps than the bucket holds is refused before any work
  (``skip-limit``, :class:`~statuscli.core.ratchet.SkipLimitReached`);
* the steps of a message whose MAC then fails are taken from the bucket; a message that decrypts
  takes nothing (an honest gap, however large up to MAX_SKIP per chain, is never charged);
* the bucket holds one worst case (2 × MAX_SKIP steps) and refills fully in ``refill_s``.

So a stranger forging headers in one process (``listen``) costs at most 2 000 HMACs per session
per minute; every refusal and every wasted step is counted (:attr:`SkipAllowance.refused`,
:attr:`SkipAllowance.wasted_steps`). At most ``max_sessions`` buckets are kept (least recently
used first out); a forgotten bucket comes back full.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from statuscli.core.ratchet import MAX_SKIP

CAPACITY = 2 * MAX_SKIP
REFILL_SECONDS = 60.0
MAX_SESSIONS = 10_000


class SkipAllowance:
    def __init__(self, capacity: int = CAPACITY, refill_s: float = REFILL_SECONDS, *, max_sessions: int = MAX_SESSIONS,
                 clock: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        self.capacity, self.rate, self.max_sessions, self.clock = capacity, capacity / refill_s, max_sessions, clock
        self._buckets: OrderedDict[tuple, tuple[float, float]] = OrderedDict()  # key -> (tokens, at)
        self.refused = 0
        self.wasted_steps = 0
        self.failures = 0

    def available(self, key: tuple) -> int:
        """Chain steps an unverified message for session ``key`` may take now."""
        got = self._buckets.get(key)
        if got is None:
            return self.capacity
        tokens, at = got
        return int(min(self.capacity, tokens + (self.clock() - at) * self.rate))

    def charge(self, key: tuple, steps: int) -> None:
        """A message for ``key`` failed after ``steps`` chain steps."""
        self.failures += 1
        self.wasted_steps += steps
        left = max(0, self.available(key) - steps)
        self._buckets[key] = (left, self.clock())
        self._buckets.move_to_end(key)
        while len(self._buckets) > self.max_sessions:
            self._buckets.popitem(last=False)

    def refuse(self) -> None:
        self.refused += 1

    def snapshot(self) -> dict:
        return {"refused": self.refused, "failures": self.failures, "wasted_steps": self.wasted_steps}


#: The process's allowance (a ``listen`` keeps it for its whole run; ``decrypt`` for one message).
ALLOWANCE = SkipAllowance()
