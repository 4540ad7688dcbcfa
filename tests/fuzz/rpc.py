"""Fuzzing the node's request/response services through the handlers it registered.

A real :class:`~statuscli.net.node.WakuNode` (full mode, in-memory archive) is started; each input
is written, length-prefixed as on the wire, into an in-memory stream handed to the handler that
the node registered with py-libp2p for that protocol — the same function a real stream reaches
after multistream-select. That keeps a million inputs a target affordable; one test in
``test_fuzz_node.py`` sends mutated requests over real TCP streams as well, so the harness is
known to match the wire.

What must hold: every handler answers or resets, and the node never counts an ``*.error`` drop
(the catch-all for exceptions that are not a typed refusal).
"""

from __future__ import annotations

import random
from collections.abc import Callable

from statuscli.net import codecs
from statuscli.net.streams import frame
from tests.fuzz.mutate import mutate

PUBSUB = "/waku/2/rs/16/32"
CONTENT = "/statuscli/1/fuzz/proto"

RPC_PROTOCOLS = {
    "rpc-store": codecs.STORE_V3,
    "rpc-lightpush": codecs.LIGHTPUSH_V3,
    "rpc-lightpush-v2": codecs.LIGHTPUSH_V2,
    "rpc-filter": codecs.FILTER_SUBSCRIBE,
    "rpc-metadata": codecs.METADATA,
    "rpc-peer-exchange": codecs.PEER_EXCHANGE,
    "rpc-rendezvous": codecs.RENDEZVOUS,
}


def _message() -> bytes:
    from statuscli.core.waku.message import WakuMessage, encode

    return encode(WakuMessage(payload=b"fuzz", content_topic=CONTENT, version=0, timestamp=1_700_000_000_000_000_000))


def rpc_seeds(name: str) -> list[bytes]:
    """Valid request bodies for each protocol, built with the project's own request builders."""
    from statuscli.net import lightpush, metadata
    from statuscli.net.store_protocol import build_request
    from statuscli.pb import waku_filter_pb2, waku_peer_exchange_pb2

    if name == "rpc-store":
        return [build_request(pubsub_topic=PUBSUB, content_topics=[CONTENT], time_start=1, time_end=2**62, limit=20).SerializeToString(),
                build_request(hashes=[b"\x01" * 32], cursor=b"\x02" * 32, forward=True).SerializeToString()]
    if name in ("rpc-lightpush", "rpc-lightpush-v2"):
        return [lightpush._request_bytes(RPC_PROTOCOLS[name], "rid-1", PUBSUB, _message())]
    if name == "rpc-filter":
        return [waku_filter_pb2.FilterSubscribeRequest(request_id="rid-2", filter_subscribe_type=t, pubsub_topic=PUBSUB,
                                                       content_topics=[CONTENT]).SerializeToString() for t in (0, 1, 2, 3)]
    if name == "rpc-metadata":
        return [metadata.encode(16, [32, 64])]
    if name == "rpc-peer-exchange":
        return [waku_peer_exchange_pb2.PeerExchangeRPC(query=waku_peer_exchange_pb2.PeerExchangeQuery(num_peers=5)).SerializeToString()]
    if name == "rpc-rendezvous":
        return _rendezvous_seeds()
    raise KeyError(name)


def _rendezvous_seeds() -> list[bytes]:
    from libp2p.crypto.secp256k1 import create_new_key_pair

    from statuscli.net.rendezvous import pb, seal_peer_record

    M = pb.Message
    record = seal_peer_record(create_new_key_pair(b"\x31" * 32).private_key, ["/ip4/127.0.0.1/tcp/60000"], 7)
    return [
        M(type=M.REGISTER, register=M.Register(ns="rs/16/32", signedPeerRecord=record, ttl=60)).SerializeToString(),
        M(type=M.DISCOVER, discover=M.Discover(ns="rs/16/32", limit=12, cookie=b"\x01" + bytes(8) + b"rs/16/32")).SerializeToString(),
        M(type=M.UNREGISTER, unregister=M.Unregister(ns="rs/16/32")).SerializeToString(),
    ]


class _Conn:
    def __init__(self, peer_id) -> None:
        self.peer_id = peer_id


class MemoryStream:
    """The slice of a py-libp2p stream that a req/resp handler uses, over in-memory bytes."""

    def __init__(self, incoming: bytes, peer_id) -> None:
        self._in = memoryview(incoming)
        self.written = bytearray()
        self.was_reset = False
        self.muxed_conn = _Conn(peer_id)

    async def read(self, n: int | None = None) -> bytes:
        n = len(self._in) if n is None else n
        out, self._in = bytes(self._in[:n]), self._in[n:]
        return out

    async def write(self, data: bytes) -> None:
        self.written += data

    async def close_write(self) -> None:
        pass

    async def close(self) -> None:
        pass

    async def reset(self) -> None:
        self.was_reset = True

    def get_protocol(self):
        return None


def registered_handler(node, protocol: str) -> Callable:
    from libp2p.custom_types import TProtocol

    return node.host.host.get_mux().handlers[TProtocol(protocol)]


def error_drops(node) -> dict[str, int]:
    """Drops counted under ``*.error``: an exception that was not a typed refusal."""
    return {k: v for k, v in node.counters.snapshot().items() if k.startswith("dropped.") and k.endswith(".error")}


def inputs(name: str, rng: random.Random, count: int):
    seeds = rpc_seeds(name)
    for i in range(count):
        if i % 4 == 0:
            yield rng.randbytes(rng.randint(0, 200))
        else:
            yield mutate(rng.choice(seeds), rng, seeds)


async def fuzz_handler(node, name: str, count: int, *, seed: int = 1, on_input=None) -> int:
    """Drive ``count`` inputs through the node's handler for ``name``; returns how many were answered."""
    from libp2p.peer.id import ID

    handler = registered_handler(node, RPC_PROTOCOLS[name])
    rng = random.Random(seed)
    peer = ID(b"\x00\x25" + b"\x08\x02\x12\x21" + bytes(33))
    answered = 0
    for data in inputs(name, rng, count):
        if on_input is not None:
            on_input(data)
        s = MemoryStream(frame(data), peer)
        await handler(s)
        answered += bool(s.written)
    return answered
