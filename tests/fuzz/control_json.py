"""Random JSON-RPC traffic for the control socket (``tests/fuzz/test_fuzz_node.py``, ``scripts/fuzz``).

Lines are raw garbage, broken JSON, or well-formed requests to real methods whose params are
random JSON built from the keys those methods read. Methods that stop the node are left out, and
a ``peer`` is only ever absent, a non-address string, or the node's own loopback address — a
fuzzer must never make the node dial anything but 127.0.0.1.
"""

from __future__ import annotations

import json
import random

METHODS = ("info", "peers", "publish", "subscribe", "unsubscribe", "store_query", "nope")
KEYS = ("peer", "pubsub_topic", "content_topics", "message", "payload", "payload_text", "payload_hex", "content_topic",
        "version", "timestamp", "meta", "ephemeral", "forward", "limit", "cursor", "hashes", "time_start", "time_end",
        "include_data", "id", "subscription", "page_size")


def _value(rng: random.Random, depth: int = 0):
    k = rng.randrange(9 if depth < 2 else 6)
    if k == 0:
        return None
    if k == 1:
        return rng.choice((True, False))
    if k == 2:
        return rng.choice((0, -1, 1, 2**31, 2**63, -(2**63) - 1, 2**64, 10**30, rng.randint(-1000, 1000)))
    if k == 3:
        return rng.choice((0.5, -1e308, 1e308, float("nan") if False else 3.25))
    if k == 4:
        return rng.choice(("", "0x", "0xzz", "0x" + "00" * 32, "/waku/2/rs/16/32", "/a/b/c/d", "\u0000", "é" * 40, "x" * 5000))
    if k == 5:
        return rng.randbytes(rng.randint(0, 20)).decode("latin-1")
    if k == 6:
        return [_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {rng.choice(KEYS): _value(rng, depth + 1) for _ in range(rng.randint(0, 4))}


def _params(rng: random.Random, own_addr: str):
    p = {rng.choice(KEYS): _value(rng) for _ in range(rng.randint(0, 6))}
    peer = p.get("peer")
    if isinstance(peer, str) and peer.startswith("/"):
        p["peer"] = own_addr
    elif "peer" in p and rng.random() < 0.5:
        p["peer"] = own_addr
    return p if rng.random() > 0.05 else _value(rng)


def line(rng: random.Random, own_addr: str, rid: int) -> bytes:
    k = rng.randrange(10)
    if k == 0:
        return rng.randbytes(rng.randint(0, 64)).replace(b"\n", b" ")
    req = {"jsonrpc": "2.0", "id": rid, "method": rng.choice(METHODS), "params": _params(rng, own_addr)}
    if k == 1:
        req = {rng.choice(("jsonrpc", "id", "method", "params")): _value(rng) for _ in range(3)}
    text = json.dumps(req).encode()
    if k == 2:
        text = text[: rng.randrange(len(text) + 1)]
    return text


def is_internal_error(answer: dict) -> bool:
    err = answer.get("error") if isinstance(answer, dict) else None
    return isinstance(err, dict) and (err.get("data") or {}).get("code") == "internal-error"
