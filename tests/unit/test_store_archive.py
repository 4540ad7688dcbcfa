"""The store archive, both backends (SQLite; PostgreSQL on a real server the tests start):
paging rules, filters, retention, persistence."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from statuscli.core.errors import InvalidInput
from statuscli.store.archive import Archive, Retention, UnknownCursor, page_size

P1, P2 = "/waku/2/rs/16/32", "/waku/2/rs/16/64"


def row(i: int, *, topic: str = P1, ct: str = "/a/1/x/proto", ts: int | None = None):
    h = hashlib.sha256(b"%d" % i).digest()
    return (h, topic, ct, 1_000 + i if ts is None else ts, b"data-%d" % i)


def all_pages(a: Archive, *, forward: bool, limit: int, **kw) -> list[list[bytes]]:
    pages, cursor = [], None
    while True:
        rows, cursor = a.query(cursor=cursor, forward=forward, limit=limit, **kw)
        if rows:
            pages.append([r[0] for r in rows])
        if cursor is None:
            return pages


def test_page_size_rule():
    assert [page_size(x) for x in (None, 0, -5, 1, 20, 100, 101, 10**9)] == [20, 20, 20, 1, 20, 100, 100, 100]


def test_add_is_idempotent_and_counts(archive_factory):
    a = archive_factory()
    assert a.add([row(i) for i in range(10)]) == 10
    assert a.add([row(i) for i in range(5, 15)]) == 5
    assert a.count() == 15
    assert a.get(row(3)[0]) == (P1, b"data-3")
    assert a.get(b"\x00" * 32) is None


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    timestamps=st.lists(st.integers(0, 30), min_size=0, max_size=60),
    limit=st.integers(1, 12),
    forward=st.booleans(),
)
def test_paging_visits_every_message_once_in_store_order(archive_factory, timestamps, limit, forward):
    """Equal timestamps are ordered by hash; pages are ascending inside; cursors are exclusive."""
    a = archive_factory()
    rows = [row(i, ts=t) for i, t in enumerate(timestamps)]
    a.add(rows)
    expected = [r[0] for r in sorted(rows, key=lambda r: (r[3], r[0]))]
    pages = all_pages(a, forward=forward, limit=limit)
    for p in pages:
        assert p == sorted(p, key=lambda h: expected.index(h))
        assert len(p) <= limit
    flat = [h for p in (pages if forward else reversed(pages)) for h in p]
    assert flat == expected


def test_filters_are_anded(archive_factory):
    a = archive_factory()
    a.add([row(i, topic=P1 if i % 2 else P2, ct="/a/1/x/proto" if i % 3 else "/b/1/y/proto") for i in range(60)])
    rows, _ = a.query(pubsub_topic=P1, content_topics=["/b/1/y/proto"], forward=True, limit=100)
    assert [r[2] for r in rows] == [b"data-%d" % i for i in range(60) if i % 2 and not i % 3]
    rows, _ = a.query(pubsub_topic=P1, content_topics=["/b/1/y/proto", "/a/1/x/proto"], forward=True, limit=100)
    assert len(rows) == 30
    rows, _ = a.query(time_start=1_010, time_end=1_012, forward=True)  # end inclusive
    assert [r[2] for r in rows] == [b"data-10", b"data-11", b"data-12"]
    rows, _ = a.query(hashes=[row(4)[0], row(5)[0]], pubsub_topic=P1)
    assert [r[2] for r in rows] == [b"data-5"]


def test_multi_topic_merge_pages_across_topics(archive_factory):
    a = archive_factory()
    a.add([row(i, ct=f"/t/1/{i % 3}/proto") for i in range(90)])
    pages = all_pages(a, forward=False, limit=7, pubsub_topic=P1, content_topics=["/t/1/0/proto", "/t/1/2/proto"])
    flat = [h for p in reversed(pages) for h in p]
    assert flat == [row(i)[0] for i in range(90) if i % 3 != 1]


def test_bad_queries(archive_factory):
    a = archive_factory()
    a.add([row(1)])
    with pytest.raises(UnknownCursor):
        a.query(cursor=b"\x02" * 32)
    with pytest.raises(InvalidInput):
        a.query(content_topics=[f"/{i}" for i in range(101)])
    with pytest.raises(InvalidInput):
        a.query(hashes=[b"x"] * 101)


def test_retention_by_time_and_count(archive_factory):
    a = archive_factory(retention=Retention(seconds=10))
    now = 100 * 10**9
    a.add([row(i, ts=i * 10**9) for i in range(100)])  # timestamps 0..99 s
    assert a.prune(now_ns=now) == 90  # older than 90 s
    assert a.count() == 10
    b = archive_factory(retention=Retention(seconds=None, max_messages=25))
    b.add([row(i) for i in range(100)])
    assert b.prune() == 75
    rows, _ = b.query(forward=True, limit=100)
    assert [r[2] for r in rows] == [b"data-%d" % i for i in range(75, 100)]  # the newest stay


def test_survives_reopen(tmp_path):
    path = tmp_path / "store.sqlite"
    a = Archive(path)
    a.add([row(i) for i in range(40)])
    a.close()
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    b = Archive(path)
    assert b.count() == 40
    assert b.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    names = {r[0] for r in b.conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"archive_by_time", "archive_by_pubsub", "archive_by_topics"} <= names
    b.close()


def test_retention_by_size_keeps_the_newest_within_the_bound(archive_factory):
    a = archive_factory(retention=Retention.parse(["size:1"]))
    big = bytes(1000)
    a.add([(*row(i)[:4], big + b"%d" % i) for i in range(3000)])  # ~3 MB of messages
    assert a._data_bytes() > 1_000_000
    deleted = a.prune(batch=100)
    assert deleted > 0 and a._data_bytes() <= 1_000_000
    rows, _ = a.query(forward=False, limit=5)
    assert [r[2] for r in rows] == [big + b"%d" % i for i in range(2995, 3000)]  # the newest stay
    assert a.count() == 3000 - deleted


def test_prune_goes_in_small_batches_and_can_be_stopped(archive_factory):
    a = archive_factory(retention=Retention(seconds=1))
    a.add([row(i, ts=i) for i in range(50)])  # all long expired
    calls = []

    def stop() -> bool:
        calls.append(a.count())
        return len(calls) > 3

    assert a.prune(batch=7, should_stop=stop) == 21  # three batches, then told to stop
    assert calls[:3] == [50, 43, 36]
    assert a.prune(batch=7) == 29 and a.count() == 0


def test_retention_policies_parse_as_nwaku_spells_them():
    assert Retention.parse([]) == Retention(seconds=30 * 86400)
    assert Retention.parse(["time:3600", "capacity:1000", "size:20"]) == Retention(3600, 1000, 20_000_000)
    assert Retention.parse(["none"]) == Retention(None, None, None)
    assert Retention.parse(["capacity:5"]).describe() == ["capacity:5"]
    for bad in ("time:", "days:3", "size:-1", "capacity:0", "time:1h"):
        with pytest.raises(InvalidInput):
            Retention.parse([bad])


def test_answers_are_the_relayed_bytes_whatever_their_encoding(archive_factory):
    """PostgreSQL keeps fields, not bytes: a message whose fields re-encode differently (here an
    explicit empty meta, a rate-limit proof) still comes back byte for byte."""
    from statuscli.core.waku.message import WakuMessage, encode, message_hash

    msgs = [
        WakuMessage(payload=b"plain", content_topic="/a/1/x/proto", version=0, timestamp=5),
        WakuMessage(payload=b"meta", content_topic="/a/1/x/proto", version=1, timestamp=6, meta=b"", ephemeral=False),
        WakuMessage(payload=b"rln", content_topic="/a/1/x/proto", timestamp=7, rate_limit_proof=b"\x01\x02"),
        WakuMessage(payload=b"", content_topic="/a/1/x/proto"),
    ]
    a = archive_factory()
    rows = [(message_hash(P1, m), P1, m.content_topic, m.timestamp or 0, encode(m)) for m in msgs]
    a.add(rows)
    got, _ = a.query(pubsub_topic=P1, forward=True, limit=10)
    assert sorted(r[2] for r in got) == sorted(r[4] for r in rows)
    assert a.get(rows[1][0]) == (P1, rows[1][4])


def test_an_old_archive_file_gets_the_new_index(tmp_path):
    import sqlite3

    from statuscli.store.archive_sqlite import _SCHEMA_V1

    path = tmp_path / "old.sqlite"
    old = sqlite3.connect(path)
    old.executescript(_SCHEMA_V1 + ";CREATE TABLE schema_steps (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL);"
                      "INSERT INTO schema_steps VALUES ('archive-v1', 0);")  # fmt: skip
    old.execute("INSERT INTO archive_messages (hash, pubsub_topic, content_topic, timestamp, data) VALUES (?, ?, ?, ?, ?)", row(1))
    old.commit()
    old.close()
    a = Archive(path)
    names = {r[0] for r in a.conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "archive_by_topics" in names and "archive_by_content" not in names
    assert a.query(content_topics=["/a/1/x/proto"])[0][0][2] == b"data-1"
    a.close()
