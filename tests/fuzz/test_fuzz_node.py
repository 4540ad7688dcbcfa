"""Fuzzing a real node: every Waku request/response handler and the control-socket JSON.

Bounded for CI (``STATUSCLI_FUZZ_EXAMPLES`` inputs per handler, default 300); ``scripts/fuzz``
runs the same harness for ≥ 1 M inputs a target. Loopback only.
"""

from __future__ import annotations

import json
import os
import random
import socket

import pytest
import trio

from statuscli.net.control_server import ControlServer
from statuscli.net.limits import NodeLimits
from statuscli.net.streams import frame, open_stream, read_frame
from tests.fuzz.control_json import is_internal_error, line
from tests.fuzz.mutate import mutate
from tests.fuzz.rpc import RPC_PROTOCOLS, error_drops, fuzz_handler, rpc_seeds
from tests.net.conftest import CT, TOPIC, make_node, trio_test, waku_message

pytestmark = pytest.mark.net

EXAMPLES = int(os.environ.get("STATUSCLI_FUZZ_EXAMPLES", "300"))
SEED = int(os.environ.get("STATUSCLI_FUZZ_SEED", "0"))


async def still_serving(node, light) -> None:
    await node.publish(TOPIC, waku_message(42))
    page = await light.store_query(node.multiaddrs[0], pubsub_topic=TOPIC, content_topics=[CT])
    assert any(m.message.payload == b"message 42" for m in page.messages)
    assert (await light.lightpush_publish(node.multiaddrs[0], TOPIC, waku_message(43))).ok


@trio_test(120)
async def test_every_rpc_handler_refuses_garbage_with_a_typed_answer():
    node, light = make_node("full", limits=NodeLimits.unlimited()), make_node("light")  # the handlers, not the guard
    async with node, light:
        for name in sorted(RPC_PROTOCOLS):
            answered = await fuzz_handler(node, name, EXAMPLES, seed=len(name) + SEED)
            assert answered > 0, f"{name}: the handler answered none of {EXAMPLES} inputs (harness broken?)"
            assert error_drops(node) == {}, (name, node.counters.snapshot())
        await light.connect(node.multiaddrs[0])
        await still_serving(node, light)


@trio_test(120)
async def test_mutated_requests_over_real_streams():
    """The in-memory harness above reaches the same handlers a TCP stream does: check on the wire."""
    node, light = make_node("full", limits=NodeLimits.unlimited()), make_node("light")  # the handlers, not the guard
    rng = random.Random(3 + SEED)
    async with node, light:
        pid = await light.connect(node.multiaddrs[0])
        for name, protocol in sorted(RPC_PROTOCOLS.items()):
            seeds = rpc_seeds(name)
            for _ in range(max(5, EXAMPLES // 20)):
                s = await open_stream(light.host.host, pid, protocol)
                try:
                    with trio.move_on_after(5):
                        await s.write(frame(mutate(rng.choice(seeds), rng, seeds)))
                        await s.close_write()
                        try:
                            await read_frame(s, allow_eof=True)
                        except Exception:
                            pass  # a reset is a correct refusal
                finally:
                    await s.reset()
        assert error_drops(node) == {}, node.counters.snapshot()
        await still_serving(node, light)


@trio_test(120)
async def test_control_socket_answers_every_line_with_json_and_no_internal_error(tmp_path):
    node = make_node("full", limits=NodeLimits.unlimited())  # the handlers, not the guard
    sock = str(tmp_path / "c.sock")
    rng = random.Random(5 + SEED)
    async with node, trio.open_nursery() as nursery:
        await nursery.start(ControlServer(node, sock).serve)
        own = node.multiaddrs[0]

        def session() -> list:
            bad = []
            with socket.socket(socket.AF_UNIX) as s:
                s.connect(sock)
                s.settimeout(15)
                f = s.makefile("rwb")
                for rid in range(EXAMPLES):
                    req = line(rng, own, rid)
                    # each line is followed by a sentinel request: every answer up to the
                    # sentinel's belongs to the fuzzed line (zero answers for a notification)
                    f.write(req + b"\n" + json.dumps({"jsonrpc": "2.0", "id": f"s{rid}", "method": "info"}).encode() + b"\n")
                    f.flush()
                    while True:
                        answer = json.loads(f.readline())
                        if isinstance(answer, dict) and answer.get("id") == f"s{rid}":
                            assert "result" in answer, answer
                            break
                        if is_internal_error(answer):
                            bad.append((req, answer))
            return bad

        bad = await trio.to_thread.run_sync(session)
        nursery.cancel_scope.cancel()
    assert bad == [], bad[:3]
