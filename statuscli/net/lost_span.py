"""What a full buffer dropped, kept until someone asks: how many messages and the span of their
timestamps, so the reader can fetch that span from a store. Shared by the bounded message channels
(:class:`~statuscli.net.bounded_messages.BoundedMessages`: the node's subscriptions, the light
client's filter subscriptions), the receive queue (:class:`~statuscli.net.receive_queue.ReceiveQueue`)
and what our embedded transport keeps of subscriptions it replaced."""

from __future__ import annotations

import time


class LostSpan:
    __slots__ = ("_span",)

    def __init__(self) -> None:
        self._span: tuple[int, int, int] | None = None  # (count, first timestamp ns, last timestamp ns)

    def add(self, timestamp_ns: int | None) -> None:
        """One more dropped message (a message without a timestamp counts as now)."""
        ts = timestamp_ns or time.time_ns()
        n, first, last = self._span or (0, ts, ts)
        self._span = (n + 1, min(first, ts), max(last, ts))

    def extend(self, span: tuple[int, int, int] | None) -> None:
        """Another buffer's ``take()`` (count, first, last) merged into this one."""
        if span is None:
            return
        n, first, last = self._span or (0, span[1], span[2])
        self._span = (n + span[0], min(first, span[1]), max(last, span[2]))

    def take(self) -> tuple[int, int, int] | None:
        """(count, first, last timestamp in ns) of the messages dropped since the last call, or None."""
        span, self._span = self._span, None
        return span
