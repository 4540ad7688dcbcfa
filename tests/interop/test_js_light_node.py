"""A js-waku light node (@waku/sdk 0.0.36) uses our node for lightpush, filter and store v3.

Over TCP+yamux, TCP+mplex, and WebSocket with js-waku's own default libp2p stack (websockets,
mplex, noise). Everything is observed on the js side (tests/interop/js/light/light-node.mjs):
what js-waku's peer store learnt from our metadata answer, lightpush results (v3, and one message
over v2), filter pushes and pings (a ping after UNSUBSCRIBE must be refused, and no push may
arrive after it), store v3 paging forwards and backwards until js-waku gets the empty page, and a
store lookup by the message hash js-waku computed.
"""

from __future__ import annotations

import math

import pytest

from tests.interop.harness import CLUSTER, LIGHT, PUBSUB_TOPIC, SHARDS, shard_info_hex

pytestmark = pytest.mark.interop

CODECS = (
    "/vac/waku/lightpush/3.0.0",
    "/vac/waku/lightpush/2.0.0-beta1",
    "/vac/waku/filter-subscribe/2.0.0-beta1",
    "/vac/waku/store-query/3.0.0",
    "/vac/waku/metadata/1.0.0",
)
COUNT = 5
PAGE = 2

TRANSPORTS = {
    # transport: (our listener, muxer js-waku must negotiate)
    "tcp-yamux": ("tcp", "/yamux/1.0.0"),
    "tcp-mplex": ("tcp", "/mplex/6.7.0"),
    "ws-default": ("ws", "/mplex/6.7.0"),
}


def run_light(js_driver, node_addr: str, *args: str, timeout: float = 40) -> dict:
    driver = js_driver(LIGHT, "light-node.mjs", "--dial", node_addr, "--timeout", str(timeout - 5), *args)
    return driver.result(timeout)


@pytest.mark.parametrize("transport", list(TRANSPORTS))
def test_light_node_lightpush_filter_store(shared_node, js_driver, transport):
    listener, muxer = TRANSPORTS[transport]
    tag = f"js-{transport}"
    res = run_light(
        js_driver, shared_node.multiaddr(listener),
        "--transport", transport, "--tag", tag, "--count", str(COUNT), "--page-size", str(PAGE), "--legacy",
        "--content-topic", f"/statuscli-interop/1/{transport}/proto",
    )
    assert res["ok"], res
    ours = shared_node.peer_id

    # connection, identify, metadata
    conn = res["connection"]
    assert conn is not None, res.get("dial_error")
    assert conn["encryption"] == "/noise"
    assert conn["multiplexer"] == muxer
    if listener == "ws":
        assert "/ws" in conn["remote_addr"]
    assert res["wait_for_peers"] == {"ok": True}
    assert set(CODECS) <= set(res["remote_protocols"])
    assert res["shard_info"] != "0x000000", (
        "js-waku replaced our metadata answer with an empty one (cluster 0, no shards): its metadata"
        " responder decoded nothing from our node's metadata query, which raced js-waku's connection"
        " set-up (see docs/interop.md, 'Metadata race'); every js-waku call then refuses our node"
    )
    assert res["shard_info"] == shard_info_hex(CLUSTER, SHARDS), "js-waku stored no (or other) shard info"
    assert res["pubsub_topic"] == PUBSUB_TOPIC

    # lightpush v3 (and v2 for the last one): every push accepted by our node
    pushes = res["lightpush"]
    assert [p["legacy"] for p in pushes] == [False] * COUNT + [True]
    for push in pushes:
        assert push["successes"] == [ours], push
    sent = [p["payload"] for p in pushes]

    # filter: subscribe, ping, a push for every message, then unsubscribe
    flt = res["filter"]
    assert flt["subscribe"] is True
    assert flt["ping"] == {"ok": True}
    assert sorted(m["payload"] for m in flt["received"]) == sorted(sent)
    assert {m["pubsub_topic"] for m in flt["received"]} == {PUBSUB_TOPIC}
    assert flt["unsubscribe"] is True
    assert flt["ping_after_unsubscribe"]["ok"] is False, "our node still answers pings after UNSUBSCRIBE"
    assert flt["push_after_unsubscribe"]["successes"] == [ours]
    assert flt["raw_pushes_after_unsubscribe"] == [], "our node kept pushing after UNSUBSCRIBE"
    stored = sent + [flt["push_after_unsubscribe"]["payload"]]

    # store v3: pages of PAGE, forward in time order; backward newest page first, each page in time
    # order (js-waku takes the first entry of a backward page as the next cursor)
    pages_needed = math.ceil(len(stored) / PAGE)
    for direction in ("forward", "backward"):
        got = res["store"][direction]
        assert "error" not in got, got
        assert all(0 < len(page) <= PAGE for page in got["pages"]), got
        assert len(got["pages"]) == pages_needed, got
        # one more request than pages: js-waku stops at the empty page
        assert got["requests"] == pages_needed + 1, got
    assert [p for page in res["store"]["forward"]["pages"] for p in page] == stored
    assert [p for page in reversed(res["store"]["backward"]["pages"]) for p in page] == stored

    # lookup by the hash js-waku computed for the first message
    by_hash = res["store"]["by_hash"]
    assert by_hash["hash"] == pushes[0]["hash"]
    assert by_hash["pages"] == [[sent[0]]], by_hash

    assert res["connections_at_end"] == 1
    assert shared_node.alive()


@pytest.mark.parametrize(
    "cluster,shard",
    [pytest.param(99, SHARDS[0], id="other-cluster"), pytest.param(CLUSTER, 33, id="other-shard")],
)
def test_light_node_on_another_cluster_or_shard_is_refused(shared_node, js_driver, cluster, shard):
    """js-waku does not hang up on a service of another cluster/shard; its own calls refuse it."""
    res = run_light(
        js_driver, shared_node.multiaddr("tcp"),
        "--cluster", str(cluster), "--shard", str(shard), "--count", "1", "--wait", "5",
        "--tag", f"refused-{cluster}-{shard}", "--content-topic", "/statuscli-interop/1/refused/proto",
    )
    assert res["ok"], res
    assert res["pubsub_topic"] == f"/waku/2/rs/{cluster}/{shard}"
    assert res["lightpush"][0]["successes"] == []
    assert [f["error"] for f in res["lightpush"][0]["failures"]] == ["No peer available"]
    assert res["filter"]["subscribe"] is False
    assert res["filter"]["received"] == []
    for direction in ("forward", "backward"):
        assert res["store"][direction]["pages"] == []
        assert "No peers available to query" in res["store"][direction]["error"]
    assert shared_node.alive()
