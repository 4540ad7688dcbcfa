"""The store node's message archive: one interface, two backends (SQLite file, PostgreSQL server).

Rules every backend follows (what 13/WAKU2-STORE v3 serves):

* One row per message hash (the 14/WAKU2-MESSAGE deterministic hash, 32 bytes). Writing a hash
  that is already there is a no-op, so several nodes writing the same message make one row.
  A store answer carries the exact WakuMessage bytes that were relayed.
* Order is (timestamp, hash), both ascending. A cursor is the hash of an entry and is exclusive.
  Forward pages continue after the cursor; backward pages continue before it and are returned in
  ascending order too. ``next_cursor`` is the hash of the last (forward) / first (backward) entry
  of a full page that has more after it, else ``None``.
* Filters are ANDed (as nwaku's archive does): pubsub topic, content topics (any of), time range
  ``time_start <= timestamp <= time_end`` (end inclusive), message hashes (any of).
* Page size: absent/0 → 20, at most 100. At most 100 content topics and 100 hashes per query.
* Every query shape is an index range scan that stops after one page (checked by query-plan
  tests), so a page costs the same at 10 k and 10 M messages:

  ===============================  ===================================================
  hashes (with anything else)      one lookup per hash (unique index), filtered in memory
  content topics (± pubsub topic)  per content topic and pubsub topic: a range scan of
                                   (content_topic, pubsub_topic, timestamp, hash); without
                                   a pubsub topic the topics of that content topic are found
                                   by a loose index scan; the runs are merged
  pubsub topic only                range scan of (pubsub_topic, timestamp, hash)
  neither                          range scan of (timestamp, hash)
  ===============================  ===================================================

  Time range and cursor narrow the (timestamp, hash) part of whichever index serves.
* A query runs at most ``query_timeout`` seconds; beyond that it is cancelled and raises
  :class:`StoreTimeout`. A backend that cannot reach its database raises :class:`StoreUnavailable`.
* Retention (:class:`Retention`): ``time:SECONDS`` (timestamp older than now − SECONDS),
  ``capacity:N`` (the oldest beyond N messages), ``size:MB`` (the oldest until the archive's data
  fits); :meth:`prune` deletes in small batches, each its own transaction, so queries and writes
  go on meanwhile.
* Backends are thread-safe: each call takes a connection from the backend's own pool, so the node
  runs every call in a worker thread (``trio.to_thread``) and never on its event loop.

Use::

    archive = open_archive("postgresql://user@host/db")   # or a path / sqlite:PATH → SQLite
    archive.add([(hash, pubsub_topic, content_topic, timestamp_ns, data)])
    rows, cursor = archive.query(pubsub_topic="/waku/2/rs/16/32", content_topics=["/a/1/b/proto"],
                                 forward=True, limit=20)
    # rows: [(hash, pubsub_topic, data)], ascending; cursor: bytes | None
"""

from __future__ import annotations

import heapq
import os
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from statuscli.core.errors import InvalidInput, NotFound, StoreError, StoreTimeout, StoreUnavailable, UnknownCursor

DEFAULT_PAGE = 20
MAX_PAGE = 100
DEFAULT_RETENTION_SECONDS = 30 * 24 * 3600
DEFAULT_QUERY_TIMEOUT = 2.0
MAX_CONTENT_TOPICS = 100
MAX_HASHES = 100
PRUNE_BATCH = 1000

Row = tuple[bytes, str, str, int, bytes]  # hash, pubsub_topic, content_topic, timestamp, data
#: What a scan yields: (timestamp, hash, pubsub_topic, data).
ScanRow = tuple[int, bytes, str, bytes]


def page_size(limit: int | None) -> int:
    """13/WAKU2-STORE page size rule: absent/0 → 20, above 100 → 100."""
    if not limit or limit <= 0:
        return DEFAULT_PAGE
    return min(int(limit), MAX_PAGE)


# -- retention -----------------------------------------------------------------------------------
_POLICY = re.compile(r"^\s*(time|capacity|size)\s*:\s*(\d+)\s*$")


@dataclass(frozen=True, slots=True)
class Retention:
    """Retention policies, any combination (each applied in turn); all ``None`` keeps everything."""

    seconds: int | None = DEFAULT_RETENTION_SECONDS
    max_messages: int | None = None
    max_bytes: int | None = None

    @classmethod
    def parse(cls, policies: Iterable[str]) -> Retention:
        """``time:SECONDS``, ``capacity:N``, ``size:MB`` (nwaku's spelling); ``none`` keeps all.
        No policy at all → 30 days."""
        policies = [p for p in policies if p.strip()]
        if not policies:
            return cls()
        seconds = max_messages = max_bytes = None
        for p in policies:
            if p.strip().lower() in ("none", "off"):
                continue
            m = _POLICY.match(p.lower())
            if not m or int(m.group(2)) <= 0:
                raise InvalidInput(f"bad retention policy {p!r}", hint="use time:SECONDS, capacity:N or size:MB (e.g. time:2592000)")
            value = int(m.group(2))
            if m.group(1) == "time":
                seconds = value
            elif m.group(1) == "capacity":
                max_messages = value
            else:
                max_bytes = value * 1_000_000
        return cls(seconds, max_messages, max_bytes)

    def describe(self) -> list[str]:
        out = []
        if self.seconds:
            out.append(f"time:{self.seconds}")
        if self.max_messages:
            out.append(f"capacity:{self.max_messages}")
        if self.max_bytes:
            out.append(f"size:{self.max_bytes // 1_000_000}")
        return out or ["none"]


KEEP_ALL = Retention(None, None, None)


# -- the interface -------------------------------------------------------------------------------
class ArchiveBase:
    """What both backends share: the query plan (see the module docstring) and retention.

    A backend implements the primitives: ``add``, ``count``, ``get``, ``stats``, ``close``,
    ``_cursor_key``, ``_scan``, ``_by_hashes``, ``_pubsub_topics_of``, ``_delete_oldest``,
    ``_delete_before``, ``_data_bytes`` and the context manager ``_reading`` (a pooled
    connection with the query time bound armed).
    """

    url: str
    retention: Retention
    query_timeout: float

    # -- retention -------------------------------------------------------------------------
    def prune(self, now_ns: int | None = None, *, batch: int = PRUNE_BATCH, should_stop=None) -> int:
        """Apply the retention policies in batches of ``batch`` rows (each its own transaction);
        returns how many went. ``should_stop()`` true ends it between two batches."""
        r = self.retention
        stop = should_stop or (lambda: False)
        deleted = 0
        if r.seconds:
            now_ns = time.time_ns() if now_ns is None else now_ns
            cutoff = now_ns - r.seconds * 1_000_000_000
            while not stop():
                n = self._delete_before(cutoff, batch)
                deleted += n
                if n < batch:
                    break
        if r.max_messages is not None:
            excess = self.count() - r.max_messages
            while excess > 0 and not stop():
                n = self._delete_oldest(min(excess, batch))
                deleted += n
                excess -= n
                if n == 0:
                    break
        if r.max_bytes is not None:
            while not stop() and self._data_bytes() > r.max_bytes:
                n = self._delete_oldest(batch)
                deleted += n
                if n == 0:
                    break
        return deleted

    # -- reading ---------------------------------------------------------------------------
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
        with self._reading() as conn:
            after = None
            if cursor is not None:
                after = self._cursor_key(conn, cursor)
                if after is None:
                    raise UnknownCursor(f"unknown cursor {cursor.hex()}")
            span = (time_start, time_end, after, forward)
            topics = list(dict.fromkeys(content_topics))
            if hashes:
                rows = self._hash_page(conn, list(dict.fromkeys(hashes)), pubsub_topic, set(topics), span, n)
            elif topics:
                runs = []
                for ct in topics:
                    pubsubs = [pubsub_topic] if pubsub_topic is not None else self._pubsub_topics_of(conn, ct)
                    runs += [self._scan(conn, ps, ct, span, n + 1) for ps in pubsubs]
                rows = runs[0] if len(runs) == 1 else list(heapq.merge(*runs, key=lambda r: (r[0], r[1]), reverse=not forward))[: n + 1]
            else:
                rows = self._scan(conn, pubsub_topic, None, span, n + 1)
        more = len(rows) > n
        rows = rows[:n]
        next_cursor = rows[-1][1] if more and rows else None
        if not forward:
            rows.reverse()
        return [(r[1], r[2], self._message_bytes(r[3])) for r in rows], next_cursor

    def _message_bytes(self, stored) -> bytes:
        """The WakuMessage bytes of a scanned row (a backend that stores fields rebuilds them
        here, only for the rows that make the page)."""
        return stored

    def _hash_page(self, conn, hashes, pubsub_topic, topics, span, n) -> list[ScanRow]:
        time_start, time_end, after, forward = span
        out = []
        for ts, h, ps, ct, data in self._by_hashes(conn, hashes):
            if pubsub_topic is not None and ps != pubsub_topic:
                continue
            if topics and ct not in topics:
                continue
            if (time_start is not None and ts < time_start) or (time_end is not None and ts > time_end):
                continue
            if after is not None and ((ts, h) <= after if forward else (ts, h) >= after):
                continue
            out.append((ts, h, ps, data))
        out.sort(key=lambda r: (r[0], r[1]), reverse=not forward)
        return out[: n + 1]


def where_span(span, ph: str, hash_column: str = "hash") -> tuple[list[str], list]:
    """SQL conditions for the (timestamp, hash) part of a scan; ``ph`` is the placeholder."""
    time_start, time_end, after, forward = span
    conds: list[str] = []
    args: list = []
    if time_start is not None:
        conds.append(f"timestamp >= {ph}")
        args.append(time_start)
    if time_end is not None:
        conds.append(f"timestamp <= {ph}")
        args.append(time_end)
    if after is not None:
        conds.append(f"(timestamp, {hash_column}) {'>' if forward else '<'} ({ph}, {ph})")
        args.extend(after)
    return conds, args


def is_postgres_url(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


def open_archive(
    url: str | os.PathLike,
    *,
    retention: Retention = KEEP_ALL,
    query_timeout: float = DEFAULT_QUERY_TIMEOUT,
    must_exist: bool = False,
):
    """The archive at ``url``: ``postgresql://…`` → PostgreSQL; ``sqlite:PATH``, a path or
    ``:memory:`` → SQLite."""
    text = str(url)
    if is_postgres_url(text):
        from statuscli.store.archive_postgres import PostgresArchive

        return PostgresArchive(text, retention=retention, query_timeout=query_timeout)
    from statuscli.store.archive_sqlite import SqliteArchive

    path = text[len("sqlite:") :] if text.startswith("sqlite:") else text
    if path.startswith("//"):
        path = path[2:]
    if not path:
        raise InvalidInput(f"no path in archive URL {text!r}", hint="use sqlite:PATH or postgresql://USER@HOST/DB")
    if path != ":memory:":
        path = os.path.expanduser(path)
        if must_exist and not os.path.exists(path):
            raise NotFound(f"no archive at {path}", hint="give the archive with --url sqlite:PATH or postgresql://…")
    return SqliteArchive(path, retention=retention, query_timeout=query_timeout)


def __getattr__(name: str):
    # ``Archive`` = the embedded default (SQLite), imported lazily (no import cycle).
    if name == "Archive":
        from statuscli.store.archive_sqlite import SqliteArchive

        return SqliteArchive
    raise AttributeError(name)
