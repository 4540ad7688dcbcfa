"""``listen``: one loop that receives, decrypts, answers and prints — and can be restarted.

**Every listener sees its events.** Events go to the account's event log first (in the transaction
of the envelope that produced them); a listener prints from the log, through its own cursor, every
event after it that matches its filter — whichever process received the envelope. So two
``listen`` on one account (filtered or not) each print everything that matches their filter: one
that handles an envelope outside its own filter stores the event without printing it, and the
other, which then sees that envelope as a duplicate, prints the stored event. A listener's cursor
starts at the end of the log (or at ``since``); events stored by ``mailserver fetch`` meanwhile are
printed too.

Order of work (each step's events are already stored, with their cursors, when printed):

1. subscribe (everything through a control socket; our content topics through a filter service);
2. ``since`` given: replay the stored events after that cursor (what a killed listener stored
   but may not have printed);
3. catch up from the store: first the recorded gaps, then from the checkpoint (minus a margin) to
   now — what arrived while no listener ran (a first listener looks one margin back: a message
   sent just before it subscribed is not missed); duplicates are skipped by envelope hash and
   message id. What could not be fetched stays a recorded gap (a ``gap`` event), retried next time
   (``history.catch_up``); the checkpoint then moves to when the subscription started;
4. publish our bundle on the contact-code topic when the last one is 6 hours old;
5. loop: handle what arrives; publish replies (bundle advertisements) and the MVDS payloads now
   due (acks, retransmissions with status-go's backoff); when new peers or channels appear (also
   added by another process, e.g. ``send``), reload the topics — and with a filter service,
   resubscribe and catch up on the new topics; where live delivery was interrupted (the filter
   service forgot us; the node — or, with a node of our own, its receive queue bounded in bytes —
   dropped messages we did not read in time, e.g. while catching up), fetch that window from the
   store; advance the checkpoint every second.

**The checkpoint never passes a message received but not committed.** Neither a filter push nor a
control-socket notification is acknowledged on the wire (filter v2 has no answer to a push), so a
message received and not yet committed when the process dies exists only in the node's store. The
checkpoint therefore moves to (2 s before) the moment of the last ``receive`` whose whole batch was
handled and committed — not to "now": a listener killed (or stopped at ``count``) with pushes still
queued or in hand leaves them after the checkpoint, and the next catch-up (checkpoint minus the
margin) fetches them from the store.

Stops after ``count`` messages (``message``/``contact_request``/``contact_request_accepted`` events
that pass the filter), after ``timeout`` seconds (a :class:`TimeoutExpired` when ``count`` was not
reached), or when :meth:`Listener.stop` is called (SIGTERM/SIGINT: the page of envelopes in hand is
finished first). Live envelopes are handled a page (at most :data:`PAGE`) per transaction — one by one
under ``count``, so that nothing received after the ``count``-th message is committed (the next listen
fetches it from the store, as any push received and not committed).

**The timeout covers the whole run**, replay and catch-up included: each stops at the deadline
between events / store pages (never inside a page's transaction); what was handled is committed
and printed. A ``since`` replay cut short leaves the checkpoint where it was (the catch-up did not
run; the next ``--since`` goes on from the last cursor printed). A catch-up cut short records the
range it did not fetch as a gap (code ``timeout``, step 3), so the checkpoint may move and the next
``listen`` / ``mailserver fetch`` fetches that range; store windows being filled in the loop
(step 5) are cut the same way.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from statuscli.app.messaging import bundles, history
from statuscli.app.messaging.events import COUNTED_TYPES
from statuscli.app.messaging.incoming import Receiver
from statuscli.core.errors import StatusCliError, TimeoutExpired
from statuscli.core.mvds.node import EPOCH_MS
from statuscli.store import messages as msg_store
from statuscli.store import mvds_state

CHECKPOINT_EVERY_S = 1.0
POLL_S = 0.25
#: at most this many received messages are taken per ``receive``; a full batch may have left more queued
RECEIVE_BATCH = 1000
#: envelopes handled in one transaction (a store page's size); a page is finished before ``count`` or a stop is checked
PAGE = 100


@dataclass
class ChatFilter:
    kind: str  # one-to-one | public | group
    id: str

    def matches(self, ev: dict) -> bool:
        t = ev.get("type")
        if t in ("undecryptable", "gap"):
            return True  # cannot be attributed to a chat: never hidden
        chat = ev.get("chat") or {}
        if chat:
            return chat.get("kind") == self.kind and chat.get("id") == self.id
        if self.kind == "one-to-one":
            return self.id in (ev.get("to"), ev.get("from"))
        if self.kind == "group" and t == "group":
            return (ev.get("group") or {}).get("chat_id") == self.id
        return False


@dataclass
class ListenOptions:
    count: int | None = None
    timeout: float | None = None
    since: int | None = None
    chat: ChatFilter | None = None
    channels: tuple[str, ...] = ()
    catch_up: bool = True
    publish_bundle: bool = True


class Listener:
    def __init__(self, messenger, transport, opts: ListenOptions, emit: Callable[[dict], None],
                 note: Callable[[str], None] = lambda s: None) -> None:  # fmt: skip
        self.m = messenger
        self.t = transport
        self.opts = opts
        self.emit = emit
        self.note = note
        self.receiver = Receiver(messenger, extra_channels=opts.channels)
        self.counted = 0
        #: this listener's place in the account's event log: it prints what comes after, whoever stored it
        self.cursor = opts.since if opts.since is not None else msg_store.last_cursor(messenger.account.db)
        self._stopping = False
        #: wall-clock ns before which everything received live was handled and committed (the checkpoint's bound)
        self._live_until: int | None = None
        #: ``time.monotonic()`` at which ``timeout`` ends the run (catch-up included); None: no timeout
        self._deadline: float | None = None

    def stop(self) -> None:
        self._stopping = True

    # --- output ------------------------------------------------------------------------------
    def _drain(self, deadline: float | None = None) -> bool:
        """Print the events stored after our cursor (by us or any other process of this account) that
        match our filter, moving the cursor; True when ``count`` is reached. With a ``deadline`` (the
        ``since`` replay) it stops there, between events."""
        conn = self.m.account.db
        while True:
            batch = msg_store.events_after(conn, self.cursor, 500)
            if not batch:
                return False
            for seq, ev in batch:
                if history.past(deadline):
                    return False
                ev["cursor"] = seq
                self.cursor = seq
                if self._out(ev):
                    return True

    def _drainer(self):
        """An ``emit`` for history fetches (their events are stored already): drain the log; and
        whether ``count`` was reached."""
        state = {"done": False}

        def emit(ev: dict) -> None:
            if not state["done"] and self._drain():
                state["done"] = True

        return emit, state

    def _out(self, ev: dict) -> bool:
        """Print one event; True when ``count`` is reached."""
        if self.opts.chat is not None and not self.opts.chat.matches(ev):
            return False
        if ev.get("type") == "gap":
            self.note(f"gap from {ev['from']} to {ev['to']} ns not caught up: {ev['reason']['message']} (kept, retried next time)")
        self.emit(ev)
        if ev.get("type") in COUNTED_TYPES:
            self.counted += 1
        return self.opts.count is not None and self.counted >= self.opts.count

    def _publish(self, envelopes) -> None:
        for env in envelopes:
            try:
                self.t.publish(env)
            except StatusCliError as e:
                self.note(f"publishing {env.hash.hex()[:10]}… failed: {e.message} (MVDS will retry)")
        self.m.published(envelopes)

    # --- the run -----------------------------------------------------------------------------
    def run(self) -> int:
        """Listen until a stop condition; returns the number of messages printed."""
        start = time.monotonic()
        deadline = start + self.opts.timeout if self.opts.timeout is not None else None
        self.t.subscribe(self._subscription_topics())
        heard_live_from = self._live_until = self.m.now_ns()
        reached = False
        caught_up = False  # the checkpoint moves only once the catch-up ran (covered, or its gap recorded)
        self._deadline = deadline
        try:
            reached = self._drain(deadline)  # --since: what was stored after that cursor first
            if not reached and not history.past(deadline):
                reached = self._catch_up_at_start(heard_live_from)
                caught_up = True
            if not reached and not history.past(deadline):
                self._maybe_publish_bundle()
                reached = self._loop(deadline)
        finally:
            try:
                self._tick(final=True)  # acks owed for what we just handled go out before we leave
                if caught_up:
                    self._checkpoint()
            except StatusCliError as e:
                self.note(f"while stopping: {e.message}")
        if self.opts.count is not None and not reached and not self._stopping:
            raise TimeoutExpired(f"{self.counted} of {self.opts.count} message(s) arrived within {self.opts.timeout:g} s")
        return self.counted

    def _loop(self, deadline: float | None) -> bool:
        last_checkpoint = time.monotonic()
        while not self._stopping:
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                return False
            wait = POLL_S if deadline is None else max(0.0, min(POLL_S, deadline - now))
            asked_at = self.m.now_ns()
            batch = self.t.receive(min(wait, self._until_due()), RECEIVE_BATCH)
            page = PAGE if self.opts.count is None else 1  # with --count, nothing after the count-th is committed
            for i in range(0, len(batch), page):  # a page per transaction (Receiver.handle_page)
                for handled in self.receiver.handle_page([(r.data, r.pubsub_topic) for r in batch[i : i + page]]):
                    self._publish(handled.replies)
                if self._drain():  # handled here or, when a duplicate, by another listener of this account
                    return True
                if self._stopping:
                    break
            else:
                if len(batch) < RECEIVE_BATCH:  # all that had arrived when we asked is committed now
                    self._live_until = asked_at
            if self._drain() or self._tick():
                return True
            if self._heal():
                return True
            if self.receiver.refresh() and self.t.filters_topics:
                self.t.subscribe(self._subscription_topics())
                if self._catch_up(self.m.now_ns()):
                    return True
            if time.monotonic() - last_checkpoint >= CHECKPOINT_EVERY_S:
                self._checkpoint()
                last_checkpoint = time.monotonic()
            self._maybe_publish_bundle()
        return False

    def _checkpoint(self) -> None:
        """Caught up until 2 s before the last fully handled ``receive`` (module docstring)."""
        history.advance_checkpoint(self.m.account, min(self.m.now_ns(), self._live_until or 0) - 2_000_000_000)

    def _heal(self) -> bool:
        """Live delivery was interrupted (the filter service forgot us and we re-subscribed, or the node
        dropped messages we read too slowly, e.g. during a long catch-up, or our own node's receive queue
        was full): fetch that window from the store."""
        take = getattr(self.t, "interruptions", None)
        windows = take() if take is not None else []
        emit, state = self._drainer()
        for a, b, why in windows:
            self.note(f"{why}: fetching those {(b - a) / 1e9:.1f} s from the store")
            history.fill_window(self.m, self.receiver, self.t, a, b, reason=why, emit=emit, deadline=self._deadline)
        return state["done"] or self._drain()

    def _maybe_publish_bundle(self) -> None:
        if self.opts.publish_bundle and bundles.due(self.m):
            try:
                bundles.publish(self.m, self.t)
            except StatusCliError as e:
                self.note(f"could not publish our bundle: {e.message}")

    def _subscription_topics(self) -> list[str] | None:
        return self.receiver.topics.content_topics if self.t.filters_topics else None

    def _catch_up_at_start(self, heard_live_from: int) -> bool:
        """Recorded gaps, then checkpoint → now from the store (see :mod:`history`); True when ``count`` is reached."""
        emit, state = self._drainer()
        history.catch_up(self.m, self.receiver, self.t, heard_live_from_ns=heard_live_from, enabled=self.opts.catch_up, emit=emit,
                         deadline=self._deadline)  # fmt: skip
        return state["done"] or self._drain()

    def _catch_up(self, since_ns: int | None) -> bool:
        """New topics appeared: events from the store since ``since_ns`` (minus the margin); True when ``count`` is reached."""
        if not self.opts.catch_up or since_ns is None:
            return False
        emit, state = self._drainer()
        try:
            stats = history.fetch(self.m, self.receiver, self.t, content_topics=self.receiver.topics.content_topics,
                                  since_ns=since_ns - history.CATCH_UP_MARGIN_NS, until_ns=None, emit=emit, send_acks=False,
                                  deadline=self._deadline)  # fmt: skip
            if stats.unfetched_from is not None:  # the deadline came first: what was not fetched is a gap
                history.record_gap(self.m, max(since_ns - history.CATCH_UP_MARGIN_NS, stats.unfetched_from), self.m.now_ns(),
                                   *history.CUT_SHORT, emit)  # fmt: skip
        except StatusCliError as e:
            self.note(f"no catch-up from the store: {e.message}")
        return state["done"] or self._drain()

    def _until_due(self) -> float:
        nd = mvds_state.next_due(self.m.account.db)
        if nd is None:
            return POLL_S
        return max(0.0, (nd * EPOCH_MS - self.m.now_ms()) / 1000)

    def _tick(self, final: bool = False) -> bool:
        envs, expired = self.m.tick()
        self._publish(envs)
        history._log(self.m, expired)  # stored; printed through the cursor
        return not final and bool(expired) and self._drain()
