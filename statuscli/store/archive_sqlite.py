"""The archive in one SQLite file (WAL): the embedded default. Rules in ``statuscli.store.archive``.

Connections: a small pool (one connection per concurrent caller, at most ``POOL_SIZE``), so
worker threads read while another writes (WAL). ``:memory:`` has a single connection shared
under a lock. The query time bound is a progress handler that interrupts the statement.
Each scan names its index (``INDEXED BY``): the plan cannot drift to a full scan.
"""

from __future__ import annotations

import contextlib
import os
import queue
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator

from statuscli.store.archive import (
    DEFAULT_QUERY_TIMEOUT,
    KEEP_ALL,
    ArchiveBase,
    Retention,
    Row,
    ScanRow,
    StoreError,
    StoreTimeout,
    where_span,
)
from statuscli.store.db import apply_steps, connect, transaction

POOL_SIZE = 8
#: SQLite VM steps between two checks of the query deadline.
PROGRESS_STEP = 200

_SCHEMA_V1 = """
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
# v2: content topic first, so a query without a pubsub topic is a range scan too.
_SCHEMA_V2 = """
DROP INDEX archive_by_content;
CREATE INDEX archive_by_topics ON archive_messages (content_topic, pubsub_topic, timestamp, hash)
"""
HASH_INDEX = "sqlite_autoindex_archive_messages_1"


class SqliteArchive(ArchiveBase):
    backend = "sqlite"

    def __init__(
        self,
        path: str | os.PathLike = ":memory:",
        *,
        retention: Retention = KEEP_ALL,
        query_timeout: float = DEFAULT_QUERY_TIMEOUT,
    ) -> None:
        self.path = str(path)
        self.url = "sqlite::memory:" if self.path == ":memory:" else f"sqlite:{self.path}"
        self.retention = retention
        self.query_timeout = query_timeout
        self._memory = self.path == ":memory:"
        if self._memory:
            self.conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        else:
            self.conn = connect(self.path)
            self.conn.row_factory = None
        apply_steps(self.conn, [("archive-v1", _SCHEMA_V1), ("archive-v2", _SCHEMA_V2)])
        self._lock = threading.Lock()
        self._free: queue.LifoQueue[sqlite3.Connection] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(POOL_SIZE)
        self._opened: list[sqlite3.Connection] = []
        self._closed = False

    def close(self) -> None:
        self._closed = True
        for c in self._opened:
            c.close()
        self._opened.clear()
        self.conn.close()

    # -- connections -----------------------------------------------------------------------
    @contextlib.contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        if self._closed:
            raise StoreError("the archive is closed")
        if self._memory:
            with self._lock:
                yield self.conn
            return
        self._slots.acquire()
        try:
            try:
                conn = self._free.get_nowait()
            except queue.Empty:
                conn = connect(self.path)
                conn.row_factory = None
                self._opened.append(conn)
            try:
                yield conn
            finally:
                self._free.put(conn)
        finally:
            self._slots.release()

    @contextlib.contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        deadline = time.monotonic() + self.query_timeout
        with self._connection() as conn:
            conn.set_progress_handler(lambda: time.monotonic() > deadline, PROGRESS_STEP)
            try:
                yield conn
            except sqlite3.OperationalError as e:
                if "interrupted" in str(e):
                    raise StoreTimeout(f"store query took longer than {self.query_timeout:g} s and was stopped") from None
                raise
            finally:
                conn.set_progress_handler(None, 0)

    # -- writing ---------------------------------------------------------------------------
    def add(self, rows: Iterable[Row]) -> int:
        """Insert messages in one transaction (duplicates by hash are ignored); returns how many were new."""
        rows = list(rows)
        if not rows:
            return 0
        with self._connection() as conn, transaction(conn):
            before = conn.total_changes
            conn.executemany(
                "INSERT OR IGNORE INTO archive_messages (hash, pubsub_topic, content_topic, timestamp, data) VALUES (?, ?, ?, ?, ?)",
                rows,
            )
            return conn.total_changes - before

    def _delete_before(self, cutoff_ns: int, batch: int) -> int:
        with self._connection() as conn, transaction(conn):
            return conn.execute(
                "DELETE FROM archive_messages WHERE id IN (SELECT id FROM archive_messages INDEXED BY archive_by_time"
                " WHERE timestamp < ? ORDER BY timestamp LIMIT ?)",
                (cutoff_ns, batch),
            ).rowcount

    def _delete_oldest(self, n: int) -> int:
        with self._connection() as conn, transaction(conn):
            return conn.execute(
                "DELETE FROM archive_messages WHERE id IN (SELECT id FROM archive_messages INDEXED BY archive_by_time"
                " ORDER BY timestamp, hash LIMIT ?)",
                (n,),
            ).rowcount

    def _data_bytes(self) -> int:
        """Bytes the database uses (pages in use, free pages not counted)."""
        with self._connection() as conn:
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            free = conn.execute("PRAGMA freelist_count").fetchone()[0]
            size = conn.execute("PRAGMA page_size").fetchone()[0]
        return (pages - free) * size

    # -- reading ---------------------------------------------------------------------------
    def check(self) -> None:
        """Raise if the database cannot be used."""
        with self._connection() as conn:
            conn.execute("SELECT 1").fetchone()

    def count(self) -> int:
        with self._connection() as conn:
            return conn.execute("SELECT COUNT(*) FROM archive_messages").fetchone()[0]

    def get(self, message_hash: bytes) -> tuple[str, bytes] | None:
        """(pubsub_topic, data) of one message, or ``None``."""
        with self._connection() as conn:
            row = conn.execute("SELECT pubsub_topic, data FROM archive_messages WHERE hash = ?", (message_hash,)).fetchone()
        return (row[0], row[1]) if row else None

    def stats(self) -> dict:
        with self._connection() as conn:
            n = conn.execute("SELECT COUNT(*) FROM archive_messages").fetchone()[0]
            oldest = conn.execute("SELECT timestamp FROM archive_messages INDEXED BY archive_by_time ORDER BY timestamp LIMIT 1").fetchone()
            newest = conn.execute("SELECT timestamp FROM archive_messages INDEXED BY archive_by_time ORDER BY timestamp DESC LIMIT 1").fetchone()
            topics = conn.execute("SELECT pubsub_topic, COUNT(*) FROM archive_messages GROUP BY pubsub_topic ORDER BY pubsub_topic").fetchall()
        return {
            "backend": "sqlite",
            "url": self.url,
            "messages": n,
            "bytes": self._data_bytes(),
            "oldest": oldest[0] if oldest else None,
            "newest": newest[0] if newest else None,
            "pubsub_topics": {t: c for t, c in topics},
        }

    def dump(self, batch: int = 5000) -> Iterator[list[Row]]:
        """Every row in (timestamp, hash) order, in batches (for ``archive migrate``)."""
        after = (-(2**63), b"")
        while True:
            with self._connection() as conn:
                rows = conn.execute(
                    "SELECT hash, pubsub_topic, content_topic, timestamp, data FROM archive_messages INDEXED BY archive_by_time"
                    " WHERE (timestamp, hash) > (?, ?) ORDER BY timestamp, hash LIMIT ?",
                    (*after, batch),
                ).fetchall()
            if not rows:
                return
            yield rows
            after = (rows[-1][3], rows[-1][0])

    def _cursor_key(self, conn, cursor: bytes) -> tuple[int, bytes] | None:
        row = conn.execute("SELECT timestamp, hash FROM archive_messages WHERE hash = ?", (cursor,)).fetchone()
        return (row[0], row[1]) if row else None

    def _scan(self, conn, pubsub_topic: str | None, content_topic: str | None, span, limit: int) -> list[ScanRow]:
        conds, args = where_span(span, "?")
        if content_topic is not None:
            index, eq, eq_args = "archive_by_topics", ["content_topic = ?", "pubsub_topic = ?"], [content_topic, pubsub_topic]
        elif pubsub_topic is not None:
            index, eq, eq_args = "archive_by_pubsub", ["pubsub_topic = ?"], [pubsub_topic]
        else:
            index, eq, eq_args = "archive_by_time", [], []
        order = "ASC" if span[3] else "DESC"
        where = " AND ".join(eq + conds) or "1"
        sql = (
            f"SELECT timestamp, hash, pubsub_topic, data FROM archive_messages INDEXED BY {index} "
            f"WHERE {where} ORDER BY timestamp {order}, hash {order} LIMIT ?"
        )
        return conn.execute(sql, [*eq_args, *args, limit]).fetchall()

    def _by_hashes(self, conn, hashes: list[bytes]):
        sql = (
            f"SELECT timestamp, hash, pubsub_topic, content_topic, data FROM archive_messages INDEXED BY {HASH_INDEX} "
            f"WHERE hash IN ({','.join('?' * len(hashes))})"
        )
        return conn.execute(sql, hashes).fetchall()

    def _pubsub_topics_of(self, conn, content_topic: str) -> list[str]:
        # A loose index scan: one seek per distinct pubsub topic of this content topic.
        sql = """
            WITH RECURSIVE t(p) AS (
                SELECT (SELECT MIN(pubsub_topic) FROM archive_messages INDEXED BY archive_by_topics WHERE content_topic = ?1)
                UNION ALL
                SELECT (SELECT MIN(pubsub_topic) FROM archive_messages INDEXED BY archive_by_topics
                        WHERE content_topic = ?1 AND pubsub_topic > t.p)
                FROM t WHERE t.p IS NOT NULL
            )
            SELECT p FROM t WHERE p IS NOT NULL
        """
        return [r[0] for r in conn.execute(sql, (content_topic,))]
