"""Relay throughput and loss as the network grows: 2 / 3 / 5 / 8 relay nodes, in a chain and in a
full mesh, each node its own process on 127.0.0.1.

Node 0 publishes ``--messages`` messages of 1 KB as fast as relay lets it; every other node
counts what it receives. Reported per topology and size: the delivery rate at the slowest
receiver (messages / seconds from the first publish to its last receipt), messages lost (sent and
not received, summed over receivers) and drops the nodes counted (``dropped.*``): loss with no
counted drop would be silent loss. The table ends with the ratio largest ÷ smallest rate per
topology.

    .venv/bin/python benchmarks/relay.py                     # 2,3,5,8 nodes, 2000 messages
    .venv/bin/python benchmarks/relay.py --sizes 2,5 --messages 500 --no-write
    .venv/bin/python benchmarks/relay.py --topologies mesh --sizes 5 --profile 2 --no-write
    .venv/bin/python benchmarks/relay.py --repeat 3 --save runs.jsonl --no-write   # runs kept...
    .venv/bin/python benchmarks/relay.py --load runs.jsonl                         # ...tabled later

``--profile N`` samples node N of every run with py-spy (the ``dev`` extra) and prints where its
CPU went: the functions with the most samples on the stack and on top of it (collapsed stacks are
kept in ``--profile-dir``).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from markdown_section import replace_section  # noqa: E402

TOPIC = "/waku/2/rs/16/32"
CT = "/bench/1/relay/proto"


def node_process(index: int, n_messages: int, idle: float) -> None:
    """Child: a relay node. Reads peer addresses, connects, meshes; node 0 publishes on "go"."""
    import trio

    from statuscli.core.waku.message import WakuMessage
    from statuscli.net.node import WakuNode
    from statuscli.net.node_config import NodeConfig

    async def main() -> None:
        async with WakuNode(NodeConfig(mode="relay", listen=["/ip4/127.0.0.1/tcp/0"], shards=[32], maintenance_interval=3600)) as node:
            print(json.dumps({"addr": node.multiaddrs[0]}), flush=True)
            peers = json.loads(await trio.to_thread.run_sync(sys.stdin.readline))
            for a in peers:
                await node.connect(a)
            await node.relay.wait_for_mesh(TOPIC, 1, timeout=30)
            sub = node.subscribe(TOPIC, buffer=n_messages + 10)
            print(json.dumps({"ready": True}), flush=True)
            await trio.to_thread.run_sync(sys.stdin.readline)  # "go"
            cpu0 = time.process_time()
            if index == 0:
                pad = b"x" * 1000
                t0 = time.time()
                for i in range(n_messages):
                    await node.publish(TOPIC, WakuMessage(payload=pad + b"%d" % i, content_topic=CT, timestamp=time.time_ns()))
                t1 = time.time()
                with trio.move_on_after(120):  # everything queued is on the wire before we leave
                    while node.relay.pubsub.outbound_backlog() > 0:
                        await trio.sleep(0.05)
                print(json.dumps({"t0": t0, "t1": t1}), flush=True)
                await trio.to_thread.run_sync(sys.stdin.readline)  # "stop": every receiver is done
                print(json.dumps({"counters": dropped(node), "cpu": time.process_time() - cpu0}), flush=True)
                return
            got, last = set(), None
            while len(got) < n_messages:
                with trio.move_on_after(idle) as scope:
                    m = await sub.receive()
                if scope.cancelled_caught:
                    break
                last = time.time()
                got.add(m.hash)
            print(json.dumps({"received": len(got), "last": last}), flush=True)
            # stay up (and keep forwarding to the nodes behind us) until every receiver is done
            await trio.to_thread.run_sync(sys.stdin.readline)
            print(json.dumps({"counters": dropped(node), "cpu": time.process_time() - cpu0}), flush=True)

    trio.run(main)


def dropped(node) -> dict:
    return {k: v for k, v in node.counters.snapshot().items() if k.startswith("dropped.")}


def run(topology: str, size: int, n_messages: int, idle: float, profile: int | None = None, profile_dir: str = "") -> dict:
    procs = [
        subprocess.Popen([sys.executable, __file__, "_node", str(i), str(n_messages), str(idle)],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)  # fmt: skip
        for i in range(size)
    ]
    spy, spy_out = None, ""
    try:
        addrs = [json.loads(p.stdout.readline())["addr"] for p in procs]
        for i, p in enumerate(procs):
            if topology == "chain":
                peers = [addrs[i + 1]] if i + 1 < size else []
            else:
                peers = addrs[i + 1 :]
            p.stdin.write(json.dumps(peers) + "\n")
            p.stdin.flush()
        for p in procs:
            assert json.loads(p.stdout.readline())["ready"]
        time.sleep(1.0)  # heartbeats settle the mesh
        if profile is not None and profile < size:
            spy_out = os.path.join(profile_dir, f"relay-{topology}-{size}-node{profile}.txt")
            spy = start_profiler(procs[profile].pid, spy_out)
        for p in procs:
            p.stdin.write("go\n")
            p.stdin.flush()
        results = [json.loads(p.stdout.readline()) for p in procs]
        if spy is not None:
            stop_profiler(spy)
            spy = None
        for p in procs:
            p.stdin.write("stop\n")
            p.stdin.flush()
        for p, r in zip(procs, results):
            r.update(json.loads(p.stdout.readline()))
    finally:
        if spy is not None:
            stop_profiler(spy)
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
    sender, receivers = results[0], results[1:]
    t0 = sender["t0"]
    rates = [r["received"] / (r["last"] - t0) if r["last"] else 0.0 for r in receivers]
    drops = sum(sum(r["counters"].values()) for r in results)
    if spy_out and os.path.exists(spy_out):
        print(profile_summary(spy_out), flush=True)
    return {
        "topology": topology,
        "nodes": size,
        "publish_rate": n_messages / (sender["t1"] - t0),
        "rate": min(rates),
        "lost": sum(n_messages - r["received"] for r in receivers),
        "counted_drops": drops,
        "drop_kinds": sorted({k for r in results for k in r["counters"]}),
        "cpu_max": max(r["cpu"] for r in results),  # CPU seconds of the busiest node
        "cpu_total": sum(r["cpu"] for r in results),
        "load": os.getloadavg()[0],
    }


def start_profiler(pid: int, out: str) -> subprocess.Popen:
    """py-spy sampling ``pid`` (100 Hz, without pausing it) into collapsed stacks at ``out``."""
    spy_bin = os.path.join(os.path.dirname(sys.executable), "py-spy")
    cmd = [spy_bin, "record", "--pid", str(pid), "--rate", "100", "--nonblocking", "--format", "raw", "--output", out]
    spy = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)  # attached before the first publish
    return spy


def stop_profiler(spy: subprocess.Popen) -> None:
    spy.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
    try:
        spy.wait(timeout=30)
    except subprocess.TimeoutExpired:
        spy.kill()


def frame_name(frame: str) -> str:
    """``func (path/to/file.py:123)`` -> ``func (file.py)``: samples summed per function."""
    func, _, where = frame.partition(" (")
    return f"{func} ({where.rsplit('/', 1)[-1].split(':')[0].rstrip(')')})" if where else func


def profile_summary(path: str, top: int = 30) -> str:
    """Functions by share of samples: inclusive (anywhere on the stack) and self (on top)."""
    inclusive, own, total = Counter(), Counter(), 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            stack, _, n = line.rstrip("\n").rpartition(" ")
            if not stack:
                continue
            count = int(n)
            frames = [frame_name(fr) for fr in stack.split(";")]
            total += count
            own[frames[-1]] += count
            for fr in set(frames):
                inclusive[fr] += count
    if not total:
        return f"{path}: no samples"
    out = [f"{path}: {total} samples", "inclusive:"]
    out += [f"  {100 * c / total:5.1f}%  {fr}" for fr, c in inclusive.most_common(top)]
    out.append("self:")
    out += [f"  {100 * c / total:5.1f}%  {fr}" for fr, c in own.most_common(top)]
    return "\n".join(out)


def median(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[len(xs) // 2] if len(xs) % 2 else (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2


def summarize(runs: list[dict], n_messages: int) -> dict:
    """One row per topology and size from repeated runs: medians, losses and drops summed."""
    rates = [r["rate"] for r in runs]
    cpu_ms = median([1000 * r["cpu_max"] / n_messages for r in runs])
    all_ms = median([1000 * r["cpu_total"] / n_messages for r in runs])
    return {
        "topology": runs[0]["topology"],
        "nodes": runs[0]["nodes"],
        "runs": len(runs),
        "publish_rate": median([r["publish_rate"] for r in runs]),
        "rate": median(rates),
        "rate_min": min(rates),
        "rate_max": max(rates),
        "lost": sum(r["lost"] for r in runs),
        "counted_drops": sum(r["counted_drops"] for r in runs),
        "cpu_ms": cpu_ms,
        "all_ms": all_ms,
        "core_bound": 1000 / cpu_ms if cpu_ms else 0.0,
        "two_core_bound": 2000 / all_ms if all_ms else 0.0,
        "load": median([r["load"] for r in runs]),
    }


def table(rows: list[dict], n_messages: int) -> str:
    out = [
        f"Relay throughput and loss (`benchmarks/relay.py`, {n_messages} messages of 1 KB published by node 0, every node "
        "its own process on 127.0.0.1, all of them on the machine's 2 cores, which other work shares: see the load). "
        "Delivered = messages per second at the slowest receiver (median of the runs, with the range); lost = sent and "
        "not received, summed over receivers and runs; counted = drops the nodes reported (`dropped.*`); CPU = CPU time "
        "per message of all nodes together and of the busiest node; the CPU allows = the rate that CPU time permits on 2 "
        "cores of our own (2 ÷ all nodes' CPU per message) and with a core per node (1 ÷ the busiest node's); load = "
        "1-minute load average at the end of the runs (median).",
        "",
        "| topology | nodes | runs | delivered msg/s (range) | lost | counted drops | CPU ms/msg: all nodes "
        "| busiest node | the CPU allows, msg/s: 2 cores | a core per node | load |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        out.append(
            f"| {r['topology']} | {r['nodes']} | {r['runs']} | {r['rate']:.0f} ({r['rate_min']:.0f}–{r['rate_max']:.0f}) "
            f"| {r['lost']} | {r['counted_drops']} | {r['all_ms']:.2f} | {r['cpu_ms']:.2f} | {r['two_core_bound']:.0f} "
            f"| {r['core_bound']:.0f} | {r['load']:.1f} |"
        )
    out.append("")
    for topo in ("chain", "mesh"):
        rs = [r for r in rows if r["topology"] == topo]
        if len(rs) >= 2 and min(r["rate"] for r in rs) > 0:
            lo, hi = min(r["rate"] for r in rs), max(r["rate"] for r in rs)
            out.append(f"{topo}: largest ÷ smallest delivered rate = {hi / lo:.2f} "
                       f"({rs[0]['nodes']} nodes {rs[0]['rate']:.0f}/s, {rs[-1]['nodes']} nodes {rs[-1]['rate']:.0f}/s)  ")  # fmt: skip
    return "\n".join(out)


def comparison(before: list[dict], after: list[dict]) -> str:
    """Before ÷ after per topology and size, from runs interleaved in time (same load)."""
    old = {(r["topology"], r["nodes"]): r for r in before}
    out = [
        "Before and after, runs of the two versions interleaved (same machine, same minutes):",
        "",
        "| topology | nodes | delivered msg/s before → after | lost (counted) before → after "
        "| CPU ms/msg all nodes before → after | load before / after |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in after:
        b = old.get((r["topology"], r["nodes"]))
        if b is None:
            continue
        out.append(
            f"| {r['topology']} | {r['nodes']} | {b['rate']:.0f} → {r['rate']:.0f} (×{r['rate'] / b['rate']:.1f}) "
            f"| {b['lost']} ({b['counted_drops']}) → {r['lost']} ({r['counted_drops']}) "
            f"| {b['all_ms']:.2f} → {r['all_ms']:.2f} (÷{b['all_ms'] / r['all_ms']:.1f}) | {b['load']:.1f} / {r['load']:.1f} |"
        )
    return "\n".join(out)


def load_rows(path: str, topologies: str, n_messages: int) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        saved = [json.loads(line) for line in f if line.strip()]
    groups: dict[tuple, list] = {}
    for r in saved:
        groups.setdefault((r["topology"], r["nodes"]), []).append(r)
    order = {t: i for i, t in enumerate(topologies.split(","))}
    return [summarize(runs, n_messages) for _, runs in sorted(groups.items(), key=lambda kv: (order.get(kv[0][0], 99), kv[0][1]))]


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "_node":
        node_process(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="2,3,5,8")
    ap.add_argument("--topologies", default="chain,mesh")
    ap.add_argument("--profile", type=int, default=None, metavar="NODE", help="sample node NODE of each run with py-spy")
    ap.add_argument("--profile-dir", default=".", help="where the collapsed stacks of --profile go")
    ap.add_argument("--messages", type=int, default=2000)
    ap.add_argument("--idle", type=float, default=10.0, help="seconds without a message before a receiver stops")
    ap.add_argument("--repeat", type=int, default=1, help="runs per topology and size (medians reported)")
    ap.add_argument("--no-write", action="store_true", help="print the table, leave BENCHMARKS.md alone")
    ap.add_argument("--save", metavar="FILE", help="append every run's result to FILE (JSON lines)")
    ap.add_argument("--load", metavar="FILE", help="no runs: build the table from results saved with --save")
    ap.add_argument("--note", metavar="FILE", help="text (Markdown) appended to the section: what the figures mean")
    ap.add_argument("--before", metavar="FILE", help="with --load: also compare with runs of an earlier version saved in FILE")
    args = ap.parse_args()
    if args.load:
        rows = load_rows(args.load, args.topologies, args.messages)
    else:
        rows = []
        for topology in args.topologies.split(","):
            for size in (int(s) for s in args.sizes.split(",")):
                runs = []
                for _ in range(args.repeat):
                    r = run(topology, size, args.messages, args.idle, args.profile, args.profile_dir)
                    print(json.dumps(r), flush=True)
                    if args.save:
                        with open(args.save, "a", encoding="utf-8") as f:
                            f.write(json.dumps(r) + "\n")
                    runs.append(r)
                rows.append(summarize(runs, args.messages))
    text = table(rows, args.messages)
    if args.load and args.before:
        text += "\n\n" + comparison(load_rows(args.before, args.topologies, args.messages), rows)
    if args.note:
        with open(args.note, encoding="utf-8") as f:
            text += "\n\n" + f.read().strip()
    print(text)
    if not args.no_write:
        replace_section("relay-scaling", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
