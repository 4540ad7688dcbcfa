"""A sans-IO MVDS node, following status-go's vendored ``mvds/node`` (2024-07) rule for rule.

State: the current epoch; groups (group id → peers); the messages we hold; one sync RECORD per
(message id, peer) with a type, a send count and a send epoch; acks owed to each peer.
Time and randomness are arguments: ``now_ms`` (unix ms) and ``rand_below(n) -> int in [0, n)``.

Epochs: one epoch = 300 ms of wall-clock time; the node's epoch is ``max(epoch, now_ms // 300)``,
so it never runs backwards and retransmission keeps its schedule across restarts (status-go only
advances its persisted epoch while running).

Transition table (record types OFFER, REQUEST, MESSAGE; "schedule" = send epoch := epoch + 1):

    append(group, body)       store msg; per group peer: schedule MESSAGE (batch) or OFFER (interactive)
    receive ACK id            drop record (id, sender)                         → event Acked if one existed
    receive REQUEST id        if we hold id and sender is in its group: schedule MESSAGE to sender,
                              replacing a pending OFFER record for (id, sender)  [*]
    receive OFFER id          if we do not hold id: schedule REQUEST to sender
    receive MESSAGE m         drop record (m.id, sender); store m; owe sender an ACK;
                              per other peer of m's group: schedule OFFER      → event MessageReceived
    tick(now)                 every record with send epoch ≤ epoch goes into its peer's payload
                              (OFFER → offers, REQUEST → requests, MESSAGE → messages if the peer is
                              still in the group); then count += 1 and
                              send epoch := epoch + 2^(count−1)·30·3 + rand_below(30);
                              owed ACKs join the payloads; records with count > 15 are dropped
                              (as status-go's Clear(MaxSendCount) after the sending pass: a record
                              is transmitted at most 16 times); one payload per peer per tick.
    peer_online(peer)         reschedule that peer's records to epoch + rand_below(60)

[*] status-go keeps one record per (message, peer) (SQLite primary key, INSERT OR IGNORE), so there
the REQUEST would be ignored while the OFFER is pending and interactive mode would stall; status-go
only runs batch mode. Its in-memory store keeps both records, which is what replacing achieves.

A received payload that parses but holds nothing is rejected (status-go: "non-datasync message").
Only records are per peer; a record's message body is kept while some record refers to it, and
every id we have seen is remembered so offers for it are not requested again. The whole state
serialises to JSON (:meth:`MvdsNode.to_json`) for the account database.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from statuscli.core.errors import DecodeError, InvalidInput
from statuscli.core.mvds.codec import Message, Payload, decode_payload, encode_payload

EPOCH_MS = 300
BACKOFF_INTERVAL = 30
EPOCHS_PER_SECOND = 1000 // EPOCH_MS  # 3, integer division as in status-go
MAX_SEND_COUNT = 15
ONLINE_RESCHEDULE_EPOCHS = 60
JITTER_EPOCHS = 30

BATCH, INTERACTIVE = "batch", "interactive"
OFFER, REQUEST, MESSAGE = "offer", "request", "message"

RandBelow = Callable[[int], int]


def next_send_epoch(count: int, epoch: int, rand_below: RandBelow) -> int:
    """status-go ``CalculateSendTime``: epoch + 2^(count−1)·30·3 + rand[0, 30)."""
    return epoch + (1 << (count - 1)) * BACKOFF_INTERVAL * EPOCHS_PER_SECOND + rand_below(JITTER_EPOCHS)


@dataclass
class Record:
    type: str
    message_id: bytes
    peer: bytes
    group_id: bytes | None
    send_count: int
    send_epoch: int


@dataclass(frozen=True)
class MessageReceived:
    message: Message
    message_id: bytes
    sender: bytes
    duplicate: bool


@dataclass(frozen=True)
class Acked:
    message_id: bytes
    peer: bytes


class MvdsNode:
    def __init__(self, peer_id: bytes, *, mode: str = BATCH, epoch: int = 0) -> None:
        if mode not in (BATCH, INTERACTIVE):
            raise InvalidInput(f"MVDS mode is {BATCH} or {INTERACTIVE}, not {mode!r}")
        self.peer_id = bytes(peer_id)
        self.mode = mode
        self.epoch = epoch
        self.groups: dict[bytes, list[bytes]] = {}
        self.messages: dict[bytes, Message] = {}
        self.known: set[bytes] = set()
        self.records: dict[tuple[bytes, bytes], Record] = {}  # (message id, peer) -> record
        self.owed_acks: dict[bytes, list[bytes]] = {}
        self.expired: list[Record] = []  # records given up on; the owner drains this list

    # --- time -------------------------------------------------------------------------------
    def _advance(self, now_ms: int) -> int:
        self.epoch = max(self.epoch, now_ms // EPOCH_MS)
        return self.epoch

    def _schedule(self, rtype: str, message_id: bytes, peer: bytes, group_id: bytes | None) -> None:
        key = (message_id, peer)
        if key not in self.records:  # status-go: INSERT OR IGNORE, one record per (message, peer)
            self.records[key] = Record(rtype, message_id, peer, group_id, 0, self.epoch + 1)

    # --- groups and sending -----------------------------------------------------------------
    def add_peer(self, group_id: bytes, peer: bytes) -> None:
        peers = self.groups.setdefault(bytes(group_id), [])
        if bytes(peer) not in peers:
            peers.append(bytes(peer))

    def append_message(self, group_id: bytes, body: bytes, now_ms: int) -> bytes:
        """Queue ``body`` for every peer of ``group_id``; returns the MVDS message id."""
        group_id = bytes(group_id)
        if group_id not in self.groups:
            raise InvalidInput(f"unknown MVDS group {group_id[:4].hex()}…; add a peer to it first")
        self._advance(now_ms)
        msg = Message(group_id, now_ms // 1000, bytes(body))
        mid = msg.id
        self.messages[mid] = msg
        self.known.add(mid)
        for peer in self.groups[group_id]:
            self._schedule(MESSAGE if self.mode == BATCH else OFFER, mid, peer, group_id)
        return mid

    # --- receiving --------------------------------------------------------------------------
    def receive(self, payload_bytes: bytes, sender: bytes, now_ms: int) -> list:
        """Process one payload from ``sender``; returns events (MessageReceived, Acked)."""
        payload = decode_payload(payload_bytes)
        return self.receive_payload(payload, sender, now_ms)

    def receive_payload(self, payload: Payload, sender: bytes, now_ms: int) -> list:
        if not payload.is_valid:
            raise DecodeError("not an MVDS payload (nothing in it)")
        sender = bytes(sender)
        self._advance(now_ms)
        events: list = []
        for mid in payload.acks:
            if self.records.pop((mid, sender), None) is not None:
                events.append(Acked(mid, sender))
        for mid in payload.requests:
            msg = self.messages.get(mid)
            if msg is not None and sender in self.groups.get(msg.group_id, ()):
                pending = self.records.get((mid, sender))
                if pending is not None and pending.type == OFFER:
                    del self.records[(mid, sender)]
                self._schedule(MESSAGE, mid, sender, msg.group_id)
        for mid in payload.offers:
            if mid not in self.known:
                self._schedule(REQUEST, mid, sender, None)
        acks = self.owed_acks.setdefault(sender, [])
        for msg in payload.messages:
            mid = msg.id
            self.records.pop((mid, sender), None)
            duplicate = mid in self.known
            self.known.add(mid)
            others = [p for p in self.groups.get(msg.group_id, ()) if p != sender]
            if others:
                self.messages[mid] = msg
            for peer in others:
                self._schedule(OFFER, mid, peer, msg.group_id)
            acks.append(mid)
            events.append(MessageReceived(msg, mid, sender, duplicate))
        if not acks:
            del self.owed_acks[sender]
        self._forget_unreferenced()
        return events

    # --- the epoch step ---------------------------------------------------------------------
    def tick(self, now_ms: int, rand_below: RandBelow) -> list[tuple[bytes, bytes]]:
        """Build this epoch's payloads: ``[(peer, payload bytes)]``, at most one per peer."""
        epoch = self._advance(now_ms)
        out: dict[bytes, dict[str, list]] = {}

        def bucket(peer: bytes) -> dict[str, list]:
            return out.setdefault(peer, {"acks": [], "offers": [], "requests": [], "messages": []})

        for rec in list(self.records.values()):
            if rec.send_epoch > epoch:
                continue
            if rec.type == OFFER:
                bucket(rec.peer)["offers"].append(rec.message_id)
            elif rec.type == REQUEST:
                bucket(rec.peer)["requests"].append(rec.message_id)
            else:
                msg = self.messages.get(rec.message_id)
                if msg is None or rec.peer not in self.groups.get(rec.group_id or b"", ()):
                    continue  # status-go leaves such a record untouched
                bucket(rec.peer)["messages"].append(msg)
            rec.send_count += 1
            rec.send_epoch = next_send_epoch(rec.send_count, epoch, rand_below)
        for peer, acks in self.owed_acks.items():
            bucket(peer)["acks"].extend(acks)
        self.owed_acks = {}
        for key, rec in list(self.records.items()):
            if rec.send_count > MAX_SEND_COUNT:
                self.expired.append(self.records.pop(key))
        self._forget_unreferenced()
        return [
            (peer, encode_payload(Payload(tuple(b["acks"]), tuple(b["offers"]), tuple(b["requests"]), tuple(b["messages"]))))
            for peer, b in out.items()
        ]

    def peer_online(self, peer: bytes, now_ms: int, rand_below: RandBelow) -> None:
        """A peer came online: resend its pending records within 60 epochs (status-go resetPeerEpoch)."""
        epoch = self._advance(now_ms)
        for rec in self.records.values():
            if rec.peer == peer:
                rec.send_epoch = epoch + rand_below(ONLINE_RESCHEDULE_EPOCHS)

    def next_due_epoch(self) -> int | None:
        """The earliest send epoch of any record (owed acks are due now), or None if idle."""
        if self.owed_acks:
            return self.epoch
        return min((r.send_epoch for r in self.records.values()), default=None)

    def pending(self, peer: bytes | None = None) -> list[Record]:
        return [r for r in self.records.values() if peer is None or r.peer == peer]

    def _forget_unreferenced(self) -> None:
        referenced = {r.message_id for r in self.records.values() if r.type != REQUEST}
        for mid in [m for m in self.messages if m not in referenced]:
            del self.messages[mid]

    # --- persistence ------------------------------------------------------------------------
    def to_json(self) -> str:
        h = bytes.hex
        return json.dumps(
            {
                "version": 1,
                "peer_id": h(self.peer_id),
                "mode": self.mode,
                "epoch": self.epoch,
                "groups": {h(g): [h(p) for p in ps] for g, ps in self.groups.items()},
                "messages": {h(k): [h(m.group_id), m.timestamp, h(m.body)] for k, m in self.messages.items()},
                "known": sorted(h(k) for k in self.known),
                "records": [
                    [r.type, h(r.message_id), h(r.peer), None if r.group_id is None else h(r.group_id), r.send_count, r.send_epoch]
                    for r in self.records.values()
                ],
                "owed_acks": {h(p): [h(a) for a in acks] for p, acks in self.owed_acks.items()},
            },
            sort_keys=True,
        )

    def to_bytes(self) -> bytes:
        return self.to_json().encode("utf-8")

    @classmethod
    def from_json(cls, text: str | bytes) -> "MvdsNode":
        u = bytes.fromhex
        try:
            d = json.loads(text)
            if d.get("version") != 1:
                raise ValueError(f"unsupported state version {d.get('version')!r}")
            node = cls(u(d["peer_id"]), mode=d["mode"], epoch=int(d["epoch"]))
            node.groups = {u(g): [u(p) for p in ps] for g, ps in d["groups"].items()}
            node.messages = {u(k): Message(u(g), int(ts), u(b)) for k, (g, ts, b) in d["messages"].items()}
            node.known = {u(k) for k in d["known"]}
            for rtype, mid, peer, gid, count, epoch in d["records"]:
                if rtype not in (OFFER, REQUEST, MESSAGE):
                    raise ValueError(f"unknown record type {rtype!r}")
                node.records[(u(mid), u(peer))] = Record(rtype, u(mid), u(peer), None if gid is None else u(gid), int(count), int(epoch))
            node.owed_acks = {u(p): [u(a) for a in acks] for p, acks in d["owed_acks"].items()}
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise DecodeError(f"invalid MVDS node state: {e}") from None
        return node

    from_bytes = from_json
