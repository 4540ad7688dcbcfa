"""Rendezvous against independent code: @canvas-js/libp2p-rendezvous (a TypeScript implementation
of the spec: its protons codec and its client) and signed peer records as js-libp2p seals and
certifies them (@libp2p/peer-record), pinned in tests/interop/js/rendezvous. go-waku and nwaku
cannot run here (docs/discovery.md#interop-status).

* Over a connection: a js-libp2p 2.8 node (TCP + Noise + yamux) runs canvas's client against our
  point (pointed at the spec's /rendezvous/1.0.0; canvas's default id is its own): on one stream
  it registers and discovers, finding the node of ours registered there; our client then finds it.

* As bytes: our REGISTER (our record, sealed with py-libp2p's envelope code) is decoded and its record
  certified by js-libp2p.
* js-libp2p's REGISTER is accepted by our point for the peer that signed it, refused
  (E_NOT_AUTHORIZED) for any other; our REGISTER_RESPONSE and our DISCOVER_RESPONSE (carrying
  both records) decode on the JS side and every record in it certifies.
"""

from __future__ import annotations

import json
import subprocess

import pytest
import trio

from statuscli.core import rendezvous as rz
from statuscli.net import rendezvous as rdv
from statuscli.net.stats import Counters
from tests.interop.harness import POLYFILL, RENDEZVOUS

pytestmark = pytest.mark.interop
SCRIPT = RENDEZVOUS / "rendezvous_wire.mjs"


def js(request: dict) -> dict:
    p = subprocess.run(["node", str(SCRIPT)], input=json.dumps(request), capture_output=True, text=True, timeout=30, cwd=RENDEZVOUS)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def test_rendezvous_messages_and_records_both_ways():
    from libp2p.crypto.secp256k1 import create_new_key_pair
    from libp2p.peer.id import ID

    ours = create_new_key_pair(b"\x21" * 32)
    our_id = ID.from_pubkey(ours.public_key)
    record = rdv.seal_peer_record(ours.private_key, ["/ip4/127.0.0.1/tcp/60000"], 1_765_000_000)
    M = rdv.pb.Message
    register = M(type=M.REGISTER, register=M.Register(ns="rs/16/32", signedPeerRecord=record, ttl=60)).SerializeToString()
    seen = js({"op": "read", "message": register.hex()})
    assert seen == {"type": "REGISTER", "register": {"ns": "rs/16/32", "ttl": 60, "record": {
        "peer_id": str(our_id), "multiaddrs": ["/ip4/127.0.0.1/tcp/60000"], "seq": 1_765_000_000}}}  # fmt: skip

    theirs = js({"op": "make-register", "ns": "rs/16/32", "ttl": 120, "addr": "/ip4/127.0.0.1/tcp/60001", "seq": 5})
    js_id = ID.from_base58(theirs["peer_id"])
    counters = Counters()
    point = rdv.RendezvousService(rz.Registry(), counters, clock=lambda: 0.0)

    async def exchange():
        refused = await point.handle(our_id, bytes.fromhex(theirs["message"]))  # not the signer
        ok = await point.handle(js_id, bytes.fromhex(theirs["message"]))
        await point.handle(our_id, register)
        found = await point.handle(our_id, M(type=M.DISCOVER, discover=M.Discover(ns="rs/16/32")).SerializeToString())
        return refused, ok, found

    refused, ok, found = trio.run(exchange)
    assert js({"op": "read", "message": refused.hex()})["registerResponse"]["status"] == "E_NOT_AUTHORIZED"
    assert js({"op": "read", "message": ok.hex()})["registerResponse"] == {"status": "OK", "text": "OK", "ttl": 120}
    answer = js({"op": "read", "message": found.hex()})["discoverResponse"]
    assert answer["status"] == "OK" and answer["cookie"]
    assert [r["record"] for r in answer["registrations"]] == [
        {"peer_id": theirs["peer_id"], "multiaddrs": ["/ip4/127.0.0.1/tcp/60001"], "seq": 5},
        {"peer_id": str(our_id), "multiaddrs": ["/ip4/127.0.0.1/tcp/60000"], "seq": 1_765_000_000},
    ]
    assert [r["ttl"] for r in answer["registrations"]] == [120, 60]
    assert counters.get("rendezvous.registered") == 2 and counters.get("dropped.rendezvous.not-authorized") == 1


def test_a_js_libp2p_node_registers_and_discovers_on_our_point():
    from tests.net.conftest import make_node

    async def main():
        point = make_node("bootstrap")
        async with point:
            ours = make_node("relay", rendezvous=[point.multiaddrs[0]], rendezvous_interval=0.3)
            async with ours:
                with trio.fail_after(20):
                    while point.rendezvous_point.stats()["registrations"] < 2:
                        await trio.sleep(0.05)
                request = json.dumps({"point": point.multiaddrs[0], "namespace": "rs/16/32", "ttl": 120})
                with trio.fail_after(60):
                    p = await trio.run_process(["node", "--import", str(POLYFILL), str(RENDEZVOUS / "rendezvous_node.mjs")], stdin=request.encode(), capture_stdout=True,
                                               capture_stderr=True, check=False, cwd=RENDEZVOUS)  # fmt: skip
                assert p.returncode == 0, p.stderr.decode(errors="replace")[-2000:]
                js_node = json.loads(p.stdout)
                found, _ = await rdv.discover(ours.host.host, point.host.peer_id, "rs/16/32")
                return js_node, ours.peer_id, ours.multiaddrs, {f.peer_id: f.multiaddrs for f in found}, point.counters.snapshot()

    js_node, our_id, our_addrs, found, counters = trio.run(main)
    assert js_node["ttl"] == 120
    assert js_node["discovered"] == [{"peer_id": our_id, "multiaddrs": [a.split("/p2p/")[0] for a in our_addrs]}]
    assert found[js_node["peer_id"]] == [f"{a}/p2p/{js_node['peer_id']}" for a in js_node["multiaddrs"]]
    assert not {k for k in counters if k.startswith("dropped.rendezvous")}, counters
