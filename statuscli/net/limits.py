"""The node's resource limits (:class:`NodeLimits`): what one peer may ask per second, how many
bytes may wait for one subscriber or sit in half-received frames, when a peer is banned.

Rate limits are token buckets per peer and protocol, written like nwaku's ``--rate-limit``
(``PROTOCOL:VOLUME/PERIOD``, e.g. ``lightpush:10/1s``; the bucket holds VOLUME and refills
VOLUME per PERIOD; ``0/0s`` = no limit). Defaults follow nwaku where it has one (its "core"
mode: lightpush 5/1s, filter 100/1s, peer exchange 5/1s; its filter service default 30/1m),
relaxed where statuscli's own clients burst (lightpush 10/1s, store 100/10s), and high for relay
(mesh peers forward everyone's traffic); rendezvous 30/10s (a Waku node registers and asks once per
shard every 10 s): see docs/reliability.md for the table.

Cheap to import (no libp2p, no trio).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from statuscli.core.errors import InvalidInput, UsageError
from statuscli.core.rendezvous import RegistryLimits

_RATE = re.compile(r"^\s*(?:([a-z-]+)\s*:\s*)?(\d+)\s*/\s*(\d+)\s*(ms|s|m|h)\s*$")
_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
#: Bytes of received messages waiting for the app in our own node (``listen`` through ``--node
#: MULTIADDR``: filter pushes, relay deliveries): 16 MiB, about 100 relay messages of the 150 KiB
#: maximum or thousands of ordinary chat messages (1–4 KiB) — many seconds of a busy account's
#: traffic for a reader busy committing a batch, small next to a node's 64 MiB filter-queue total.
DEFAULT_RECEIVE_QUEUE_BYTES = 16 * 1024 * 1024
#: The smallest such bound accepted: one maximal relay message (150 KiB) and then some.
MIN_RECEIVE_QUEUE_BYTES = 256 * 1024
RECEIVE_QUEUE_ENV = "STATUSCLI_RECEIVE_QUEUE_BYTES"
#: Bytes of filter pushes waiting in one of our filter subscriptions (the light client's
#: ``FilterSubscription``, read by ``listen``'s transport or a control-socket subscriber): 4 MiB,
#: what a filter service queues for one subscriber (``filter_queue_bytes``) — about 27 relay
#: messages of the 150 KiB maximum or a thousand and more chat messages, a burst's worth for a
#: reader that is behind (the embedded transport moves pushes on at once: it fills behind a slow
#: control-socket reader). Each subscription has its own (one per 100 content topics), so a
#: ``listen`` of a few hundred topics holds at most a few times 4 MiB.
DEFAULT_FILTER_SUBSCRIPTION_BYTES = 4 * 1024 * 1024
#: A node's local subscription (control socket subscriber, embedded transport): 32 MiB holds a
#: reader's pause of ~10 000 ordinary Status messages (2–3 KB each) — its count bound — but only
#: ~220 messages of the 150 KiB maximum, where the count alone allowed 1.5 GB.
DEFAULT_SUBSCRIPTION_BYTES = 32 * 1024 * 1024
#: Bytes counted per waiting message besides its data, topic and hash (the Python objects around
#: them), so a flood of tiny messages is bounded too.
ITEM_OVERHEAD = 200
_BYTES = re.compile(r"^\s*(\d+)\s*(|k|kib|m|mib|g|gib)\s*$")
_BYTE_UNIT = {"": 1, "k": 1024, "kib": 1024, "m": 1024**2, "mib": 1024**2, "g": 1024**3, "gib": 1024**3}
PROTOCOLS = ("relay", "lightpush", "filter", "store", "peer-exchange", "rendezvous")


@dataclass(frozen=True, slots=True)
class RateLimit:
    volume: int  # requests a peer may make at once (the bucket's size) and per period
    period_s: float

    @property
    def unlimited(self) -> bool:
        return self.volume <= 0 or self.period_s <= 0

    def __str__(self) -> str:
        return "no-limit" if self.unlimited else f"{self.volume}/{self.period_s:g}s"


@dataclass
class NodeLimits:
    rates: dict[str, RateLimit] = field(
        default_factory=lambda: {
            "relay": RateLimit(20_000, 10.0),
            "lightpush": RateLimit(10, 1.0),
            "filter": RateLimit(30, 60.0),
            "store": RateLimit(100, 10.0),
            "peer-exchange": RateLimit(5, 1.0),
            "rendezvous": RateLimit(30, 10.0),
        }
    )
    #: Bytes of filter pushes waiting for one subscriber; beyond it the subscriber is dropped.
    filter_queue_bytes: int = 4 * 1024 * 1024
    #: Bytes of filter pushes waiting for all subscribers together.
    filter_queue_total_bytes: int = 64 * 1024 * 1024
    #: Filter subscribers served at once (nwaku: 100); a full service evicts before refusing.
    filter_max_peers: int = 100
    #: A subscriber silent this long (no subscribe or ping) may be evicted for a new one.
    filter_idle_evict_s: float = 90.0
    #: Bytes reserved by frames being received, per connection and in all.
    frame_bytes_per_connection: int = 4 * 1024 * 1024
    frame_bytes_total: int = 64 * 1024 * 1024
    #: Score at or below which a peer is disconnected and banned, and for how long.
    ban_score: float = -100.0
    ban_seconds: float = 600.0
    #: Peers whose buckets and scores are remembered (least recently seen forgotten first).
    max_tracked_peers: int = 10_000
    #: Bytes of received messages waiting for the app (our own node's hand-over queue,
    #: ``statuscli.net.receive_queue``); beyond it the new arrival is dropped, counted and its
    #: span fetched from the store.
    receive_queue_bytes: int = DEFAULT_RECEIVE_QUEUE_BYTES
    #: Bytes of filter pushes waiting in one of our filter subscriptions
    #: (``statuscli.net.filter_client``); beyond it the new push is dropped, counted and its span
    #: handed on like the receive queue's.
    filter_subscription_bytes: int = DEFAULT_FILTER_SUBSCRIPTION_BYTES
    #: Bytes of relayed messages waiting in one local subscription of the node (what the control
    #: socket forwards to a ``listen``, or our embedded transport's); beyond it the new message is
    #: dropped, counted (``dropped.subscription.buffer-full``) and its span handed on.
    subscription_bytes: int = DEFAULT_SUBSCRIPTION_BYTES
    #: What a rendezvous point keeps: TTL bounds, registrations per peer / namespace / in all.
    rendezvous: RegistryLimits = field(default_factory=RegistryLimits)

    @classmethod
    def unlimited(cls) -> NodeLimits:
        """No rate limit and no ban (byte caps kept): for fuzzing handlers and benchmarks that
        measure the node rather than its guard."""
        return cls(rates={p: RateLimit(0, 0.0) for p in PROTOCOLS}, ban_score=float("-inf"))

    def with_rates(self, specs: list[str]) -> NodeLimits:
        """A copy with ``PROTOCOL:VOLUME/PERIOD`` settings applied (``--rate-limit``)."""
        rates = dict(self.rates)
        for spec in specs:
            proto, limit = parse_rate_limit(spec)
            rates[proto] = limit
        return replace(self, rates=rates)


def waiting_bytes(data: bytes, pubsub_topic: str, hash_: bytes | None) -> int:
    """What one message waiting in a byte-bounded buffer costs: its WakuMessage bytes, its pubsub
    topic, its hash and :data:`ITEM_OVERHEAD`."""
    return len(data) + len(pubsub_topic) + len(hash_ or b"") + ITEM_OVERHEAD


def parse_rate_limit(spec: str) -> tuple[str, RateLimit]:
    """``lightpush:10/1s`` → ("lightpush", RateLimit(10, 1.0)); periods in ms, s, m or h."""
    m = _RATE.match(spec.lower())
    if not m or not m.group(1):
        raise InvalidInput(f"bad rate limit {spec!r}", hint=f"use PROTOCOL:VOLUME/PERIOD, e.g. lightpush:10/1s ({', '.join(PROTOCOLS)})")
    proto = m.group(1)
    if proto not in PROTOCOLS:
        raise InvalidInput(f"no rate limit for {proto!r}", hint=f"one of: {', '.join(PROTOCOLS)}")
    return proto, RateLimit(int(m.group(2)), int(m.group(3)) * _UNIT[m.group(4)])


def parse_byte_size(text: str, *, what: str = RECEIVE_QUEUE_ENV, minimum: int = MIN_RECEIVE_QUEUE_BYTES) -> int:
    """``16777216``, ``16MiB``, ``512k`` → bytes (k/M/G are powers of 1024); at least ``minimum``."""
    m = _BYTES.match(text.lower())
    if not m:
        raise UsageError(f"bad byte size {text!r} in {what}", hint="bytes, or with a unit: 512KiB, 16MiB, 1GiB")
    n = int(m.group(1)) * _BYTE_UNIT[m.group(2)]
    if n < minimum:
        raise UsageError(f"{what} = {text} is below the minimum of {minimum} bytes", hint="one message may be 150 KiB")
    return n
