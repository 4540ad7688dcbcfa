"""PeerGuard (per-peer token buckets, score, bans), FrameBudget and the rate-limit syntax."""

from __future__ import annotations

import pytest

from statuscli.core.errors import InvalidInput
from statuscli.net.guard import FrameBudget, PeerGuard, too_many_requests
from statuscli.net.limits import NodeLimits, RateLimit, parse_rate_limit
from statuscli.net.stats import Counters


def guard(**kw):
    now = [0.0]
    banned = []
    limits = NodeLimits(rates={"lightpush": RateLimit(5, 1.0)}, **kw)
    g = PeerGuard(limits, Counters(), on_ban=banned.append, clock=lambda: now[0])
    return g, now, banned


def test_bucket_allows_its_volume_then_refills_per_peer():
    g, now, _ = guard()
    assert [g.allow("a", "lightpush") for _ in range(6)] == [True] * 5 + [False]
    assert g.allow("b", "lightpush")  # another peer has its own bucket
    assert g.counters.get("dropped.ratelimit.lightpush") == 1
    now[0] = 0.4  # 0.4 s at 5 per second: 2 tokens back
    assert [g.allow("a", "lightpush") for _ in range(3)] == [True, True, False]
    assert g.allow("a", "store")  # no limit configured for store here


def test_repeated_offences_ban_then_the_ban_ends():
    g, now, banned = guard(ban_score=-10.0, ban_seconds=60.0)
    for _ in range(5):
        g.allow("a", "lightpush")
    for _ in range(10):
        g.allow("a", "lightpush")  # 10 rate-limited requests: -10
    assert banned == ["a"] and g.banned("a") and g.counters.get("guard.bans") == 1
    now[0] = 30.0
    assert not g.allow("a", "lightpush") and g.counters.get("dropped.guard.banned-request.lightpush") == 1
    now[0] = 61.0
    assert not g.banned("a") and g.allow("a", "lightpush")


def test_score_recovers_with_time():
    g, now, banned = guard(ban_score=-10.0)
    g.penalize("a", "bad-request")  # -5
    assert g.score("a") == -5.0
    now[0] = 30.0  # +1 per 10 s
    assert g.score("a") == -2.0
    now[0] = 1000.0
    assert g.score("a") == 0.0 and banned == []


def test_tracked_peers_are_capped():
    g, _, _ = guard(max_tracked_peers=3)
    for i in range(10):
        g.allow(f"p{i}", "lightpush")
    assert g.snapshot()["tracked_peers"] == 3


def test_frame_budget_per_connection_and_total():
    b = FrameBudget(per_connection=100, total=150)
    assert b.reserve("c1", 60) and not b.reserve("c1", 60)  # per connection
    assert b.reserve("c2", 80) and b.used == 140
    assert not b.reserve("c3", 20)  # total
    b.release("c1", 60)
    assert b.reserve("c3", 20) and b.used == 100
    b.release("c2", 80)
    b.release("c3", 20)
    assert b.used == 0 and b._by_conn == {}


def test_rate_limit_syntax():
    assert parse_rate_limit("lightpush:10/1s") == ("lightpush", RateLimit(10, 1.0))
    assert parse_rate_limit("filter:30/1m") == ("filter", RateLimit(30, 60.0))
    assert parse_rate_limit("store: 0/0s")[1].unlimited
    for bad in ("10/1s", "lightpush:10", "nope:1/1s", "lightpush:1/1d"):
        with pytest.raises(InvalidInput):
            parse_rate_limit(bad)
    lim = NodeLimits().with_rates(["store:5/1s"])
    assert lim.rates["store"] == RateLimit(5, 1.0) and lim.rates["lightpush"] == NodeLimits().rates["lightpush"]


def test_too_many_requests_answers_in_each_protocol():
    from statuscli.pb import waku_filter_pb2, waku_lightpush_pb2, waku_store_pb2

    req = waku_lightpush_pb2.LightPushRequestV3(request_id="r1", pubsub_topic="/t").SerializeToString()
    r = waku_lightpush_pb2.LightPushResponseV3.FromString(too_many_requests("lightpush", req))
    assert (r.request_id, r.status_code) == ("r1", 429)
    r = waku_filter_pb2.FilterSubscribeResponse.FromString(too_many_requests("filter", b"\xff garbage"))
    assert (r.request_id, r.status_code) == ("N/A", 429)
    r = waku_store_pb2.StoreQueryResponse.FromString(too_many_requests("store", waku_store_pb2.StoreQueryRequest(request_id="s").SerializeToString()))
    assert (r.request_id, r.status_code) == ("s", 429)
    v2 = waku_lightpush_pb2.PushRpc.FromString(too_many_requests("lightpush-v2", b""))
    assert not v2.response.is_success
