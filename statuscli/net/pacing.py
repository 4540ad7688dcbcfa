"""An honest client of a rate-limited service: back off on 429, then keep the pace that worked.

A store node (or a lightpush service) answers a request over its per-peer token bucket with 429,
and counts each such request against the peer's score — enough of them and the peer is banned
(:mod:`statuscli.net.guard`). A client that backs off only for the request in hand and then asks
at full speed again is refused once per request from then on: a long ``listen`` catch-up or
``mailserver fetch`` (hundreds of store pages) would collect refusals until the service banned it,
and the rest of the catch-up would fail.

:class:`Pacer` keeps, per (service, protocol), the spacing the service accepted: after a 429 the
spacing doubles (from :data:`FIRST_S`, at most :data:`MAX_S`) and the request is asked again once
that much time passed; every later request to that service waits until the spacing since the last
answered one has passed. The spacing is kept for the client's life, so a long run of requests is
refused about log2(MAX_S / FIRST_S) times in all, not once per request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable

import trio

TOO_MANY_REQUESTS = 429
FIRST_S = 0.1
MAX_S = 2.0
#: services remembered (least recently used forgotten first)
MAX_KEYS = 1000


class Pacer:
    def __init__(self) -> None:
        self._spacing: dict[Hashable, float] = {}
        self._next_at: dict[Hashable, float] = {}
        self.refusals = 0

    def spacing(self, key: Hashable) -> float:
        return self._spacing.get(key, 0.0)

    async def ready(self, key: Hashable) -> None:
        at = self._next_at.get(key)
        if at is not None:
            await trio.sleep_until(at)

    def answered(self, key: Hashable) -> None:
        gap = self._spacing.get(key)
        if gap:
            self._next_at[key] = trio.current_time() + gap

    def refused(self, key: Hashable) -> float:
        """A 429: the doubled spacing (also the wait before asking again)."""
        self.refusals += 1
        gap = min(MAX_S, max(FIRST_S, 2 * self._spacing.get(key, 0.0)))
        self._spacing.pop(key, None)
        self._spacing[key] = gap
        while len(self._spacing) > MAX_KEYS:
            old = next(iter(self._spacing))
            del self._spacing[old]
            self._next_at.pop(old, None)
        self._next_at[key] = trio.current_time() + gap
        return gap


async def paced(pacer: Pacer, key: Hashable, call: Callable[[], Awaitable], timeout: float):
    """``await call()`` at the pace the service accepts; asked again while it answers 429 (``status_code``
    or ``status`` of the result), for ``timeout`` seconds at most — then the 429 result is returned."""
    deadline = trio.current_time() + timeout
    while True:
        await pacer.ready(key)
        result = await call()
        code = getattr(result, "status_code", getattr(result, "status", None))
        if code != TOO_MANY_REQUESTS:
            pacer.answered(key)
            return result
        wait = pacer.refused(key)
        if trio.current_time() + wait > deadline:
            return result
