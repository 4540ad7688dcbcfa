"""The hand-over of received messages from our node's thread to the app's (``listen``), bounded in bytes.

:class:`ReceiveQueue` is a thread-safe FIFO of :class:`~statuscli.net.transport.Received`. The
node's thread :meth:`~ReceiveQueue.offer`\\ s what a filter service pushed (or relay delivered)
and never waits; the app's thread takes batches with :meth:`~ReceiveQueue.get`. At most
``max_bytes`` wait (each message costs its WakuMessage bytes, its pubsub topic, its hash and
:data:`~statuscli.net.limits.ITEM_OVERHEAD` for the Python objects around them, so a flood of tiny messages is bounded
too).

**When full, the new arrival is dropped** (not the oldest waiting): what waits arrived first and
is handled in arrival order, a flood cannot push out what was already accepted, and the dropped
messages are a span of the newest — the same choice as the node's own subscription buffers.
Nothing is lost for good: no filter push is acknowledged on the wire, so every dropped message is
counted (:attr:`~ReceiveQueue.dropped`) and remembered as ``(count, first, last timestamp ns)``
until :meth:`~ReceiveQueue.take_lost` hands it to the app, which fetches that span from the store
(``listen``: ``Listener._heal``); if the app dies first, its checkpoint has not passed those
messages and the next catch-up fetches them.
"""

from __future__ import annotations

import threading
from collections import deque

from statuscli.net.limits import DEFAULT_RECEIVE_QUEUE_BYTES, waiting_bytes
from statuscli.net.lost_span import LostSpan
from statuscli.net.transport import Received


def item_size(r: Received) -> int:
    return waiting_bytes(r.data, r.pubsub_topic, r.hash)


class ReceiveQueue:
    def __init__(self, max_bytes: int = DEFAULT_RECEIVE_QUEUE_BYTES) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0  # waiting now
        self.dropped = 0  # in all, since start
        self._items: deque[tuple[Received, int]] = deque()
        self._cond = threading.Condition()
        self._lost = LostSpan()

    def __len__(self) -> int:
        with self._cond:
            return len(self._items)

    def offer(self, r: Received, timestamp_ns: int | None = None) -> bool:
        """Queue ``r`` without waiting; False when that would pass ``max_bytes`` (dropped, counted,
        its timestamp — or now when it has none — added to the lost span)."""
        size = item_size(r)
        with self._cond:
            if self.bytes + size > self.max_bytes:
                self.dropped += 1
                self._lost.add(timestamp_ns)
                return False
            self._items.append((r, size))
            self.bytes += size
            self._cond.notify()
            return True

    def get(self, timeout: float, max_items: int) -> list[Received]:
        """What waits (at most ``max_items``, oldest first), waiting up to ``timeout`` s for the first."""
        with self._cond:
            self._cond.wait_for(lambda: self._items, max(timeout, 0.0))
            out = []
            while self._items and len(out) < max_items:
                r, size = self._items.popleft()
                self.bytes -= size
                out.append(r)
            return out

    def take_lost(self) -> tuple[int, int, int] | None:
        """(count, first, last timestamp in ns) of the messages dropped since the last call, or None."""
        with self._cond:
            return self._lost.take()
