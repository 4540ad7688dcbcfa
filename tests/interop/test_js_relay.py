"""js-waku relay nodes (@waku/sdk 0.0.27 + @waku/relay 0.0.14, gossipsub 13.2) mesh with our node.

* Messages both ways: our node publishes on the mesh (through its control socket, and on behalf of a
  js-waku light client's lightpush) and the js relay node receives; the js relay node publishes and
  our node archives what it received (its control socket's store query).
* Our node as the hop: two js relay nodes that only know our node exchange messages through it.
* Our node as the dialer: `node run --peer` dials a listening js relay node and they mesh.

js-waku's gossipsub runs StrictNoSign with message id sha256(data); a message that carried
from/seqno/signature would be rejected by it, so every delivery here also checks our relay's
signing policy.
"""

from __future__ import annotations

import time

import pytest

from statuscli.core.waku import message as wm
from statuscli.net.control_client import ControlClient
from tests.interop.harness import LIGHT, PUBSUB_TOPIC, RELAY, OurNode

pytestmark = pytest.mark.interop

CONTENT_TOPIC = "/statuscli-interop/1/relay/proto"
MESH_TIMEOUT = 15


def start_relay(js_driver, name: str, *args: str, expect: int, publish: int = 3):
    return js_driver(
        RELAY, "relay-node.mjs", "--name", name, "--content-topic", CONTENT_TOPIC, "--publish", str(publish),
        "--expect", str(expect), "--go-on-stdin", "--mesh-timeout", str(MESH_TIMEOUT), "--timeout", "40", *args,
        stdin_pipe=True,
    )


def light_node(js_driver, node: OurNode, *args: str) -> dict:
    res = js_driver(
        LIGHT, "light-node.mjs", "--dial", node.multiaddr("tcp"), "--content-topic", CONTENT_TOPIC,
        "--page-size", "20", "--timeout", "30", *args,
    ).result(35)
    assert res["ok"], res
    assert res["shard_info"] != "0x000000", "js-waku's metadata race (see test_js_light_node.py, docs/interop.md)"
    return res


def lightpush_through(js_driver, node: OurNode, tag: str, count: int) -> list[str]:
    """A js-waku light client lightpushes ``count`` messages; our node publishes them on the mesh."""
    res = light_node(js_driver, node, "--steps", "lightpush", "--tag", tag, "--count", str(count))
    for push in res["lightpush"]:
        assert push["successes"] == [node.peer_id], push
    return [p["payload"] for p in res["lightpush"]]


def stored_payloads(node: OurNode) -> list[str]:
    """What our node archived on the test's content topic (its control socket's store_query)."""
    with ControlClient(node.info["control_socket"]) as control:
        page = control.call("store_query", {
            "pubsub_topic": PUBSUB_TOPIC, "content_topics": [CONTENT_TOPIC], "include_data": True, "limit": 100,
        })
    return [bytes.fromhex(m["message"]["payload"][2:]).decode() for m in page["messages"]]


def publish_from_our_node(node: OurNode, payloads: list[str]) -> list[wm.WakuMessage]:
    """Our node publishes WakuMessages on the relay mesh (its control socket's ``publish``)."""
    sent = []
    with ControlClient(node.info["control_socket"]) as control:
        for i, text in enumerate(payloads):
            msg = wm.WakuMessage(payload=text.encode(), content_topic=CONTENT_TOPIC, version=0, timestamp=time.time_ns() + i)
            res = control.call("publish", {"pubsub_topic": PUBSUB_TOPIC, "data": "0x" + wm.encode(msg).hex()})
            assert res["hash"] == "0x" + wm.message_hash(PUBSUB_TOPIC, msg).hex(), res
            assert res["relay_peer_count"] >= 1, res
            sent.append(msg)
    return sent


def received_by(res: dict, prefix: str) -> list[str]:
    return sorted(m["payload"] for m in res["received"] if m["payload"].startswith(prefix))


def test_js_relay_node_and_our_node_exchange_messages_both_ways(start_node, js_driver):
    node = start_node()
    relay = start_relay(js_driver, "js-relay", "--dial", node.multiaddr("tcp"), expect=6)
    meshed = relay.wait_event("meshed", MESH_TIMEOUT + 5)
    assert meshed["meshed"] and meshed["mesh"] == [node.peer_id], meshed

    ours = publish_from_our_node(node, ["ours-0", "ours-1", "ours-2"])
    pushed = lightpush_through(js_driver, node, "ours-via-lightpush", 3)
    relay.send_line("go")
    res = relay.result(45)

    assert res["ok"], res
    assert res["relay_codecs"] == ["/vac/waku/relay/2.0.0"] and res["signature_policy"] == "StrictNoSign"
    assert received_by(res, "ours-") == sorted([m.payload.decode() for m in ours] + pushed)
    assert {m["pubsub_topic"] for m in res["received"]} == {PUBSUB_TOPIC}
    by_payload = {m["payload"]: m for m in res["received"]}
    for msg in ours:  # js-waku's hash of what it received from our relay = our hash of what we sent
        got = by_payload[msg.payload.decode()]
        assert got["hash"] == "0x" + wm.message_hash(PUBSUB_TOPIC, msg).hex()
        # ...but not when js-waku hashes its DecodedMessage, whose timestamp is a Date (whole ms):
        # our timestamps carry nanoseconds
        ms_only = wm.WakuMessage(payload=msg.payload, content_topic=msg.content_topic,
                                 timestamp=msg.timestamp // 1_000_000 * 1_000_000)
        assert got["hash_of_decoded"] == "0x" + wm.message_hash(PUBSUB_TOPIC, ms_only).hex()
    assert [p["recipients"] for p in res["published"]] == [[node.peer_id]] * 3

    archived = stored_payloads(node)
    assert {"js-relay-0", "js-relay-1", "js-relay-2"} <= set(archived), archived
    assert node.alive()


def test_our_node_forwards_between_two_js_relay_nodes(start_node, js_driver):
    node = start_node()
    a = start_relay(js_driver, "js-a", "--dial", node.multiaddr("tcp"), expect=3)
    c = start_relay(js_driver, "js-c", "--dial", node.multiaddr("tcp"), expect=3)
    for relay in (a, c):
        meshed = relay.wait_event("meshed", MESH_TIMEOUT + 5)
        assert meshed["mesh"] == [node.peer_id], meshed
    for relay in (a, c):
        relay.send_line("go")
    res_a, res_c = a.result(45), c.result(45)

    assert received_by(res_a, "js-c-") == ["js-c-0", "js-c-1", "js-c-2"], res_a
    assert received_by(res_c, "js-a-") == ["js-a-0", "js-a-1", "js-a-2"], res_c
    # neither js node knows the other: everything went through our node
    assert res_a["peers"] == [node.peer_id] and res_c["peers"] == [node.peer_id]
    assert res_a["ok"] and res_c["ok"]


def test_our_node_dials_a_listening_js_relay_node(start_node, js_driver):
    relay = start_relay(js_driver, "js-listener", "--listen", "/ip4/127.0.0.1/tcp/0", expect=2)
    listening = relay.wait_event("listening", 20)
    addr = next(a for a in listening["multiaddrs"] if "/tcp/" in a)
    if "/p2p/" not in addr:
        addr = f"{addr}/p2p/{listening['peer_id']}"
    node = start_node(peers=(addr,))
    meshed = relay.wait_event("meshed", MESH_TIMEOUT + 5)
    assert meshed["mesh"] == [node.peer_id], meshed

    pushed = lightpush_through(js_driver, node, "ours-dialer", 2)
    relay.send_line("go")
    res = relay.result(45)
    assert res["ok"], res
    assert received_by(res, "ours-dialer-") == sorted(pushed)
    assert {"js-listener-0", "js-listener-1", "js-listener-2"} <= set(stored_payloads(node))
