#!/usr/bin/env python3
"""Benchmarks of discovery: how long nodes take to find each other, packets/s, idle CPU.

    .venv/bin/python benchmarks/discovery.py            # print the figures
    .venv/bin/python benchmarks/discovery.py --write    # also replace the discovery section of BENCHMARKS.md

* 50 discv5 services in ONE process (one trio loop, one core) on 127.0.0.1, each given only
  service 0's ENR; they join over 10 s; each runs a random walk, then walks again every 2 s. They all share one IP,
  so the per-IP WHOAREYOU limit for strangers is lifted for this measurement. Time until every
  service knows 50 % / 95 % / 100 % of the others (``known`` records), and packets exchanged.
  50 / 100 / 200 services over one or several processes, with what "finding each other" can mean
  under Kademlia: ``benchmarks/discovery_swarm.py`` (its own section).
* 10 full Waku nodes (relay + store + filter + lightpush, each its own libp2p host, all in this
  process) and a bootstrap node, given only the bootstrap node's ENR: time until every node
  knows the other nine, and until every node has ≥ 2 relay peers (a mesh).
* Packets/s: one service answering PINGs from another over established sessions (64 in flight):
  request/response pairs per second, wall clock (both ends in one process, so the figure is a
  floor for one service). Also the sans-IO cost of opening one message packet (unmask + AES-GCM
  + RLP) and of one full handshake (both sides), in µs.
* Idle CPU: a child process running one discv5 service that walks every 10 s (the node's default)
  in a 20-service network; CPU seconds used over 30 s, as a percentage of one core.
* Growth: the routing table's add + closest(16) cost after offering 1 k / 10 k / 100 k records
  (the table is bounded, so the ratio should stay near 1).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from markdown_section import replace_section  # noqa: E402  (benchmarks/ is on sys.path when run as a script)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import trio  # noqa: E402

from statuscli.core.crypto import secp256k1  # noqa: E402
from statuscli.core.discv5 import handshake, messages, packet  # noqa: E402
from statuscli.core.discv5.local_record import LocalRecord  # noqa: E402
from statuscli.core.discv5.table import RoutingTable  # noqa: E402
from statuscli.net.discv5.lookup import random_walk  # noqa: E402
from statuscli.net.discv5.service import Discv5Service, Limits  # noqa: E402


def service(whoareyou_per_ip: int = Limits.whoareyou_per_ip) -> Discv5Service:
    key = secp256k1.generate_private_key(os.urandom)
    limits = Limits(whoareyou_per_ip=whoareyou_per_ip)
    return Discv5Service(key, LocalRecord(key, 1, tcp=60000, waku2_flags=["relay"], rs=(16, [32])), limits=limits)


async def walker(svc: Discv5Service, interval: float) -> None:
    while True:
        try:
            await random_walk(svc)
        except Exception:  # noqa: BLE001  (a benchmark keeps walking)
            pass
        await trio.sleep(interval)


# --- many services -----------------------------------------------------------------------------
WALK_INTERVAL = 2.0
NOTE_MANY = "\nHow 50 / 100 / 200 services find each other over one or several processes, and why 200 in one loaded process did not: the `discovery-swarm` section."


async def staggered(fn, svc, interval, delay):
    await trio.sleep(delay)
    await fn(svc, interval)


def bench_many(n: int, cap: float) -> dict:
    out: dict = {}

    async def main():
        # all services share 127.0.0.1: the per-IP WHOAREYOU limit (50/s, meant for strangers) would
        # throttle the whole simulated network, so it is lifted here
        svcs = [service(whoareyou_per_ip=1_000_000) for _ in range(n)]
        async with trio.open_nursery() as nursery:
            for s in svcs:
                await nursery.start(s.serve)
            t0 = trio.current_time()
            for i, s in enumerate(svcs[1:]):  # nodes join over ~10 s, not all in the same instant
                s.add_bootstrap(svcs[0].enr)
                nursery.start_soon(staggered, walker, s, WALK_INTERVAL, i * 10.0 / n)
            marks = {0.5: None, 0.95: None, 1.0: None}
            while trio.current_time() - t0 < cap and marks[1.0] is None:
                await trio.sleep(0.25)
                worst = min(len(s.known) for s in svcs[1:]) / (n - 1)
                for frac in marks:
                    if marks[frac] is None and worst >= frac:
                        marks[frac] = trio.current_time() - t0
            out.update(worst=min(len(s.known) for s in svcs[1:]) / (n - 1), median=sorted(len(s.known) for s in svcs[1:])[n // 2] / (n - 1),
                       elapsed=trio.current_time() - t0, timeouts=sum(s.counters["requests.timeout"] for s in svcs))  # fmt: skip
            out.update(marks=marks, packets=sum(s.counters["packets.in"] for s in svcs),
                       handshakes=sum(s.counters["handshakes.accepted"] for s in svcs))  # fmt: skip
            nursery.cancel_scope.cancel()

    trio.run(main)
    return out


# --- 10 full nodes ----------------------------------------------------------------------------
def bench_full_nodes(n: int) -> dict:
    from contextlib import AsyncExitStack

    from statuscli.net.node import WakuNode
    from statuscli.net.node_config import NodeConfig
    from statuscli.store.archive import Archive

    def cfg(mode, bootstrap=()):
        return NodeConfig(mode=mode, listen=["/ip4/127.0.0.1/tcp/0"], archive=Archive(":memory:") if mode == "full" else None,
                          discv5=True, discv5_port=0, bootstrap=list(bootstrap), discv5_interval=0.5,
                          maintenance_interval=0.5, target_relay_peers=4)  # fmt: skip

    out: dict = {}

    async def main():
        async with AsyncExitStack() as stack:
            boot = await stack.enter_async_context(WakuNode(cfg("bootstrap")))
            t0 = time.perf_counter()
            nodes = [await stack.enter_async_context(WakuNode(cfg("full", [boot.enr]))) for _ in range(n)]
            out["started"] = time.perf_counter() - t0
            ids = {x.discovery.record.node_id for x in nodes}
            while not all(ids - {x.discovery.record.node_id} <= set(x.discovery.service.known) for x in nodes):
                await trio.sleep(0.05)
            out["known"] = time.perf_counter() - t0
            while not all(len(x.relay.relay_peers()) >= 2 for x in nodes):
                await trio.sleep(0.05)
            out["mesh"] = time.perf_counter() - t0

    trio.run(main)
    return out


# --- packets/s ----------------------------------------------------------------------------------
def bench_pings(seconds: float, window: int) -> dict:
    out: dict = {}

    async def main():
        a, b = service(), service()
        async with trio.open_nursery() as nursery:
            await nursery.start(a.serve)
            await nursery.start(b.serve)
            await a.ping(b.enr)
            done = [0]
            deadline = trio.current_time() + seconds

            async def pinger():
                while trio.current_time() < deadline:
                    try:
                        await a.ping(b.enr, timeout=2.0)
                        done[0] += 1
                    except Exception:  # noqa: BLE001
                        pass

            t0 = trio.current_time()
            async with trio.open_nursery() as inner:
                for _ in range(window):
                    inner.start_soon(pinger)
            out["pairs_per_s"] = done[0] / (trio.current_time() - t0)
            out["timeouts"] = a.counters["requests.timeout"]
            nursery.cancel_scope.cancel()

    trio.run(main)
    # sans-IO costs
    ka, kb = (secp256k1.generate_private_key(os.urandom) for _ in range(2))
    ra, rb = LocalRecord(ka, 1, ip="127.0.0.1", udp=1), LocalRecord(kb, 1, ip="127.0.0.1", udp=2)
    key = os.urandom(16)
    raw = handshake.seal_message(key, ra.node_id, rb.node_id, os.urandom(16), os.urandom(12), messages.encode(messages.Ping(b"\x01\x02", 7)))
    n = 20_000
    t = time.perf_counter()
    for _ in range(n):
        messages.decode(handshake.open_message(packet.decode(raw, rb.node_id), key))
    out["open_us"] = (time.perf_counter() - t) / n * 1e6
    n = 300
    t = time.perf_counter()
    for _ in range(n):
        w, challenge = handshake.whoareyou(ra.node_id, os.urandom(16), os.urandom(12), os.urandom(16), 0)
        hs, _ = handshake.seal_handshake(static_key=ka, ephemeral_key=secp256k1.generate_private_key(os.urandom), src_id=ra.node_id,
                                         dest_id=rb.node_id, dest_pubkey=rb.enr.public_key, challenge_data=challenge,
                                         masking_iv=os.urandom(16), nonce=os.urandom(12), plaintext=b"\x01\xc2\x01\x01", record=ra.raw)  # fmt: skip
        handshake.open_handshake(packet.decode(hs, rb.node_id), static_key=kb, local_id=rb.node_id, challenge_data=challenge, known_pubkey=None)
    out["handshake_us"] = (time.perf_counter() - t) / n * 1e6
    return out


# --- idle CPU -----------------------------------------------------------------------------------
def idle_child(bootstrap: str, seconds: float) -> None:
    async def main():
        svc = service()
        async with trio.open_nursery() as nursery:
            await nursery.start(svc.serve)
            svc.add_bootstrap(__import__("statuscli.core.waku.enr", fromlist=["decode_enr"]).decode_enr(bootstrap))
            await random_walk(svc)
            before = resource.getrusage(resource.RUSAGE_SELF)
            t0 = time.perf_counter()
            nursery.start_soon(walker, svc, 10.0)
            await trio.sleep(seconds)
            after = resource.getrusage(resource.RUSAGE_SELF)
            cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
            print(f"{cpu} {time.perf_counter() - t0} {len(svc.known)}", flush=True)
            nursery.cancel_scope.cancel()

    trio.run(main)


def bench_idle(seconds: float) -> dict:
    out: dict = {}

    async def main():
        svcs = [service() for _ in range(20)]
        async with trio.open_nursery() as nursery:
            for s in svcs:
                await nursery.start(s.serve)
            for s in svcs[1:]:
                s.add_bootstrap(svcs[0].enr)
                await random_walk(s)
            r = await trio.run_process([sys.executable, __file__, "--idle-child", svcs[0].enr.text, str(seconds)], capture_stdout=True)
            cpu, wall, known = r.stdout.decode().split()
            out.update(cpu_pct=100 * float(cpu) / float(wall), known=int(known), wall=float(wall))
            nursery.cancel_scope.cancel()

    trio.run(main)
    return out


# --- growth -------------------------------------------------------------------------------------
def bench_growth() -> dict:
    ka = secp256k1.generate_private_key(os.urandom)
    records = [LocalRecord(secp256k1.generate_private_key(os.urandom), 1, ip="127.0.0.1", udp=1).enr for _ in range(2000)]
    out = {}
    for offered in (1_000, 10_000, 100_000):
        table = RoutingTable(LocalRecord(ka, 1).node_id)
        t = time.perf_counter()
        for i in range(offered):
            table.add(records[i % len(records)], float(i))
        add_us = (time.perf_counter() - t) / offered * 1e6
        t = time.perf_counter()
        for _ in range(200):
            table.closest(os.urandom(32))
        out[offered] = (add_us, (time.perf_counter() - t) / 200 * 1e6, len(table))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--services", type=int, default=50)
    ap.add_argument("--only", choices=["many", "full", "pings", "idle", "growth"], help="run one measurement (no --write)")
    ap.add_argument("--idle-child", nargs=2, metavar=("ENR", "SECONDS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.idle_child:
        idle_child(args.idle_child[0], float(args.idle_child[1]))
        return 0
    if args.only:
        fn = {"many": lambda: bench_many(args.services, 300.0), "full": lambda: bench_full_nodes(10), "pings": lambda: bench_pings(5.0, 64),
              "idle": lambda: bench_idle(30.0), "growth": bench_growth}[args.only]  # fmt: skip
        print(fn())
        return 0
    few = bench_many(50, cap=120.0)
    full = bench_full_nodes(10)
    pings = bench_pings(5.0, 64)
    idle = bench_idle(30.0)
    growth = bench_growth()

    def t(x):
        return "not reached" if x is None else f"{x:.1f} s"

    lines = [
        f"Machine: {os.cpu_count()} cores shared with other work; one process, one trio loop unless said.",
        "",
        "| measure | figure |",
        "|---|---|",
        f"| 50 discv5 services, one bootstrap ENR: every service knows 50 % / 95 % / 100 % of the others | "
        f"{t(few['marks'][0.5])} / {t(few['marks'][0.95])} / {t(few['marks'][1.0])} ({few['packets']:,} packets, {few['handshakes']:,} handshakes) |",
        f"| 10 full nodes + 1 bootstrap node (11 libp2p hosts in one process): started / all know each other / all have ≥ 2 relay peers | "
        f"{full['started']:.1f} s / {full['known']:.1f} s / {full['mesh']:.1f} s |",
        f"| PING→PONG pairs per second, 64 in flight, both ends in one process | {pings['pairs_per_s']:,.0f} /s ({pings['timeouts']} timeouts) |",
        f"| open one message packet (unmask + AES-GCM + RLP), sans-IO | {pings['open_us']:.1f} µs |",
        f"| one full handshake, both sides (WHOAREYOU, ECDH ×2, id-signature, ENR check), sans-IO | {pings['handshake_us']:.0f} µs |",
        f"| idle discv5 node (walk every 10 s, 20-service network), CPU over {idle['wall']:.0f} s | {idle['cpu_pct']:.2f} % of one core |",
        "| routing table growth: records offered → µs per add / µs per closest(16) / entries kept | "
        + "; ".join(f"{k:,} → {a:.1f} / {c:.0f} / {n}" for k, (a, c, n) in growth.items())
        + f" (closest ratio 100 k ÷ 1 k: {growth[100_000][1] / growth[1_000][1]:.2f}) |",
    ]
    lines.append(f"\nLoad average (1 min) at the end: {os.getloadavg()[0]:.1f}.")
    lines.append(NOTE_MANY)
    text = "\n".join(lines)
    print(text)
    if args.write:
        replace_section("discovery", f"## Discovery (`benchmarks/discovery.py`)\n\n{text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
