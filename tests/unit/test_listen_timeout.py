"""``listen --timeout S`` bounds the whole run, catch-up included.

Before: the deadline was checked only in the live loop, so a catch-up from a slow store (or of a
large backlog) ran to its end however long it took. Now the paging stops at the deadline between
store pages; what was handled is printed, the rest of the range is a recorded gap (code ``timeout``)
and later listens fetch it: every message is printed once over the runs.

The store is a real :class:`~statuscli.store.archive.Archive` answering each page
:data:`PAGE_S` late, so 3 pages cannot be fetched within :data:`TIMEOUT_S`, however fast the machine.
"""

from __future__ import annotations

import time

import pytest

from statuscli.app.messaging import history
from statuscli.app.messaging.content import Content
from statuscli.app.messaging.incoming import Receiver
from statuscli.app.messaging.listener import Listener, ListenOptions
from statuscli.core.errors import TimeoutExpired
from statuscli.store import coverage
from statuscli.store import messages as msg_store
from statuscli.store.archive import Archive
from tests.unit.test_catch_up_complete import N, backlog, got  # noqa: F401  (fixture)
from tests.unit.test_listen_coverage import CHANNEL, ArchiveTransport, listen, run_until_idle
from tests.unit.test_messaging import clock, parties  # noqa: F401  (fixtures)

PAGE_S = 0.25
TIMEOUT_S = 0.4  # < 3 pages of 100 (N = 300), however fast the machine
MESSAGES = ("message", "contact_request")


class SlowStore(ArchiveTransport):
    """A store that answers each page ``PAGE_S`` late (a loaded node, a far one)."""

    def store_query(self, *args, **kw):
        time.sleep(PAGE_S)
        return super().store_query(*args, **kw)


def test_the_timeout_cuts_the_catch_up_short_and_later_listens_print_the_rest_once(backlog):
    bob, archive, texts = backlog
    cp_before = history.checkpoint(bob.account)
    first: list[dict] = []
    Listener(bob.m, SlowStore(archive), ListenOptions(timeout=TIMEOUT_S, publish_bundle=False), first.append).run()
    printed = got(first)
    assert len(printed) < N  # cut short: 3 pages cannot come within the timeout
    (gap,) = [e for e in first if e["type"] == "gap"]
    assert gap["reason"]["code"] == "timeout" and gap["cursor"] > 0
    (kept,) = coverage.gaps(bob.account.db)
    assert (kept.from_ns, kept.to_ns) == (gap["from"], gap["to"])
    stored = [e["text"] for _, e in msg_store.events_after(bob.account.db, 0, 10_000) if e["type"] == "message"]
    assert sorted(stored) == sorted(printed)  # what was handled is committed and was printed
    assert history.checkpoint(bob.account) >= cp_before

    # a second listen cut short too: its retry of the gap stops at the deadline, and the gap keeps what is left
    again: list[dict] = []
    Listener(bob.m, SlowStore(archive), ListenOptions(timeout=TIMEOUT_S, publish_bundle=False), again.append).run()
    assert {e["reason"]["code"] for e in again if e["type"] == "gap"} == {"timeout"}
    assert min(g.from_ns for g in coverage.gaps(bob.account.db)) >= gap["from"]  # kept (or narrowed), never lost

    last: list[dict] = []
    store = ArchiveTransport(archive)
    run_until_idle(Listener(bob.m, store, ListenOptions(publish_bundle=False), last.append), store)
    every = printed + got(again) + got(last)
    assert len(every) == len(set(every)) == N and set(every) == set(texts)  # each message once over the runs
    assert coverage.gaps(bob.account.db) == [] and [e for e in last if e["type"] == "gap"] == []
    later = [e["timestamp"] for e in again + last if e["type"] == "message"]
    assert min(later) >= gap["from"]  # the first gap held all that the first listen did not fetch


def test_a_count_not_reached_by_the_deadline_during_the_catch_up_is_still_a_timeout(backlog):
    bob, archive, texts = backlog
    out: list[dict] = []
    listener = Listener(bob.m, SlowStore(archive), ListenOptions(count=N, timeout=TIMEOUT_S, publish_bundle=False), out.append)
    with pytest.raises(TimeoutExpired):  # before: the whole catch-up ran, and its N messages reached the count
        listener.run()
    assert len(got(out)) < N and [e["reason"]["code"] for e in out if e["type"] == "gap"] == ["timeout"]


def test_a_since_replay_cut_by_the_timeout_leaves_the_checkpoint_and_the_next_since_goes_on(parties, clock):
    alice, bob = parties("alice", "bob")
    store = ArchiveTransport(Archive())
    run_until_idle(Listener(bob.m, store, ListenOptions(publish_bundle=False), lambda e: None), store)  # a checkpoint
    cp = history.checkpoint(bob.account)
    for i in range(20):  # stored by an earlier listen, maybe never printed: what --since replays
        bob.take(alice.m.send_direct(bob.key, Content(text=f"stored {i}")).envelopes)
    queries = store.queries
    first: list[dict] = []

    def slow_reader(ev: dict) -> None:  # a consumer that reads slowly: the replay alone outlasts the timeout
        first.append(ev)
        time.sleep(0.03)

    Listener(bob.m, store, ListenOptions(since=0, timeout=0.2, publish_bundle=False), slow_reader).run()
    printed = [e["text"] for e in first if e["type"] in MESSAGES]
    assert 0 < len(printed) < 20  # before: all 20, then the catch-up, then the loop
    assert store.queries == queries and history.checkpoint(bob.account) == cp  # no catch-up ran: the checkpoint stays

    rest: list[dict] = []
    run_until_idle(Listener(bob.m, store, ListenOptions(since=first[-1]["cursor"], publish_bundle=False), rest.append), store)
    both = printed + [e["text"] for e in rest if e["type"] in MESSAGES]
    assert both == [f"stored {i}" for i in range(20)]  # in order, each once


def test_a_store_window_the_deadline_left_unfetched_is_a_gap_that_the_next_retry_fills(parties, clock):
    alice, bob = parties("alice", "bob")
    listen(bob, ArchiveTransport(Archive()))  # joined the channel
    store = ArchiveTransport(Archive())
    for env in alice.m.send_public(CHANNEL, Content(text="in the window")).envelopes:
        store.publish(env)
    a, b = clock() - 1_000_000_000, clock() + 1_000_000_000
    receiver = Receiver(bob.m, extra_channels=(CHANNEL,))
    got: list[dict] = []
    assert not history.fill_window(bob.m, receiver, store, a, b, reason="the filter service forgot us", emit=got.append,
                                   deadline=time.monotonic())  # fmt: skip
    (gap,) = got
    assert (gap["type"], gap["from"], gap["to"], gap["reason"]["code"]) == ("gap", a, b, "timeout") and store.queries == 0
    assert [(g.from_ns, g.to_ns) for g in coverage.gaps(bob.account.db)] == [(a, b)]
    again: list[dict] = []
    assert history.retry_gaps(bob.m, receiver, store, emit=again.append)
    assert [e["text"] for e in again if e["type"] == "message"] == ["in the window"] and coverage.gaps(bob.account.db) == []
