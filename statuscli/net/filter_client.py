"""12/WAKU2-FILTER v2 client: subscribe to a filter service and receive its pushes.

The client serves ``/vac/waku/filter-push/2.0.0-beta1`` (the service opens the stream and may
write many ``MessagePush`` frames on it; we read until it closes). A push without a pubsub topic
or with an undecodable message is dropped, counted (``dropped.filter-client.*``) and logged, as
js-waku does. Pushes reach only the local subscriptions made with that service whose (pubsub,
content) topics match; duplicates (same message hash) are delivered once per subscription.

Each subscription holds what its reader has not taken yet, bounded in bytes
(``NodeLimits.filter_subscription_bytes``, 4 MiB; each push costs its WakuMessage bytes, pubsub
topic, hash and 200 B, :func:`~statuscli.net.limits.waiting_bytes`) and in count
(:data:`SUBSCRIPTION_BUFFER`). A push that would pass either bound is dropped — the newest, as the
receive queue and the node's own subscriptions do — counted (``dropped.filter-client.buffer-full``)
and its timestamp added to a :class:`~statuscli.net.lost_span.LostSpan` that
:meth:`FilterSubscription.take_lost` hands to whoever forwards the subscription (the embedded
transport's ``interruptions()``, the control socket's ``dropped`` notification), so ``listen``
fetches that span from a store. A dropped push is not marked seen: a later copy is delivered.

Subscriptions are kept alive and healed: every ``ping_interval`` (15 s; js-waku pings every 60 s,
too slow for services that forget live subscriptions every minute) the client pings each service
it has subscriptions with. A 404 (the service forgot us: it restarted, or expired us early) or a
failed ping re-subscribes at once; every re-subscription is counted
(``filter-client.resubscribed``) and every failure (``filter-client.ping-failed``, retried at
the next round). The window in which pushes may have been lost — from the last answer that
proved the subscription alive to the re-subscription — is appended to :attr:`FilterClient.interruptions`
as ``(peer, from_ns, to_ns)`` (wall clock) for the app to fetch from a store.

Usage (any node mode, e.g. ``light``)::

    sub = await node.filter_subscribe(service_multiaddr, "/waku/2/rs/16/32", ["/app/1/chat/proto"])
    async for m in sub:             # RelayMessage(pubsub_topic, message, data, hash)
        ...
    await sub.unsubscribe()
"""

from __future__ import annotations

import logging
import secrets
import time
from collections import OrderedDict

import trio

from statuscli.core.errors import StatusCliError
from statuscli.core.protobuf_codec import parse_into
from statuscli.core.waku.message import decode, message_hash
from statuscli.net import codecs
from statuscli.net.bounded_messages import BoundedMessages
from statuscli.net.limits import DEFAULT_FILTER_SUBSCRIPTION_BYTES
from statuscli.net.relay import RelayMessage
from statuscli.net.streams import MAX_FRAME, ServiceRefused, read_frame, request, reset_quietly, send_only
from statuscli.pb import waku_filter_pb2 as pb

log = logging.getLogger("statuscli.net.filter")

T = pb.FilterSubscribeRequest
#: messages waiting in one subscription at most (besides its byte bound)
SUBSCRIPTION_BUFFER = 4096
_DEDUP = 4096
DEFAULT_PING_INTERVAL = 15.0
#: interruptions kept for the app to collect (oldest dropped first, counted)
MAX_INTERRUPTIONS = 1000


class FilterSubscription(BoundedMessages):
    """Messages pushed by one service for one pubsub topic and a set of content topics."""

    def __init__(self, client: FilterClient, peer_id, pubsub_topic: str, content_topics: list[str]) -> None:
        super().__init__(SUBSCRIPTION_BUFFER, client.subscription_bytes)
        self.client = client
        self.peer_id = peer_id
        self.pubsub_topic = pubsub_topic
        self.content_topics = set(content_topics)
        self._seen: OrderedDict[bytes, None] = OrderedDict()

    def matches(self, peer_id, pubsub_topic: str, content_topic: str) -> bool:
        return peer_id == self.peer_id and pubsub_topic == self.pubsub_topic and content_topic in self.content_topics

    def _offer(self, item: RelayMessage) -> None:
        if item.hash in self._seen:
            return
        queued = self._put(item)
        if queued is False:
            self.client.counters.drop("filter-client.buffer-full", "filter push for %s: subscriber buffer full (%d bytes waiting)",
                                      self.pubsub_topic, self.bytes)  # fmt: skip
        if not queued:
            return
        self._seen[item.hash] = None
        if len(self._seen) > _DEDUP:
            self._seen.popitem(last=False)

    async def ping(self) -> None:
        await self.client.request(self.peer_id, T.SUBSCRIBER_PING)

    async def unsubscribe(self) -> None:
        """Tell the service (without waiting for its answer, as js-waku) and stop delivery."""
        self.close()
        try:
            await self.client.request(self.peer_id, T.UNSUBSCRIBE, self.pubsub_topic, sorted(self.content_topics), wait=False)
        except StatusCliError as e:
            log.info("filter unsubscribe from %s: %s", self.peer_id, e.message)

    def close(self) -> None:
        if self in self.client.subscriptions:
            self.client.subscriptions.remove(self)
        self._close_channel()


class FilterClient:
    def __init__(self, host, counters, *, ping_interval: float = DEFAULT_PING_INTERVAL,
                 subscription_bytes: int = DEFAULT_FILTER_SUBSCRIPTION_BYTES) -> None:  # fmt: skip
        self.host = host  # WakuHost
        self.counters = counters
        self.subscription_bytes = subscription_bytes  # the byte bound of each new subscription
        self.ping_interval = ping_interval  # may be changed while running (read every round)
        self.subscriptions: list[FilterSubscription] = []
        self.interruptions: list[tuple[object, int, int]] = []  # (peer, from_ns, to_ns) to fetch from a store
        self._alive_at: dict = {}  # peer -> wall-clock ns of the last answer proving our subscriptions alive

    async def keepalive(self) -> None:
        """Run forever: ping services every ``ping_interval``, re-subscribe at once where they forgot us."""
        last_round = trio.current_time()
        while True:
            await trio.sleep(min(0.5, self.ping_interval))
            if trio.current_time() - last_round < self.ping_interval:
                continue
            last_round = trio.current_time()
            await self.ping_round()

    async def ping_round(self) -> None:
        for peer in {s.peer_id for s in self.subscriptions}:
            try:
                await self.request(peer, T.SUBSCRIBER_PING)
                self.counters.inc("filter-client.pings")
                self._alive_at[peer] = time.time_ns()
                continue
            except ServiceRefused as e:
                if e.status != 404:
                    self._ping_failed(peer, e.message)
                else:
                    log.info("filter service %s forgot our subscriptions; subscribing again", peer)
            except StatusCliError as e:
                self._ping_failed(peer, e.message)
            await self._resubscribe(peer)

    async def _resubscribe(self, peer) -> None:
        since = self._alive_at.get(peer)
        for sub in [s for s in self.subscriptions if s.peer_id == peer]:
            try:
                await self.request(peer, T.SUBSCRIBE, sub.pubsub_topic, sorted(sub.content_topics))
            except StatusCliError as e:
                self.counters.inc("filter-client.resubscribe-failed")
                log.warning("re-subscribing with filter service %s failed: %s (retrying in %.0f s)", peer, e.message, self.ping_interval)
                return  # the window stays open from ``since``: the next round tries again
            self.counters.inc("filter-client.resubscribed")
        now = time.time_ns()
        self._alive_at[peer] = now
        if since is not None:
            if len(self.interruptions) >= MAX_INTERRUPTIONS:
                self.interruptions.pop(0)
                self.counters.drop("filter-client.interruptions-full", "filter: interruption list full; oldest dropped")
            self.interruptions.append((peer, since, now))

    def take_interruptions(self) -> list[tuple[object, int, int]]:
        out, self.interruptions = self.interruptions, []
        return out

    def _ping_failed(self, peer, why: str) -> None:
        self.counters.inc("filter-client.ping-failed")
        log.warning("filter keep-alive with %s failed: %s (re-subscribing)", peer, why)

    async def request(self, peer_id, kind: int, pubsub_topic: str | None = None, content_topics=(), *, wait: bool = True, timeout: float = 10.0) -> None:
        """Send one filter-subscribe request; raise ``ServiceRefused`` unless the answer is 2xx."""
        req = pb.FilterSubscribeRequest(request_id=secrets.token_hex(16), filter_subscribe_type=kind, content_topics=list(content_topics))
        if pubsub_topic is not None:
            req.pubsub_topic = pubsub_topic
        if not wait:
            await send_only(self.host.host, peer_id, codecs.FILTER_SUBSCRIBE, req.SerializeToString(), timeout=timeout)
            return
        data = await request(self.host.host, peer_id, codecs.FILTER_SUBSCRIBE, req.SerializeToString(), limit=64 * 1024, timeout=timeout)
        resp = pb.FilterSubscribeResponse()
        try:
            parse_into(resp, data, "FilterSubscribeResponse")
        except Exception:
            raise ServiceRefused(f"undecodable filter answer from {peer_id}", status=300) from None
        code = resp.status_code if resp.HasField("status_code") else 300
        if not 200 <= code < 300:
            raise ServiceRefused(f"filter service {peer_id} answered {code} {resp.status_desc}".rstrip(), status=code)

    async def subscribe(self, peer_id, pubsub_topic: str, content_topics: list[str], *, timeout: float = 10.0) -> FilterSubscription:
        sub = FilterSubscription(self, peer_id, pubsub_topic, content_topics)
        self.subscriptions.append(sub)  # before asking: a push may follow the answer at once
        try:
            await self.request(peer_id, T.SUBSCRIBE, pubsub_topic, content_topics, timeout=timeout)
        except BaseException:
            sub.close()
            raise
        self._alive_at.setdefault(peer_id, time.time_ns())
        return sub

    # -- the push protocol -----------------------------------------------------------------
    async def handle_push(self, stream) -> None:
        peer = stream.muxed_conn.peer_id
        try:
            while True:
                data = await read_frame(stream, MAX_FRAME, allow_eof=True)
                if data is None:
                    break
                self._deliver(peer, data)
        except StatusCliError as e:
            self.counters.drop("filter-client.bad-stream", "filter push stream from %s: %s", peer, e.message)
            await reset_quietly(stream)
            return
        try:
            await stream.close()
        except Exception:
            pass

    def _deliver(self, peer, data: bytes) -> None:
        push = pb.MessagePush()
        try:
            parse_into(push, data, "MessagePush")
            if not push.pubsub_topic:
                raise ValueError("pubsub topic missing")
            msg = decode(push.waku_message)
        except Exception as e:
            self.counters.drop("filter-client.bad-push", "filter push from %s: %s", peer, getattr(e, "message", e))
            return
        self.counters.inc("filter-client.received")
        item = RelayMessage(push.pubsub_topic, msg, push.waku_message, message_hash(push.pubsub_topic, msg))
        for sub in self.subscriptions:
            if sub.matches(peer, push.pubsub_topic, msg.content_topic):
                sub._offer(item)
