"""The incoming side: one WakuMessage peeled (``core.receive``) and its trace applied, as events.

    r = Receiver(messenger)                       # the account's key ring (refresh() when peers change)
    result = r.handle(data, pubsub_topic)         # -> Handled(events, replies)
    r = Receiver(messenger, deliver=write_events)  # output before commit (mailserver fetch)

What happens here: the envelope (every failure an ``undecryptable`` event naming the layer and the
reason — never silent):

1. WakuMessage: its deterministic hash de-duplicates envelopes (relay + store, our echoes); content
   topics the account does not listen to are ignored (not ours: no event).
2. payload v1: unsigned payloads are refused (status-go needs the Waku signer). Our own signer goes
   on: another device of this account writes to this one (our own echoes were recorded seen when
   published; one that was not ends silently at the ratchet, as not for this installation).
3. the layers inside (segments, ProtocolMessage, MVDS, application) are applied by
   :class:`~statuscli.app.messaging.trace_apply.TraceApply`, in the envelope's transaction.

Transaction boundary: everything one envelope changes — segments, the ratchet step, a bundle
advertisement we owe, MVDS state, messages, clocks, groups, the envelope marked seen and its events
with their cursors — commits in ONE ``transaction(conn)``. Only the outer layers (WakuMessage,
payload v1: no state) run before it. A crash leaves the account as before the envelope or with all
of it. Replies are published after the commit.

Output before commit: a receiver made with ``deliver`` hands each envelope's events (with their
cursors) to ``deliver(events)`` inside that transaction, just before the commit — the same rule as
``decrypt``'s and ``send``'s ``deliver``. When it raises (the output could not be written), nothing
of the envelope is committed — not its ratchet step, its messages, its MVDS state, nor the envelope
marked seen — and the error reaches the caller unchanged (``handle_safely`` does not turn it into an
``internal`` failure), so a plain retry handles and prints the envelope again. Without ``deliver``
(``listen``), events are printed after the commit, from the event log through the listener's cursor.

A page of envelopes (a store page: ``handle_page``) shares one transaction: each envelope is still
all-or-nothing in a savepoint of its own (a failing one is rolled back alone and handled as
``handle_safely`` does), the events of the whole page go to ``deliver`` just before the one commit,
and replies and after-commit work wait for it. One commit per page instead of per envelope is most
of what a store catch-up saves (the pages every envelope touches — ratchet session, MVDS group,
clocks — are written once per page). If the page as a whole fails, it is rolled back and handled
envelope by envelope instead; a failed ``deliver`` rolls back the whole page and reaches the caller.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from statuscli.app.messaging import events as ev
from statuscli.app.messaging import topics
from statuscli.app.messaging.trace_apply import TraceApply
from statuscli.app.messaging.waku_layer import Envelope, seal_all
from statuscli.core.crypto.hashing import keccak256
from statuscli.core.receive import layers as L
from statuscli.core.receive import peel
from statuscli.store import chats as chat_store
from statuscli.store import messages as msg_store
from statuscli.store.db import savepoint, transaction


@dataclass
class Handled:
    events: list[dict] = field(default_factory=list)  # stored, each with its cursor (the events' JSON form)
    replies: list[Envelope] = field(default_factory=list)  # to publish (bundle advertisements)
    ours: bool = True  # False: a content topic we do not listen to
    duplicate: bool = False
    delivered: bool = False  # the events went to the receiver's ``deliver`` before the commit


class _Undelivered(Exception):
    """``deliver`` failed (the transaction rolled back); carries its error to the caller unchanged."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


log = logging.getLogger("statuscli.messaging")


@dataclass
class _Page:
    """What a page of envelopes defers to its one commit."""

    undelivered: list[Handled] = field(default_factory=list)
    after_commit: list[Callable[[], None]] = field(default_factory=list)

#: how many times an envelope that fails unexpectedly is tried before it is given up (marked seen)
MAX_ATTEMPTS = 3


class StoredSegments:
    """The segment port: segments kept in the account database (inside the caller's transaction; ``envelope
    inspect`` rolls its snapshot back, so there it only reads)."""

    def __init__(self, conn) -> None:
        self.conn = conn

    def add(self, seg, signer: bytes) -> bytes | None:
        return msg_store.add_segment(self.conn, seg.entire_message_hash, signer, seg.index, seg.segments_count, seg.payload)


class Receiver:
    def __init__(self, messenger, topic_set=None, *, extra_channels=(), deliver: Callable[[list[dict]], None] | None = None) -> None:
        self.m = messenger
        #: output before commit: called with each envelope's events inside its transaction (module docstring)
        self.deliver = deliver
        self.account = messenger.account
        self.extra_channels = tuple(extra_channels)
        self.topics = topic_set or topics.listen_set(self.account, extra_channels=self.extra_channels)
        self._version = chat_store.version(self.account.db)
        self._me = self.account.chat_public_key
        self._page: _Page | None = None  # while handle_page runs

    def refresh(self, *, force: bool = False) -> bool:
        """Reload the key ring when a peer, channel or group was added (by us or another process)."""
        v = chat_store.version(self.account.db)
        if v == self._version and not force:
            return False
        self._version = v
        self.topics = topics.listen_set(self.account, extra_channels=self.extra_channels)
        return True

    # --- a page of envelopes ------------------------------------------------------------------
    def handle_page(self, items: Sequence[tuple[bytes, str]]) -> list[Handled]:
        """:meth:`handle_safely` for each ``(data, pubsub_topic)``, all in one transaction (module docstring)."""
        if len(items) < 2:
            return [self.handle_safely(data, topic) for data, topic in items]
        conn = self.account.db
        page = _Page()
        self._page = page
        try:
            with transaction(conn):
                out = [self.handle_safely(data, topic) for data, topic in items]
                if page.undelivered:  # output before commit: the page's events, in order, in one write
                    self._write(page.undelivered)
        except _Undelivered as e:
            raise e.error from None
        except Exception as e:  # noqa: BLE001 — the page failed as a whole (not one envelope): one by one
            log.warning("a page of %d envelopes failed as a whole (%s: %s); handling them one by one", len(items), type(e).__name__, e)
            self._page = None
            return [self.handle_safely(data, topic) for data, topic in items]
        finally:
            self._page = None
        for done in page.after_commit:
            done()
        return out

    @contextlib.contextmanager
    def _envelope_tx(self, conn) -> Iterator:
        """One envelope's all-or-nothing: its own transaction, or its savepoint in a page's."""
        page = self._page
        if page is None:
            with transaction(conn):
                yield conn
            return
        mark = len(page.undelivered)
        try:
            with savepoint(conn, "envelope"):
                yield conn
        except BaseException:
            del page.undelivered[mark:]  # rolled back: its events are not printed
            raise

    def _after_commit(self, work: list) -> None:
        if self._page is not None:
            self._page.after_commit.extend(work)
            return
        for done in work:
            done()

    # --- one envelope ------------------------------------------------------------------------
    def handle(self, data: bytes, pubsub_topic: str = topics.PUBSUB_TOPIC, *, known_hash: bytes | None = None) -> Handled:
        try:
            return self._handle(data, pubsub_topic, known_hash)
        except _Undelivered as e:
            raise e.error from None

    def _handle(self, data: bytes, pubsub_topic: str, known_hash: bytes | None) -> Handled:
        conn = self.account.db
        waku = peel.decode_message(data, pubsub_topic=pubsub_topic)
        if isinstance(waku, L.Failed):
            h = known_hash or keccak256(data)
            if msg_store.envelope_seen(conn, h):
                return Handled(duplicate=True)
            return self._commit(h, 0, [self._undecryptable(waku, ev.EnvelopeRef(h, pubsub_topic, None, None, data))])
        h = known_hash or waku.hash
        if not self.topics.knows(waku.content_topic) and not (self.refresh() and self.topics.knows(waku.content_topic)):
            return Handled(ours=False)
        if msg_store.envelope_seen(conn, h):
            return Handled(duplicate=True)
        env = ev.EnvelopeRef(h, pubsub_topic, waku.content_topic, waku.timestamp, data)
        pv1 = peel.open_waku(waku, self.topics)  # no state involved: outside the write lock
        stop = self._outer_stop(pv1, env)
        if stop is not None:
            return self._commit(h, waku.timestamp or 0, stop)
        out, after_commit = Handled(), []
        with self._envelope_tx(conn):  # the whole envelope: ratchet, MVDS, messages, events — one commit
            if not msg_store.mark_envelope(conn, h, waku.timestamp or 0, self.m.now_ms()):  # seen: rolled back with the rest
                return Handled(duplicate=True)  # another process handled it meanwhile
            from statuscli.app.secure_receive import RatchetPort

            ports = {"ratchet": RatchetPort(self.account, now_ms=self.m.now_ms(), rng=self.m.rng), "segments": StoredSegments(conn)}
            inner = peel.peel_data(pv1.data, peel.context((waku, pv1), self.topics, **ports))
            events = TraceApply(self, conn, pv1, env, out, after_commit).trace(inner)
            self._record(conn, h, waku.timestamp or 0, events, out, marked=True)
        self._after_commit(after_commit)
        return out

    def _outer_stop(self, pv1, env: ev.EnvelopeRef) -> list | None:
        """Events for an envelope that ends at payload v1 (None: it goes on)."""
        if isinstance(pv1, L.Failed):
            return [self._undecryptable(pv1, env)]
        if pv1.signer is None:
            return [ev.Undecryptable("payload-v1", "unsigned", "the payload carries no signature (status-go drops these)", env)]
        return None  # signed by us too: an echo was recorded seen when published; another device of ours may write to this one

    @staticmethod
    def _undecryptable(f: L.Failed, env: ev.EnvelopeRef) -> ev.Undecryptable:
        return ev.Undecryptable(f.layer, f.code, f.message, env)

    def handle_safely(self, data: bytes, pubsub_topic: str = topics.PUBSUB_TOPIC) -> Handled:
        """:meth:`handle`, for loops that must go on (``listen``, ``mailserver fetch``).

        An envelope whose handling fails unexpectedly (a bug, an I/O error) has had everything
        rolled back. It becomes an ``undecryptable`` event at layer ``internal`` and is NOT marked
        seen, so a later delivery (a restart, a store fetch) tries it again — up to
        MAX_ATTEMPTS; then it is marked seen with a final event, so one poisonous envelope can
        neither stop a listener nor be retried forever.
        """
        try:
            try:
                return self._handle(data, pubsub_topic, None)
            except _Undelivered:
                raise
            except Exception as e:  # noqa: BLE001 — the point: nothing here may stop the caller
                return self._failed(data, pubsub_topic, e)
        except _Undelivered as e:  # the output failed: nothing committed; the caller stops (a retry prints it)
            raise e.error from None

    def _failed(self, data: bytes, pubsub_topic: str, err: Exception) -> Handled:
        waku = peel.decode_message(data, pubsub_topic=pubsub_topic)
        if isinstance(waku, L.Failed):
            env = ev.EnvelopeRef(keccak256(data), pubsub_topic, None, None, data)
        else:
            env = ev.EnvelopeRef(waku.hash, pubsub_topic, waku.content_topic, waku.timestamp, data)
        h = env.hash
        reason = f"{type(err).__name__}: {err}"
        log.error("handling envelope %s failed: %s", h.hex(), reason)
        log.debug("traceback of that failure", exc_info=err)
        out = Handled()
        with self._envelope_tx(self.account.db) as conn:
            if msg_store.envelope_seen(conn, h):
                return Handled(duplicate=True)
            attempts = msg_store.record_failure(conn, h, reason)
            final = attempts >= MAX_ATTEMPTS
            event = ev.Undecryptable("internal", "internal-error", reason, env, attempt=attempts, final=final)
            if final:
                self._record(conn, h, env.timestamp or 0, [event], out)
            else:
                d = event.to_json()
                d["cursor"] = msg_store.append_event(conn, d, self.m.now_ms())
                out.events.append(d)
                self._deliver(out)
        return out

    def _commit(self, h: bytes, ts: int, events: list) -> Handled:
        out = Handled()
        with self._envelope_tx(self.account.db) as conn:
            if msg_store.envelope_seen(conn, h):
                return Handled(duplicate=True)
            self._record(conn, h, ts, events, out)
        return out

    def _record(self, conn, h: bytes, ts: int, events: list, out: Handled, *, marked: bool = False) -> None:
        """Inside the envelope's transaction: the envelope is seen (``marked``: already), its events get their cursors."""
        now = self.m.now_ms()
        if not marked:
            msg_store.mark_envelope(conn, h, ts, now)
        for e in events:
            d = e.to_json()
            d["cursor"] = msg_store.append_event(conn, d, now)
            out.events.append(d)
        self._deliver(out)

    def _deliver(self, out: Handled) -> None:
        """Inside the envelope's transaction, last: its events to ``deliver`` (output before commit)."""
        if self.deliver is None or not out.events:
            return
        if self._page is not None:  # a page: delivered together, just before the page's commit
            self._page.undelivered.append(out)
            return
        self._write([out])

    def _write(self, outs: list[Handled]) -> None:
        """Their events, in order, in one ``deliver`` call; a failure to write means: do not commit."""
        try:
            self.deliver([e for out in outs for e in out.events])
        except Exception as e:  # noqa: BLE001 — any failure to write means: do not commit
            raise _Undelivered(e) from e
        for out in outs:
            out.delivered = True

    def advertise(self, peer: bytes) -> list[Envelope]:
        """Our bundle for a peer who wrote to a session we do not have (recorded in the envelope's transaction)."""
        from statuscli.app import secure

        data = secure.bundle_advertisement(self.account, peer, now_ms=self.m.now_ms(), rng=self.m.rng, in_transaction=True)
        if data is None:
            return []
        return seal_all(data, topics.partitioned(peer), signing_key=self.account.chat_private_key, now_ns=self.m.now_ns(), rng=self.m.rng)
