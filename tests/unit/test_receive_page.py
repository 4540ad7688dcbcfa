"""A store page of envelopes handled in one transaction (``Receiver.handle_page``).

Each envelope stays all-or-nothing (its own savepoint); the page commits once; a page's output goes
to ``deliver`` before that commit, and when it cannot be written nothing of the page is committed.
"""

from __future__ import annotations

import pytest

from statuscli.app.messaging import incoming
from statuscli.app.messaging.content import Content
from statuscli.app.messaging.incoming import Receiver
from statuscli.store import messages as msg_store
from tests.unit.test_messaging import messages
from tests.unit.test_messaging_atomic import Injected, _Output, dump, pair  # noqa: F401  (pair: fixture)


def _page(alice, bob, n: int) -> tuple[list, list]:
    """Alice's first message (a contact request, taken by Bob on its own), then ``n`` more as one page."""
    bob.take(alice.m.send_direct(bob.key, Content(text="hello", contact_request=True)).envelopes)
    sent = [alice.m.send_direct(bob.key, Content(text=f"m{i}")) for i in range(n)]
    bob.r.refresh()
    return sent, [(s.envelopes[0].data, s.envelopes[0].pubsub_topic) for s in sent]


def test_a_page_commits_once_and_brings_every_message_once(pair):
    alice, bob, _ = pair
    sent, items = _page(alice, bob, 6)
    statements: list[str] = []
    bob.account.db.set_trace_callback(statements.append)
    try:
        handled = bob.r.handle_page(items)
    finally:
        bob.account.db.set_trace_callback(None)
    assert [s.strip() for s in statements].count("COMMIT") == 1 and statements.count("BEGIN IMMEDIATE") == 1
    got = [m["id"] for h in handled for m in messages(h.events)]
    assert got == ["0x" + s.message_id.hex() for s in sent]  # in order, each once
    assert all(h.duplicate for h in bob.r.handle_page(items))  # committed: seen


def test_a_failing_envelope_is_rolled_back_alone_and_retried_later(pair, monkeypatch):
    alice, bob, _ = pair
    sent, items = _page(alice, bob, 5)
    real = msg_store.add_message

    def fails_on_m2(conn, **kw):
        if kw["text"] == "m2":
            raise Injected("m2")
        return real(conn, **kw)

    with monkeypatch.context() as mp:
        mp.setattr(msg_store, "add_message", fails_on_m2)
        handled = bob.r.handle_page(items)
    assert [len(messages(h.events)) for h in handled] == [1, 1, 0, 1, 1]
    (ev,) = handled[2].events
    assert (ev["type"], ev["layer"], ev["attempt"], ev["final"]) == ("undecryptable", "internal", 1, False)
    assert [h.duplicate for h in bob.r.handle_page(items)] == [True, True, False, True, True]  # the failed one came again…
    assert messages(bob.r.handle_safely(*items[2]).events) == []  # …and was handled in that second page
    texts = [r[0] for r in bob.account.db.execute("SELECT text FROM msg_messages WHERE text LIKE 'm%' ORDER BY text")]
    assert texts == ["m0", "m1", "m2", "m3", "m4"]


def test_output_that_fails_commits_nothing_of_the_page_and_the_retry_prints_each_once(pair):
    alice, bob, _ = pair
    sent, items = _page(alice, bob, 4)
    out = _Output()
    receiver = Receiver(bob.m, deliver=out)
    before = dump(bob.account.db)
    out.broken = True
    with pytest.raises(OSError, match="No space left"):
        receiver.handle_page(items)
    assert out.calls == 1 and not bob.account.db.in_transaction
    assert dump(bob.account.db) == before  # no ratchet step, no message, nothing marked seen
    out.broken = False
    handled = receiver.handle_page(items)
    assert out.calls == 2 and all(h.delivered for h in handled)  # one write for the whole page
    assert [m["id"] for m in messages(out.lines)] == ["0x" + s.message_id.hex() for s in sent]
    assert [e["cursor"] for e in out.lines] == [c for c, _ in msg_store.events_after(bob.account.db, out.lines[0]["cursor"] - 1, 99)]


def test_a_page_that_fails_as_a_whole_is_handled_envelope_by_envelope(pair, monkeypatch):
    alice, bob, _ = pair
    sent, items = _page(alice, bob, 3)

    def no_savepoints(conn, name="step"):
        raise RuntimeError("savepoints broken")

    with monkeypatch.context() as mp:
        mp.setattr(incoming, "savepoint", no_savepoints)  # only a page uses them: the fallback does not
        handled = bob.r.handle_page(items)
    assert [m["id"] for h in handled for m in messages(h.events)] == ["0x" + s.message_id.hex() for s in sent]
    assert not any(e["type"] == "undecryptable" for h in handled for e in h.events)
    assert all(h.duplicate for h in bob.r.handle_page(items))
