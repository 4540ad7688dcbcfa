"""A trio channel of relay messages bounded in count and in bytes, that remembers what it refused.

The base of the node's local subscriptions (:class:`~statuscli.net.node_config.Subscription`) and
the light client's filter subscriptions (:class:`~statuscli.net.filter_client.FilterSubscription`):
each message waiting costs :func:`~statuscli.net.limits.waiting_bytes`; the newest message that
would pass either bound is refused and its timestamp joins a
:class:`~statuscli.net.lost_span.LostSpan`, which :meth:`BoundedMessages.take_lost` hands to whoever
forwards the messages, so the reader can fetch that span from a store. Counting the drop is the
owner's (its counter name says which buffer it was).
"""

from __future__ import annotations

import trio

from statuscli.net.limits import waiting_bytes
from statuscli.net.lost_span import LostSpan


class BoundedMessages:
    def __init__(self, max_items: int, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0  # waiting now
        self._send, self._recv = trio.open_memory_channel(max_items)
        self._lost = LostSpan()

    def _put(self, msg) -> bool | None:
        """Queue ``msg`` (a ``RelayMessage``): True; False when full (refused, its span kept); None when closed."""
        size = waiting_bytes(msg.data, msg.pubsub_topic, msg.hash)
        try:
            if self.bytes + size > self.max_bytes:
                raise trio.WouldBlock
            self._send.send_nowait(msg)
        except trio.WouldBlock:
            self._lost.add(msg.message.timestamp)
            return False
        except trio.ClosedResourceError:
            return None
        self.bytes += size
        return True

    def take_lost(self) -> tuple[int, int, int] | None:
        """(count, first, last timestamp in ns) of the messages refused since the last call, or None."""
        return self._lost.take()

    def __aiter__(self):
        return self

    async def __anext__(self):
        try:
            return await self.receive()
        except trio.EndOfChannel:
            raise StopAsyncIteration from None

    async def receive(self):
        msg = await self._recv.receive()
        self.bytes -= waiting_bytes(msg.data, msg.pubsub_topic, msg.hash)
        return msg

    def _close_channel(self) -> None:
        self._send.close()
