"""Keeping one peer from taking the node: per-peer rate limits, a score with bans, and a budget
for bytes held in half-received frames.

* :class:`PeerGuard` — a token bucket per (peer, protocol) (:mod:`statuscli.net.limits`) and a
  score per peer. Every limit hit costs points (:data:`PENALTY`); the score creeps back to 0 at
  1 point per :data:`RECOVERY_S`. At ``ban_score`` the peer is banned for ``ban_seconds``: its
  connections are closed (``on_ban``), its requests refused, a new connection closed at once.
  Every refusal is counted (``dropped.ratelimit.<protocol>``, ``dropped.guard.banned-*``,
  ``guard.bans``) and the state it keeps is capped (``max_tracked_peers``).
* :class:`FrameBudget` — a request frame reserves its announced length before its body is read,
  against a cap per connection and a cap for the whole node; a frame that does not fit is refused
  at its length prefix (``dropped.<service>.frame-budget``), so streams that announce big frames
  and stall cannot pile up memory.
* :func:`too_many_requests` — the protocol's own "429" answer for a rate-limited request, so an
  honest client can back off (lightpush v3/v2, filter, store, peer exchange; rendezvous:
  E_UNAVAILABLE).
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable

from statuscli.core.protobuf_codec import parse_into
from statuscli.net.limits import NodeLimits, RateLimit

log = logging.getLogger("statuscli.net.guard")

#: Score lost per offence.
PENALTY = {
    "rate-limited": 1.0,
    "bad-request": 5.0,
    "frame-budget": 10.0,
    "slow-subscriber": 20.0,
    "invalid-relay": 2.0,
}
RECOVERY_S = 10.0


class _Peer:
    __slots__ = ("buckets", "score", "scored_at")

    def __init__(self, now: float) -> None:
        self.buckets: dict[str, tuple[float, float]] = {}  # protocol -> (tokens, at)
        self.score = 0.0
        self.scored_at = now


class PeerGuard:
    def __init__(self, limits: NodeLimits, counters, *, on_ban: Callable[[object], None] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        self.limits, self.counters, self.on_ban, self.clock = limits, counters, on_ban, clock
        self._peers: OrderedDict[object, _Peer] = OrderedDict()
        self._banned: OrderedDict[object, float] = OrderedDict()  # peer -> until

    # -- state -----------------------------------------------------------------------------
    def _peer(self, peer) -> _Peer:
        p = self._peers.get(peer)
        now = self.clock()
        if p is None:
            p = self._peers[peer] = _Peer(now)
            while len(self._peers) > self.limits.max_tracked_peers:
                self._peers.popitem(last=False)
        else:
            self._peers.move_to_end(peer)
        return p

    def score(self, peer) -> float:
        p = self._peers.get(peer)
        if p is None:
            return 0.0
        return min(0.0, p.score + (self.clock() - p.scored_at) / RECOVERY_S)

    def banned(self, peer) -> bool:
        until = self._banned.get(peer)
        if until is None:
            return False
        if self.clock() >= until:
            del self._banned[peer]
            return False
        return True

    # -- decisions -------------------------------------------------------------------------
    def allow(self, peer, protocol: str, cost: float = 1.0) -> bool:
        """Whether ``peer`` may make one more ``protocol`` request now (counted when not)."""
        if self.banned(peer):
            self.counters.drop(f"guard.banned-request.{protocol}", "%s request from banned peer %s", protocol, peer, level=logging.DEBUG, peer=peer)
            return False
        rate: RateLimit | None = self.limits.rates.get(protocol)
        if rate is None or rate.unlimited:
            return True
        p = self._peer(peer)
        now = self.clock()
        tokens, at = p.buckets.get(protocol, (float(rate.volume), now))
        tokens = min(float(rate.volume), tokens + (now - at) * rate.volume / rate.period_s)
        if tokens >= cost:
            p.buckets[protocol] = (tokens - cost, now)
            return True
        p.buckets[protocol] = (tokens, now)
        self.counters.drop(f"ratelimit.{protocol}", "%s request from %s over its rate limit (%s)", protocol, peer, rate, level=logging.DEBUG,
                           peer=peer)  # fmt: skip
        self.penalize(peer, "rate-limited")
        return False

    def penalize(self, peer, offence: str) -> None:
        """Lower ``peer``'s score; at ``ban_score`` ban it (once) and close its connections."""
        p = self._peer(peer)
        now = self.clock()
        p.score = self.score(peer) - PENALTY.get(offence, 1.0)
        p.scored_at = now
        if p.score <= self.limits.ban_score and not self.banned(peer):
            self._banned[peer] = now + self.limits.ban_seconds
            while len(self._banned) > self.limits.max_tracked_peers:
                self._banned.popitem(last=False)
            p.score = 0.0  # a fresh start when the ban ends
            self.counters.inc("guard.bans")
            log.warning("banning peer %s for %.0f s (last offence: %s)", peer, self.limits.ban_seconds, offence)
            if self.on_ban is not None:
                self.on_ban(peer)

    def snapshot(self) -> dict:
        now = self.clock()
        return {"tracked_peers": len(self._peers), "banned_peers": sum(1 for u in self._banned.values() if u > now)}


class FrameBudget:
    """Bytes reserved by frames being received, per connection key and in all."""

    def __init__(self, per_connection: int, total: int) -> None:
        self.per_connection, self.total = per_connection, total
        self.used = 0
        self._by_conn: dict[object, int] = {}

    def reserve(self, conn, n: int) -> bool:
        have = self._by_conn.get(conn, 0)
        if have + n > self.per_connection or self.used + n > self.total:
            return False
        self._by_conn[conn] = have + n
        self.used += n
        return True

    def release(self, conn, n: int) -> None:
        left = self._by_conn.get(conn, 0) - n
        if left > 0:
            self._by_conn[conn] = left
        else:
            self._by_conn.pop(conn, None)
        self.used -= n


def too_many_requests(protocol: str, data: bytes) -> bytes | None:
    """The protocol's own "too many requests" answer to request ``data`` (None: just close)."""
    desc = "too many requests from this peer: slow down"
    if protocol == "lightpush":
        from statuscli.pb import waku_lightpush_pb2 as pb

        req = pb.LightPushRequestV3()
        rid = _request_id(req, data)
        return pb.LightPushResponseV3(request_id=rid, status_code=429, status_desc=desc, relay_peer_count=0).SerializeToString()
    if protocol == "lightpush-v2":
        from statuscli.pb import waku_lightpush_pb2 as pb

        rid = _request_id(pb.PushRpc(), data)
        return pb.PushRpc(request_id=rid, response=pb.PushResponse(is_success=False, info=desc)).SerializeToString()
    if protocol == "filter":
        from statuscli.pb import waku_filter_pb2 as pb

        rid = _request_id(pb.FilterSubscribeRequest(), data)
        return pb.FilterSubscribeResponse(request_id=rid, status_code=429, status_desc=desc).SerializeToString()
    if protocol == "store":
        from statuscli.pb import waku_store_pb2 as pb

        rid = _request_id(pb.StoreQueryRequest(), data)
        return pb.StoreQueryResponse(request_id=rid, status_code=429, status_desc=desc).SerializeToString()
    if protocol == "rendezvous":
        from statuscli.net.rendezvous import too_many_requests as rendezvous_unavailable

        return rendezvous_unavailable(data)
    if protocol == "peer-exchange":
        from statuscli.pb import waku_peer_exchange_pb2 as pb

        return pb.PeerExchangeRPC(response=pb.PeerExchangeResponse(status_code=429, status_desc=desc)).SerializeToString()
    return None


def _request_id(msg, data: bytes) -> str:
    try:
        parse_into(msg, data, type(msg).__name__)
        return getattr(msg, "request_id", "") or "N/A"
    except Exception:
        return "N/A"
