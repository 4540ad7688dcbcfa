"""12/WAKU2-FILTER v2 service: subscriptions and pushes (the client is in ``filter_client.py``).

Rules (spec §5):
* ``/vac/waku/filter-subscribe/2.0.0-beta1``: one request per stream, one reply, then half-close.
  SUBSCRIBE / UNSUBSCRIBE need a pubsub topic and 1–100 content topics (else 400); SUBSCRIBE
  adds or refreshes (pubsub, content) pairs, UNSUBSCRIBE removes some, UNSUBSCRIBE_ALL removes
  all (404 if none), SUBSCRIBER_PING answers 200 if the peer has a subscription (and refreshes
  it) else 404. A peer may hold at most 1000 pairs and the service at most 100 peers (503).
  An undecodable request gets 400 (nwaku closes silently; we answer and log). A topic this node
  does not relay gets 400 too (nothing would ever be pushed for it).
* A subscription lapses 5 minutes after the last SUBSCRIBE or PING (js-waku pings every 60 s).
* ``/vac/waku/filter-push/2.0.0-beta1``: for every relayed message matching a subscription, the
  service writes ``MessagePush{waku_message, pubsub_topic}`` (pubsub_topic always set: nwaku's
  decoder requires it) on a push stream to the subscriber, kept open and reused, reopened once
  if it broke. Each subscriber has its own queue, bounded in bytes (``filter_queue_bytes``) and
  in all (``filter_queue_total_bytes``): a subscriber that does not read is dropped with what was
  queued for it (``dropped.filter.slow-subscriber``, its score lowered), never buffered without
  end. Anything that cannot be delivered is counted (``dropped.filter.*``) and logged.
* A full service (``filter_max_peers``) makes room before refusing: it evicts a subscriber whose
  connection is gone, else the lowest scored (below 0), else the longest silent one past
  ``filter_idle_evict_s`` (``filter.evicted.<why>``); only then 503.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import trio

from statuscli.core.protobuf_codec import parse_into
from statuscli.net import codecs
from statuscli.net.streams import frame, open_stream, reset_quietly
from statuscli.pb import waku_filter_pb2 as pb

log = logging.getLogger("statuscli.net.filter")

T = pb.FilterSubscribeRequest
PING, SUBSCRIBE, UNSUBSCRIBE, UNSUBSCRIBE_ALL = T.SUBSCRIBER_PING, T.SUBSCRIBE, T.UNSUBSCRIBE, T.UNSUBSCRIBE_ALL
OK, BAD_REQUEST, NOT_FOUND, TOO_MANY_REQUESTS, SERVICE_UNAVAILABLE = 200, 400, 404, 429, 503

MAX_CONTENT_TOPICS_PER_REQUEST = 100
MAX_CRITERIA_PER_PEER = 1000
SUBSCRIPTION_TTL = 300.0
PUSH_QUEUE = 4096
PUSH_TIMEOUT = 10.0


@dataclass
class _Subscriber:
    criteria: set[tuple[str, str]] = field(default_factory=set)
    last_seen: float = 0.0
    queue_send: trio.MemorySendChannel | None = None
    queued: int = 0  # messages waiting
    queued_bytes: int = 0
    worker: trio.CancelScope | None = None


def reply(request_id: str, code: int, desc: str) -> bytes:
    return pb.FilterSubscribeResponse(request_id=request_id or "N/A", status_code=code, status_desc=desc).SerializeToString()


class FilterService:
    """Serves filter subscriptions; feed it relayed messages with :meth:`on_message`."""

    def __init__(self, host, counters, *, topics: Callable[[], set[str]], clock: Callable[[], float] = time.monotonic,
                 forget_every: float | None = None, limits=None, guard=None) -> None:  # fmt: skip
        from statuscli.net.limits import NodeLimits

        self.host = host  # WakuHost
        self.forget_every = forget_every  # TEST ONLY (NodeConfig.test_filter_forget_every)
        self.counters = counters
        self.topics = topics
        self.clock = clock
        self.limits = limits or NodeLimits()
        self.guard = guard  # PeerGuard (scores for eviction and slow readers), optional
        self.subscribers: dict = {}
        self.queued_bytes = 0  # over all subscribers
        self._nursery: trio.Nursery | None = None

    async def run(self, nursery: trio.Nursery) -> None:
        """Start the expiry loop; pushes run as tasks in ``nursery``."""
        self._nursery = nursery
        nursery.start_soon(self._expire_loop)
        if self.forget_every:
            nursery.start_soon(self._forget_loop)

    # -- subscribe protocol ----------------------------------------------------------------
    async def handle(self, peer, data: bytes) -> bytes:
        req = pb.FilterSubscribeRequest()
        try:
            parse_into(req, data, "FilterSubscribeRequest")
        except Exception as e:
            self.counters.drop("filter.bad-request", "undecodable filter request from %s: %s", peer, e)
            return reply("N/A", BAD_REQUEST, "decoding request failed")
        rid = req.request_id
        kind = req.filter_subscribe_type
        topic = req.pubsub_topic
        cts = list(dict.fromkeys(req.content_topics))
        sub = self.subscribers.get(peer)
        now = self.clock()
        if kind == PING:
            if sub is None or not sub.criteria:
                return reply(rid, NOT_FOUND, "peer has no subscriptions")
            sub.last_seen = now
            return reply(rid, OK, "OK")
        if kind == UNSUBSCRIBE_ALL:
            if sub is None or not sub.criteria:
                return reply(rid, NOT_FOUND, "peer has no subscriptions")
            self._remove(peer)
            return reply(rid, OK, "OK")
        if kind not in (SUBSCRIBE, UNSUBSCRIBE):
            return reply(rid, BAD_REQUEST, f"unknown request type {kind}")
        if not topic or not cts:
            return reply(rid, BAD_REQUEST, "pubsub topic and at least one content topic are required")
        if len(cts) > MAX_CONTENT_TOPICS_PER_REQUEST:
            return reply(rid, BAD_REQUEST, f"at most {MAX_CONTENT_TOPICS_PER_REQUEST} content topics per request")
        if kind == UNSUBSCRIBE:
            if sub is None:
                return reply(rid, NOT_FOUND, "peer has no subscriptions")
            sub.criteria.difference_update((topic, ct) for ct in cts)
            if not sub.criteria:
                self._remove(peer)
            return reply(rid, OK, "OK")
        if topic not in self.topics():
            return reply(rid, BAD_REQUEST, f"this node does not relay {topic}")
        if sub is None:
            if len(self.subscribers) >= self.limits.filter_max_peers and not self._evict_one(now):
                self.counters.drop("filter.full", "filter service full: refusing %s", peer)
                return reply(rid, SERVICE_UNAVAILABLE, "filter service is full")
            sub = self._add(peer)
        new = {(topic, ct) for ct in cts} - sub.criteria
        if len(sub.criteria) + len(new) > MAX_CRITERIA_PER_PEER:
            return reply(rid, SERVICE_UNAVAILABLE, f"at most {MAX_CRITERIA_PER_PEER} subscriptions per peer")
        sub.criteria |= new
        sub.last_seen = now
        self.counters.inc("filter.subscribe")
        return reply(rid, OK, "OK")

    # -- subscribers -----------------------------------------------------------------------
    def _add(self, peer) -> _Subscriber:
        sub = _Subscriber()
        send, recv = trio.open_memory_channel(math.inf)  # bounded by on_message, in bytes and count
        sub.queue_send = send
        self.subscribers[peer] = sub
        if self._nursery is not None:
            self._nursery.start_soon(self._push_worker, peer, sub, recv)
        return sub

    def _remove(self, peer) -> None:
        sub = self.subscribers.pop(peer, None)
        if sub is not None:
            self.queued_bytes -= sub.queued_bytes
            sub.queued_bytes = sub.queued = 0
            if sub.queue_send is not None:
                sub.queue_send.close()
            if sub.worker is not None:
                sub.worker.cancel()  # a write blocked on a peer that does not read ends now

    def _evict_one(self, now: float) -> bool:
        """Make room for a new subscriber: gone, then lowest scored, then longest silent."""
        subs = list(self.subscribers.items())
        gone = [p for p, _ in subs if not self.host.is_connected(p)]
        if gone:
            return self._evict(min(gone, key=lambda p: self.subscribers[p].last_seen), "disconnected")
        if self.guard is not None:
            scored = [(self.guard.score(p), s.last_seen, p) for p, s in subs if self.guard.score(p) < 0]
            if scored:
                return self._evict(min(scored, key=lambda t: t[:2])[2], "low-score")
        peer, sub = min(subs, key=lambda ps: ps[1].last_seen)
        if now - sub.last_seen > self.limits.filter_idle_evict_s:
            return self._evict(peer, "idle")
        return False

    def _evict(self, peer, why: str) -> bool:
        log.info("filter: evicting the subscription of %s (%s) to make room", peer, why)
        self.counters.inc(f"filter.evicted.{why}")
        self._remove(peer)
        return True

    async def _expire_loop(self) -> None:
        while True:
            await trio.sleep(min(30.0, SUBSCRIPTION_TTL / 4))
            now = self.clock()
            for peer, sub in list(self.subscribers.items()):
                if now - sub.last_seen > SUBSCRIPTION_TTL:
                    log.info("filter: subscription of %s lapsed (no ping for %.0f s)", peer, now - sub.last_seen)
                    self.counters.inc("filter.expired")
                    self._remove(peer)

    async def _forget_loop(self) -> None:
        """TEST ONLY: drop every subscription each ``forget_every`` seconds, without a word."""
        while True:
            await trio.sleep(self.forget_every)
            for peer in list(self.subscribers):
                self.counters.inc("filter.test-forgotten")
                self._remove(peer)

    def subscription_count(self) -> int:
        return sum(len(s.criteria) for s in self.subscribers.values())

    # -- pushing ---------------------------------------------------------------------------
    def on_message(self, msg) -> None:
        """Queue a relayed message (a ``RelayMessage``) for every matching subscriber."""
        key = (msg.pubsub_topic, msg.message.content_topic)
        size = len(msg.data)
        lim = self.limits
        for peer, sub in list(self.subscribers.items()):
            if key not in sub.criteria or sub.queue_send is None:
                continue
            if sub.queued_bytes + size > lim.filter_queue_bytes or sub.queued >= PUSH_QUEUE:
                # a reader this far behind is not buffered for: drop it and what waited for it
                self.counters.drop("filter.slow-subscriber", "filter: %s does not read its pushes (%d bytes waiting); dropping it",
                                   peer, sub.queued_bytes, peer=peer)  # fmt: skip
                self.counters.drop("filter.queue-full", "filter push to %s: subscriber dropped", peer, n=sub.queued + 1, level=logging.DEBUG,
                                   peer=peer)  # fmt: skip
                if self.guard is not None:
                    self.guard.penalize(peer, "slow-subscriber")
                self._remove(peer)
                continue
            if self.queued_bytes + size > lim.filter_queue_total_bytes:
                self.counters.drop("filter.queue-total-full", "filter push to %s: all subscribers' queues are full", peer)
                continue
            try:
                sub.queue_send.send_nowait(msg)
            except (trio.WouldBlock, trio.ClosedResourceError):
                continue
            sub.queued += 1
            sub.queued_bytes += size
            self.queued_bytes += size

    async def _push_worker(self, peer, sub: _Subscriber, recv: trio.MemoryReceiveChannel) -> None:
        holder: list = [None]  # the push stream, opened on first use, reopened once if it broke
        with trio.CancelScope() as scope:
            sub.worker = scope
            async with recv:
                async for msg in recv:
                    await self._push_one(peer, sub, msg, holder)
        stream = holder[0]
        if stream is not None:
            if scope.cancelled_caught:
                await reset_quietly(stream)
            else:
                try:
                    await stream.close()
                except Exception:
                    pass

    async def _push_one(self, peer, sub: _Subscriber, msg, holder: list) -> None:
        body = frame(pb.MessagePush(waku_message=msg.data, pubsub_topic=msg.pubsub_topic).SerializeToString())
        try:
            for attempt in (1, 2):
                try:
                    with trio.fail_after(PUSH_TIMEOUT):
                        if holder[0] is None:
                            holder[0] = await open_stream(self.host.host, peer, codecs.FILTER_PUSH)
                        await holder[0].write(body)
                    self.counters.inc("filter.pushed")
                    return
                except Exception as e:
                    if holder[0] is not None:
                        await reset_quietly(holder[0])
                        holder[0] = None
                    if attempt == 2:
                        self.counters.drop("filter.push-failed", "filter push to %s failed: %s: %s", peer, type(e).__name__, e)
                        if not self.host.is_connected(peer) and self.subscribers.get(peer) is sub:
                            log.info("filter: %s is gone; dropping its subscription", peer)
                            self._remove(peer)
        finally:
            if self.subscribers.get(peer) is sub:  # (a removed subscriber's bytes were returned at once)
                sub.queued -= 1
                sub.queued_bytes -= len(msg.data)
                self.queued_bytes -= len(msg.data)
