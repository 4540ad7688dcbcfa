"""Discovery v5 against an independent implementation: ChainSafe's @chainsafe/discv5 (TypeScript,
pinned in tests/interop/js/discv5). Its node and ours find each other through one bootstrap ENR,
complete the handshake in both directions, and answer each other's PING and FINDNODE."""

from __future__ import annotations

import json
import os
import socket
import subprocess

import pytest
import trio

from statuscli.core.crypto import secp256k1
from statuscli.core.discv5.local_record import LocalRecord
from statuscli.core.discv5.table import log_distance
from statuscli.core.waku.enr import decode_enr
from statuscli.net.discv5.lookup import lookup
from statuscli.net.discv5.service import Discv5Service
from tests.interop.harness import JS_ROOT

pytestmark = pytest.mark.interop
SCRIPT = JS_ROOT / "discv5" / "discv5_node.mjs"


def _free_udp_port() -> int:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class JsDiscv5:
    def __init__(self, proc: trio.Process) -> None:
        self.proc = proc
        self._buf = b""

    async def line(self, timeout: float = 20.0) -> dict:
        with trio.fail_after(timeout):
            while b"\n" not in self._buf:
                chunk = await self.proc.stdout.receive_some(65536)
                if not chunk:
                    raise AssertionError("the js discv5 node exited")
                self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        return json.loads(line)

    async def call(self, **cmd) -> dict:
        await self.proc.stdin.send_all((json.dumps(cmd) + "\n").encode())
        answer = await self.line()
        assert answer["ok"], answer
        return answer


def py_service() -> Discv5Service:
    key = secp256k1.generate_private_key(os.urandom)
    return Discv5Service(key, LocalRecord(key, 1, tcp=60000, waku2_flags=["relay"], rs=(16, [32])))


def test_chainsafe_discv5_and_ours_find_each_other():
    async def main():
        async with trio.open_nursery() as nursery:
            boot, b, c, d = (py_service() for _ in range(4))
            for svc in (boot, b, c, d):
                await nursery.start(svc.serve)
            for svc in (b, c):  # boot's table holds b and c
                svc.add_bootstrap(boot.enr)
                await svc.ping(boot.enr)
            proc = await trio.lowlevel.open_process(
                ["node", str(SCRIPT), str(_free_udp_port())], stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=SCRIPT.parent
            )
            js = JsDiscv5(proc)
            try:
                ready = await js.line(timeout=30)
                js_enr = decode_enr(ready["enr"])
                assert ready["node_id"] == js_enr.node_id.hex()

                # js → ours: js starts the handshake with our bootstrap node and queries it
                await js.call(cmd="add", enr=boot.enr.text)
                pong = await js.call(cmd="ping", enr=boot.enr.text)
                assert pong["enr_seq"] == boot.enr.seq
                own = await js.call(cmd="findnode", enr=boot.enr.text, distances=[0])
                assert own["enrs"] == [boot.enr.text]
                dists = sorted({log_distance(boot.node_id, x.node_id) for x in (b, c)})
                near = await js.call(cmd="findnode", enr=boot.enr.text, distances=dists)
                assert {decode_enr(t).node_id for t in near["enrs"]} >= {b.node_id, c.node_id}
                assert boot.counters["handshakes.accepted"] >= 1
                # js finds b and c through the bootstrap node by its own lookups
                found: set[bytes] = set()
                for _ in range(10):
                    found |= {decode_enr(t).node_id for t in (await js.call(cmd="lookup"))["enrs"]}
                    found |= {decode_enr(t).node_id for t in (await js.call(cmd="table"))["enrs"]}
                    if {b.node_id, c.node_id} <= found:
                        break
                assert {b.node_id, c.node_id} <= found

                # ours → js: a fresh node of ours (no session) starts the handshake with js
                assert (await d.ping(js_enr, timeout=3)).enr_seq == js_enr.seq
                assert d.counters["handshakes.initiated"] == 1
                (record,) = await d.find_node(js_enr, [0], timeout=3)
                assert record.node_id == js_enr.node_id
                d_boot = log_distance(js_enr.node_id, boot.node_id)
                assert boot.node_id in {r.node_id for r in await d.find_node(js_enr, [d_boot], timeout=3)}
                # and, from only the bootstrap ENR, our lookups reach the js node
                e = py_service()
                await nursery.start(e.serve)
                e.add_bootstrap(boot.enr)
                seen: set[bytes] = set()
                for _ in range(10):
                    seen |= {x.node_id for x in await lookup(e, js_enr.node_id)} | set(e.known)
                    if js_enr.node_id in seen:
                        break
                assert js_enr.node_id in seen
                for svc in (boot, d, e):
                    assert not any(k.startswith("dropped.") and k not in ("dropped.whoareyou-repeat",) for k in svc.counters), svc.counters
            finally:
                await proc.stdin.aclose()
                with trio.move_on_after(10):
                    await proc.wait()
                if proc.returncode is None:
                    proc.kill()
                    await proc.wait()
            nursery.cancel_scope.cancel()

    trio.run(main)
