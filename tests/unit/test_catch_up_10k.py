"""A 10 k 1:1 catch-up from 10 senders is complete (issue 14.2: a review saw 9 906 and 9 941 of 10 000).

The review's shape, with every suspect it named at work together:

* 10 000 1:1 messages from 10 senders (real accounts: X3DH, Double Ratchet, MVDS, payload v1) sit
  in a real store :class:`~statuscli.store.archive.Archive` (the node's archive code, SQLite), put
  there directly — the claim is about the catch-up, not the send;
* half the senders talked with Bob before (their messages go to 5 negotiated topics), half are new
  (Bob's partitioned topic): 12 content topics, so the catch-up pages two store queries of at most
  10 topics each, and each page merges several topics;
* runs of 37 messages share one timestamp, so page boundaries (pages of 100) cut through equal
  timestamps and the (timestamp, hash) cursor must carry them;
* messages keep arriving while the catch-up pages (archived and delivered live: de-duplication by
  envelope hash and message id between the two);
* the store refuses one page in seven with a 429 (rate limited) — the page is asked again with the
  same cursor, not taken as the end.

Every message must be printed exactly once, with no gap and nothing undecryptable.

CI runs it at 10 k (``STATUSCLI_CATCH_UP_N`` changes the size). It is not timed.
"""

from __future__ import annotations

import os
from collections import deque

import pytest

from statuscli.app.messaging import history, topics
from statuscli.app.messaging.content import Content
from statuscli.app.messaging.listener import Listener, ListenOptions
from statuscli.core.errors import ServiceRefused
from statuscli.net.transport import Received
from statuscli.store import coverage
from statuscli.store.archive import Archive
from tests.unit.test_listen_coverage import ArchiveTransport, run_until_idle
from tests.unit.test_messaging import clock, parties  # noqa: F401  (fixtures)

N = int(os.environ.get("STATUSCLI_CATCH_UP_N", "10000"))
SENDERS = 10
SAME_TIMESTAMP = 37  # messages per timestamp: not a divisor of the page size
LIVE_PER_PAGE = 2  # messages arriving (archived and pushed live) while each page is asked for

pytestmark = pytest.mark.slow


class BusyStore(ArchiveTransport):
    """The node while senders keep sending: every store query first lets ``LIVE_PER_PAGE`` new
    messages arrive (archived, and queued for live delivery), and one query in seven is refused
    with a 429 (the store node's per-peer rate limit)."""

    def __init__(self, archive, arrive):
        super().__init__(archive)
        self.arrive = arrive
        self.live: deque[Received] = deque()
        self.refused = 0
        self.idle = lambda: None

    def store_query(self, *args, **kw):
        for env in self.arrive(LIVE_PER_PAGE):
            self.publish(env)
            self.live.append(Received(env.data, env.pubsub_topic, env.hash))
        if (self.queries + 1) % 7 == 0 and self.refused < (self.queries + 1) // 7:
            self.refused += 1
            self.queries += 1
            raise ServiceRefused("store answered 429 too many requests from this peer: slow down", status=429)
        return super().store_query(*args, **kw)

    def receive(self, timeout, max_items=1000):
        if not self.live:
            self.idle()  # everything delivered live was handed over: the listener may stop
        out = []
        while self.live and len(out) < max_items:
            out.append(self.live.popleft())
        return out


def test_a_10k_backlog_from_10_senders_arrives_whole_while_more_arrives_live(parties, clock, monkeypatch):
    monkeypatch.setattr(history, "PAGE_RETRY_PAUSES_S", (0.0, 0.0))
    bob, *senders = parties("bob", *(f"s{i}" for i in range(SENDERS)))
    for s in senders[: SENDERS // 2]:  # an earlier conversation: the secret is agreed, a negotiated topic each
        bob.take(s.m.send_direct(bob.key, Content(text="hello")).envelopes)
        s.take(bob.m.send_direct(s.key, Content(text="hi")).envelopes)
        bob.tick()
    archive = Archive()
    store = ArchiveTransport(archive)
    run_until_idle(Listener(bob.m, store, ListenOptions(publish_bundle=False), lambda e: None), store)  # bob was in sync once
    clock.advance(60)

    texts: list[str] = []
    rows = []
    for i in range(N):
        sent = senders[i % SENDERS].m.send_direct(bob.key, Content(text=f"backlog {i}"))
        texts.append(f"backlog {i}")
        rows += [(e.hash, e.pubsub_topic, e.content_topic, e.timestamp_ns, e.data) for e in sent.envelopes]
        if i % SAME_TIMESTAMP == SAME_TIMESTAMP - 1:
            clock.advance(1)
    archive.add(rows)  # straight into the store's database
    clock.advance(60)

    def arrive(n):
        out = []
        for _ in range(n):
            i = len(texts)
            sent = senders[i % SENDERS].m.send_direct(bob.key, Content(text=f"live {i}"))
            texts.append(f"live {i}")
            out += sent.envelopes
        clock.advance(0.01)
        return out

    busy = BusyStore(archive, arrive)
    events: list[dict] = []
    listener = Listener(bob.m, busy, ListenOptions(publish_bundle=False), events.append)
    busy.idle = listener.stop
    listener.run()

    got = [e["text"] for e in events if e["type"] == "message"]
    used = {ct for _, _, ct, _, _ in rows}
    assert len(used) == SENDERS // 2 + 1 and len(topics.listen_set(bob.account).content_topics) > history.TOPICS_PER_QUERY
    assert busy.refused >= N // 100 // 7 and len(texts) > N  # the store refused pages, and messages arrived live
    assert [e for e in events if e["type"] in ("gap", "undecryptable")] == []
    assert len(got) == len(set(got)) == len(texts)  # each once
    assert set(got) == set(texts)
    assert coverage.gaps(bob.account.db) == []
