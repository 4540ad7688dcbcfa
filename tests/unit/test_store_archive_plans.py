"""Every store v3 query shape is an index range scan (SQLite): ``EXPLAIN QUERY PLAN`` of the
statements a query actually runs shows no full scan and no sort of the matching rows."""

from __future__ import annotations

import hashlib

import pytest

from statuscli.store.archive import StoreTimeout
from statuscli.store.archive_sqlite import SqliteArchive

P1, P2 = "/waku/2/rs/16/32", "/waku/2/rs/16/64"
CTS = ["/a/1/x/proto", "/b/1/y/proto", "/c/1/z/proto"]


def h(i: int) -> bytes:
    return hashlib.sha256(b"%d" % i).digest()


@pytest.fixture(scope="module")
def archive():
    a = SqliteArchive(":memory:")
    a.add([(h(i), P1 if i % 2 else P2, CTS[i % 3], 1_000 + i, b"d%d" % i) for i in range(3000)])
    a.conn.execute("ANALYZE")  # statistics must not be able to tempt the planner into a scan
    yield a
    a.close()


CURSOR = h(1500)
SHAPES = {
    "pubsub+content, backward": dict(pubsub_topic=P1, content_topics=CTS[:1]),
    "pubsub+content+time, forward, cursor": dict(pubsub_topic=P1, content_topics=CTS[:1], time_start=1_100, time_end=2_900, cursor=CURSOR, forward=True),
    "pubsub+3 contents, backward, cursor": dict(pubsub_topic=P1, content_topics=CTS, cursor=CURSOR),
    "content without pubsub, backward": dict(content_topics=CTS[:1]),
    "content without pubsub, forward, cursor": dict(content_topics=CTS[1:2], cursor=CURSOR, forward=True),
    "2 contents without pubsub + time": dict(content_topics=CTS[:2], time_start=1_200, time_end=1_400),
    "pubsub only, forward, cursor": dict(pubsub_topic=P2, cursor=CURSOR, forward=True),
    "pubsub + time, backward": dict(pubsub_topic=P2, time_start=1_500, time_end=2_000),
    "time range only, forward": dict(time_start=1_500, time_end=2_000, forward=True),
    "cursor only, backward": dict(cursor=CURSOR),
    "no filter": dict(),
    "hashes": dict(hashes=[h(i) for i in range(0, 3000, 30)]),
    "hashes + pubsub": dict(hashes=[h(i) for i in range(50)], pubsub_topic=P1),
    "hashes + content + time, forward, cursor": dict(hashes=[h(i) for i in range(1450, 1550)], content_topics=CTS[:1], time_start=1_000, cursor=CURSOR, forward=True),
}


def traced(archive, criteria) -> tuple[list, list[str]]:
    statements: list[str] = []
    archive.conn.set_trace_callback(statements.append)
    try:
        rows, _ = archive.query(limit=50, **criteria)
    finally:
        archive.conn.set_trace_callback(None)
    return rows, statements


@pytest.mark.parametrize("shape", list(SHAPES))
def test_every_query_shape_is_an_index_range_scan(archive, shape):
    rows, statements = traced(archive, SHAPES[shape])
    assert rows, "the shape must match something, else the plan proves little"
    assert statements
    for sql in statements:
        plan = [r[3] for r in archive.conn.execute("EXPLAIN QUERY PLAN " + sql)]
        for line in plan:
            assert "TEMP B-TREE" not in line, (shape, sql, plan)
            if "archive_messages" in line:
                ok = line.startswith("SEARCH archive_messages USING") or (
                    shape == "no filter" and line.startswith("SCAN archive_messages USING INDEX archive_by_time")
                )
                assert ok, (shape, sql, plan)


def test_plans_match_a_brute_force_answer(archive):
    """The plan rewrite changes nothing in the answers: each shape against a filter in Python."""
    rows = archive.conn.execute("SELECT hash, pubsub_topic, content_topic, timestamp, data FROM archive_messages").fetchall()
    for shape, c in SHAPES.items():
        got, _ = archive.query(limit=50, **c)
        want = [r for r in rows if (c.get("pubsub_topic") in (None, r[1])) and (not c.get("content_topics") or r[2] in c["content_topics"])
                and (not c.get("hashes") or r[0] in c["hashes"]) and r[3] >= c.get("time_start", -1) and r[3] <= c.get("time_end", 10**12)]
        want.sort(key=lambda r: (r[3], r[0]))
        if c.get("cursor"):
            key = next((r[3], r[0]) for r in rows if r[0] == c["cursor"])
            want = [r for r in want if ((r[3], r[0]) > key if c.get("forward") else (r[3], r[0]) < key)]
        want = want[:50] if c.get("forward") else want[-50:]
        assert [g[0] for g in got] == [w[0] for w in want], shape


def test_a_query_over_its_time_bound_is_stopped_with_a_store_error(archive):
    criteria = SHAPES["hashes"]
    assert archive.query(**criteria)[0]
    archive.query_timeout = -1.0  # already past the deadline at the first check
    try:
        with pytest.raises(StoreTimeout) as e:
            archive.query(content_topics=CTS, limit=100)
    finally:
        archive.query_timeout = 2.0
    assert e.value.code == "store-timeout" and e.value.exit_code == 7
    assert archive.query(content_topics=CTS, limit=100)[0]  # the connection still works


# --- PostgreSQL: the same shapes, the same guarantee -------------------------------------------
@pytest.fixture(scope="module")
def pg_archive(postgres):
    import contextlib

    from statuscli.store.archive_postgres import PostgresArchive

    a = PostgresArchive(postgres.create_database("plans"))
    a.execute_admin("TRUNCATE messages")
    a.add([(h(i), P1 if i % 2 else P2, CTS[i % 3], 1_000 + i, b"d%d" % i) for i in range(3000)])
    a.execute_admin("ANALYZE messages")
    a.recorded = []
    reading = a._reading

    class Recorder:
        def __init__(self, conn):
            self.conn = conn

        def execute(self, sql, args=None):
            a.recorded.append((sql, args))
            return self.conn.execute(sql, args)

    @contextlib.contextmanager
    def recording():
        with reading() as conn:
            yield Recorder(conn)

    a._reading = recording
    yield a
    a.close()


@pytest.mark.parametrize("shape", list(SHAPES))
def test_every_query_shape_has_an_index_range_scan_on_postgres(pg_archive, shape):
    """With sequential scans and sorts priced out, the plan of every statement a query runs has
    neither: an index serves each filter and the page order (a tiny table would otherwise make
    the planner prefer a sequential scan, which proves nothing either way)."""
    pg_archive.recorded.clear()
    rows, _ = pg_archive.query(limit=50, **SHAPES[shape])
    assert rows
    statements = list(pg_archive.recorded)
    assert statements
    with pg_archive._connection() as conn, conn.transaction():
        conn.execute("SET LOCAL enable_seqscan = off")
        conn.execute("SET LOCAL enable_sort = off")
        for sql, args in statements:
            plan = "\n".join(r[0] for r in conn.execute("EXPLAIN " + sql, args))
            assert "Seq Scan" not in plan and "Sort" not in plan, (shape, sql, plan)
            assert "Index" in plan, (shape, sql, plan)


def test_postgres_answers_match_sqlite(archive, pg_archive):
    for shape, c in SHAPES.items():
        assert pg_archive.query(limit=50, **c) == archive.query(limit=50, **c), shape


def test_a_postgres_query_over_its_time_bound_is_a_store_timeout(pg_url):
    from statuscli.store.archive_postgres import PostgresArchive

    a = PostgresArchive(pg_url, query_timeout=0.05)
    try:
        with pytest.raises(StoreTimeout):
            with a._reading() as conn:
                conn.execute("SELECT pg_sleep(1)")
        assert a.add([(h(1), P1, CTS[0], 1, b"x")]) == 1  # writes are not bound by it
        assert a.query(pubsub_topic=P1)[0]  # and the pooled connection still serves
    finally:
        a.close()
