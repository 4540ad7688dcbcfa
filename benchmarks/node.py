#!/usr/bin/env python3
"""Benchmarks of the Waku node: relay throughput and loss, store query latency, publish paths.

    .venv/bin/python benchmarks/node.py            # print the figures
    .venv/bin/python benchmarks/node.py --write    # also replace the node section of BENCHMARKS.md

* Relay: two of our nodes in two processes on 127.0.0.1 (sender here, receiver a child process);
  1 KB messages published as fast as ``WakuNode.publish`` accepts them (it waits while the
  outbound queue is backed up). Rate = messages / (last receipt − first publish), wall clock.
* Store: ``Archive.query`` on SQLite files holding 10 k and 1 M messages (2 pubsub topics, 4
  content topics). The floor is the bare indexed SELECT of one page (no cursor lookup, no
  conversion). Also one page over the wire (store v3 on a libp2p stream, same process).
* Publish: through the control socket of a running ``statuscli node run`` versus a direct
  light-client connection (lightpush), both warm (per call, connection open) and cold (a fresh
  process doing one publish, as a short-lived command would).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from markdown_section import replace_section  # noqa: E402  (benchmarks/ is on sys.path when run as a script)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOPIC = "/waku/2/rs/16/32"
TOPICS = ("/waku/2/rs/16/32", "/waku/2/rs/16/64")
CTS = ("/bench/1/a/proto", "/bench/1/b/proto", "/bench/1/c/proto", "/bench/1/d/proto")


def ms(x: float) -> str:
    return f"{x * 1000:.2f} ms" if x < 0.1 else f"{x * 1000:.0f} ms"


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))]


# --- relay ------------------------------------------------------------------------------------
def receiver(n: int, idle: float) -> None:
    """Child process: a relay node that counts messages and reports receipt times."""
    import trio

    from statuscli.net.node import WakuNode
    from statuscli.net.node_config import NodeConfig

    async def main():
        async with WakuNode(NodeConfig(mode="relay", listen=["/ip4/127.0.0.1/tcp/0"], shards=[32])) as node:
            sub = node.subscribe(TOPIC)
            print(json.dumps({"addr": node.multiaddrs[0]}), flush=True)
            got, first, last = set(), None, None
            while len(got) < n:
                with trio.move_on_after(idle) as scope:
                    m = await sub.receive()
                if scope.cancelled_caught:
                    break
                now = time.time()
                first = first or now
                last = now
                got.add(m.hash)
            print(json.dumps({"received": len(got), "first": first, "last": last, "dropped": node.counters.dropped_total()}), flush=True)

    trio.run(main)


def bench_relay(n: int, rounds: int) -> list[dict]:
    import trio

    from statuscli.core.waku.message import WakuMessage
    from statuscli.net.node import WakuNode
    from statuscli.net.node_config import NodeConfig

    results = []
    for _ in range(rounds):
        child = subprocess.Popen([sys.executable, __file__, "_receiver", str(n), "15"], stdout=subprocess.PIPE, text=True)
        addr = json.loads(child.stdout.readline())["addr"]

        async def main():
            async with WakuNode(NodeConfig(mode="relay", listen=["/ip4/127.0.0.1/tcp/0"], shards=[32])) as node:
                await node.connect(addr)
                await node.relay.wait_for_mesh(TOPIC, 1)
                await trio.sleep(0.5)
                pad = b"x" * 1000
                t0 = time.time()
                for i in range(n):
                    await node.publish(TOPIC, WakuMessage(payload=pad + b"%d" % i, content_topic=CTS[0], timestamp=time.time_ns()))
                t1 = time.time()
                await trio.to_thread.run_sync(child.wait)
                return t0, t1, node.counters.dropped_total()

        t0, t1, sender_drops = trio.run(main)
        res = json.loads(child.stdout.readline())
        results.append(
            {
                "sent": n,
                "received": res["received"],
                "publish_rate": n / (t1 - t0),
                "rate": res["received"] / (res["last"] - t0) if res["last"] else 0.0,
                "dropped": res["dropped"] + sender_drops,
            }
        )
    return results


# --- store ------------------------------------------------------------------------------------
def build_archive(path: Path, n: int):
    from statuscli.store.archive import Archive

    meta = Path(str(path) + ".json")
    if path.exists() and meta.exists():
        a = Archive(path)
        if a.count() == n:
            return a, json.loads(meta.read_text())["build_s"]
        a.close()
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    a = Archive(path)
    t = time.perf_counter()
    base = 1_700_000_000_000_000_000
    batch = []
    for i in range(n):
        h = i.to_bytes(8, "big") + os.urandom(24)
        batch.append((h, TOPICS[i % 2], CTS[i % 4], base + i * 1_000_000, b"\x0a\x64" + os.urandom(100) + b"\x12\x10/bench/1/a/proto"))
        if len(batch) == 100_000:
            a.add(batch)
            batch = []
    a.add(batch)
    a.conn.execute("ANALYZE")
    build = time.perf_counter() - t
    meta.write_text(json.dumps({"build_s": build}))
    return a, build


def timed(fn, reps: int) -> list[float]:
    out = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def bench_store(n: int, reps: int, folder: Path) -> dict:
    a, build = build_archive(folder / f"bench-store-{n}.sqlite", n)
    mid_hash = a.conn.execute("SELECT hash FROM archive_messages ORDER BY timestamp LIMIT 1 OFFSET ?", (n // 2,)).fetchone()[0]
    some = [r[0] for r in a.conn.execute("SELECT hash FROM archive_messages ORDER BY random() LIMIT 10")]
    t_mid = 1_700_000_000_000_000_000 + (n // 2) * 1_000_000
    cases = {
        "newest page, pubsub + content topic, 20": lambda: a.query(pubsub_topic=TOPICS[0], content_topics=[CTS[0]], limit=20),
        "page after a cursor (backward), 100": lambda: a.query(pubsub_topic=TOPICS[0], content_topics=[CTS[0]], cursor=mid_hash, limit=100),
        "page after a cursor (forward), pubsub only, 100": lambda: a.query(pubsub_topic=TOPICS[1], cursor=mid_hash, forward=True, limit=100),
        "3 content topics merged, 100": lambda: a.query(pubsub_topic=TOPICS[0], content_topics=list(CTS[:3]), cursor=mid_hash, limit=100),
        "time range (1 s window), 20": lambda: a.query(time_start=t_mid, time_end=t_mid + 1_000_000_000, forward=True),
        "10 message hashes": lambda: a.query(hashes=some),
    }
    floor_sql = (
        "SELECT timestamp, hash, pubsub_topic, data FROM archive_messages WHERE pubsub_topic = ? AND content_topic = ? "
        "ORDER BY timestamp DESC, hash DESC LIMIT 21"
    )
    out = {"n": n, "build_s": build, "cases": {}}
    for _ in range(3):  # warm the page cache
        for fn in cases.values():
            fn()
    floor = timed(lambda: a.conn.execute(floor_sql, (TOPICS[0], CTS[0])).fetchall(), reps)
    out["floor"] = statistics.median(floor)
    for name, fn in cases.items():
        xs = timed(fn, reps)
        out["cases"][name] = (statistics.median(xs), pct(xs, 0.95))
    out["wire"] = bench_store_wire(a, reps=min(reps, 100))
    a.close()
    return out


def bench_store_wire(archive, reps: int) -> float:
    """One page (pubsub + content topic, 20) over a libp2p stream, median."""
    import trio

    from statuscli.net.limits import NodeLimits
    from statuscli.net.node import WakuNode
    from statuscli.net.node_config import NodeConfig

    async def main():
        server = WakuNode(NodeConfig(mode="full", listen=["/ip4/127.0.0.1/tcp/0"], archive=archive, limits=NodeLimits.unlimited()))
        client = WakuNode(NodeConfig(mode="light", listen=[]))
        async with server, client:
            pid = await client.connect(server.multiaddrs[0])
            for _ in range(20):  # warm-up: first streams, code paths
                await client.store_query(pid, pubsub_topic=TOPICS[0], content_topics=[CTS[0]], limit=20)
            xs = []
            for _ in range(reps):
                t = time.perf_counter()
                page = await client.store_query(pid, pubsub_topic=TOPICS[0], content_topics=[CTS[0]], limit=20)
                xs.append(time.perf_counter() - t)
                assert len(page.messages) == 20
            return statistics.median(xs)

    return trio.run(main)


# --- publish paths ----------------------------------------------------------------------------
COLD_CONTROL = """
import sys, time
t = time.perf_counter()
from statuscli.net.control_client import ControlClient
with ControlClient(sys.argv[1]) as c:
    r = c.call("publish", {"message": {"payload_text": "cold", "content_topic": "/bench/1/a/proto"}})
print(time.perf_counter() - t)
"""

COLD_LIGHT = """
import sys, time
t = time.perf_counter()
import trio
from statuscli.core.waku.message import WakuMessage
from statuscli.net.node import WakuNode
from statuscli.net.node_config import NodeConfig
async def main():
    async with WakuNode(NodeConfig(mode="light", listen=[])) as n:
        r = await n.lightpush_publish(sys.argv[1], "/waku/2/rs/16/32", WakuMessage(payload=b"cold", content_topic="/bench/1/a/proto", timestamp=time.time_ns()))
        assert r.ok, r
trio.run(main)
print(time.perf_counter() - t)
"""


def bench_publish(warm_reps: int, cold_reps: int, folder: Path) -> dict:
    import trio

    from statuscli.core.waku.message import WakuMessage
    from statuscli.net.control_client import ControlClient
    from statuscli.net.node import WakuNode
    from statuscli.net.node_config import NodeConfig

    home = Path(tempfile.mkdtemp(dir=folder))
    node = subprocess.Popen(
        [sys.executable, "-m", "statuscli", "--home", str(home), "--quiet", "node", "run", "--listen", "/ip4/127.0.0.1/tcp/0",
         "--rate-limit", "lightpush:0/0s"],  # the latency of a push, not the per-peer limit
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        rec = json.loads(node.stdout.readline())
        sock, addr = rec["control_socket"], rec["multiaddrs"][0]
        with ControlClient(sock) as c:
            params = {"message": {"payload_text": "warm", "content_topic": CTS[0]}}
            c.call("publish", params)
            warm_control = timed(lambda: c.call("publish", params), warm_reps)

        async def warm_light():
            async with WakuNode(NodeConfig(mode="light", listen=[])) as light:
                pid = await light.connect(addr)
                xs = []
                for i in range(warm_reps):
                    msg = WakuMessage(payload=b"warm %d" % i, content_topic=CTS[0], timestamp=time.time_ns())
                    t = time.perf_counter()
                    r = await light.lightpush_publish(pid, TOPIC, msg)
                    xs.append(time.perf_counter() - t)
                    assert r.ok, r
                return xs

        warm_lp = trio.run(warm_light)

        def cold(code: str, arg: str) -> float:
            t = time.perf_counter()
            p = subprocess.run([sys.executable, "-c", code, arg], capture_output=True, text=True, timeout=120, cwd=ROOT)
            assert p.returncode == 0, p.stderr
            return time.perf_counter() - t

        cold_control, cold_light, bare = [], [], []
        for _ in range(cold_reps):  # interleaved, so that machine drift hits all three alike
            bare.append(cold("pass", ""))
            cold_control.append(cold(COLD_CONTROL, sock))
            cold_light.append(cold(COLD_LIGHT, addr))
    finally:
        node.terminate()
        node.wait(timeout=20)
    return {
        "warm_control": statistics.median(warm_control),
        "warm_lightpush": statistics.median(warm_lp),
        "cold_control": statistics.median(cold_control),
        "cold_lightpush": statistics.median(cold_light),
        "python": statistics.median(bare),
    }


# --- report -----------------------------------------------------------------------------------
def report(relay: list[dict], stores: list[dict], pub: dict) -> str:
    cpus = os.cpu_count()
    lines = [f"CPython {sys.version.split()[0]} on {cpus} CPU(s), {time.strftime('%Y-%m-%d')}; all traffic on 127.0.0.1.", ""]
    lines += [
        "**Relay, two of our nodes in two processes** (1 KB messages, as fast as `publish` accepts them; target ≥ 1 000 msg/s, no loss):",
        "",
        "| round | sent | received | lost | publish rate | end-to-end rate | dropped (counted) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for i, r in enumerate(relay, 1):
        lines.append(
            f"| {i} | {r['sent']} | {r['received']} | {r['sent'] - r['received']} | {r['publish_rate']:.0f} msg/s | {r['rate']:.0f} msg/s | {r['dropped']} |"
        )
    med = statistics.median(r["rate"] for r in relay)
    lost = sum(r["sent"] - r["received"] for r in relay)
    lines += ["", f"Median end-to-end {med:.0f} msg/s, {lost} lost in total: target {'met' if med >= 1000 and lost == 0 else '**not met**'}.", ""]
    lines += ["**Store query latency** (`Archive.query`, medians / p95 of repeated queries on a warm SQLite file; target one page ≤ 10 ms at 1 M):", ""]
    header = "| query | " + " | ".join(f"{s['n']:,} messages" for s in stores) + " |"
    lines += [header, "|---|" + "---:|" * len(stores)]
    for name in stores[0]["cases"]:
        cells = [f"{ms(s['cases'][name][0])} / {ms(s['cases'][name][1])}" for s in stores]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append("| floor: bare indexed SELECT of one page | " + " | ".join(ms(s["floor"]) for s in stores) + " |")
    lines.append("| one page over the wire (store v3 on libp2p, same process) | " + " | ".join(ms(s["wire"]) for s in stores) + " |")
    builds = ", ".join(f"{s['n']:,}: {s['build_s']:.1f} s" for s in stores if s["build_s"] is not None)
    worst = max(v[0] for v in stores[-1]["cases"].values())
    lines += ["", f"Slowest page at {stores[-1]['n']:,}: {ms(worst)} (median): target {'met' if worst <= 0.010 else '**not met**'}."]
    if builds:
        lines.append(f"Archive build (batched inserts, 3 indexes): {builds}.")
    lines += [
        "",
        "**Publishing one message** (to a `statuscli node run` full node; target: a send through the control socket ≤ 0.3 s):",
        "",
        "| path | warm (per call) | cold (fresh process, wall) |",
        "|---|---:|---:|",
        f"| control socket (`ControlClient`, no libp2p import) | {ms(pub['warm_control'])} | {ms(pub['cold_control'])} |",
        f"| direct light client (lightpush v3) | {ms(pub['warm_lightpush'])} | {ms(pub['cold_lightpush'])} |",
        f"| `python -c pass` | — | {ms(pub['python'])} |",
        "",
        "Cold = start Python, import, connect, publish, exit (what a short-lived command pays). The light client's cold "
        "time is dominated by importing py-libp2p.",
    ]
    return "\n".join(lines)


def write_section(text: str) -> None:
    replace_section("node", f"## Waku node (`benchmarks/node.py`)\n\n{text}")


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "_receiver":
        receiver(int(sys.argv[2]), float(sys.argv[3]))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--messages", type=int, default=5000, help="relay messages per round")
    ap.add_argument("--rounds", type=int, default=3, help="relay rounds")
    ap.add_argument("--sizes", default="10000,1000000", help="archive sizes to query")
    ap.add_argument("--reps", type=int, default=300, help="repetitions per store query")
    ap.add_argument("--cold", type=int, default=7, help="fresh processes per cold publish path")
    ap.add_argument("--folder", default=tempfile.gettempdir(), help="where the archives are built (kept for re-runs)")
    ap.add_argument("--write", action="store_true", help="replace the node section of BENCHMARKS.md")
    args = ap.parse_args()
    import logging

    logging.basicConfig(level=logging.ERROR)
    folder = Path(args.folder)
    relay = bench_relay(args.messages, args.rounds)
    stores = [bench_store(int(n), args.reps, folder) for n in args.sizes.split(",")]
    pub = bench_publish(200, args.cold, folder)
    text = report(relay, stores, pub)
    print(text)
    if args.write:
        write_section(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
