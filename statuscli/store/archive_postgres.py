"""The archive in PostgreSQL (psycopg 3 and its pool): for operators whose store outgrows one
machine, and for several store nodes sharing one archive. Rules in ``statuscli.store.archive``.

Schema (nwaku's columns): ``messages(message_hash BYTEA PRIMARY KEY, pubsub_topic, content_topic,
timestamp, payload, meta, version, raw)``. The message is kept as its fields; ``raw`` holds the
exact WakuMessage bytes only when encoding the fields again would not give them back (unknown
fields, a rate-limit proof, unusual encodings), so every answer stays byte-identical to what was
relayed. A message written by several nodes is one row (``ON CONFLICT DO NOTHING``).

Indexes: (timestamp, message_hash); (pubsub_topic, timestamp, message_hash);
(content_topic, pubsub_topic, timestamp, message_hash) — the same plans as SQLite.

Connections come from a ``psycopg_pool.ConnectionPool`` (its own reconnects); a query runs under
``statement_timeout`` (→ :class:`StoreTimeout`); a database that cannot be reached raises
:class:`StoreUnavailable`. Every call blocks: the node runs them in worker threads.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator

from statuscli.core.errors import StatusCliError
from statuscli.core.waku.message import WakuMessage, decode, encode
from statuscli.store.archive import (
    DEFAULT_QUERY_TIMEOUT,
    KEEP_ALL,
    ArchiveBase,
    Retention,
    Row,
    ScanRow,
    StoreError,
    StoreTimeout,
    StoreUnavailable,
    where_span,
)

POOL_SIZE = 8
CONNECT_TIMEOUT = 3.0

_SCHEMA = [
    """CREATE TABLE IF NOT EXISTS messages (
        message_hash BYTEA PRIMARY KEY,
        pubsub_topic TEXT NOT NULL,
        content_topic TEXT NOT NULL,
        timestamp BIGINT NOT NULL,
        payload BYTEA NOT NULL,
        meta BYTEA,
        version INTEGER,
        raw BYTEA
    )""",
    "CREATE INDEX IF NOT EXISTS messages_by_time ON messages (timestamp, message_hash)",
    "CREATE INDEX IF NOT EXISTS messages_by_pubsub ON messages (pubsub_topic, timestamp, message_hash)",
    "CREATE INDEX IF NOT EXISTS messages_by_topics ON messages (content_topic, pubsub_topic, timestamp, message_hash)",
]
_SCHEMA_LOCK = 0x57414B55  # "WAKU": serialises schema creation between nodes starting together
_INSERT_COLUMNS = "message_hash, pubsub_topic, content_topic, timestamp, payload, meta, version, raw"
_COLUMNS = "timestamp, message_hash, pubsub_topic, content_topic, payload, meta, version, raw"


def _fields(row: Row) -> tuple:
    """A row as the table's columns (``raw`` only when the fields do not re-encode to it)."""
    h, pubsub_topic, content_topic, timestamp, data = row
    try:
        m = decode(data)
        same = _data(m.payload, content_topic, timestamp, m.meta, m.version, None) == data
        return (h, pubsub_topic, content_topic, timestamp, m.payload, m.meta, m.version, None if same else data)
    except StatusCliError:
        return (h, pubsub_topic, content_topic, timestamp, b"", None, None, data)


def _data(payload, content_topic, timestamp, meta, version, raw) -> bytes:
    if raw is not None:
        return bytes(raw)
    return encode(WakuMessage(payload=bytes(payload), content_topic=content_topic, version=version, timestamp=timestamp, meta=None if meta is None else bytes(meta)))


class PostgresArchive(ArchiveBase):
    backend = "postgresql"

    def __init__(self, url: str, *, retention: Retention = KEEP_ALL, query_timeout: float = DEFAULT_QUERY_TIMEOUT, pool_size: int = POOL_SIZE) -> None:
        import psycopg
        from psycopg_pool import ConnectionPool

        self._psycopg = psycopg
        self.url = url
        self.retention = retention
        self.query_timeout = query_timeout
        self.pool = ConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            timeout=CONNECT_TIMEOUT,
            kwargs={"autocommit": True, "connect_timeout": int(CONNECT_TIMEOUT)},
            configure=self._configure,
            open=False,
            name="statuscli-archive",
        )
        self.pool.open(wait=False)
        try:
            with self._unbounded() as conn, conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
                for statement in _SCHEMA:
                    conn.execute(statement)
        except BaseException:
            self.pool.close()
            raise

    def close(self) -> None:
        self.pool.close()

    def _configure(self, conn) -> None:
        # every statement is bounded (queries run as single autocommit statements: no extra
        # round trips); writes, retention and counting lift the bound in their own transaction
        conn.execute(f"SET statement_timeout = {max(1, int(self.query_timeout * 1000))}")

    # -- connections -----------------------------------------------------------------------
    @contextlib.contextmanager
    def _connection(self) -> Iterator:
        from psycopg_pool import PoolTimeout

        psycopg = self._psycopg
        try:
            with self.pool.connection() as conn:
                yield conn
        except PoolTimeout as e:
            raise StoreUnavailable(f"PostgreSQL is unreachable: {e}") from None
        except psycopg.errors.QueryCanceled:
            raise StoreTimeout(f"store query took longer than {self.query_timeout:g} s and was stopped") from None
        except psycopg.OperationalError as e:
            raise StoreUnavailable(f"PostgreSQL: {str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__}") from None
        except psycopg.Error as e:
            raise StoreError(f"PostgreSQL: {type(e).__name__}: {str(e).strip()}") from None

    @contextlib.contextmanager
    def _reading(self) -> Iterator:
        with self._connection() as conn:
            yield conn

    @contextlib.contextmanager
    def _unbounded(self) -> Iterator:
        """A pooled connection without the query time bound (writes, retention, counting,
        maintenance); the bound is back when it returns to the pool."""
        with self._connection() as conn:
            conn.execute("SET statement_timeout = 0")
            try:
                yield conn
            finally:
                if not conn.closed and not conn.broken:
                    self._configure(conn)

    def execute_admin(self, sql: str) -> None:
        with self._unbounded() as conn:
            conn.execute(sql)

    # -- writing ---------------------------------------------------------------------------
    def add(self, rows: Iterable[Row]) -> int:
        """Insert messages in one transaction (duplicates by hash are ignored); returns how many were new."""
        values = [_fields(r) for r in rows]
        if not values:
            return 0
        # COPY into a per-connection temporary table, then one INSERT … ON CONFLICT DO NOTHING:
        # several times faster than row-by-row inserts, and duplicates still make one row.
        with self._unbounded() as conn, conn.transaction(), conn.cursor() as cur:
            cur.execute("CREATE TEMP TABLE IF NOT EXISTS incoming (LIKE messages) ON COMMIT DELETE ROWS")
            with cur.copy(f"COPY incoming ({_INSERT_COLUMNS}) FROM STDIN") as copy:
                for v in values:
                    copy.write_row(v)
            cur.execute(f"INSERT INTO messages ({_INSERT_COLUMNS}) SELECT DISTINCT ON (message_hash) {_INSERT_COLUMNS} FROM incoming"
                        " ON CONFLICT (message_hash) DO NOTHING")  # fmt: skip
            return max(0, cur.rowcount)

    def _delete_before(self, cutoff_ns: int, batch: int) -> int:
        with self._unbounded() as conn:
            return conn.execute(
                "DELETE FROM messages WHERE message_hash IN (SELECT message_hash FROM messages WHERE timestamp < %s"
                " ORDER BY timestamp LIMIT %s)",
                (cutoff_ns, batch),
            ).rowcount

    def _delete_oldest(self, n: int) -> int:
        with self._unbounded() as conn:
            return conn.execute(
                "DELETE FROM messages WHERE message_hash IN (SELECT message_hash FROM messages ORDER BY timestamp, message_hash LIMIT %s)",
                (n,),
            ).rowcount

    def _data_bytes(self) -> int:
        """The live data: rows × their average stored size (sampled), plus the indexes' share.
        (The table's file does not shrink after deletes; the space is reused.)"""
        with self._unbounded() as conn:
            n = conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0]
            if not n:
                return 0
            avg = conn.execute(
                "SELECT AVG(pg_column_size(m.*)) FROM (SELECT * FROM messages ORDER BY timestamp DESC LIMIT 1000) m"
            ).fetchone()[0]
        return int(n * (float(avg) + 3 * 80))  # three secondary indexes, ~80 bytes per entry each

    # -- reading ---------------------------------------------------------------------------
    def check(self) -> None:
        with self._connection() as conn:
            conn.execute("SELECT 1").fetchone()

    def count(self) -> int:
        with self._unbounded() as conn:
            return conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0]

    def get(self, message_hash: bytes) -> tuple[str, bytes] | None:
        with self._connection() as conn:
            r = conn.execute(f"SELECT {_COLUMNS} FROM messages WHERE message_hash = %s", (message_hash,)).fetchone()
        return (r[2], _data(r[4], r[3], r[0], r[5], r[6], r[7])) if r else None

    def stats(self) -> dict:
        with self._unbounded() as conn:
            n = conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0]
            oldest = conn.execute("SELECT MIN(timestamp) FROM messages").fetchone()[0]
            newest = conn.execute("SELECT MAX(timestamp) FROM messages").fetchone()[0]
            size = conn.execute("SELECT pg_total_relation_size('messages')").fetchone()[0]
            topics = conn.execute("SELECT pubsub_topic, COUNT(*) FROM messages GROUP BY pubsub_topic ORDER BY pubsub_topic").fetchall()
        return {"backend": "postgresql", "url": self.url, "messages": n, "bytes": size, "oldest": oldest, "newest": newest,
                "pubsub_topics": {t: c for t, c in topics}}  # fmt: skip

    def dump(self, batch: int = 5000) -> Iterator[list[Row]]:
        after = (-(2**63), b"")
        while True:
            with self._connection() as conn:
                rs = conn.execute(
                    f"SELECT {_COLUMNS} FROM messages WHERE (timestamp, message_hash) > (%s, %s) ORDER BY timestamp, message_hash LIMIT %s",
                    (*after, batch),
                ).fetchall()
            if not rs:
                return
            yield [(bytes(r[1]), r[2], r[3], r[0], _data(r[4], r[3], r[0], r[5], r[6], r[7])) for r in rs]
            after = (rs[-1][0], bytes(rs[-1][1]))

    def _cursor_key(self, conn, cursor: bytes) -> tuple[int, bytes] | None:
        r = conn.execute("SELECT timestamp, message_hash FROM messages WHERE message_hash = %s", (cursor,)).fetchone()
        return (r[0], bytes(r[1])) if r else None

    def _scan(self, conn, pubsub_topic: str | None, content_topic: str | None, span, limit: int) -> list[ScanRow]:
        conds, args = where_span(span, "%s", hash_column="message_hash")
        if content_topic is not None:
            eq, eq_args = ["content_topic = %s", "pubsub_topic = %s"], [content_topic, pubsub_topic]
        elif pubsub_topic is not None:
            eq, eq_args = ["pubsub_topic = %s"], [pubsub_topic]
        else:
            eq, eq_args = [], []
        order = "ASC" if span[3] else "DESC"
        where = " AND ".join(eq + conds) or "TRUE"
        sql = f"SELECT {_COLUMNS} FROM messages WHERE {where} ORDER BY timestamp {order}, message_hash {order} LIMIT %s"
        return [(r[0], bytes(r[1]), r[2], r) for r in conn.execute(sql, [*eq_args, *args, limit])]

    def _by_hashes(self, conn, hashes: list[bytes]):
        rs = conn.execute(f"SELECT {_COLUMNS} FROM messages WHERE message_hash = ANY(%s)", (hashes,)).fetchall()
        return [(r[0], bytes(r[1]), r[2], r[3], r) for r in rs]

    def _message_bytes(self, r) -> bytes:
        return _data(r[4], r[3], r[0], r[5], r[6], r[7])

    def _pubsub_topics_of(self, conn, content_topic: str) -> list[str]:
        sql = """
            WITH RECURSIVE t(p) AS (
                SELECT (SELECT MIN(pubsub_topic) FROM messages WHERE content_topic = %(ct)s)
                UNION ALL
                SELECT (SELECT MIN(pubsub_topic) FROM messages WHERE content_topic = %(ct)s AND pubsub_topic > t.p)
                FROM t WHERE t.p IS NOT NULL
            )
            SELECT p FROM t WHERE p IS NOT NULL
        """
        return [r[0] for r in conn.execute(sql, {"ct": content_topic})]
