"""A rendezvous point's registrations (libp2p rendezvous, Waku namespaces), sans-IO.

Facts (see docs/discovery.md#rendezvous for the sources):
* Waku shard namespaces are ``rs/<cluster>/<shard>`` (nwaku ``computeNamespace`` up to v0.37,
  go-waku ``ShardToNamespace``). A namespace is 1–255 bytes of UTF-8 (nim-libp2p's bounds).
* A registration is (namespace, peer) → the peer's signed peer record (opaque bytes here: the
  network layer verified it), kept ``ttl`` seconds. No TTL given means 2 h (the spec); a TTL
  outside [``min_ttl``, ``max_ttl``] is refused (``E_INVALID_TTL``). Registering again replaces
  the record and its TTL, and counts as new for cookie holders.

Rules of :class:`Registry` (every bound refuses with a status, never grows without limit):
* at most ``max_per_peer`` namespaces per peer (``E_NOT_AUTHORIZED``, as nim-libp2p answers),
  ``max_per_namespace`` peers per namespace, ``max_namespaces`` namespaces and ``max_records``
  registrations in all (``E_UNAVAILABLE``), ``max_record_bytes`` per record
  (``E_INVALID_SIGNED_PEER_RECORD``). Expired registrations are removed before a bound is checked.
* Discover returns live registrations of one namespace (or of all when none is named) in the
  order they were made, at most ``limit`` (≤ ``max_discover``), and a cookie; given that cookie
  back, only registrations made after the last one returned come (the spec's incremental polling).
  A cookie we did not make is refused (``E_INVALID_COOKIE``); a cookie of another namespace
  starts from the beginning. Each registration returned carries its remaining TTL.
Time is the ``now`` argument (seconds, any monotonic origin).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

OK = 0
E_INVALID_NAMESPACE = 100
E_INVALID_SIGNED_PEER_RECORD = 101
E_INVALID_TTL = 102
E_INVALID_COOKIE = 103
E_NOT_AUTHORIZED = 200
E_INTERNAL_ERROR = 300
E_UNAVAILABLE = 400

STATUS_NAMES = {
    OK: "ok",
    E_INVALID_NAMESPACE: "invalid-namespace",
    E_INVALID_SIGNED_PEER_RECORD: "invalid-signed-peer-record",
    E_INVALID_TTL: "invalid-ttl",
    E_INVALID_COOKIE: "invalid-cookie",
    E_NOT_AUTHORIZED: "not-authorized",
    E_INTERNAL_ERROR: "internal-error",
    E_UNAVAILABLE: "unavailable",
}

DEFAULT_TTL = 7200  # the spec: a REGISTER without ttl lasts 2 h
MAX_NAMESPACE_BYTES = 255
_COOKIE_VERSION = 1


def shard_namespace(cluster_id: int, shard: int) -> str:
    """``rs/16/32``: where a relay node of that shard registers."""
    return f"rs/{cluster_id}/{shard}"


def parse_shard_namespace(ns: str) -> tuple[int, int] | None:
    """(cluster, shard) of an ``rs/<cluster>/<shard>`` namespace; None for any other."""
    parts = ns.split("/")
    if len(parts) != 3 or parts[0] != "rs" or not all(p.isdigit() and len(p) <= 5 for p in parts[1:]):
        return None
    cluster, shard = int(parts[1]), int(parts[2])
    return (cluster, shard) if cluster <= 0xFFFF and shard <= 1023 else None


def valid_namespace(ns: str) -> bool:
    return 1 <= len(ns.encode()) <= MAX_NAMESPACE_BYTES


@dataclass(frozen=True, slots=True)
class RegistryLimits:
    min_ttl: int = 60  # nwaku registers for 60 s every 10 s; nim-libp2p accepts from 1 min
    max_ttl: int = 72 * 3600  # the spec's ceiling
    max_per_peer: int = 64  # namespaces one peer holds (a Waku node needs one per shard)
    max_per_namespace: int = 1000
    max_namespaces: int = 1000
    max_records: int = 10_000
    max_record_bytes: int = 2048
    max_discover: int = 1000  # the spec's recommendation

    def __post_init__(self) -> None:
        if not 0 < self.min_ttl <= self.max_ttl:
            raise ValueError("rendezvous TTL bounds must satisfy 0 < min_ttl <= max_ttl")


@dataclass(slots=True)
class Registration:
    namespace: str
    peer: str
    record: bytes
    expires_at: float
    serial: int

    def ttl_left(self, now: float) -> int:
        return max(0, int(self.expires_at - now))


@dataclass(frozen=True, slots=True)
class Outcome:
    status: int
    text: str = ""
    ttl: int = 0

    @property
    def ok(self) -> bool:
        return self.status == OK


@dataclass(frozen=True, slots=True)
class Page:
    status: int
    registrations: list[Registration] = field(default_factory=list)
    cookie: bytes = b""
    text: str = ""


class Registry:
    def __init__(self, limits: RegistryLimits | None = None) -> None:
        self.limits = limits or RegistryLimits()
        self._by_ns: dict[str, dict[str, Registration]] = {}  # insertion order == serial order
        self._per_peer: dict[str, int] = {}
        self._expiry: list[tuple[float, int, str, str]] = []  # (expires_at, serial, ns, peer)
        self._serial = 0
        self._count = 0

    # -- registering -----------------------------------------------------------------------
    def register(self, peer: str, namespace: str, record: bytes, ttl: int | None, now: float) -> Outcome:
        lim = self.limits
        if not valid_namespace(namespace):
            return Outcome(E_INVALID_NAMESPACE, f"a namespace has 1 to {MAX_NAMESPACE_BYTES} bytes")
        ttl = DEFAULT_TTL if ttl is None else ttl
        if not lim.min_ttl <= ttl <= lim.max_ttl:
            return Outcome(E_INVALID_TTL, f"ttl must be {lim.min_ttl} to {lim.max_ttl} seconds")
        if not record or len(record) > lim.max_record_bytes:
            return Outcome(E_INVALID_SIGNED_PEER_RECORD, f"a signed peer record has 1 to {lim.max_record_bytes} bytes")
        self.expire(now)
        regs = self._by_ns.get(namespace)
        renewing = regs is not None and peer in regs
        if not renewing:
            if self._per_peer.get(peer, 0) >= lim.max_per_peer:
                return Outcome(E_NOT_AUTHORIZED, f"registration limit reached ({lim.max_per_peer} namespaces per peer)")
            if regs is None and len(self._by_ns) >= lim.max_namespaces:
                return Outcome(E_UNAVAILABLE, f"namespace limit reached ({lim.max_namespaces})")
            if regs is not None and len(regs) >= lim.max_per_namespace:
                return Outcome(E_UNAVAILABLE, f"namespace {namespace!r} is full ({lim.max_per_namespace} peers)")
            if self._count >= lim.max_records:
                return Outcome(E_UNAVAILABLE, f"registration limit reached ({lim.max_records} in all)")
        if regs is None:
            regs = self._by_ns[namespace] = {}
        if renewing:
            del regs[peer]  # re-inserted last: a renewed registration is new for cookie holders
        else:
            self._per_peer[peer] = self._per_peer.get(peer, 0) + 1
            self._count += 1
        self._serial += 1
        reg = regs[peer] = Registration(namespace, peer, bytes(record), now + ttl, self._serial)
        heapq.heappush(self._expiry, (reg.expires_at, reg.serial, namespace, peer))
        return Outcome(OK, "OK", ttl)

    def unregister(self, peer: str, namespace: str) -> bool:
        """Remove ``peer``'s registration in ``namespace`` (a no-op when it has none)."""
        regs = self._by_ns.get(namespace)
        if regs is None or peer not in regs:
            return False
        self._remove(regs, namespace, peer)
        return True

    def _remove(self, regs: dict[str, Registration], namespace: str, peer: str) -> None:
        del regs[peer]
        if not regs:
            del self._by_ns[namespace]
        left = self._per_peer[peer] - 1
        if left:
            self._per_peer[peer] = left
        else:
            del self._per_peer[peer]
        self._count -= 1

    def expire(self, now: float) -> int:
        """Drop registrations whose TTL ran out; how many went."""
        gone = 0
        while self._expiry and self._expiry[0][0] <= now:
            _, serial, ns, peer = heapq.heappop(self._expiry)
            regs = self._by_ns.get(ns)
            reg = regs.get(peer) if regs is not None else None
            if reg is not None and reg.serial == serial:  # not renewed since
                self._remove(regs, ns, peer)
                gone += 1
        return gone

    # -- discovering -----------------------------------------------------------------------
    def discover(self, namespace: str | None, limit: int | None, cookie: bytes | None, now: float) -> Page:
        if namespace is not None and not valid_namespace(namespace):
            return Page(E_INVALID_NAMESPACE, text=f"a namespace has 1 to {MAX_NAMESPACE_BYTES} bytes")
        after = 0
        if cookie:
            parsed = parse_cookie(cookie)
            if parsed is None:
                return Page(E_INVALID_COOKIE, text="not a cookie of this rendezvous point")
            after = parsed[0] if parsed[1] == (namespace or "") else 0
        n = self.limits.max_discover if not limit or limit <= 0 else min(limit, self.limits.max_discover)
        self.expire(now)
        if namespace is not None:
            candidates = iter(self._by_ns.get(namespace, {}).values())
        else:
            candidates = heapq.merge(*(regs.values() for regs in self._by_ns.values()), key=lambda r: r.serial)
        out: list[Registration] = []
        last = after
        for reg in candidates:
            if reg.serial <= after:
                continue
            if len(out) >= n:
                break
            out.append(reg)
            last = reg.serial
        return Page(OK, out, make_cookie(last, namespace or ""), "OK")

    # -- reports ---------------------------------------------------------------------------
    def __len__(self) -> int:
        return self._count

    def stats(self, now: float) -> dict:
        self.expire(now)
        return {"registrations": self._count, "namespaces": len(self._by_ns), "peers": len(self._per_peer)}


def make_cookie(serial: int, namespace: str) -> bytes:
    return bytes([_COOKIE_VERSION]) + serial.to_bytes(8, "big") + namespace.encode()


def parse_cookie(cookie: bytes) -> tuple[int, str] | None:
    if len(cookie) < 9 or cookie[0] != _COOKIE_VERSION or len(cookie) > 9 + MAX_NAMESPACE_BYTES:
        return None
    try:
        return int.from_bytes(cookie[1:9], "big"), cookie[9:].decode()
    except UnicodeDecodeError:
        return None
