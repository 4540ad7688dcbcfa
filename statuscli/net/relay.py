"""11/WAKU2-RELAY: gossipsub on ``/vac/waku/relay/2.0.0`` with Waku's rules.

Rules (spec/waku-protocol.md §3):
* StrictNoSign: published messages carry no from/seqno/signature/key; message id = sha256(data).
* ``topicIDs`` = the pubsub topic (``/waku/2/rs/<cluster>/<shard>``); ``data`` = the WakuMessage
  bytes, relayed byte for byte.
* Validation (:func:`validate`, run once for every message: ours in :meth:`WakuRelay.publish_checked`,
  the rest in the pubsub validator), each failure counted under
  ``dropped.relay.invalid.<reason>`` and logged:
  ``too-large`` (> 150 KiB), ``undecodable`` (not a WakuMessage, or fields 1/2 absent),
  ``empty-content-topic``, ``empty-payload`` (js-waku rejects those), ``no-timestamp`` and
  ``timestamp-skew`` (|timestamp − now| over the window, 20 s by default, as nwaku's archive
  and RLN checks).
* No silent drops: a full outbound queue (``dropped.relay.outbound-queue``) and a full local
  subscriber buffer are counted and logged; :meth:`WakuRelay.publish` waits while a peer's
  outbound queue is backed up instead of overflowing it.

Usage (inside a running :class:`~statuscli.net.host.WakuHost`)::

    relay = WakuRelay(host, counters)
    relay.add_listener(lambda m: print(m.pubsub_topic, m.message.content_topic))
    async with relay.run():
        await relay.join("/waku/2/rs/16/32")
        peers = await relay.publish("/waku/2/rs/16/32", encode(msg))
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import trio
from libp2p.tools.anyio_service import background_trio_service

from statuscli.core.errors import InvalidInput, InvalidMessage, StatusCliError
from statuscli.core.waku.message import WakuMessage, decode, message_hash
from statuscli.net import compat

log = logging.getLogger("statuscli.net.relay")

MAX_MESSAGE_SIZE = 153_600  # 150 KiB, nwaku's default
TIMESTAMP_WINDOW_NS = 20 * 1_000_000_000
#: Publish waits while some peer has more than this many RPCs queued.
BACKLOG_HIGH_WATER = compat.OUTBOUND_QUEUE_SIZE // 4
BACKLOG_WAIT_MAX = 10.0


def validate(
    data: bytes, *, now_ns: int, max_size: int = MAX_MESSAGE_SIZE, window_ns: int = TIMESTAMP_WINDOW_NS
) -> WakuMessage:
    """Decode and check relay data; raise :class:`InvalidMessage` (with ``reason``) if refused."""
    if len(data) > max_size:
        raise InvalidMessage(f"message of {len(data)} bytes is over the {max_size}-byte limit", reason="too-large")
    try:
        msg = decode(data, strict=True)
    except StatusCliError as e:
        raise InvalidMessage(f"not a WakuMessage: {e.message}", reason="undecodable") from None
    if not msg.content_topic:
        raise InvalidMessage("message without a content topic", reason="empty-content-topic")
    if not msg.payload:
        raise InvalidMessage("message with an empty payload", reason="empty-payload")
    if not msg.timestamp:
        raise InvalidMessage("message without a timestamp", reason="no-timestamp")
    if window_ns and abs(msg.timestamp - now_ns) > window_ns:
        skew = (msg.timestamp - now_ns) / 1e9
        raise InvalidMessage(f"timestamp is {skew:+.1f} s from our clock (window ±{window_ns / 1e9:g} s)", reason="timestamp-skew")
    return msg


@dataclass(frozen=True, slots=True)
class RelayMessage:
    """A message seen on relay: its topic, decoded form, exact bytes and message hash."""

    pubsub_topic: str
    message: WakuMessage
    data: bytes
    hash: bytes


class WakuRelay:
    def __init__(
        self,
        host,
        counters,
        *,
        max_message_size: int = MAX_MESSAGE_SIZE,
        timestamp_window_ns: int = TIMESTAMP_WINDOW_NS,
        clock: Callable[[], int] = time.time_ns,
        guard=None,
    ) -> None:
        self.host = host
        self.guard = guard  # PeerGuard: per-forwarder rate limit and score (None: no limits)
        self.counters = counters
        self.max_message_size = max_message_size
        self.timestamp_window_ns = timestamp_window_ns
        self.clock = clock
        self.router = compat.make_relay_router(on_drop=self._on_queue_drop)
        self.router.mcache.on_evict = lambda n: self.counters.inc("relay.mcache-evicted", n)
        self.pubsub = compat.WakuPubsub(host.host, self.router, deliver=self._deliver, on_bad_rpc=self._on_bad_rpc,
                                        on_duplicate=self._on_duplicate)  # fmt: skip
        self._decoded: dict[int, tuple[object, WakuMessage]] = {}  # validated, waiting for delivery
        self._own: dict[int, tuple[object, WakuMessage]] = {}  # our publishes, validated by publish_checked
        self.topics: set[str] = set()
        self._listeners: list[Callable[[RelayMessage], None]] = []

    # -- lifecycle -------------------------------------------------------------------------
    @asynccontextmanager
    async def run(self) -> AsyncIterator[WakuRelay]:
        async with background_trio_service(self.pubsub), background_trio_service(self.router):
            await self.pubsub.wait_until_ready()
            yield self

    async def join(self, topic: str) -> None:
        """Subscribe to a pubsub topic: validate, mesh with peers, deliver to listeners."""
        if topic in self.topics:
            return
        self.pubsub.set_topic_validator(topic, self._validator, False)
        await self.pubsub.subscribe(topic)
        self.topics.add(topic)

    def add_listener(self, fn: Callable[[RelayMessage], None]) -> None:
        """``fn(RelayMessage)`` runs synchronously for every message delivered; must not block."""
        self._listeners.append(fn)

    # -- publishing ------------------------------------------------------------------------
    def check(self, data: bytes) -> WakuMessage:
        """Validate ``data`` as relay would (raises :class:`InvalidMessage`)."""
        return validate(data, now_ns=self.clock(), max_size=self.max_message_size, window_ns=self.timestamp_window_ns)

    async def publish(self, topic: str, data: bytes) -> int:
        """Validate and publish; returns how many relay peers the topic has (0: only local)."""
        return (await self.publish_checked(topic, data))[0]

    async def publish_checked(self, topic: str, data: bytes) -> tuple[int, WakuMessage]:
        """:meth:`publish`, also returning the decoded message. ``data`` is decoded and validated
        once: the relay validator trusts the message object handed to it here (nothing else)."""
        if topic not in self.topics:
            raise InvalidInput(f"this node does not relay {topic}", hint=f"it relays {', '.join(sorted(self.topics)) or 'no topic'}")
        await self._wait_for_backlog()
        wm = self.check(data)
        msg = compat.unsigned_message(topic, data)
        self._own[id(msg)] = (msg, wm)
        try:
            await self.pubsub.publish_message(msg)
        finally:
            self._own.pop(id(msg), None)
        self.counters.inc("relay.published")
        return self.peer_count(topic), wm

    async def _wait_for_backlog(self) -> None:
        if self.pubsub.outbound_backlog() <= BACKLOG_HIGH_WATER:
            return
        with trio.move_on_after(BACKLOG_WAIT_MAX):
            while self.pubsub.outbound_backlog() > BACKLOG_HIGH_WATER:
                await trio.sleep(0.002)
        self.counters.inc("relay.publish-backpressure")

    # -- peers -----------------------------------------------------------------------------
    def peer_count(self, topic: str) -> int:
        mesh = self.router.mesh.get(topic)
        if mesh:
            return len(mesh)
        return len(self.pubsub.peer_topics.get(topic, ()))

    def mesh_peers(self, topic: str) -> list:
        return list(self.router.mesh.get(topic, ()))

    def relay_peers(self) -> list:
        return list(self.pubsub.peers)

    async def wait_for_mesh(self, topic: str, n: int = 1, *, timeout: float = 10.0) -> None:
        with trio.fail_after(timeout):
            while len(self.router.mesh.get(topic, ())) < n:
                await trio.sleep(0.02)

    # -- hooks called by py-libp2p ---------------------------------------------------------
    def _validator(self, forwarder, msg) -> bool:
        own = self._own.get(id(msg))
        if own is not None and own[0] is msg:  # the very object publish_checked validated
            self._decoded[id(msg)] = own
            return True
        guard = self.guard if forwarder != self.host.peer_id else None
        if guard is not None and not guard.allow(forwarder, "relay"):
            return False  # counted as dropped.ratelimit.relay
        try:
            wm = validate(msg.data, now_ns=self.clock(), max_size=self.max_message_size, window_ns=self.timestamp_window_ns)
        except InvalidMessage as e:
            topic = msg.topicIDs[0] if msg.topicIDs else "?"
            self.counters.drop(f"relay.invalid.{e.reason}", "relay message from %s on %s: %s", forwarder, topic, e.message, peer=forwarder)
            if guard is not None and e.reason in ("undecodable", "too-large"):  # not clock skew: honest peers forward those
                guard.penalize(forwarder, "invalid-relay")
            return False
        if msg.from_id or msg.seqno or msg.signature or msg.key:
            self.counters.drop("relay.invalid.signed", "relay message from %s carries from/seqno/signature (StrictNoSign)", forwarder, peer=forwarder)
            return False
        if len(self._decoded) > 4096:  # validated messages that never reached delivery (a cancelled push)
            self._decoded.clear()
        self._decoded[id(msg)] = (msg, wm)  # delivery reuses the decoded message (one decode per message)
        return True

    def _deliver(self, topic: str, msg) -> None:
        data = msg.data
        held = self._decoded.pop(id(msg), None)
        if held is not None and held[0] is msg:
            wm = held[1]
        else:
            try:
                wm = decode(data)
            except StatusCliError:  # cannot happen after validation; never let it escape into pubsub
                self.counters.drop("relay.invalid.undecodable", "undecodable message on %s after validation", topic)
                return
        self.counters.inc("relay.delivered")
        item = RelayMessage(topic, wm, bytes(data), message_hash(topic, wm))
        for fn in self._listeners:
            try:
                fn(item)
            except Exception:
                log.exception("relay listener failed")

    def _on_bad_rpc(self, peer_id, error: str) -> None:
        self.counters.drop("relay.bad-rpc", "undecodable relay RPC from %s (%s); dropping that peer's stream", peer_id, error)

    def _on_queue_drop(self, peer_id, n_messages: int, reason: str) -> None:
        if not n_messages:
            self.counters.inc("relay.dropped-control")
        elif reason.startswith("pending-queue"):
            self.counters.drop("relay.pending-queue", "%d relay message(s) for %s: %s", n_messages, peer_id, reason, n=n_messages,
                               level=logging.DEBUG, peer=peer_id)  # fmt: skip
        else:
            self.counters.drop("relay.outbound-queue", "%d relay message(s) to %s: %s", n_messages, peer_id, reason, n=n_messages,
                               level=logging.DEBUG, peer=peer_id)  # fmt: skip

    def _on_duplicate(self) -> None:
        self.counters.inc("relay.duplicates")
