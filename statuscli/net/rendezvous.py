"""libp2p rendezvous on ``/rendezvous/1.0.0``: the point's service and the client's requests.

Wire (libp2p specs, rendezvous/README.md; go-waku and nwaku ≤ v0.37 speak it): uvarint-length-
prefixed ``Message`` frames (``statuscli/pb/rendezvous_pb2``), one answer per request; our client
sends one request per stream (as go-waku and nwaku do), the point reads up to
:data:`MESSAGES_PER_STREAM` from one stream (as go-libp2p-rendezvous's server does);
REGISTER carries the registering peer's signed peer record (an RFC 0002 envelope in the
``libp2p-peer-record`` domain, payload type 0x0301, sealed and checked with py-libp2p's
``libp2p.peer.envelope``); UNREGISTER gets no answer. py-libp2p's own ``libp2p.discovery.rendezvous``
speaks an older draft and is not used (statuscli.net.compat P21).

Rules of :class:`RendezvousService` (the point):
* A request is at most :data:`MAX_REQUEST` bytes (nwaku reads at most 4096); bigger frames are
  refused before they are read (``dropped.rendezvous.bad-frame``, the peer's score drops).
* REGISTER: the envelope must verify and name the peer on the stream (a peer registers only
  itself: ``E_NOT_AUTHORIZED``) with at least one address; then the registry's bounds apply
  (:mod:`statuscli.core.rendezvous`). Every refusal is answered with its status and counted
  (``dropped.rendezvous.<status>``); an undecodable message is counted and closed unanswered.
* Rate: one token of the ``rendezvous`` bucket per request (statuscli.net.limits); over it the
  answer is ``E_UNAVAILABLE`` (guard.too_many_requests).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from statuscli.core import rendezvous as rz
from statuscli.core.errors import DecodeError, ServiceRefused
from statuscli.core.protobuf_codec import parse_into
from statuscli.net import codecs
from statuscli.net.streams import request, send_only
from statuscli.pb import rendezvous_pb2 as pb

log = logging.getLogger("statuscli.net.rendezvous")

MAX_REQUEST = 4096
#: Requests one stream may carry (the spec allows several; go-libp2p-rendezvous's server reads
#: until EOF, nim-libp2p's answers one; canvas's and py-libp2p's clients send several).
MESSAGES_PER_STREAM = 32
#: Peers asked for per namespace (nwaku's PeersRequestedCount).
PEERS_PER_REQUEST = 12
M = pb.Message


def _text(value) -> str | None:
    """A proto2 ``string`` field as text: python-protobuf hands invalid UTF-8 over as bytes."""
    return value if isinstance(value, str) else None


@dataclass(frozen=True, slots=True)
class FoundPeer:
    """A peer a rendezvous point returned: from its verified signed peer record."""

    peer_id: str
    multiaddrs: list[str]  # each ending in /p2p/<peer_id>
    seq: int
    namespace: str
    ttl: int


# -- records -----------------------------------------------------------------------------------
def seal_peer_record(private_key, addrs: list[str], seq: int) -> bytes:
    """Our signed peer record: ``addrs`` (``/p2p/`` suffixes dropped) signed with the host key."""
    from libp2p.peer.envelope import seal_record
    from libp2p.peer.id import ID
    from libp2p.peer.peer_record import PeerRecord
    from multiaddr import Multiaddr

    bare = [Multiaddr(a.split("/p2p/", 1)[0]) for a in addrs]
    record = PeerRecord(ID.from_pubkey(private_key.get_public_key()), bare, seq)
    return seal_record(record, private_key).marshal_envelope()


def open_record(data: bytes) -> tuple[str, list[str], int]:
    """(peer id, dialable ``/p2p/``-terminated multiaddrs, seq) of a verified record; ValueError."""
    from statuscli.net.compat import open_peer_record

    peer_id, addrs, seq = open_peer_record(data)
    pid = str(peer_id)
    out = []
    for a in addrs:
        text = str(a)
        out.append(text if "/p2p/" in text else f"{text}/p2p/{pid}")
    return pid, out, seq


# -- the point ---------------------------------------------------------------------------------
class RendezvousService:
    def __init__(self, registry: rz.Registry, counters, *, guard=None, clock: Callable[[], float] = time.monotonic) -> None:
        self.registry, self.counters, self.guard, self.clock = registry, counters, guard, clock

    async def handle(self, peer, data: bytes) -> bytes | None:
        msg = M()
        try:
            parse_into(msg, data, "rendezvous Message")
        except DecodeError as e:
            return self._bad(peer, "undecodable", e.message)
        if msg.type == M.REGISTER and msg.HasField("register"):
            return self._register(peer, msg.register).SerializeToString()
        if msg.type == M.DISCOVER:
            return self._discover(peer, msg.discover).SerializeToString()
        if msg.type == M.UNREGISTER and msg.HasField("unregister"):
            ns = _text(msg.unregister.ns)
            if ns is not None and self.registry.unregister(str(peer), ns):
                self.counters.inc("rendezvous.unregistered")
            return None
        return self._bad(peer, "unexpected-type", f"message type {msg.type} without its body")

    def _bad(self, peer, why: str, text: str) -> None:
        self.counters.drop(f"rendezvous.bad-request.{why}", "rendezvous request from %s: %s", peer, text, peer=peer)
        if self.guard is not None:
            self.guard.penalize(peer, "bad-request")
        return None

    def _register(self, peer, reg) -> pb.Message:
        outcome = self._check_register(peer, reg)
        if outcome.ok:
            self.counters.inc("rendezvous.registered")
        else:
            name = rz.STATUS_NAMES.get(outcome.status, str(outcome.status))
            self.counters.drop(f"rendezvous.{name}", "rendezvous registration of %s in %r refused: %s", peer, reg.ns, outcome.text,
                               level=logging.INFO, peer=peer)  # fmt: skip
        return register_response(outcome.status, outcome.text, outcome.ttl)

    def _check_register(self, peer, reg) -> rz.Outcome:
        ns = _text(reg.ns)
        if ns is None or not rz.valid_namespace(ns):
            return rz.Outcome(rz.E_INVALID_NAMESPACE, f"a namespace has 1 to {rz.MAX_NAMESPACE_BYTES} bytes")
        raw = reg.signedPeerRecord
        if len(raw) > self.registry.limits.max_record_bytes:
            return rz.Outcome(rz.E_INVALID_SIGNED_PEER_RECORD, "signed peer record too long")
        try:
            pid, addrs, _ = open_record(raw)
        except ValueError as e:
            return rz.Outcome(rz.E_INVALID_SIGNED_PEER_RECORD, str(e)[:200])
        if pid != str(peer):
            return rz.Outcome(rz.E_NOT_AUTHORIZED, "a peer registers only itself")
        if not addrs:
            return rz.Outcome(rz.E_INVALID_SIGNED_PEER_RECORD, "the peer record has no address")
        ttl = reg.ttl if reg.HasField("ttl") and reg.ttl > 0 else None  # 0: unset, as go-libp2p-rendezvous reads it
        return self.registry.register(pid, ns, raw, ttl, self.clock())

    def _discover(self, peer, disc) -> pb.Message:
        ns = disc.ns if disc.HasField("ns") and disc.ns else None
        if isinstance(ns, bytes):  # invalid UTF-8
            ns = ""  # refused by the registry as an invalid namespace
        page = self.registry.discover(ns, disc.limit if disc.HasField("limit") else None, disc.cookie or None, self.clock())
        if page.status != rz.OK:
            name = rz.STATUS_NAMES.get(page.status, str(page.status))
            self.counters.drop(f"rendezvous.{name}", "rendezvous discover from %s refused: %s", peer, page.text, level=logging.INFO, peer=peer)
            return discover_response([], b"", page.status, page.text)
        self.counters.inc("rendezvous.discovered", len(page.registrations))
        now = self.clock()
        regs = [M.Register(ns=r.namespace, signedPeerRecord=r.record, ttl=r.ttl_left(now)) for r in page.registrations]
        return discover_response(regs, page.cookie, rz.OK, "OK")

    def stats(self) -> dict:
        return self.registry.stats(self.clock())


def register_response(status: int, text: str, ttl: int = 0) -> pb.Message:
    resp = M.RegisterResponse(status=status, statusText=text)
    if status == rz.OK:
        resp.ttl = ttl
    return M(type=M.REGISTER_RESPONSE, registerResponse=resp)


def discover_response(registrations, cookie: bytes, status: int, text: str) -> pb.Message:
    resp = M.DiscoverResponse(registrations=registrations, status=status, statusText=text)
    if status == rz.OK:
        resp.cookie = cookie
    return M(type=M.DISCOVER_RESPONSE, discoverResponse=resp)


def too_many_requests(data: bytes) -> bytes | None:
    """``E_UNAVAILABLE`` in the shape of the request's answer (None for an UNREGISTER)."""
    msg = M()
    try:
        parse_into(msg, data, "rendezvous Message")
    except DecodeError:
        return None
    text = "too many requests from this peer: slow down"
    if msg.type == M.REGISTER:
        return register_response(rz.E_UNAVAILABLE, text).SerializeToString()
    if msg.type == M.DISCOVER:
        return discover_response([], b"", rz.E_UNAVAILABLE, text).SerializeToString()
    return None


# -- the client --------------------------------------------------------------------------------
def _refused(what: str, point, status: int, text: str) -> ServiceRefused:
    name = rz.STATUS_NAMES.get(status, str(status))
    return ServiceRefused(f"rendezvous point {point} refused the {what}: {name} ({status}) {text}".rstrip(), status=status)


async def register(host, point, namespace: str, record: bytes, ttl: int, *, timeout: float = 10.0) -> int:
    """Register our ``record`` under ``namespace`` at ``point`` (a peer id); the TTL granted."""
    req = M(type=M.REGISTER, register=M.Register(ns=namespace, signedPeerRecord=record, ttl=ttl))
    resp = _answer(await request(host, point, codecs.RENDEZVOUS, req.SerializeToString(), timeout=timeout), M.REGISTER_RESPONSE, point)
    r = resp.registerResponse
    if r.status != rz.OK:
        raise _refused("registration", point, r.status, r.statusText)
    return r.ttl


async def unregister(host, point, namespace: str, *, timeout: float = 5.0) -> None:
    req = M(type=M.UNREGISTER, unregister=M.Unregister(ns=namespace))
    await send_only(host, point, codecs.RENDEZVOUS, req.SerializeToString(), timeout=timeout)


async def discover(host, point, namespace: str | None, *, limit: int = PEERS_PER_REQUEST, cookie: bytes = b"", counters=None,
                   timeout: float = 10.0) -> tuple[list[FoundPeer], bytes]:  # fmt: skip
    """Peers registered at ``point`` under ``namespace`` (all when None), after ``cookie``; the
    records that fail to verify are skipped (counted in ``counters`` when given)."""
    disc = M.Discover(limit=limit)
    if namespace is not None:
        disc.ns = namespace
    if cookie:
        disc.cookie = cookie
    req = M(type=M.DISCOVER, discover=disc)
    resp = _answer(await request(host, point, codecs.RENDEZVOUS, req.SerializeToString(), timeout=timeout), M.DISCOVER_RESPONSE, point)
    d = resp.discoverResponse
    if d.status != rz.OK:
        raise _refused("discover request", point, d.status, d.statusText)
    found = []
    for reg in d.registrations:
        if _text(reg.ns) is None:
            if counters is not None:
                counters.drop("rendezvous.bad-record", "rendezvous point %s returned a namespace that is not UTF-8", point)
            continue
        try:
            pid, addrs, seq = open_record(reg.signedPeerRecord)
        except ValueError as e:
            if counters is not None:
                counters.drop("rendezvous.bad-record", "rendezvous point %s returned a bad record: %s", point, e)
            continue
        found.append(FoundPeer(pid, addrs, seq, reg.ns, reg.ttl))
    return found, d.cookie


def _answer(data: bytes, want: int, point) -> pb.Message:
    msg = M()
    try:
        parse_into(msg, data, "rendezvous Message")
    except DecodeError:
        raise ServiceRefused(f"undecodable rendezvous answer from {point}", status=rz.E_INTERNAL_ERROR) from None
    if msg.type != want:
        raise ServiceRefused(f"rendezvous point {point} answered with message type {msg.type}", status=rz.E_INTERNAL_ERROR)
    return msg
