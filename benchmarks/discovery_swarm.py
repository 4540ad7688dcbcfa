#!/usr/bin/env python3
"""How long N Discovery v5 services on 127.0.0.1 take to find each other, in one or several processes.

    .venv/bin/python benchmarks/discovery_swarm.py                      # 50, 100, 200 services; 1 and 4 processes
    .venv/bin/python benchmarks/discovery_swarm.py --services 200 --procs 4
    .venv/bin/python benchmarks/discovery_swarm.py --write              # also replace its section of BENCHMARKS.md

Set-up: N services split over P processes (each one trio loop), every service given only service
0's ENR; they join over 10 s. Each service first looks up its own id (Kademlia's join, as geth's
table refresh does: it fills the near buckets and tells the neighbours about us), then walks to a
random id every ``--walk`` seconds. All share one IP, so the per-IP WHOAREYOU limit for strangers
is lifted for the measurement.

What "find each other" means, three ways (each time = until EVERY service meets it):
* **table**: the service's routing table holds every other service Kademlia lets it hold —
  ``min(16, population)`` entries in each log-distance bucket (a bucket keeps 16 at most, so no
  service can hold all 199 others: about 70 of 199 for N = 200). With full tables every id is
  reachable by lookup; this is the criterion.
* **known**: the service has seen every other's record (stronger than Kademlia promises; random
  walks get there eventually, the old criterion, kept for comparison).
* **resolve** (checked once at the end): each service looks up the ids of 3 random others over
  the network; the share of lookups that return the target's record.
The parent samples every 0.5 s; load average (1 min) is read at the start and the end.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import select
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from markdown_section import replace_section  # noqa: E402  (benchmarks/ is on sys.path when run as a script)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

JOIN_SPREAD = 10.0
SAMPLE = 0.5
RESOLVE_PER_SERVICE = 3


# --- the child: some services in one trio loop ------------------------------------------------
def child(count: int, walk: float, offset: int, total: int) -> None:
    import trio

    from statuscli.core.crypto import secp256k1
    from statuscli.core.discv5.local_record import LocalRecord
    from statuscli.core.discv5.table import BUCKET_SIZE, log_distance
    from statuscli.core.waku.enr import decode_enr
    from statuscli.net.discv5.lookup import lookup, random_walk, self_lookup
    from statuscli.net.discv5.service import Discv5Service, Limits

    def make():
        key = secp256k1.generate_private_key(os.urandom)
        return Discv5Service(key, LocalRecord(key, 1, tcp=60000, waku2_flags=["relay"], rs=(16, [32])), limits=Limits(whoareyou_per_ip=1_000_000))

    def say(obj) -> None:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    async def walker(svc, delay: float) -> None:
        await trio.sleep(delay)
        try:
            await self_lookup(svc)
        except Exception:  # noqa: BLE001  (a benchmark keeps walking)
            pass
        while True:
            await trio.sleep(walk)
            try:
                await random_walk(svc)
            except Exception:  # noqa: BLE001
                pass

    def coverage(svc, ids: list[bytes]) -> float:
        population: dict[int, int] = {}
        for other in ids:
            if other != svc.node_id:
                d = log_distance(svc.node_id, other)
                population[d] = population.get(d, 0) + 1
        want = sum(min(BUCKET_SIZE, n) for n in population.values())
        have = sum(min(len(svc.table.buckets[d]), min(BUCKET_SIZE, n)) for d, n in population.items())
        return have / want

    async def main() -> None:
        svcs = [make() for _ in range(count)]
        async with trio.open_nursery() as nursery:
            for s in svcs:
                await nursery.start(s.serve)
            say({"enrs": [s.enr.text for s in svcs]})
            cmd = json.loads(await trio.to_thread.run_sync(sys.stdin.readline))
            boot = decode_enr(cmd["boot"])
            ids = [bytes.fromhex(x) for x in cmd["ids"]]
            for i, s in enumerate(svcs):
                if s.node_id != boot.node_id:
                    s.add_bootstrap(boot)
                    nursery.start_soon(walker, s, (offset + i) * JOIN_SPREAD / total)

            async def report() -> None:
                while True:
                    await trio.sleep(SAMPLE)
                    others = set(ids)
                    say({"known": [len(others.intersection(s.known.keys())) for s in svcs], "table": [coverage(s, ids) for s in svcs],
                         "timeouts": sum(s.counters["requests.timeout"] for s in svcs),
                         "packets": sum(s.counters["packets.in"] for s in svcs),
                         "handshakes": sum(s.counters["handshakes.accepted"] for s in svcs),
                         "counters": dict(sum((s.counters for s in svcs), Counter()))})  # fmt: skip

            nursery.start_soon(report)
            line = await trio.to_thread.run_sync(sys.stdin.readline)  # "resolve" (or EOF: stop)
            if line.strip() == "resolve":
                rng = random.Random(offset)
                result = {"resolved": 0, "tried": 0}

                async def resolve(s, target) -> None:
                    result["tried"] += 1
                    try:
                        found = await lookup(s, target)
                    except Exception:  # noqa: BLE001
                        found = []
                    result["resolved"] += any(e.node_id == target for e in found)

                async with trio.open_nursery() as lookups:  # every service's lookups at once, as a network would
                    for s in svcs:
                        for target in rng.sample([x for x in ids if x != s.node_id], RESOLVE_PER_SERVICE):
                            lookups.start_soon(resolve, s, target)
                say(result)
                await trio.to_thread.run_sync(sys.stdin.readline)
            nursery.cancel_scope.cancel()

    trio.run(main)


# --- the parent -------------------------------------------------------------------------------
def swarm(n: int, procs: int, walk: float, cap: float) -> dict:
    sizes = [n // procs + (1 if i < n % procs else 0) for i in range(procs)]
    offsets = [sum(sizes[:i]) for i in range(procs)]
    kids = [subprocess.Popen([sys.executable, __file__, "--child", str(c), str(walk), str(o), str(n)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True, bufsize=1) for c, o in zip(sizes, offsets)]  # fmt: skip
    out: dict = {"n": n, "procs": procs, "walk": walk, "load_start": os.getloadavg()[0]}
    try:
        enrs = [json.loads(k.stdout.readline())["enrs"] for k in kids]
        from statuscli.core.waku.enr import decode_enr

        ids = [decode_enr(e).node_id.hex() for group in enrs for e in group]
        cmd = json.dumps({"boot": enrs[0][0], "ids": ids}) + "\n"
        for k in kids:
            k.stdin.write(cmd)
            k.stdin.flush()
        t0 = time.monotonic()
        latest: dict[int, dict] = {}
        marks = {f"{what}{frac}": None for what in ("table", "known") for frac in (50, 95, 100)}
        others = n - 1
        next_progress = 10.0
        while time.monotonic() - t0 < cap and (marks["table100"] is None or marks["known100"] is None):
            ready, _, _ = select.select([k.stdout for k in kids], [], [], 1.0)
            for f in ready:
                i = next(j for j, k in enumerate(kids) if k.stdout is f)
                line = f.readline()
                if not line:
                    raise RuntimeError(f"child {i} exited")
                latest[i] = json.loads(line)
            if len(latest) < procs:
                continue
            tables = [x for r in latest.values() for x in r["table"]]
            known = [x / others for r in latest.values() for x in r["known"]]
            now = time.monotonic() - t0
            if now >= next_progress:  # on stderr, so a run cut short still tells where it was
                next_progress += 10.0
                print(f"  {n}x{procs} t={now:.0f}s table worst/median {min(tables):.2f}/{sorted(tables)[len(tables) // 2]:.2f} "
                      f"known worst/median {min(known):.2f}/{sorted(known)[len(known) // 2]:.2f} load {os.getloadavg()[0]:.1f}", file=sys.stderr, flush=True)  # fmt: skip
            for frac in (50, 95, 100):
                if marks[f"table{frac}"] is None and min(tables) >= frac / 100:
                    marks[f"table{frac}"] = now
                if marks[f"known{frac}"] is None and min(known) >= frac / 100:
                    marks[f"known{frac}"] = now
        out["elapsed"] = time.monotonic() - t0
        out["load_end"] = os.getloadavg()[0]
        out["marks"] = marks
        out["worst_table"], out["median_table"] = min(tables), sorted(tables)[len(tables) // 2]
        out["worst_known"], out["median_known"] = min(known), sorted(known)[len(known) // 2]
        out["timeouts"] = sum(r["timeouts"] for r in latest.values())
        out["packets"] = sum(r["packets"] for r in latest.values())
        out["handshakes"] = sum(r["handshakes"] for r in latest.values())
        out["counters"] = dict(sum((Counter(r["counters"]) for r in latest.values()), Counter()))
        for k in kids:
            k.stdin.write("resolve\n")
            k.stdin.flush()
        resolved = tried = 0
        for k in kids:
            while True:
                r = json.loads(k.stdout.readline())
                if "resolved" in r:
                    resolved, tried = resolved + r["resolved"], tried + r["tried"]
                    break
        out["resolved"], out["tried"] = resolved, tried
    finally:
        for k in kids:
            try:
                k.stdin.close()
            except OSError:
                pass
        for k in kids:
            try:
                k.wait(10)
            except subprocess.TimeoutExpired:
                k.kill()
                k.wait()
    return out


def row(r: dict) -> str:
    def t(key):
        x = r["marks"][key]
        return "—" if x is None else f"{x:.1f}"

    return (f"| {r['n']} | {r['procs']} | {t('table50')} / {t('table95')} / {t('table100')} | {t('known50')} / {t('known95')} / {t('known100')} | "
            f"{100 * r['resolved'] / max(1, r['tried']):.1f} % of {r['tried']} | {100 * r['worst_table']:.0f} % / {100 * r['worst_known']:.0f} % "
            f"(median {100 * r['median_table']:.0f} % / {100 * r['median_known']:.0f} %) after {r['elapsed']:.0f} s | "
            f"{r['packets']:,} / {r['handshakes']:,} / {r['timeouts']:,} | {r['load_start']:.1f} → {r['load_end']:.1f} |")  # fmt: skip


HEAD = [
    "| services | processes | table full (Kademlia's share) 50 / 95 / 100 %, s | all records known 50 / 95 / 100 %, s | lookups resolved at the end |"
    " worst (median) service then: table / known | packets / handshakes / request timeouts | load avg (1 min) start → end |",
    "|---:|---:|---|---|---|---|---|---|",
]


NOTES = """
**200 services on a quiet machine** (the benchmark alone, `--services 200 --procs 1 4 --cap 240`; same columns, '—' = not
reached within 240 s), before (15:32 UTC) and after (18:13 UTC, f08debe) a table entry is evicted only after 3 unanswered
liveness PINGs instead of one:

| services | processes | eviction | table full (Kademlia's share) 50 / 95 / 100 %, s | all records known 50 / 95 / 100 %, s | lookups resolved at the end | worst (median) service then: table / known | packets / handshakes / request timeouts | load avg (1 min) start → end |
|---:|---:|---|---|---|---|---|---|---|
| 200 | 1 | 1 PING | 109.7 / — / — | 83.8 / 172.9 / — | 63.3 % of 600 | 93 % / 98 % (median 100 % / 100 %) after 241 s | 725,856 / 19,943 / 7,183 | 3.4 → 1.0 |
| 200 | 1 | 3 PINGs | 121.5 / 214.1 / 227.2 | 88.0 / 177.0 / — | 44.0 % of 600 | 100 % / 99 % (median 100 % / 100 %) after 240 s | 814,760 / 19,962 / 2,043 | 0.6 → 1.1 |
| 200 | 4 | 1 PING | 16.5 / 69.1 / 119.3 | 21.7 / 62.1 / 105.9 | 97.0 % of 600 | 100 % / 100 % (median 100 % / 100 %) after 119 s | 770,795 / 19,920 / 915 | 1.0 → 3.1 |
| 200 | 4 | 3 PINGs | 13.4 / 52.0 / 106.1 | 20.6 / 53.6 / 104.1 | 99.7 % of 600 | 100 % / 100 % (median 100 % / 100 %) after 106 s | 686,502 / 19,899 / 0 | 1.1 → 2.4 |

With three PINGs every service's table is full in one process too (at 227 s; before, the worst had 93 % after 240 s), and
in four processes 13 s sooner with no request timing out. Liveness checks kept 60 015 of 60 186 nodes checked in one process
(131 evicted) and 58 706 of 58 716 in four (none evicted). In one process the 600 lookups started at once at the end
resolved 44 % (63 % before): one loop answering its own 600 simultaneous lookups after 240 s of walking times them out;
in four processes 99.7 %.

Why 200 services did not find each other before (50 in 25.8 s, 200 in one process: median 54 % known after 300 s), found with
this script's counters and a profile of 50 services in one loop:
* **Handshakes collapsed under load** (the main cause): a requester that re-sends before our WHOAREYOU reaches it gets two
  challenges and answers both; the service kept only the newest, so the older answer failed its id-signature check and — the
  challenge deleted before verifying — the right answer was refused as unsolicited (200 × 4 processes, 40 s: 575 bad
  signatures, 291 refused handshakes, 1 226 accepted). Now the last 3 challenges per node are kept (net test).
* **CPU per packet**: encoding a NODES answer decoded every record and re-encoded it, decoding one did it again (RLP was most
  of the profile); records now travel as the signed bytes they are. Unmasking set up two AES-CTR contexts per packet; a cached
  block cipher now makes the key stream.
* **Load**: all services of a process share one trio loop, and the machine is shared (load average in the table): every
  service first asks the one bootstrap node, whose process falls behind the 1 s request timeout; late NODES answers are still
  learned, but tables (filled only by peers that answered in time or handshook with us) stay near empty until the load
  drops. Runs here started under load 9–17 from other developers' benchmarks, so the times are upper bounds.
* **What is left** (200 services): the tail. Under load, requests miss the 1 s timeout (200 × 4: 31 188 timeouts, 59 179 NODES
  answers arriving late) and a full bucket's liveness PING that timed out evicted a live node (9 043 evictions), so the last
  services' tables filled slowly. Since then a node is evicted only after 3 spaced PINGs all went unanswered, one check per
  node at a time (net/discv5/liveness.py): see the quiet runs above. Longer or adaptive request timeouts are the next
  step; not done here.
* **What "find each other" can mean**: a k-bucket holds 16, so with 200 services a table holds about 70 of the 199 others;
  "table full" is that Kademlia limit, and every id is then reachable by lookup. "All records known" is stronger than Kademlia
  promises (random walks see everyone eventually). "Lookups resolved" is the share of lookups for random ids that returned the
  target, all services looking up at once at the end (under the same load and 1 s timeouts)."""


def render(results: list[dict], walk: float, cap: float) -> str:
    head = f"{os.cpu_count()} cores shared with other work; walk every {walk:g} s after a self-lookup; '—' = not reached within {cap:.0f} s."
    return "\n".join([head, "", *HEAD, *(row(r) for r in results), NOTES])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--services", type=int, nargs="*", default=[50, 100, 200])
    ap.add_argument("--procs", type=int, nargs="*", default=[1, 4])
    ap.add_argument("--walk", type=float, default=2.0, help="seconds between random walks (after the self-lookup)")
    ap.add_argument("--cap", type=float, default=240.0, help="give up after this many seconds per run")
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--render", metavar="LOG", help="render the results (JSON lines) a run printed on stderr, instead of running")
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(int(args.child[0]), float(args.child[1]), int(args.child[2]), int(args.child[3]))
        return 0
    if args.render:
        lines = Path(args.render).read_text(encoding="utf-8").splitlines()
        results = [json.loads(x) for x in lines if x.startswith('{"n"')]
    else:
        results = []
        for n in args.services:
            for p in args.procs:
                r = swarm(n, p, args.walk, args.cap)
                print(json.dumps(r), file=sys.stderr, flush=True)
                results.append(r)
    text = render(results, args.walk, args.cap)
    print(text)
    if args.write:
        replace_section("discovery-swarm", f"## Discovery v5 services finding each other (`benchmarks/discovery_swarm.py`)\n\n{text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
