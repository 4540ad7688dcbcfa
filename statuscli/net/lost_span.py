"""What a full buffer dropped, kept until someone asks: how many messages and the span of their
timestamps, so the reader can fetch that span from a store. Shared by the node's subscription
buffers (:class:`~statuscli.net.node_config.Subscription`), the light client's filter
subscriptions (:class:`~statuscli.net.filter_client.FilterSubscription`) and its receive queue
(:class:`~statuscli.net.receive_queue.ReceiveQueue`)."""

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

    def take(self) -> tuple[int, int, int] | None:
        """(count, first, last timestamp in ns) of the messages dropped since the last call, or None."""
        span, self._span = self._span, None
        return span
