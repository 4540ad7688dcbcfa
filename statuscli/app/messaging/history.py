"""History from a store node (``mailserver fetch``, and ``listen``'s catch-up after a pause).

Store v3 queries (``/vac/waku/store-query/3.0.0``) for the account's content topics — at most 10 per
query, as nwaku requires — oldest first, following the cursor page by page. Every envelope goes
through the same :class:`~statuscli.app.messaging.incoming.Receiver` as live traffic, so what was
already seen is skipped and what is new is decrypted, fed to MVDS and stored. Afterwards one MVDS
tick sends the acks now owed (senders stop retransmitting and see ``delivered``).

Two marks are kept apart:

* **heard live since** — when this ``listen``'s subscription started (the listener holds it): from
  then on, what arrives is heard live;
* **caught up until** — the **checkpoint** (``msg_sync`` ``checkpoint_ns``): everything before it was
  heard live on a working subscription or fetched from a store, except the recorded **gaps**
  (:mod:`statuscli.store.coverage`).

:func:`catch_up` (``listen`` at start, and ``mailserver fetch`` without ``--since``) first retries
every recorded gap, then fetches from the checkpoint (minus :data:`CATCH_UP_MARGIN_NS`: clock skew,
messages in flight) to now. A range a store answered page by page is covered (its gap deleted); a
range it could not fetch (no store, a failed query, ``--no-catch-up``) stays a gap — a ``gap`` event
``{from, to, reason {code, message}}`` (Waku timestamps, ns) is stored and printed — and is
retried by the next ``listen`` / ``mailserver fetch`` against a node that has a store. Only then
does the checkpoint move on to "heard live since".

A caller with a **deadline** (``listen --timeout``) has the paging stop there, between pages (each
page's transaction is whole; a page answered after the deadline is not handled): what was handled
stays committed, and the rest of the range — from the timestamp of the last envelope handled (or of
the first not handled), or the whole range when a later topic query had not started — is recorded
as a gap like any range not fetched (code ``timeout``), so the next ``listen`` / ``mailserver
fetch`` fetches it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from statuscli.app.messaging.topics import PUBSUB_TOPIC
from statuscli.core.errors import NetworkError, ProtocolRefused, StatusCliError, TimeoutExpired
from statuscli.core.waku import message as wm
from statuscli.store import coverage
from statuscli.store import messages as msg_store
from statuscli.store.db import transaction

CHECKPOINT = "checkpoint_ns"
#: pauses before asking a failed store page again (network errors and timeouts only)
PAGE_RETRY_PAUSES_S = (0.5, 2.0)
CATCH_UP_MARGIN_NS = 60 * 1_000_000_000
TOPICS_PER_QUERY = 10
CUT_SHORT = ("timeout", "not fetched before the deadline (listen --timeout): fetched by the next listen or mailserver fetch")


@dataclass
class FetchStats:
    pages: int = 0
    envelopes: int = 0
    new_events: int = 0
    duplicates: int = 0
    not_ours: int = 0
    undecryptable: int = 0
    acks_sent: int = 0
    #: None: the whole range was paged; else the deadline stopped the paging and nothing from this
    #: timestamp on is known to be fetched (``since_ns`` itself when a topic query had not started)
    unfetched_from: int | None = None

    def to_json(self) -> dict:
        return {"type": "summary", **{k: v for k, v in self.__dict__.items() if k != "unfetched_from"}}


def past(deadline: float | None) -> bool:
    """Whether a ``time.monotonic()`` deadline (None: none) has come."""
    return deadline is not None and time.monotonic() >= deadline


def checkpoint(account) -> int | None:
    return msg_store.get_mark(account.db, CHECKPOINT)


def advance_checkpoint(account, ns: int) -> None:
    with transaction(account.db):
        msg_store.raise_mark(account.db, CHECKPOINT, ns)


def gap_event(from_ns: int, to_ns: int, code: str, message: str) -> dict:
    from statuscli.app.messaging.events import Gap

    return Gap(from_ns, to_ns, code, message).to_json()


def catch_up(messenger, receiver, transport, *, heard_live_from_ns: int, enabled: bool = True, page_size: int = 100,
             peer: str | None = None, emit: Callable[[dict], None] = lambda e: None, deadline: float | None = None) -> bool:  # fmt: skip
    """Retry the recorded gaps, then fetch from the checkpoint to now; True when all of it was fetched.

    Afterwards the checkpoint is ``heard_live_from_ns`` (what follows is heard live, or fetched by the
    caller); every range not fetched (also for want of time: ``deadline``) is a recorded gap and a
    ``gap`` event went to ``emit``.
    """
    conn = messenger.account.db
    cp = checkpoint(messenger.account)
    complete = retry_gaps(messenger, receiver, transport, enabled=enabled, page_size=page_size, peer=peer, emit=emit, deadline=deadline)
    start = unfetched = (cp if cp is not None else heard_live_from_ns) - CATCH_UP_MARGIN_NS
    failure = ("no-catch-up", "not fetched from a store (--no-catch-up)")
    if enabled:
        try:
            stats = fetch(messenger, receiver, transport, content_topics=receiver.topics.content_topics, since_ns=start, until_ns=None,
                          page_size=page_size, peer=peer, emit=emit, send_acks=False, deadline=deadline)  # fmt: skip
            failure = None if stats.unfetched_from is None else CUT_SHORT
            unfetched = start if stats.unfetched_from is None else max(start, stats.unfetched_from)
        except StatusCliError as e:
            failure = ("store-unavailable", e.message)
    gap = None
    with transaction(conn):
        if failure is not None and coverage.add_gap(conn, unfetched, heard_live_from_ns, failure[1], messenger.now_ms()):
            gap = gap_event(unfetched, heard_live_from_ns, *failure)
            gap["cursor"] = msg_store.append_event(conn, gap, messenger.now_ms())
        msg_store.raise_mark(conn, CHECKPOINT, heard_live_from_ns)
    if gap is not None:
        emit(gap)
    return complete and failure is None


def retry_gaps(messenger, receiver, transport, *, enabled: bool = True, page_size: int = 100, peer: str | None = None,
               emit: Callable[[dict], None] = lambda e: None, deadline: float | None = None) -> bool:  # fmt: skip
    """Fetch every recorded gap (with the margin on both sides); True when none is left. A gap the
    ``deadline`` cut short keeps its part not fetched (and says so in a ``gap`` event)."""
    conn = messenger.account.db
    left = 0
    for g in coverage.gaps(conn):
        if not enabled:
            left += 1
            continue
        code, message, from_ns = "store-unavailable", None, g.from_ns
        try:
            stats = fetch(messenger, receiver, transport, content_topics=receiver.topics.content_topics, since_ns=g.from_ns - CATCH_UP_MARGIN_NS,
                          until_ns=g.to_ns + CATCH_UP_MARGIN_NS, page_size=page_size, peer=peer, emit=emit, send_acks=False,
                          deadline=deadline)  # fmt: skip
            if stats.unfetched_from is not None:
                (code, message), from_ns = CUT_SHORT, max(g.from_ns, stats.unfetched_from)
        except StatusCliError as e:
            message = e.message
        if message is None:
            with transaction(conn):
                coverage.filled(conn, g.id)
            continue
        left += 1
        ev = gap_event(from_ns, g.to_ns, code, message)
        with transaction(conn):
            coverage.still_open(conn, g.id, message, from_ns=from_ns)
            ev["cursor"] = msg_store.append_event(conn, ev, messenger.now_ms())
        emit(ev)
    return left == 0


def fill_window(messenger, receiver, transport, from_ns: int, to_ns: int, *, reason: str,
                emit: Callable[[dict], None] = lambda e: None, deadline: float | None = None) -> bool:  # fmt: skip
    """A live subscription was interrupted in ``[from_ns, to_ns]``: fetch that window (with the margin)
    from the store; what cannot be fetched (or not before ``deadline``) becomes a recorded gap (and a
    ``gap`` event)."""
    try:
        stats = fetch(messenger, receiver, transport, content_topics=receiver.topics.content_topics, since_ns=from_ns - CATCH_UP_MARGIN_NS,
                      until_ns=to_ns + CATCH_UP_MARGIN_NS, emit=emit, send_acks=False, deadline=deadline)  # fmt: skip
        if stats.unfetched_from is None:
            return True
        record_gap(messenger, max(from_ns, stats.unfetched_from), to_ns, CUT_SHORT[0], f"{reason}; {CUT_SHORT[1]}", emit)
    except StatusCliError as e:
        record_gap(messenger, from_ns, to_ns, "store-unavailable", f"{reason}; the store could not fill it: {e.message}", emit)
    return False


def record_gap(messenger, from_ns: int, to_ns: int, code: str, message: str, emit: Callable[[dict], None]) -> None:
    """``[from_ns, to_ns]`` was not fetched: a recorded gap, and its ``gap`` event stored and emitted."""
    conn = messenger.account.db
    ev = gap_event(from_ns, to_ns, code, message)
    with transaction(conn):
        if coverage.add_gap(conn, from_ns, to_ns, message, messenger.now_ms()) is None:
            return
        ev["cursor"] = msg_store.append_event(conn, ev, messenger.now_ms())
    emit(ev)


def covered(account, since_ns: int | None, until_ns: int) -> None:
    """A whole-account fetch of ``[since_ns, until_ns]`` succeeded: gaps inside it are filled, and the
    checkpoint moves to ``until_ns`` when the range reached back to it (else a range before stays open)."""
    conn = account.db
    with transaction(conn):
        coverage.fill_within(conn, since_ns, until_ns)
        cp = msg_store.get_mark(conn, CHECKPOINT)
        if cp is None or since_ns is None or since_ns <= cp:
            msg_store.raise_mark(conn, CHECKPOINT, until_ns)


def fetch(messenger, receiver, transport, *, content_topics: list[str], since_ns: int | None, until_ns: int | None,
          page_size: int = 100, peer: str | None = None, emit: Callable[[dict], None] = lambda e: None,
          progress: Callable[[FetchStats], None] = lambda s: None, send_acks: bool = True,
          deadline: float | None = None) -> FetchStats:  # fmt: skip
    """Page through the store for ``content_topics``, each page handled in one transaction
    (``Receiver.handle_page``); each new event goes to ``emit`` (after its page committed), unless
    the receiver has a ``deliver`` of its own (before the commit).

    At ``deadline`` (``time.monotonic()``) the paging stops between pages — a page that came back
    later is not handled — and ``unfetched_from`` says from where the range was not fetched."""
    stats = FetchStats()
    topics = sorted(set(content_topics))
    for i in range(0, len(topics), TOPICS_PER_QUERY):
        chunk = topics[i : i + TOPICS_PER_QUERY]
        later_chunks = i + TOPICS_PER_QUERY < len(topics)
        cursor, last = None, None
        while True:
            if past(deadline):
                stats.unfetched_from = _resume_at(since_ns, last, later_chunks)
                break
            items, cursor = _page(transport, chunk, since_ns, until_ns, cursor, page_size, peer, deadline)
            if items and past(deadline):  # answered too late: the next listen asks for it again
                stats.unfetched_from = _resume_at(since_ns, items[0], later_chunks)
                break
            stats.pages += 1
            for handled in receiver.handle_page([(r.data, r.pubsub_topic) for r in items]):  # one commit per page
                stats.envelopes += 1
                if handled.duplicate:
                    stats.duplicates += 1
                elif not handled.ours:
                    stats.not_ours += 1
                for e in handled.events:
                    stats.new_events += 1
                    stats.undecryptable += e["type"] == "undecryptable"
                    if not handled.delivered:  # else the receiver's ``deliver`` wrote it before the commit
                        emit(e)
                _publish(messenger, transport, handled.replies)
            last = items[-1] if items else last
            progress(stats)
            if cursor is None or not items:
                break
        if stats.unfetched_from is not None:
            break
    if send_acks:
        envs, expired = messenger.tick()
        _publish(messenger, transport, envs)
        stats.acks_sent = len(envs)
        for e in _log(messenger, expired):
            emit(e)
    return stats


def _resume_at(since_ns: int | None, envelope, later_chunks: bool) -> int:
    """Where a fetch cut short must resume: the timestamp of ``envelope`` (the last handled, or the
    first not handled: the store pages in (timestamp, hash) order, so nothing before it is missing) —
    or ``since_ns`` when topic queries after this one had not started, or the timestamp is unknown."""
    start = since_ns if since_ns is not None else 0
    if later_chunks or envelope is None:
        return start
    try:
        ts = wm.decode(envelope.data).timestamp
    except Exception:  # noqa: BLE001 - not a WakuMessage: resume from the start of the range
        return start
    return max(start, ts) if ts else start


def _page(transport, topics: list[str], since_ns, until_ns, cursor, page_size: int, peer, deadline: float | None = None):
    """One store page; a failed query is asked again (same cursor) before the failure counts: one
    slow answer under load must not cut a long catch-up short (unless the caller's deadline comes first)."""
    for pause in PAGE_RETRY_PAUSES_S + (None,):
        try:
            return transport.store_query(topics, pubsub_topic=PUBSUB_TOPIC, time_start=since_ns, time_end=until_ns, cursor=cursor,
                                         limit=page_size, forward=True, peer=peer)  # fmt: skip
        except (NetworkError, TimeoutExpired) as e:
            if pause is None or isinstance(e, ProtocolRefused):  # a refusal is an answer: asking again changes nothing
                raise
            if deadline is not None and time.monotonic() + pause >= deadline:
                raise
            time.sleep(pause)
    raise AssertionError("unreachable")


def _publish(messenger, transport, envelopes) -> None:
    for env in envelopes:
        transport.publish(env)
    messenger.published(envelopes)


def _log(messenger, events: list) -> list[dict]:
    """Store events that did not come with an envelope (expired records) and give them cursors
    (their JSON form, as printed)."""
    if not events:
        return []
    conn, now = messenger.account.db, messenger.now_ms()
    out = []
    with transaction(conn):
        for e in events:
            d = e.to_json()
            d["cursor"] = msg_store.append_event(conn, d, now)
            out.append(d)
    return out
