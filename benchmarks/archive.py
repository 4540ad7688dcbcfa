"""Store archive growth: one page per store v3 query shape at 10 k / 100 k / 1 M messages (and
10 M on PostgreSQL with --pg-sizes), inserts per second, both backends side by side in one run.

    .venv/bin/python benchmarks/archive.py                       # SQLite + PostgreSQL, default sizes
    .venv/bin/python benchmarks/archive.py --pg-sizes 10000,1000000,10000000 --write

PostgreSQL: a throw-away server (initdb in a temporary folder, Unix socket) started and stopped
by the script, as in the tests. Archives are rebuilt only when missing (kept in --folder).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from markdown_section import replace_section  # noqa: E402

TOPICS = ("/waku/2/rs/16/32", "/waku/2/rs/16/64")
CTS = tuple(f"/bench/1/{c}/proto" for c in "abcdefgh")
BASE_TS = 1_700_000_000_000_000_000
DATA = b"\x0a\x64" + bytes(100) + b"\x12\x10/bench/1/a/proto"


def rows(start: int, n: int, salt: bytes = b""):
    import hashlib

    for i in range(start, start + n):
        h = hashlib.sha256(salt + i.to_bytes(8, "big")).digest()
        yield (h, TOPICS[i % 2], CTS[i % len(CTS)], BASE_TS + i * 1_000_000, DATA)


def fill(archive, n: int, batch: int = 50_000) -> float:
    have = archive.count()
    if have == n:
        return 0.0
    if have:
        raise SystemExit(f"{archive.url} holds {have} messages, not {n}: remove it")
    t = time.perf_counter()
    for start in range(0, n, batch):
        archive.add(list(rows(start, min(batch, n - start))))
    return time.perf_counter() - t


def fill_pg_bulk(archive, n: int) -> float:
    """The same rows as :func:`rows`, generated inside PostgreSQL (one INSERT … SELECT over
    generate_series, indexes built afterwards): 10 M rows in minutes instead of an hour."""
    have = archive.count()
    if have == n:
        return 0.0
    if have:
        raise SystemExit(f"{archive.url} holds {have} messages, not {n}: remove it")
    t = time.perf_counter()
    topics = "ARRAY[" + ",".join(f"'{x}'" for x in TOPICS) + "]"
    cts = "ARRAY[" + ",".join(f"'{x}'" for x in CTS) + "]"
    with archive._unbounded() as conn:
        for idx in ("messages_by_time", "messages_by_pubsub", "messages_by_topics"):
            conn.execute(f"DROP INDEX IF EXISTS {idx}")
        conn.execute(
            "INSERT INTO messages (message_hash, pubsub_topic, content_topic, timestamp, payload, meta, version, raw) "
            f"SELECT sha256(int8send(i)), ({topics})[i %% 2 + 1], ({cts})[i %% {len(CTS)} + 1], %s + i * 1000000, "
            "decode(repeat('00', 100), 'hex'), NULL, NULL, %s FROM generate_series(0::bigint, %s::bigint) AS i",
            (BASE_TS, DATA, n - 1),
        )
        from statuscli.store.archive_postgres import _SCHEMA

        for statement in _SCHEMA[1:]:
            conn.execute(statement)
        conn.execute("VACUUM ANALYZE messages")
    return time.perf_counter() - t


def timed(fn, reps: int) -> list[float]:
    out = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def shapes(n: int) -> dict:
    import hashlib

    mid = n // 2
    cursor = hashlib.sha256(mid.to_bytes(8, "big")).digest()
    t_mid = BASE_TS + mid * 1_000_000
    some = [hashlib.sha256(i.to_bytes(8, "big")).digest() for i in range(0, n, max(1, n // 10))][:10]
    return {
        "pubsub + content topic, newest 20": dict(pubsub_topic=TOPICS[0], content_topics=[CTS[0]], limit=20),
        "pubsub + content topic, cursor, 100": dict(pubsub_topic=TOPICS[0], content_topics=[CTS[0]], cursor=cursor, limit=100),
        "content topic, no pubsub topic, 20": dict(content_topics=[CTS[1]], limit=20),
        "3 content topics, no pubsub, cursor fwd, 100": dict(content_topics=list(CTS[:3]), cursor=cursor, forward=True, limit=100),
        "content topic + 1 s time range, 20": dict(pubsub_topic=TOPICS[0], content_topics=[CTS[2]], time_start=t_mid, time_end=t_mid + 10**9),
        "pubsub only, cursor fwd, 100": dict(pubsub_topic=TOPICS[1], cursor=cursor, forward=True, limit=100),
        "time range only, 20": dict(time_start=t_mid, time_end=t_mid + 10**9, forward=True),
        "10 hashes + pubsub topic": dict(hashes=some, pubsub_topic=TOPICS[0]),
    }


def bench_queries(archive, n: int, reps: int) -> dict:
    cases = shapes(n)
    for c in cases.values():  # warm caches
        archive.query(**c)
    return {name: statistics.median(timed(lambda c=c: archive.query(**c), reps)) for name, c in cases.items()}


def bench_queries_writing(archive, make, n: int, reps: int) -> tuple[dict, float]:
    """:func:`bench_queries` while two more nodes (threads, each its own archive object on the
    same database) write batches of 1 000 as fast as they can; returns (medians, inserts/s)."""
    import threading

    stop = threading.Event()
    written = [0]

    def writer(k: int) -> None:
        a = make()
        start = 50_000_000 + k * 20_000_000
        try:
            while not stop.is_set():
                a.add(list(rows(start, 1000, salt=b"w%d" % k)))
                start += 1000
                written[0] += 1000
        finally:
            a.close()

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(2)]
    for th in threads:
        th.start()
    try:
        time.sleep(0.5)
        t = time.perf_counter()
        before = written[0]
        res = bench_queries(archive, n, reps)
        rate = (written[0] - before) / (time.perf_counter() - t)
    finally:
        stop.set()
        for th in threads:
            th.join()
    return res, rate


def bench_inserts(make, total: int = 20_000, batch: int = 1000, writers: int = 1) -> float:
    """Archive writes per second per node (batches of ``batch``, as the node writes), with
    ``writers`` nodes (threads, each its own archive object) writing into one database."""
    import threading

    archives = [make() for _ in range(writers)]
    errors = []

    def run(k: int, a) -> None:
        try:
            for start in range(0, total, batch):
                a.add(list(rows(start, batch, salt=b"ins%d-%d" % (k, os.getpid()))))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    t = time.perf_counter()
    threads = [threading.Thread(target=run, args=(k, a)) for k, a in enumerate(archives)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    dt = time.perf_counter() - t
    for a in archives:
        a.close()
    if errors:
        raise errors[0]
    return total / dt


def pings_while(sock: str, busy, seconds_max: float = 120.0) -> tuple[list[float], float]:
    """Control-socket round trips (``peers``) every 5 ms while ``busy()`` is true; (latencies, wall)."""
    from statuscli.net.control_client import ControlClient

    out = []
    t0 = time.perf_counter()
    with ControlClient(sock, timeout=60) as c:
        while busy() and time.perf_counter() - t0 < seconds_max:
            t = time.perf_counter()
            c.call("peers")
            out.append(time.perf_counter() - t)
            time.sleep(0.005)
    return out, time.perf_counter() - t0


def bench_loop(db: Path, n: int) -> dict:
    """A node on a copy of the ``n``-message archive: ping its control socket during heavy store
    queries (the slowest shapes, back to back from 4 threads), then during retention pruning
    every one of the ``n`` messages."""
    import shutil
    import threading

    from statuscli.net.control_client import ControlClient
    from tests.e2e.conftest import start_node, stop_process

    out = {}
    work = Path(tempfile.mkdtemp(prefix="bench-loop-", dir=db.parent))
    copy = work / "store.sqlite"
    shutil.copy(db, copy)
    cases = shapes(n)
    heavy = [cases["3 content topics, no pubsub, cursor fwd, 100"], cases["content topic, no pubsub topic, 20"], cases["10 hashes + pubsub topic"]]

    proc, rec = start_node(work / "q", "--store-db", str(copy), "--store-retention", "none")
    try:
        sock = rec["control_socket"]
        idle, _ = pings_while(sock, lambda c=[0]: (c.__setitem__(0, c[0] + 1) or c[0] <= 400))
        stop = threading.Event()
        done, limited = [0], [0]

        def query_loop() -> None:
            # raw store v3 requests, as any remote peer may send them (our own client insists
            # on a pubsub topic with content topics; a stranger need not)
            import trio

            from statuscli.net import codecs
            from statuscli.net.node import WakuNode
            from statuscli.net.node_config import NodeConfig
            from statuscli.net.streams import request
            from statuscli.pb import waku_store_pb2 as spb

            async def main() -> None:
                async with WakuNode(NodeConfig(mode="light", listen=[], shards=[])) as light:
                    pid = await light.connect(rec["multiaddrs"][0])

                    async def client() -> None:
                        while not stop.is_set():
                            for q in heavy:
                                req = spb.StoreQueryRequest(request_id="b", include_data=True, pagination_forward=q.get("forward", False),
                                                            content_topics=q.get("content_topics", []), message_hashes=q.get("hashes", []))
                                for k, f in (("pubsub_topic", "pubsub_topic"), ("cursor", "pagination_cursor"), ("limit", "pagination_limit")):
                                    if k in q:
                                        setattr(req, f, q[k])
                                resp = spb.StoreQueryResponse.FromString(await request(light.host.host, pid, codecs.STORE_V3, req.SerializeToString(), limit=1 << 24, timeout=60))
                                if resp.status_code == 429:  # the node's per-peer rate limit: as fast as it lets us
                                    limited[0] += 1
                                    await trio.sleep(0.01)
                                    continue
                                assert resp.status_code == 200, resp.status_desc
                                done[0] += 1

                    async with trio.open_nursery() as nursery:
                        for _ in range(4):
                            nursery.start_soon(client)

            trio.run(main)

        threads = [threading.Thread(target=query_loop)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 60
        while done[0] < 4 and time.monotonic() < deadline and threads[0].is_alive():
            time.sleep(0.05)  # the light client is connected and querying
        busy, wall = pings_while(sock, lambda c=[0]: (c.__setitem__(0, c[0] + 1) or c[0] <= 800))
        stop.set()
        for t in threads:
            t.join()
        out["idle"] = idle
        out["queries"] = (busy, done[0] / wall, limited[0])
    finally:
        stop_process(proc)
    proc, rec = start_node(work / "p", "--store-db", str(copy), "--store-retention", "time:60")
    try:
        log = work / "p" / "node.log"
        pruned = lambda: b"retention removed" in log.read_bytes()  # noqa: E731
        lat, wall = pings_while(rec["control_socket"], lambda: not pruned(), seconds_max=600)
        out["prune"] = (lat, wall)
    finally:
        stop_process(proc)
    shutil.rmtree(work, ignore_errors=True)
    return out


def p(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def ms(x: float) -> str:
    return f"{x * 1000:.2f} ms"


def table(title: str, results: list[tuple[int, dict]], writing: tuple[dict, float] | None = None) -> list[str]:
    extra = f" | {results[-1][0]:,}, two nodes writing" if writing else ""
    lines = [title, "", "| query | " + " | ".join(f"{n:,}" for n, _ in results) + " | largest ÷ smallest" + extra + " |",
             "|---|" + "---:|" * (len(results) + 1 + bool(writing))]  # fmt: skip
    for name in results[0][1]:
        cells = [ms(r[name]) for _, r in results]
        tail = f" | {ms(writing[0][name])}" if writing else ""
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {results[-1][1][name] / results[0][1][name]:.2f}{tail} |")
    if writing:
        lines += ["", f"Two nodes writing: {writing[1]:,.0f} inserts/s into the same database while the queries ran."]
    worst = max(results[-1][1].values())
    lines += ["", f"Slowest page at {results[-1][0]:,}: {ms(worst)} (target ≤ 10 ms: {'met' if worst <= 0.010 else '**not met**'}).", ""]
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000,100000,1000000", help="SQLite archive sizes")
    ap.add_argument("--pg-sizes", default="10000,100000,1000000", help="PostgreSQL archive sizes ('' to skip PostgreSQL)")
    ap.add_argument("--pg-bulk-from", type=int, default=2_000_000, help="PostgreSQL archives this large are generated in SQL")
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--folder", default=tempfile.gettempdir())
    ap.add_argument("--loop", type=int, default=1_000_000, help="archive size for the event-loop test (0: skip)")
    ap.add_argument("--write", action="store_true", help="replace the archive section of BENCHMARKS.md")
    args = ap.parse_args()
    from statuscli.store.archive_sqlite import SqliteArchive

    folder = Path(args.folder)
    out = [f"CPython {sys.version.split()[0]} on {os.cpu_count()} CPU(s), {time.strftime('%Y-%m-%d')}; medians of {args.reps} queries on a warm archive.", ""]
    results, builds = [], []
    sizes = [int(x) for x in args.sizes.split(",")] if args.sizes else []
    writing = None
    for n in sizes:
        path = folder / f"bench-archive-{n}.sqlite"
        a = SqliteArchive(path)
        builds.append((n, fill(a, n)))
        results.append((n, bench_queries(a, n, args.reps)))
        if n == sizes[-1]:
            for suffix in ("", "-wal", "-shm"):
                Path(str(folder / "bench-archive-writing.sqlite") + suffix).unlink(missing_ok=True)
            with a._connection() as src, sqlite3.connect(folder / "bench-archive-writing.sqlite") as dst:
                src.backup(dst)  # a consistent copy (the WAL included) to write into
            w = SqliteArchive(folder / "bench-archive-writing.sqlite")
            writing = bench_queries_writing(w, lambda: SqliteArchive(folder / "bench-archive-writing.sqlite"), n, args.reps)
            w.close()
            for suffix in ("", "-wal", "-shm"):
                Path(str(folder / "bench-archive-writing.sqlite") + suffix).unlink(missing_ok=True)
        a.close()
        print(f"sqlite {n}: {results[-1][1]}", file=sys.stderr)
    if results:
        out += table("**SQLite**: one page per query shape (store v3 `Archive.query`)", results, writing)
    if args.loop:
        loop = bench_loop(folder / f"bench-archive-{args.loop}.sqlite", args.loop)
        q, qrate, qlimited = loop["queries"]
        pr, pwall = loop["prune"]
        out += [f"**The node keeps serving** (`node run` on a copy of the {args.loop:,}-message archive; a control-socket request every 5 ms; target p99 ≤ 20 ms):", "",
                "| while | requests | median | p99 | max |", "|---|---:|---:|---:|---:|"]
        for name, xs in (("idle", loop["idle"]), (f"a remote peer sending the heaviest store query shapes back to back, 4 at a time ({qrate:,.0f} pages/s answered, {qlimited} more refused by the per-peer rate limit)", q),
                         (f"retention pruning all {args.loop:,} messages (1 000 per transaction; {pwall:.0f} s)", pr)):
            out.append(f"| {name} | {len(xs)} | {ms(statistics.median(xs))} | {ms(p(xs, 0.99))} | {ms(max(xs))} |")
        out += ["", "Before (issue 14, same machine class): pings stalled 355 ms during one query; pruning 1 M expired messages blocked the node ~17 s.", ""]
    ins_dir = Path(tempfile.mkdtemp(prefix="bench-ins-", dir=folder))
    sq1 = bench_inserts(lambda: SqliteArchive(ins_dir / "one.sqlite"))
    sq2 = bench_inserts(lambda: SqliteArchive(ins_dir / "two.sqlite"), writers=2)
    inserts = {"SQLite": (sq1, sq2)}
    if args.pg_sizes:
        from tests.postgres_server import PostgresServer

        with PostgresServer() as pg:
            from statuscli.store.archive_postgres import PostgresArchive

            results = []
            pg_sizes = [int(x) for x in args.pg_sizes.split(",")]
            pg_writing = None
            for n in pg_sizes:
                url = pg.create_database(f"bench_{n}")
                a = PostgresArchive(url)
                builds.append((f"pg {n}", fill(a, n) if n < args.pg_bulk_from else fill_pg_bulk(a, n)))
                a.execute_admin("ANALYZE messages")
                results.append((n, bench_queries(a, n, args.reps)))
                if n == pg_sizes[-1]:
                    pg_writing = bench_queries_writing(a, lambda url=url: PostgresArchive(url), n, args.reps)
                a.close()
                print(f"postgres {n}: {results[-1][1]}", file=sys.stderr)
            out += table("**PostgreSQL**: the same shapes", results, pg_writing)
            url = pg.create_database("bench_inserts")
            pg1 = bench_inserts(lambda: PostgresArchive(url))
            pg2 = bench_inserts(lambda: PostgresArchive(url), writers=2)
            inserts["PostgreSQL"] = (pg1, pg2)
    out += ["**Archive inserts** (batches of 1 000 as the node writes them, 20 000 messages per node; target ≥ 5 000/s per node):", "",
            "| backend | one node | per node, two nodes writing one database |", "|---|---:|---:|"]
    for name, (one, two) in inserts.items():
        out.append(f"| {name} | {one:,.0f}/s | {two:,.0f}/s |")
    out += ["", "Archive builds: " + ", ".join(f"{n}: {s:.1f} s" for n, s in builds if s) + "." if any(s for _, s in builds) else ""]
    text = "\n".join(out).rstrip() + "\n"
    print(text)
    if args.write:
        replace_section("archive", f"## Store archive (`benchmarks/archive.py`)\n\n{text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
