"""``node run --role light``: a light node given only a full node's ENR finds it through Discovery
v5, connects to it because its ENR offers lightpush/filter/store on our shards, and serves its
control socket through it — what ``send`` publishes arrives at a relay peer (lightpush), what the
network relays reaches a ``listen`` attached to the light node (filter), history comes from the
full node's store — while the light node advertises no capability and relays nothing."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
import trio

from statuscli.core.errors import StatusCliError
from statuscli.core.waku.enr import decode_enr
from statuscli.core.waku.message import encode
from statuscli.net import codecs
from statuscli.net.control_server import ControlServer
from statuscli.net.control_transport import ControlSocketTransport
from tests.net.conftest import CT, LOCAL, TOPIC, make_node, trio_test, wait_until, waku_message

pytestmark = pytest.mark.net


def _receive_until(t: ControlSocketTransport, want: bytes, timeout: float) -> list[bytes]:
    seen: list[bytes] = []
    deadline = time.monotonic() + timeout
    while want not in seen and time.monotonic() < deadline:
        seen += [r.hash for r in t.receive(0.5)]
    return seen


@trio_test(90)
async def test_light_role_sends_receives_and_fetches_history_through_a_found_full_node(tmp_path):
    full = make_node("full", discv5=True, discv5_port=0, discv5_interval=0.5)
    relay = make_node("relay")
    sock = str(tmp_path / "c.sock")
    async with full, relay:
        await relay.connect(full.multiaddrs[0])
        await relay.relay.wait_for_mesh(TOPIC, 1)
        light = make_node("light", listen=list(LOCAL), discv5=True, discv5_port=0, discv5_interval=0.5, bootstrap=[full.enr])
        async with light, trio.open_nursery() as nursery:
            await nursery.start(ControlServer(light, sock).serve)
            mine = decode_enr(light.enr)
            assert not mine.waku2 and mine.shards is None  # advertises no relay (nor any service)
            assert not {codecs.RELAY, codecs.LIGHTPUSH_V3, codecs.FILTER_SUBSCRIBE, codecs.STORE_V3} & set(light.protocols())
            await wait_until(lambda: full.peer_id in {str(p) for p in light.host.connected_peers()}, timeout=30, interval=0.1)
            assert light.peer_manager.book[full.peer_id].source == "bootstrap"

            t = ControlSocketTransport(sock)
            try:
                await trio.to_thread.run_sync(t.subscribe, [CT])
                with relay.subscribe(TOPIC, [CT]) as at_relay:
                    sent = waku_message(1)
                    env = SimpleNamespace(data=encode(sent), pubsub_topic=TOPIC)
                    res = await trio.to_thread.run_sync(t.publish, env)
                    assert res["ok"] and res["service_peer"] == full.peer_id
                    with trio.fail_after(15):
                        while "0x" + (await at_relay.receive()).hash.hex() != res["hash"]:
                            pass
                relayed = await relay.publish(TOPIC, waku_message(2))
                seen = await trio.to_thread.run_sync(_receive_until, t, relayed.hash, 15.0)
                assert relayed.hash in seen  # pushed by the full node's filter service
                # a second subscription to the same topics comes and goes (listen re-subscribing as its
                # topics grow does this): the service must keep pushing to the first one
                t2 = ControlSocketTransport(sock)
                await trio.to_thread.run_sync(t2.subscribe, [CT, "/statuscli/1/other/proto"])
                t2.close()
                await wait_until(lambda: full.filter.subscription_count() > 0 and light.counters.get("filter-client.received") >= 2, timeout=5)
                await trio.sleep(0.5)  # the unsubscribe (if any) reaches the service
                again = await relay.publish(TOPIC, waku_message(4))
                seen = await trio.to_thread.run_sync(_receive_until, t, again.hash, 15.0)
                assert again.hash in seen
                history, _ = await trio.to_thread.run_sync(lambda: t.store_query([CT], pubsub_topic=TOPIC))
                assert {"0x" + r.hash.hex() for r in history} >= {res["hash"], "0x" + relayed.hash.hex()}
                with pytest.raises(StatusCliError) as e:  # a filter subscription names its content topics
                    await trio.to_thread.run_sync(lambda: t.rpc.call("subscribe", {}))
                assert e.value.exit_code == 3
            finally:
                t.close()
            assert light.relay is None and light.counters.get("relay.delivered") == 0
            assert light.counters.get("light.pushed") == 1
            assert light.peer_id not in {str(p) for p in full.relay.relay_peers()}
            nursery.cancel_scope.cancel()


@trio_test(60)
async def test_light_role_without_a_service_node_says_so(tmp_path):
    relay = make_node("relay")  # relays, but serves no lightpush/filter/store
    sock = str(tmp_path / "c.sock")
    async with relay:
        light = make_node("light", peers=[relay.multiaddrs[0]])
        async with light, trio.open_nursery() as nursery:
            await nursery.start(ControlServer(light, sock).serve)
            await wait_until(lambda: relay.peer_id in {str(p) for p in light.host.connected_peers()}, timeout=20)
            t = ControlSocketTransport(sock)
            try:
                env = SimpleNamespace(data=encode(waku_message(3)), pubsub_topic=TOPIC)
                with pytest.raises(StatusCliError) as e:
                    await trio.to_thread.run_sync(t.publish, env)
                assert e.value.exit_code == 6 and "lightpush" in e.value.message
            finally:
                t.close()
            nursery.cancel_scope.cancel()
