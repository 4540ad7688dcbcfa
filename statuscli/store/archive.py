"""The store node's message archive: one SQLite file (WAL), what 13/WAKU2-STORE v3 serves.

Rules:
* One row per message hash (the 14/WAKU2-MESSAGE deterministic hash, 32 bytes); the WakuMessage is
  kept as the exact bytes received, so a store answer is byte-identical to what was relayed.
* Order is (timestamp, hash), both ascending — the order of 13/WAKU2-STORE. A cursor is the hash of
  an entry and is exclusive. Forward pages continue after the cursor; backward pages continue
  before it and are returned in ascending order too. ``next_cursor`` is the hash of the last
  (forward) / first (backward) entry of a full page that has more after it, else ``None``.
* Filters are ANDed (as nwaku's archive does): pubsub topic, content topics (any of), time range
  ``time_start <= timestamp <= time_end`` (end inclusive, like nwaku), message hashes (any of).
* Page size: default 20, at most 100 (0 or absent → 20, more → 100).
* Retention: by time (messages whose timestamp is older than ``retention_seconds``, default
  30 days) and by count (the oldest beyond ``max_messages``); applied by :meth:`Archive.prune`.
* Indexes: (timestamp, hash); (pubsub_topic, timestamp, hash);
  (pubsub_topic, content_topic, timestamp, hash); hash is UNIQUE. A query with several content
  topics runs one indexed range scan per topic and merges them, so one page costs
  O(topics × page) rows at any archive size.

The interface is plain values (the node in ``statuscli.net`` receives an :class:`Archive`
from the app layer and never imports this module)::

    archive = Archive("store.sqlite")
    archive.add([(hash, pubsub_topic, content_topic, timestamp_ns, data)])
    rows, cursor = archive.query(pubsub_topic="/waku/2/rs/16/32", content_topics=["/a/1/b/proto"],
                                 forward=True, limit=20)
    # rows: [(hash, pubsub_topic, data)], ascending; cursor: bytes | None
"""

from __future__ import annotations

import heapq
import os
import sqlite3
import time
from collections.abc import Iterable, Sequence

from statuscli.core.errors import InvalidInput
from statuscli.store.db import apply_steps, connect, transaction

DEFAULT_PAGE = 20
MAX_PAGE = 100
DEFAULT_RETENTION_SECONDS = 30 * 24 * 3600
MAX_CONTENT_TOPICS = 100
MAX_HASHES = 100

_SCHEMA = """
CREATE TABLE archive_messages (
    id INTEGER PRIMARY KEY,
    hash BLOB NOT NULL UNIQUE,
    pubsub_topic TEXT NOT NULL,
    content_topic TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX archive_by_time ON archive_messages (timestamp, hash);
CREATE INDEX archive_by_pubsub ON archive_messages (pubsub_topic, timestamp, hash);
CREATE INDEX archive_by_content ON archive_messages (pubsub_topic, content_topic, timestamp, hash)
"""

Row = tuple[bytes, str, str, int, bytes]  # hash, pubsub_topic, content_topic, timestamp, data


class UnknownCursor(InvalidInput):
    code = "unknown-cursor"
    default_hint = "a cursor is the hash of a message this store holds; start again without one"


def page_size(limit: int | None) -> int:
    """13/WAKU2-STORE page size rule: absent/0 → 20, above 100 → 100."""
    if not limit or limit <= 0:
        return DEFAULT_PAGE
    return min(int(limit), MAX_PAGE)


class Archive:
    def __init__(
        self,
        path: str | os.PathLike = ":memory:",
        *,
        retention_seconds: int | None = DEFAULT_RETENTION_SECONDS,
        max_messages: int | None = None,
    ) -> None:
        self.path = str(path)
        if self.path == ":memory:":
            self.conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        else:
            self.conn = connect(self.path)
            self.conn.row_factory = None
        apply_steps(self.conn, [("archive-v1", _SCHEMA)])
        self.retention_seconds = retention_seconds
        self.max_messages = max_messages

    def close(self) -> None:
        self.conn.close()

    # -- writing ---------------------------------------------------------------------------
    def add(self, rows: Iterable[Row]) -> int:
        """Insert messages (duplicates by hash are ignored); returns how many were new."""
        rows = list(rows)
        if not rows:
            return 0
        with transaction(self.conn):
            before = self.conn.total_changes
            self.conn.executemany(
                "INSERT OR IGNORE INTO archive_messages (hash, pubsub_topic, content_topic, timestamp, data) VALUES (?, ?, ?, ?, ?)",
                rows,
            )
            return self.conn.total_changes - before

    def prune(self, now_ns: int | None = None, *, batch: int = 10_000) -> int:
        """Apply the retention rules; returns how many messages were deleted."""
        deleted = 0
        if self.retention_seconds:
            now_ns = time.time_ns() if now_ns is None else now_ns
            cutoff = now_ns - self.retention_seconds * 1_000_000_000
            while True:
                with transaction(self.conn):
                    n = self.conn.execute(
                        "DELETE FROM archive_messages WHERE id IN (SELECT id FROM archive_messages WHERE timestamp < ? ORDER BY timestamp LIMIT ?)",
                        (cutoff, batch),
                    ).rowcount
                deleted += n
                if n < batch:
                    break
        if self.max_messages is not None:
            excess = self.count() - self.max_messages
            while excess > 0:
                step = min(excess, batch)
                with transaction(self.conn):
                    n = self.conn.execute(
                        "DELETE FROM archive_messages WHERE id IN (SELECT id FROM archive_messages ORDER BY timestamp, hash LIMIT ?)",
                        (step,),
                    ).rowcount
                deleted += n
                excess -= step
                if n == 0:
                    break
        return deleted

    # -- reading ---------------------------------------------------------------------------
    def count(self) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM archive_messages").fetchone()[0]

    def get(self, message_hash: bytes) -> tuple[str, bytes] | None:
        """(pubsub_topic, data) of one message, or ``None``."""
        row = self.conn.execute("SELECT pubsub_topic, data FROM archive_messages WHERE hash = ?", (message_hash,)).fetchone()
        return (row[0], row[1]) if row else None

    def query(
        self,
        *,
        pubsub_topic: str | None = None,
        content_topics: Sequence[str] = (),
        time_start: int | None = None,
        time_end: int | None = None,
        hashes: Sequence[bytes] = (),
        cursor: bytes | None = None,
        forward: bool = False,
        limit: int | None = None,
    ) -> tuple[list[tuple[bytes, str, bytes]], bytes | None]:
        """One page: ``([(hash, pubsub_topic, data)] ascending, next_cursor | None)``."""
        n = page_size(limit)
        if len(content_topics) > MAX_CONTENT_TOPICS:
            raise InvalidInput(f"at most {MAX_CONTENT_TOPICS} content topics per query, not {len(content_topics)}")
        if len(hashes) > MAX_HASHES:
            raise InvalidInput(f"at most {MAX_HASHES} message hashes per query, not {len(hashes)}")
        after = None
        if cursor is not None:
            row = self.conn.execute("SELECT timestamp, hash FROM archive_messages WHERE hash = ?", (cursor,)).fetchone()
            if row is None:
                raise UnknownCursor(f"unknown cursor {cursor.hex()}")
            after = (row[0], row[1])

        conds: list[str] = []
        args: list = []
        if time_start is not None:
            conds.append("timestamp >= ?")
            args.append(time_start)
        if time_end is not None:
            conds.append("timestamp <= ?")
            args.append(time_end)
        if after is not None:
            conds.append("(timestamp, hash) > (?, ?)" if forward else "(timestamp, hash) < (?, ?)")
            args.extend(after)
        if hashes:
            conds.append(f"hash IN ({','.join('?' * len(hashes))})")
            args.extend(hashes)
        order = "ASC" if forward else "DESC"

        def scan(extra_conds: list[str], extra_args: list) -> list[tuple]:
            where = " AND ".join(extra_conds + conds) or "1"
            sql = (
                "SELECT timestamp, hash, pubsub_topic, data FROM archive_messages "
                f"WHERE {where} ORDER BY timestamp {order}, hash {order} LIMIT ?"
            )
            return self.conn.execute(sql, [*extra_args, *args, n + 1]).fetchall()

        if content_topics:
            topics = list(dict.fromkeys(content_topics))
            runs = []
            for ct in topics:
                if pubsub_topic is not None:
                    runs.append(scan(["pubsub_topic = ?", "content_topic = ?"], [pubsub_topic, ct]))
                else:
                    runs.append(scan(["content_topic = ?"], [ct]))
            rows = list(heapq.merge(*runs, key=lambda r: (r[0], r[1]), reverse=not forward))[: n + 1]
        elif pubsub_topic is not None:
            rows = scan(["pubsub_topic = ?"], [pubsub_topic])
        else:
            rows = scan([], [])

        more = len(rows) > n
        rows = rows[:n]
        next_cursor = rows[-1][1] if more and rows else None
        if not forward:
            rows.reverse()
        return [(r[1], r[2], r[3]) for r in rows], next_cursor
