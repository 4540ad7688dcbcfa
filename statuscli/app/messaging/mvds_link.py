"""MVDS between us and each 1:1 peer (batch mode, status-go's 1:1 group id), persisted as rows.

Rules (spec §6; the state machine is :class:`statuscli.core.mvds.node.MvdsNode`):

* ``append`` — inside the caller's transaction: queue a wrapper for the peer, remember which
  application message the MVDS id belongs to, make the new record due in the current epoch
  (status-go would send it at the next 300 ms tick; ``send`` transmits at once) and tick.
* ``due`` — for every group whose ``next_due`` epoch has come (retransmissions with status-go's
  backoff, owed acks), tick it in its own transaction, which also runs ``produce(conn, peer,
  payload)`` on each payload (the ratchet encryption); records given up after 16 sends are
  reported as ``expired`` events.
* ``receive`` — inside the caller's transaction: acks become ``delivered`` (application message
  ids), messages become wrapper bodies to dispatch; the acks we owe go out at the next ``due``.

The ratchet encryption of a payload commits with the MVDS state that produced it (the caller's
transaction in ``append``, ``produce`` in ``due``); publishing happens after the commit: a crash in
between only delays a record until its next retransmission, which is what MVDS is for.
"""

from __future__ import annotations

from statuscli.app.messaging.events import Expired
from statuscli.core.crypto import secp256k1
from statuscli.core.mvds import codec
from statuscli.core.mvds.node import EPOCH_MS, Acked, MessageReceived  # noqa: F401
from statuscli.store import messages as msg_store
from statuscli.store import mvds_state
from statuscli.store.db import transaction


def rand_below(rng):
    def below(n: int) -> int:
        return int.from_bytes(rng(4), "big") % n if n > 0 else 0

    return below


def group_id(account, peer: bytes) -> bytes:
    return codec.one_to_one_group_id(account.chat_public_key, peer)


def append(conn, account, peer: bytes, body: bytes, message_id: bytes, now_ms: int, rng) -> tuple[bytes, list[bytes]]:
    """Queue ``body`` for ``peer`` (inside a transaction); returns (MVDS id, payloads to send now).

    Touches only the new record and those due now: the same cost with 0 or 10 000 records pending."""
    gid = group_id(account, peer)
    expected = codec.Message(gid, now_ms // 1000, body).id  # loaded too: one record per (message, peer)
    st = mvds_state.load(conn, gid, account.chat_public_key, peer, now_ms=now_ms, ids=[expected], bodies_of_ids=False)
    node = st.node
    mid = node.append_message(gid, body, now_ms)
    msg_store.add_outgoing(conn, mid, peer, message_id)
    record = node.records.get((mid, peer))
    if record is not None and record.send_count == 0:
        record.send_epoch = node.epoch  # due now rather than at the next 300 ms epoch
    payloads = [p for _, p in node.tick(now_ms, rand_below(rng))]
    mvds_state.save(conn, st, now_ms)
    return mid, payloads


def due(account, now_ms: int, rng, produce=None) -> tuple[list[tuple[bytes, object]], list[Expired]]:
    """Payloads due now ``[(peer, payload)]`` — or ``[(peer, produce(conn, peer, payload))]``, run
    in the group's transaction — and events for records that expired."""
    conn = account.db
    epoch = now_ms // EPOCH_MS
    out: list[tuple[bytes, object]] = []
    expired: list[Expired] = []
    for gid, peer in mvds_state.due(conn, epoch):
        with transaction(conn):
            st = mvds_state.load(conn, gid, account.chat_public_key, peer, now_ms=now_ms)
            node = st.node
            payloads = node.tick(now_ms, rand_below(rng))
            expired.extend(Expired(rec.message_id, rec.peer) for rec in node.expired)
            mvds_state.save(conn, st, now_ms)
            out.extend((p, produce(conn, p, data) if produce is not None else data) for p, data in payloads)
    return out, expired


def receive(conn, account, sender: bytes, payload: codec.Payload, now_ms: int) -> tuple[list[bytes], list[bytes], list[bytes]]:
    """Process an MVDS payload (inside a transaction).

    Returns (wrapper bodies received — duplicates included, application ids newly delivered,
    MVDS ids of the bodies)."""
    sender = secp256k1.decompress(sender)
    gid = group_id(account, sender)
    ids = [*payload.acks, *payload.requests, *payload.offers, *(m.id for m in payload.messages)]
    st = mvds_state.load(conn, gid, account.chat_public_key, sender, ids=ids, acks=False)  # a receive only adds acks
    events = st.node.receive_payload(payload, sender, now_ms)
    bodies, ids, delivered = [], [], []
    for ev in events:
        if isinstance(ev, MessageReceived):
            bodies.append(ev.message.body)
            ids.append(ev.message_id)
        elif isinstance(ev, Acked):
            app_id = msg_store.delivered(conn, ev.message_id, ev.peer)
            if app_id is not None:
                delivered.append(app_id)
    mvds_state.save(conn, st, now_ms)
    return bodies, delivered, ids
