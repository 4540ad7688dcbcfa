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
from statuscli.app.messaging.listener import Listener, ListenOptions
from statuscli.core.errors import TimeoutExpired
from statuscli.store import coverage
from statuscli.store import messages as msg_store
from tests.unit.test_catch_up_complete import N, backlog, got  # noqa: F401  (fixture)
from tests.unit.test_listen_coverage import ArchiveTransport, run_until_idle
from tests.unit.test_messaging import clock, parties  # noqa: F401  (fixtures)

PAGE_S = 0.25
TIMEOUT_S = 0.4  # < 3 pages of 100 (N = 300), however fast the machine


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
