"""A small bounded pool for user SQL: at most `OPENDATA_SQL_CONCURRENCY` queries run at once
per process, in the pool's own threads, never more in web workers however many requests come.

A request waits `OPENDATA_SQL_QUEUE_WAIT_S` at most for a free slot, then gets a "busy"
QueryError (HTTP 503 with Retry-After). The caller's wait is bounded by the query deadline:
past it the query is interrupted and the request answers at once; the slot is given back only
when the query has really stopped, so abandoned queries still count against the bound.
"""

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from django.conf import settings

from territoria.opendata.query.base import QueryError

RETRY_AFTER_S = 5
BUSY = (
    "Le service SQL est très sollicité : trop de requêtes sont en cours. Réessayez dans "
    f"quelques secondes ({RETRY_AFTER_S} s)."
)


class QueryPool:
    def __init__(self, workers: int, wait_s: float):
        self.workers = workers
        self.wait_s = wait_s
        self._slots = threading.BoundedSemaphore(workers)
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="opendata-sql")

    def run(self, work: Callable, timeout_s: float, interrupt: Callable[[], None]):
        """`work()` in a pool thread; its result, or QueryError (busy, timeout, its own)."""
        if not self._slots.acquire(timeout=self.wait_s):
            raise QueryError(BUSY, kind="busy")
        try:
            future = self._executor.submit(work)
        except BaseException:
            self._slots.release()
            raise
        future.add_done_callback(lambda _: self._slots.release())
        try:
            return future.result(timeout=timeout_s)
        except FutureTimeout:
            interrupt()
            raise QueryError(
                f"La requête a dépassé la limite de {timeout_s:g} secondes et a été "
                "interrompue. Ajoutez un filtre ou une limite.",
                kind="timeout",
            ) from None


_lock = threading.Lock()
_pool: QueryPool | None = None


def sql_pool() -> QueryPool:
    """The process's pool, rebuilt if the settings changed (tests override them)."""
    global _pool
    workers, wait_s = settings.OPENDATA_SQL_CONCURRENCY, settings.OPENDATA_SQL_QUEUE_WAIT_S
    with _lock:
        if _pool is None or (_pool.workers, _pool.wait_s) != (workers, wait_s):
            _pool = QueryPool(workers, wait_s)
        return _pool
