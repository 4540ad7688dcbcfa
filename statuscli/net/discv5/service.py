"""A Discovery v5.1 node on a trio UDP socket: sessions, requests and answers.

Rules:
* Every datagram is decoded by :mod:`statuscli.core.discv5`; anything that fails (garbage,
  wrong protocol id, unknown session, bad signature, unsolicited WHOAREYOU or handshake, stray
  response, oversize NODES) is dropped and counted in ``counters["dropped.<reason>"]``; the
  service keeps running.
* A request to a node without a session goes out as a random-content packet; the WHOAREYOU
  that answers it (matched by nonce, from the same address, answered at most once) starts the
  handshake, which carries the request. Requests made meanwhile wait in a short queue.
* Crossed handshakes (both sides initiating at once) keep the replaced keys as a read fallback.
* A message we cannot decrypt is answered with WHOAREYOU (the last ``CHALLENGES_PER_NODE``
  challenges to a node are kept and a handshake is checked against each, newest first — one that
  verifies drops it and older ones; a repeated packet is not answered twice), at most ``whoareyou_per_ip`` per
  second per source address.
* Memory is bounded: sessions, sent-packet nonces, challenges, pending requests and known
  records are size-capped maps (oldest evicted). NODES answers: ≤ 16 records per request,
  ≤ ``MAX_NODES_MESSAGES`` messages, records at the requested distances only.
* Peers that answer us, or complete a handshake carrying a record, enter the routing table;
  a full bucket triggers a liveness check of its stalest entry (:mod:`.liveness`: one at a time
  per node, PING retried, removed only if silent through every attempt).
"""

from __future__ import annotations

import logging
import os
import socket as _socket
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import trio

from statuscli.core.crypto import secp256k1
from statuscli.core.discv5 import crypto, handshake, messages, packet
from statuscli.core.discv5.local_record import LocalRecord
from statuscli.core.discv5.table import BUCKET_SIZE, RoutingTable, log_distance
from statuscli.core.errors import BadSignature, InvalidInput, StatusCliError, TimeoutExpired
from statuscli.core.waku.enr import Enr, decode_enr
from statuscli.net.discv5.bounded import BoundedMap, RateLimit
from statuscli.net.discv5.liveness import LivenessChecks, LivenessPolicy

log = logging.getLogger("statuscli.net.discv5")

MAX_NODES_MESSAGES = 8
NODES_PAYLOAD_BUDGET = 1000  # bytes of records per NODES message (packet ≤ 1280)
REQUEST_TIMEOUT = 1.0
HANDSHAKE_WAIT = 1.0
#: WHOAREYOU challenges kept per node: under load a requester re-sends before our first challenge
#: reached it and answers each one; keeping only the newest made it verify the older answer
#: against the wrong challenge (bad signature) and, having dropped the challenge, refuse the right one
CHALLENGES_PER_NODE = 3

Addr = tuple[str, int]


@dataclass
class Limits:
    sessions: int = 1000
    sent: int = 4000
    challenges: int = 1000
    pending: int = 1000
    records: int = 10_000
    queued_per_node: int = 16
    whoareyou_per_ip: int = 50


@dataclass
class _Session:
    keys: crypto.SessionKeys
    addr: Addr
    previous: crypto.SessionKeys | None = None  # read fallback after two handshakes crossed


@dataclass
class _Pending:
    node_id: bytes
    distances: tuple[int, ...] | None
    responses: list = field(default_factory=list)
    records: list = field(default_factory=list)
    messages: int = 0
    total: int = 1
    done: trio.Event = field(default_factory=trio.Event)


def endpoint(enr: Enr) -> Addr | None:
    """The UDP endpoint of a record (IPv4 first), or None."""
    if enr.ip and enr.udp:
        return enr.ip, enr.udp
    if enr.ip6 and enr.udp6:
        return enr.ip6, enr.udp6
    return None


class Discv5Service:
    def __init__(
        self,
        private_key: bytes,
        record: LocalRecord,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        limits: Limits | None = None,
        on_discovered: Callable[[Enr], None] | None = None,
        entropy: Callable[[int], bytes] = os.urandom,
        liveness: LivenessPolicy | None = None,
    ) -> None:
        self.private_key = private_key
        self.record = record
        self.node_id = record.node_id
        self.host, self.port = host, port
        self.limits = limits or Limits()
        self.entropy = entropy
        self.on_discovered = on_discovered
        self.table = RoutingTable(self.node_id)
        self.counters: Counter = Counter()
        self.liveness = LivenessChecks(self.table, lambda enr, timeout: self.ping(enr, timeout), self.counters, liveness)
        self.talk_handlers: dict[bytes, Callable[[bytes, bytes], bytes]] = {}
        L = self.limits
        self.sessions: BoundedMap[bytes, _Session] = BoundedMap(L.sessions)
        self.known: BoundedMap[bytes, Enr] = BoundedMap(L.records)
        self._sent: BoundedMap[bytes, tuple[bytes, Addr, bytes]] = BoundedMap(L.sent)
        self._challenges: BoundedMap[bytes, tuple[tuple[bytes, Addr, float, bytes], ...]] = BoundedMap(L.challenges)
        self._pending: BoundedMap[bytes, _Pending] = BoundedMap(L.pending)
        self._handshaking: BoundedMap[bytes, tuple[float, list[bytes]]] = BoundedMap(L.sessions)
        self._whoareyou_limit = RateLimit(L.whoareyou_per_ip, 1.0)
        self._decoded: BoundedMap[bytes, Enr] = BoundedMap(L.records)  # raw record → verified Enr
        self._expired: BoundedMap[bytes, _Pending] = BoundedMap(64)  # FINDNODEs that timed out
        self._sock = None
        self._nursery: trio.Nursery | None = None

    # --- life cycle ---------------------------------------------------------------------
    async def serve(self, *, task_status=trio.TASK_STATUS_IGNORED) -> None:
        family = _socket.AF_INET6 if ":" in self.host else _socket.AF_INET
        self._sock = trio.socket.socket(family, _socket.SOCK_DGRAM)
        try:
            try:  # room for bursts of NODES answers (the kernel drops silently when full)
                self._sock.setsockopt(_socket.SOL_SOCKET, _socket.SO_RCVBUF, 1 << 20)
            except OSError:
                pass
            await self._sock.bind((self.host, self.port))
            self.port = self._sock.getsockname()[1]
            if self.record.fields.get("udp") != self.port or self.record.fields.get("ip") is None:
                announce = self.record.fields.get("ip") or ("127.0.0.1" if self.host in ("0.0.0.0", "") else self.host)
                self.record.update(ip=announce, udp=self.port)
            async with trio.open_nursery() as nursery:
                self._nursery = nursery
                task_status.started(self.port)
                await self._receive_loop()
        finally:
            self._sock.close()

    @property
    def enr(self) -> Enr:
        return self.record.enr

    def add_bootstrap(self, enr: Enr) -> None:
        """Seed the table with a record (not yet verified alive)."""
        if enr.node_id != self.node_id and endpoint(enr) is not None:
            self._remember(enr)
            self.table.add(enr, trio.current_time())

    # --- receiving ----------------------------------------------------------------------
    async def _receive_loop(self) -> None:
        while True:
            try:
                data, addr = await self._sock.recvfrom(2048)
            except OSError:
                self.counters["dropped.socket-error"] += 1
                continue
            self.counters["packets.in"] += 1
            try:
                await self._handle(data, (addr[0], addr[1]))
            except StatusCliError as e:
                self.counters[f"dropped.{e.code}"] += 1
                log.debug("discv5: dropped a packet from %s: %s", addr, e.message)

    async def _handle(self, data: bytes, addr: Addr) -> None:
        pkt = packet.decode(data, self.node_id)
        if isinstance(pkt, packet.WhoareyouPacket):
            await self._on_whoareyou(pkt, addr)
        elif isinstance(pkt, packet.HandshakePacket):
            await self._on_handshake(pkt, addr)
        else:
            await self._on_message(pkt, addr)

    async def _on_message(self, pkt: packet.MessagePacket, addr: Addr) -> None:
        s = self.sessions.get(pkt.src_id)
        if s is not None and s.addr == addr:
            for keys in (s.keys, s.previous):
                if keys is None:
                    continue
                try:
                    plaintext = handshake.open_message(pkt, keys.read)
                except StatusCliError:
                    continue
                await self._dispatch(pkt.src_id, addr, plaintext)
                return
            self.counters["session.decrypt-failed"] += 1
        await self._send_whoareyou(pkt.src_id, addr, pkt.nonce)

    async def _send_whoareyou(self, node_id: bytes, addr: Addr, nonce: bytes) -> None:
        now = trio.current_time()
        recent = self._challenges.get(node_id) or ()
        if any(now - c[2] < HANDSHAKE_WAIT and c[3] == nonce for c in recent):
            self.counters["dropped.whoareyou-repeat"] += 1  # the same packet again: one answer is enough
            return
        if not self._whoareyou_limit.allow(addr[0], now):
            self.counters["dropped.whoareyou-rate"] += 1
            return
        known = self.known.get(node_id)
        raw, challenge = handshake.whoareyou(node_id, self.entropy(16), nonce, self.entropy(16), known.seq if known else 0)
        self._challenges[node_id] = (*recent, (challenge, addr, now, nonce))[-CHALLENGES_PER_NODE:]
        await self._send(raw, addr)

    async def _on_whoareyou(self, pkt: packet.WhoareyouPacket, addr: Addr) -> None:
        sent = self._sent.pop(pkt.nonce, None)
        if sent is None or sent[1] != addr:
            self.counters["dropped.whoareyou-unsolicited"] += 1
            return
        node_id, _, plaintext = sent
        enr = self.known.get(node_id)
        if enr is None:
            self.counters["dropped.whoareyou-unknown-node"] += 1
            return
        nonce = self.entropy(12)
        raw, keys = handshake.seal_handshake(
            static_key=self.private_key,
            ephemeral_key=secp256k1.generate_private_key(self.entropy),
            src_id=self.node_id,
            dest_id=node_id,
            dest_pubkey=enr.public_key,
            challenge_data=pkt.challenge_data,
            masking_iv=self.entropy(16),
            nonce=nonce,
            plaintext=plaintext,
            record=self.record.raw if pkt.enr_seq < self.record.seq else b"",
        )
        self.sessions[node_id] = self._new_session(node_id, keys, addr)
        self.counters["handshakes.initiated"] += 1
        await self._send(raw, addr)
        _, queued = self._handshaking.pop(node_id, (0.0, []))
        for pt in queued:
            await self._send_sealed(node_id, addr, pt, is_request=True)

    async def _on_handshake(self, pkt: packet.HandshakePacket, addr: Addr) -> None:
        recent = self._challenges.get(pkt.src_id) or ()
        tries = [i for i in range(len(recent) - 1, -1, -1) if recent[i][1] == addr]  # newest first
        if not tries:
            self.counters["dropped.handshake-unsolicited"] += 1
            return
        known = self.known.get(pkt.src_id)
        for n, i in enumerate(tries):
            try:
                opened = handshake.open_handshake(pkt, static_key=self.private_key, local_id=self.node_id, challenge_data=recent[i][0],
                                                  known_pubkey=known.public_key if known else None)  # fmt: skip
                break
            except BadSignature:
                if n == len(tries) - 1:
                    raise
        if recent[i + 1 :]:  # newer challenges stay: their handshakes may still be on the way
            self._challenges[pkt.src_id] = recent[i + 1 :]
        else:
            del self._challenges[pkt.src_id]
        self.sessions[pkt.src_id] = self._new_session(pkt.src_id, opened.keys, addr)
        self.counters["handshakes.accepted"] += 1
        enr = opened.record or known
        if opened.record is not None:
            self._remember(opened.record)
        if enr is not None and endpoint(enr) == addr:
            await self._table_add(enr)
        await self._dispatch(pkt.src_id, addr, opened.plaintext)

    def _new_session(self, node_id: bytes, keys: crypto.SessionKeys, addr: Addr) -> _Session:
        """When both sides start a handshake at once each ends up writing with the keys of the
        other's handshake: the replaced keys stay readable so neither side has to start over."""
        old = self.sessions.get(node_id)
        return _Session(keys, addr, old.keys if old is not None and old.addr == addr else None)

    # --- messages -----------------------------------------------------------------------
    async def _dispatch(self, node_id: bytes, addr: Addr, plaintext: bytes) -> None:
        msg = messages.decode(plaintext)
        self.table.seen(node_id, trio.current_time())
        if isinstance(msg, messages.RESPONSES):
            self._on_response(node_id, msg)
            return
        self.counters[f"requests.{type(msg).__name__.lower()}"] += 1
        if isinstance(msg, messages.Ping):
            await self._reply(node_id, addr, messages.Pong(msg.request_id, self.record.seq, addr[0], addr[1]))
        elif isinstance(msg, messages.FindNode):
            for reply in self._nodes_replies(msg):
                await self._reply(node_id, addr, reply)
        elif isinstance(msg, messages.TalkReq):
            handler = self.talk_handlers.get(msg.protocol)
            answer = b""
            if handler is not None:
                try:
                    answer = handler(node_id, msg.request)
                except StatusCliError:
                    self.counters["talk.handler-error"] += 1
            await self._reply(node_id, addr, messages.TalkResp(msg.request_id, answer))

    def _nodes_replies(self, msg: messages.FindNode) -> list[messages.Nodes]:
        records: list[bytes] = []
        for d in dict.fromkeys(msg.distances):
            if d == 0:
                records.append(self.record.raw)
            else:
                records.extend(e.raw for e in self.table.at_distances([d], BUCKET_SIZE))
        records = records[:BUCKET_SIZE]
        chunks: list[list[bytes]] = [[]]
        for raw in records:
            if chunks[-1] and sum(map(len, chunks[-1])) + len(raw) > NODES_PAYLOAD_BUDGET:
                chunks.append([])
            chunks[-1].append(raw)
        return [messages.Nodes(msg.request_id, len(chunks), tuple(c)) for c in chunks]

    def _on_response(self, node_id: bytes, msg) -> None:
        p = self._pending.get(msg.request_id)
        if p is None:
            late = self._expired.get(msg.request_id)
            if late is not None and late.node_id == node_id and isinstance(msg, messages.Nodes):
                p = late  # an answer after our timeout: its records are still worth learning
                self.counters["nodes.late"] += 1
        if p is None or p.node_id != node_id:
            self.counters["dropped.unexpected-response"] += 1
            return
        if not isinstance(msg, messages.Nodes):
            p.responses.append(msg)
            p.done.set()
            return
        p.messages += 1
        if p.messages == 1:
            p.total = msg.total
            if msg.total > MAX_NODES_MESSAGES or msg.total < 1:
                self.counters["dropped.nodes-oversize"] += 1
                p.total = max(1, min(msg.total, MAX_NODES_MESSAGES))
        for raw in msg.enrs:
            if len(p.records) >= BUCKET_SIZE:
                self.counters["dropped.nodes-excess"] += 1
                continue
            enr = self._decoded.get(raw)
            if enr is None:
                try:
                    enr = decode_enr(raw)  # verifies the signature: done once per distinct record
                except StatusCliError:
                    self.counters["dropped.nodes-bad-enr"] += 1
                    continue
                self._decoded[raw] = enr
            if p.distances is not None and log_distance(enr.node_id, node_id) not in p.distances:
                self.counters["dropped.nodes-wrong-distance"] += 1
                continue
            p.records.append(enr)
        if p.messages >= p.total:
            p.done.set()
        if p is self._expired.get(msg.request_id):
            for enr in p.records:
                self._remember(enr)
            p.records.clear()

    # --- sending ------------------------------------------------------------------------
    async def _send(self, raw: bytes, addr: Addr) -> None:
        try:
            await self._sock.sendto(raw, addr)
            self.counters["packets.out"] += 1
        except OSError:
            self.counters["dropped.send-error"] += 1

    async def _send_sealed(self, node_id: bytes, addr: Addr, plaintext: bytes, *, is_request: bool) -> None:
        s = self.sessions[node_id]
        nonce = self.entropy(12)
        raw = handshake.seal_message(s.keys.write, self.node_id, node_id, self.entropy(16), nonce, plaintext)
        if is_request:
            self._sent[nonce] = (node_id, addr, plaintext)
        await self._send(raw, addr)

    async def _reply(self, node_id: bytes, addr: Addr, msg) -> None:
        await self._send_sealed(node_id, addr, messages.encode(msg), is_request=False)

    async def request(self, enr: Enr, make, *, distances=None, timeout: float = REQUEST_TIMEOUT) -> _Pending:
        """Send ``make(request_id)`` to ``enr`` and wait for its answer(s)."""
        addr = endpoint(enr)
        if addr is None:
            raise InvalidInput("the record has no UDP endpoint (ip/udp)")
        node_id = enr.node_id
        self._remember(enr)
        rid = self.entropy(8)
        plaintext = messages.encode(make(rid))
        p = self._pending[rid] = _Pending(node_id, tuple(distances) if distances is not None else None)
        now = trio.current_time()
        s = self.sessions.get(node_id)
        if s is not None and s.addr == addr:
            await self._send_sealed(node_id, addr, plaintext, is_request=True)
        else:
            started, queued = self._handshaking.get(node_id, (None, []))
            if started is not None and now - started < HANDSHAKE_WAIT and len(queued) < self.limits.queued_per_node:
                queued.append(plaintext)
            else:
                timeout += HANDSHAKE_WAIT  # a handshake comes first
                nonce = self.entropy(12)
                self._sent[nonce] = (node_id, addr, plaintext)
                self._handshaking[node_id] = (now, [])
                await self._send(handshake.random_message(self.node_id, node_id, self.entropy(16), nonce, self.entropy(20)), addr)
        try:
            with trio.move_on_after(timeout):
                await p.done.wait()
        finally:
            self._pending.pop(rid, None)
        if not p.done.is_set() and distances is not None:
            self._expired[rid] = p
        if not p.done.is_set() and not p.records:
            self.counters["requests.timeout"] += 1
            raise TimeoutExpired(f"no discv5 answer from {addr[0]}:{addr[1]} within {timeout:g} s")
        await self._table_add(enr)
        return p

    async def ping(self, enr: Enr, timeout: float = REQUEST_TIMEOUT) -> messages.Pong:
        p = await self.request(enr, lambda rid: messages.Ping(rid, self.record.seq), timeout=timeout)
        return p.responses[0]

    async def find_node(self, enr: Enr, distances, timeout: float = REQUEST_TIMEOUT) -> list[Enr]:
        distances = tuple(distances)
        p = await self.request(enr, lambda rid: messages.FindNode(rid, distances), distances=distances, timeout=timeout)
        for found in p.records:
            self._remember(found)
        return p.records

    async def talk(self, enr: Enr, protocol: bytes, payload: bytes, timeout: float = REQUEST_TIMEOUT) -> bytes:
        p = await self.request(enr, lambda rid: messages.TalkReq(rid, protocol, payload), timeout=timeout)
        return p.responses[0].response

    # --- table --------------------------------------------------------------------------
    def _remember(self, enr: Enr) -> None:
        if enr.node_id == self.node_id:
            return
        old = self.known.get(enr.node_id)
        if old is None or enr.seq > old.seq:
            self.known[enr.node_id] = enr
            if self.on_discovered is not None:
                self.on_discovered(enr)

    async def _table_add(self, enr: Enr) -> None:
        stale = self.table.add(enr, trio.current_time())
        if stale is not None and self._nursery is not None:
            self.liveness.start(self._nursery, stale.enr)

    def stats(self) -> dict:
        return {
            "table": len(self.table),
            "known": len(self.known),
            "sessions": len(self.sessions),
            "counters": dict(self.counters),
        }
