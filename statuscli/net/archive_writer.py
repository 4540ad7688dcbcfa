"""The node's side of its archive: batched writes, queries and retention, all in worker threads.

Rules:
* Nothing touches the database on the event loop. Writes run in one worker thread at a time
  (batches of up to ``batch_rows`` or every ``interval`` seconds), queries in up to
  ``QUERY_THREADS`` threads, retention in its own thread in small batches; each takes its own
  connection from the archive's pool.
* Acknowledged means durable: :meth:`offer` returns the batch a message went into, and
  :meth:`committed` returns only once that batch's transaction committed (raises
  :class:`StoreUnavailable` when it failed). ``store.archived`` counts rows after their commit.
* When the database fails, the writer says so (``state`` "unavailable", the error, the next
  attempt), keeps the rows it could not write (at most ``max_backlog_bytes``; beyond that they are
  dropped and counted as ``dropped.store.backlog-full``) and tries again with exponential backoff
  (``BACKOFF_MIN`` … ``BACKOFF_MAX``); while unavailable, :attr:`available` is False so services
  refuse to acknowledge instead of promising what they cannot keep.
* ``node status`` reads :meth:`status`: counts refreshed in the background, never a query on the loop.
"""

from __future__ import annotations

import functools
import logging
import threading
import time

import trio

from statuscli.core.errors import StoreUnavailable

log = logging.getLogger("statuscli.net.archive")

QUERY_THREADS = 4
BACKOFF_MIN = 0.1
BACKOFF_MAX = 5.0
STATS_INTERVAL = 5.0


class Batch:
    __slots__ = ("rows", "hashes", "nbytes", "done", "error")

    def __init__(self) -> None:
        self.rows: list[tuple] = []
        self.hashes: set[bytes] = set()
        self.nbytes = 0
        self.done = trio.Event()
        self.error: str | None = None


class ArchiveWriter:
    def __init__(
        self,
        archive,
        counters,
        *,
        batch_rows: int = 1000,
        interval: float = 0.05,
        prune_interval: float = 600.0,
        max_backlog_bytes: int = 64 * 1024 * 1024,
    ) -> None:
        self.archive = archive
        self.counters = counters
        self.batch_rows = batch_rows
        self.interval = interval
        self.prune_interval = prune_interval
        self.max_backlog_bytes = max_backlog_bytes
        self._current = Batch()
        self._inflight: Batch | None = None
        self._retry: list[tuple] = []
        self._retry_bytes = 0
        self._wakeup = trio.Event()
        self._write_limiter = trio.CapacityLimiter(1)
        self.query_limiter = trio.CapacityLimiter(QUERY_THREADS)
        self._stop_prune = threading.Event()
        self.state = "ok"
        self.last_error: str | None = None
        self._backoff = 0.0
        self._next_attempt = 0.0
        self._messages: int | None = None
        self._pruning = False

    # -- the message path ------------------------------------------------------------------
    @property
    def available(self) -> bool:
        return self.state == "ok"

    def offer(self, row: tuple) -> Batch:
        """Queue ``(hash, pubsub_topic, content_topic, timestamp, data)``; returns its batch."""
        h = row[0]
        if self._inflight is not None and h in self._inflight.hashes:
            return self._inflight
        batch = self._current
        if h not in batch.hashes:
            batch.rows.append(row)
            batch.hashes.add(h)
            batch.nbytes += len(row[4])
            if len(batch.rows) >= self.batch_rows:
                self._wakeup.set()
        return batch

    async def committed(self, batch: Batch) -> None:
        """Wait for ``batch`` to be written; raises ``StoreUnavailable`` if that failed."""
        await batch.done.wait()
        if batch.error is not None:
            raise StoreUnavailable(f"the archive write failed: {batch.error}")

    async def flush(self) -> None:
        """Wait until everything offered so far was written (or failed)."""
        for batch in (self._inflight, self._current):
            if batch is not None and batch.rows:
                self._wakeup.set()
                await batch.done.wait()

    def flush_sync(self) -> None:
        """At shutdown (the loop is stopping): write what is pending, on this thread."""
        rows = self._retry + self._current.rows
        if rows:
            try:
                self.counters.inc("store.archived", self.archive.add(rows))
            except Exception as e:
                self.counters.drop("store.archive-error", "final archive write of %d message(s) failed: %s", len(rows), e, n=len(rows))

    # -- background tasks ------------------------------------------------------------------
    async def run(self) -> None:
        """The writer, retention and statistics loops (run in the node's nursery)."""
        async with trio.open_nursery() as nursery:
            nursery.start_soon(self._prune_loop)
            nursery.start_soon(self._stats_loop)
            try:
                await self._write_loop()
            finally:
                self._stop_prune.set()

    async def _write_loop(self) -> None:
        while True:
            with trio.move_on_after(self.interval):
                await self._wakeup.wait()
            self._wakeup = trio.Event()
            if self.state != "ok" and time.monotonic() < self._next_attempt:
                continue
            batch, self._current = self._current, Batch()
            rows = self._retry + batch.rows
            self._retry, self._retry_bytes = [], 0
            self._inflight = batch
            try:
                if rows:
                    n = await trio.to_thread.run_sync(self.archive.add, rows, limiter=self._write_limiter)
                elif self.state != "ok":
                    await trio.to_thread.run_sync(self.archive.check, limiter=self._write_limiter)
                    n = 0
                else:
                    n = 0
            except Exception as e:
                batch.error = f"{type(e).__name__}: {e}".strip()
                self._failed(rows, batch.error)
            else:
                if self.state != "ok":
                    log.warning("store: the archive is reachable again (%s)", self.archive.url)
                self.state, self.last_error, self._backoff = "ok", None, 0.0
                if n:
                    self.counters.inc("store.archived", n)
                    if self._messages is not None:
                        self._messages += n
            finally:
                self._inflight = None
                batch.done.set()

    def _failed(self, rows: list[tuple], error: str) -> None:
        self._backoff = min(BACKOFF_MAX, max(BACKOFF_MIN, self._backoff * 2))
        self._next_attempt = time.monotonic() + self._backoff
        if self.state == "ok" or error != self.last_error:
            log.warning("store: archive write failed (%s); retrying in %.1f s", error, self._backoff)
        self.state, self.last_error = "unavailable", error
        self.counters.inc("store.archive-failures")
        for row in rows:
            if self._retry_bytes + len(row[4]) > self.max_backlog_bytes:
                self.counters.drop("store.backlog-full", "archive backlog full: message %s not kept", row[0].hex()[:16])
                continue
            self._retry.append(row)
            self._retry_bytes += len(row[4])

    async def _prune_loop(self) -> None:
        while True:
            await trio.sleep(0 if self.prune_interval <= 0 else min(self.prune_interval, 1.0))
            await self.prune()
            await trio.sleep(self.prune_interval)

    async def prune(self) -> int:
        """Apply retention in a worker thread (small batches, each its own transaction)."""
        if self._pruning:
            return 0
        self._pruning = True
        try:
            fn = functools.partial(self.archive.prune, should_stop=self._stop_prune.is_set)
            n = await trio.to_thread.run_sync(fn)
        except Exception as e:
            log.warning("store: retention failed: %s", e)
            return 0
        finally:
            self._pruning = False
        if n:
            log.info("store: retention removed %d message(s)", n)
            self.counters.inc("store.pruned", n)
            self._messages = None
        return n

    async def _stats_loop(self) -> None:
        while True:
            try:
                self._messages = await trio.to_thread.run_sync(self.archive.count, limiter=self.query_limiter)
            except Exception as e:
                log.debug("store: counting failed: %s", e)
            await trio.sleep(STATS_INTERVAL)

    # -- queries ---------------------------------------------------------------------------
    async def query(self, **criteria):
        """One page (``archive.query``) in a worker thread, after pending writes landed."""
        await self.flush()
        fn = functools.partial(self.archive.query, **criteria)
        return await trio.to_thread.run_sync(fn, limiter=self.query_limiter)

    async def refresh(self, timeout: float = 2.0) -> None:
        """Write what is pending and recount (bounded: on a slow database the last count stays)."""
        with trio.move_on_after(timeout):
            await self.flush()
            self._messages = await trio.to_thread.run_sync(self.archive.count, limiter=self.query_limiter)

    def status(self) -> dict:
        out = {
            "backend": getattr(self.archive, "backend", "sqlite"),
            "messages": self._messages,
            "state": self.state,
            "pending": len(self._current.rows) + len(self._retry),
            "retention": self.archive.retention.describe(),
        }
        if self.state != "ok":
            out["error"] = self.last_error
            out["retry_in_s"] = round(max(0.0, self._next_attempt - time.monotonic()), 2)
        return out
