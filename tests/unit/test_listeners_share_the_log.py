"""Two listeners on one account each print every event matching their filter (issue 19.3), because
both print from the account's event log through their own cursors — not what they handled themselves.

Before: a filtered listener that handled an envelope outside its filter stored the event without
printing it; the unfiltered listener beside it then saw a duplicate envelope and printed nothing.
"""

from __future__ import annotations

from statuscli.app.messaging.content import Content
from statuscli.app.messaging.listener import ChatFilter, Listener, ListenOptions
from statuscli.net.transport import Received
from tests.unit.test_messaging import clock, parties  # noqa: F401  (fixtures)

CHANNEL = "two-listeners"


class Live:
    """A node's live subscription: delivers the given envelopes once, then nothing."""

    kind = "test"
    filters_topics = False

    def __init__(self, envelopes):
        self.pending = [Received(e.data, e.pubsub_topic, e.hash) for e in envelopes]

    def subscribe(self, content_topics=None) -> None:
        pass

    def receive(self, timeout: float, max_items: int = 1000):
        out, self.pending = self.pending, []
        return out

    def publish(self, env) -> dict:
        return {}

    def store_query(self, *a, **kw):
        return [], None


def test_two_listeners_on_one_account_each_print_every_matching_event(parties):
    alice, bob = parties("alice", "bob")
    envs = alice.m.send_direct(bob.key, Content(text="just for bob")).envelopes
    envs += alice.m.send_public(CHANNEL, Content(text="for the channel")).envelopes
    printed: dict[str, list[dict]] = {"filtered": [], "all": []}

    def listener(name: str, flt):
        opts = ListenOptions(timeout=0.3, channels=(CHANNEL,), chat=flt, publish_bundle=False, catch_up=False)
        return Listener(bob.m, Live(envs), opts, printed[name].append)

    filtered = listener("filtered", ChatFilter("public", CHANNEL))
    unfiltered = listener("all", None)  # both running: their cursors are at the end of the log
    filtered.run()  # receives both envelopes first: stores both events, prints the channel's
    unfiltered.run()  # the same envelopes are duplicates for it now

    def texts(name):
        return sorted(e["text"] for e in printed[name] if e["type"] == "message")

    assert texts("filtered") == ["for the channel"]
    assert texts("all") == ["for the channel", "just for bob"]
    cursors = [e["cursor"] for e in printed["all"]]
    assert cursors == sorted(set(cursors))  # in log order, each once
