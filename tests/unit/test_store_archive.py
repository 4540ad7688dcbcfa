"""The store archive (SQLite): paging rules, filters, retention, persistence."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from statuscli.core.errors import InvalidInput
from statuscli.store.archive import Archive, UnknownCursor, page_size

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


def test_add_is_idempotent_and_counts():
    a = Archive()
    assert a.add([row(i) for i in range(10)]) == 10
    assert a.add([row(i) for i in range(5, 15)]) == 5
    assert a.count() == 15
    assert a.get(row(3)[0]) == (P1, b"data-3")
    assert a.get(b"\x00" * 32) is None


@settings(max_examples=60, deadline=None)
@given(
    timestamps=st.lists(st.integers(0, 30), min_size=0, max_size=60),
    limit=st.integers(1, 12),
    forward=st.booleans(),
)
def test_paging_visits_every_message_once_in_store_order(timestamps, limit, forward):
    """Equal timestamps are ordered by hash; pages are ascending inside; cursors are exclusive."""
    a = Archive()
    rows = [row(i, ts=t) for i, t in enumerate(timestamps)]
    a.add(rows)
    expected = [r[0] for r in sorted(rows, key=lambda r: (r[3], r[0]))]
    pages = all_pages(a, forward=forward, limit=limit)
    for p in pages:
        assert p == sorted(p, key=lambda h: expected.index(h))
        assert len(p) <= limit
    flat = [h for p in (pages if forward else reversed(pages)) for h in p]
    assert flat == expected


def test_filters_are_anded():
    a = Archive()
    a.add([row(i, topic=P1 if i % 2 else P2, ct="/a/1/x/proto" if i % 3 else "/b/1/y/proto") for i in range(60)])
    rows, _ = a.query(pubsub_topic=P1, content_topics=["/b/1/y/proto"], forward=True, limit=100)
    assert [r[2] for r in rows] == [b"data-%d" % i for i in range(60) if i % 2 and not i % 3]
    rows, _ = a.query(pubsub_topic=P1, content_topics=["/b/1/y/proto", "/a/1/x/proto"], forward=True, limit=100)
    assert len(rows) == 30
    rows, _ = a.query(time_start=1_010, time_end=1_012, forward=True)  # end inclusive
    assert [r[2] for r in rows] == [b"data-10", b"data-11", b"data-12"]
    rows, _ = a.query(hashes=[row(4)[0], row(5)[0]], pubsub_topic=P1)
    assert [r[2] for r in rows] == [b"data-5"]


def test_multi_topic_merge_pages_across_topics():
    a = Archive()
    a.add([row(i, ct=f"/t/1/{i % 3}/proto") for i in range(90)])
    pages = all_pages(a, forward=False, limit=7, pubsub_topic=P1, content_topics=["/t/1/0/proto", "/t/1/2/proto"])
    flat = [h for p in reversed(pages) for h in p]
    assert flat == [row(i)[0] for i in range(90) if i % 3 != 1]


def test_bad_queries():
    a = Archive()
    a.add([row(1)])
    with pytest.raises(UnknownCursor):
        a.query(cursor=b"\x02" * 32)
    with pytest.raises(InvalidInput):
        a.query(content_topics=[f"/{i}" for i in range(101)])
    with pytest.raises(InvalidInput):
        a.query(hashes=[b"x"] * 101)


def test_retention_by_time_and_count():
    a = Archive(retention_seconds=10, max_messages=None)
    now = 100 * 10**9
    a.add([row(i, ts=i * 10**9) for i in range(100)])  # timestamps 0..99 s
    assert a.prune(now_ns=now) == 90  # older than 90 s
    assert a.count() == 10
    b = Archive(retention_seconds=None, max_messages=25)
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
    assert {"archive_by_time", "archive_by_pubsub", "archive_by_content"} <= names
    b.close()
