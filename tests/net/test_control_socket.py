"""The control socket: a light node driven through JSON-RPC by the plain-socket client."""

from __future__ import annotations

import json
import os
import socket
import stat
import time
import subprocess
import sys

import pytest
import trio

from statuscli.net.control_client import ControlClient, NodeNotRunning
from statuscli.net.control_server import ControlServer
from tests.net.conftest import CT, TOPIC, make_node, trio_test, waku_message

pytestmark = pytest.mark.net


def short_socket_path(tmp_path) -> str:
    return str(tmp_path / "c.sock")


@trio_test(60)
async def test_light_client_through_the_control_socket(tmp_path):
    service, light = make_node("full"), make_node("light")
    sock = short_socket_path(tmp_path)
    async with service, light, trio.open_nursery() as nursery:
        await nursery.start(ControlServer(light, sock).serve)
        assert stat.S_IMODE(os.stat(sock).st_mode) == 0o600
        addr = service.multiaddrs[0]

        def client_session() -> dict:
            out = {}
            with ControlClient(sock) as c:
                out["info"] = c.call("info")
                out["connect"] = c.call("connect", {"peer": addr})
                pushes = [
                    c.call("publish", {"peer": addr, "pubsub_topic": TOPIC, "message": {"payload_text": f"via control {i}", "content_topic": CT}})
                    for i in range(5)
                ]
                out["pushes"] = pushes
                out["store"] = c.call("store_query", {"peer": addr, "pubsub_topic": TOPIC, "content_topics": [CT], "forward": True})
                # metadata is exchanged after identify, asynchronously to the calls above
                deadline = time.monotonic() + 5
                while True:
                    out["peers"] = c.call("peers")
                    if out["peers"] and out["peers"][0]["cluster_id"] is not None or time.monotonic() > deadline:
                        break
                    time.sleep(0.05)
                # a light node has no relay: without a peer it pushes through a service node it is connected to
                out["unnamed"] = c.call("publish", {"message": {"payload_text": "x", "content_topic": CT}})
            return out

        r = await trio.to_thread.run_sync(client_session)
        assert r["info"]["mode"] == "light" and r["info"]["peer_id"] == light.peer_id
        assert r["connect"]["peer_id"] == service.peer_id
        assert all(p["ok"] and p["status_code"] == 200 and p["hash"].startswith("0x") for p in r["pushes"])
        texts = [bytes.fromhex(m["message"]["payload"][2:]).decode() for m in r["store"]["messages"]]
        assert texts == [f"via control {i}" for i in range(5)]
        assert [m["hash"] for m in r["store"]["messages"]] == [p["hash"] for p in r["pushes"]]
        assert r["peers"][0]["peer_id"] == service.peer_id and r["peers"][0]["cluster_id"] == 16
        assert r["unnamed"]["ok"] and r["unnamed"]["service_peer"] == service.peer_id and r["unnamed"]["pubsub_topic"] == TOPIC
        nursery.cancel_scope.cancel()


@trio_test(60)
async def test_subscribe_streams_messages_relay_and_filter(tmp_path):
    node, other = make_node("full"), make_node("full")
    sock = short_socket_path(tmp_path)
    async with node, other, trio.open_nursery() as nursery:
        await nursery.start(ControlServer(node, sock).serve)
        await other.connect(node.multiaddrs[0])
        await node.relay.wait_for_mesh(TOPIC, 1)
        ready = trio.Event()
        token = trio.lowlevel.current_trio_token()

        def listen(n: int, params: dict) -> list:
            got = []
            with ControlClient(sock) as c:
                stream = c.subscribe(params)
                trio.from_thread.run_sync(ready.set, trio_token=token)
                for event in stream:
                    got.append(event)
                    if len(got) == n:
                        return got
            return got

        async def run_listener(params, into):
            into.extend(await trio.to_thread.run_sync(listen, 3, params))

        relay_events: list = []
        nursery.start_soon(run_listener, {"pubsub_topic": TOPIC, "content_topics": [CT]}, relay_events)
        await ready.wait()  # subscribe() returned: the node has registered the subscription
        await other.publish(TOPIC, waku_message(0, content_topic="/not/1/this/proto"))
        for i in range(3):
            await other.publish(TOPIC, waku_message(i))
        with trio.fail_after(10):
            while len(relay_events) < 3:
                await trio.sleep(0.02)
        assert [bytes.fromhex(e["message"]["payload"][2:]) for e in relay_events] == [b"message 0", b"message 1", b"message 2"]
        assert all(e["pubsub_topic"] == TOPIC and e["data"].startswith("0x0a") for e in relay_events)

        # a filter subscription through the socket (the node acts as a light client of `other`)
        ready = trio.Event()
        filter_events: list = []
        nursery.start_soon(run_listener, {"peer": other.multiaddrs[0], "pubsub_topic": TOPIC, "content_topics": [CT]}, filter_events)
        await ready.wait()
        for i in range(3):
            await other.publish(TOPIC, waku_message(10 + i))
        with trio.fail_after(10):
            while len(filter_events) < 3:
                await trio.sleep(0.02)
        assert [bytes.fromhex(e["message"]["payload"][2:]) for e in filter_events] == [b"message 10", b"message 11", b"message 12"]
        nursery.cancel_scope.cancel()


@trio_test(30)
async def test_protocol_errors_and_stop(tmp_path):
    node = make_node("full")
    sock = short_socket_path(tmp_path)
    stopped = trio.Event()
    async with node, trio.open_nursery() as nursery:
        await nursery.start(ControlServer(node, sock, on_stop=stopped.set).serve)

        def raw_session() -> list:
            out = []
            with socket.socket(socket.AF_UNIX) as s:
                s.connect(sock)
                f = s.makefile("rwb")
                for line in [b"not json\n", b'{"jsonrpc":"2.0","id":1,"method":"nope"}\n', b'{"id":2,"method":"info"}\n',
                             b'{"jsonrpc":"2.0","id":3,"method":"publish","params":{"data":"0xzz"}}\n',
                             b'{"jsonrpc":"2.0","id":4,"method":"store_query","params":{"cursor":"0x' + b"01" * 32 + b'"}}\n',
                             b'{"jsonrpc":"2.0","id":5,"method":"publish","params":{"data":"0x0a0178"}}\n']:
                    f.write(line)
                    f.flush()
                    out.append(json.loads(f.readline()))
            with ControlClient(sock) as c:
                out.append(c.call("stop"))
            return out

        res = await trio.to_thread.run_sync(raw_session)
        assert res[0]["error"]["code"] == -32700
        assert res[1]["error"]["code"] == -32601 and res[1]["id"] == 1
        assert res[2]["error"]["code"] == -32600
        assert res[3]["error"]["code"] == -32602 and res[3]["error"]["data"]["code"] == "invalid-input"
        assert res[4]["error"]["data"]["code"] == "unknown-cursor"
        assert res[5]["error"]["data"]["code"] == "invalid-message"  # no content topic, no timestamp
        assert res[6] == {"stopping": True}
        with trio.fail_after(2):
            await stopped.wait()
        assert node.info()["peer_id"] == node.peer_id  # still alive until the owner acts
        nursery.cancel_scope.cancel()


def test_client_without_a_node(tmp_path):
    with pytest.raises(NodeNotRunning) as e:
        ControlClient(str(tmp_path / "missing.sock"))
    assert e.value.exit_code == 6


def test_control_client_imports_neither_libp2p_nor_trio():
    code = "import sys, statuscli.net.control_client; print(sorted(m for m in ('libp2p', 'trio', 'google.protobuf') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stderr
