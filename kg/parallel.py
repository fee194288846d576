"""Parallel ingestion: NLP and extraction fanned out to worker processes, locally or on Dask.

The parent reads the sources as a stream, decides "unchanged" before any NLP, sends batches of
articles to the workers and writes the extractions back in input order, one transaction per
article, so the store ends up exactly as a single-process run leaves it. At most a bounded
number of batches is in flight, so memory stays bounded for any stream, and the parent writes
one batch while the workers parse the next ones.

Workers run `extract_batch`, a plain module-level function: each worker process loads the
spaCy pipeline and the extractor once (`_extractor`, cached per process) and turns a failing
article into a per-article error, so one bad article never fails its batch.

Pools:

- `LocalPool(jobs)`: `jobs` spawned processes (concurrent.futures).
- `DaskPool(address)`: a dask.distributed scheduler ("tcp://host:8786"), a `Client`, or
  "local:N" (a LocalCluster of N single-threaded worker processes on 127.0.0.1, closed at the
  end). Needs the optional extra: pip install 'ai-industry-kg[dask]'.
"""
from __future__ import annotations

import functools
import logging
import multiprocessing
import os
import re
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from kg.errors import ConfigError, KGError, ReadError
from kg.model import Article, Extraction

log = logging.getLogger(__name__)

LOCAL_BATCH = 16     # articles per task for local worker processes
DASK_BATCH = 100     # articles per task on Dask: a task's overhead is a few milliseconds
DASK_MIN_BATCH = 100  # the CLI refuses smaller batches with --dask
CONNECT_TIMEOUT = 10.0  # seconds to reach a Dask scheduler

# A worker's answer for one article: the Extraction, or (source, reason) when it failed.
Result = Extraction | tuple[str, str]


# -- the worker side -------------------------------------------------------------------------
@functools.lru_cache(maxsize=4)
def _extractor(name: str, model: str | None):
    """The extractor of this process (and with it the spaCy pipeline), made once."""
    from kg import plugins

    return plugins.load("kg.extractors", name)(model=model)


def extract_each(extractor, articles: list[Article]) -> list[Extraction | ReadError]:
    """Extractions of a batch in order; an article whose extraction fails becomes a ReadError
    and the batch goes on after it. A KGError (missing model, ...) fails the whole run."""
    out: list[Extraction | ReadError] = []
    extracted = iter(extractor.extract_many(articles))
    for i, article in enumerate(articles):
        try:
            out.append(next(extracted))
        except KGError:
            raise
        except Exception as exc:  # a spaCy or rule failure on one article: skip it alone
            log.debug("extraction failed", exc_info=True)
            out.append(ReadError(article.source or article.id, f"extraction failed: {exc}"))
            extracted = iter(extractor.extract_many(articles[i + 1:]))
    return out


def extract_batch(extractor_name: str, model: str | None, articles: list[Article]) -> list[Result]:
    """The task a worker runs: extractions of a batch, failures as (source, reason) tuples
    (ReadError itself does not survive pickling)."""
    results = extract_each(_extractor(extractor_name, model), articles)
    return [(r.source, r.reason) if isinstance(r, ReadError) else r for r in results]


# -- pools -----------------------------------------------------------------------------------
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _one_thread() -> None:
    """In a new worker process, before numpy is imported: one BLAS thread per process, as
    Dask's nanny does, so N processes on N cores do not oversubscribe them."""
    for var in THREAD_VARS:
        os.environ.setdefault(var, "1")


class LocalPool:
    """`jobs` local worker processes (spawned, so nothing of the parent's state is shared)."""

    def __init__(self, jobs: int, extractor: str, model: str | None):
        if not isinstance(jobs, int) or jobs < 1:
            raise ConfigError(f"jobs must be a positive number of processes, not {jobs!r}")
        self.workers = jobs
        self.extractor, self.model = extractor, model
        self.executor = ProcessPoolExecutor(max_workers=jobs, initializer=_one_thread,
                                            mp_context=multiprocessing.get_context("spawn"))

    def submit(self, articles: list[Article]):
        try:
            return self.executor.submit(extract_batch, self.extractor, self.model, articles)
        except BrokenProcessPool as exc:
            raise self.fatal(exc) from exc

    @staticmethod
    def fatal(exc: BaseException) -> KGError | None:
        """The error that ends the run when a task failed this way (None: only its batch fails)."""
        if isinstance(exc, BrokenProcessPool):
            return KGError("a worker process died (out of memory? or a script without "
                           "`if __name__ == '__main__':` starting processes on import)")
        return None

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)


LOCAL_CLUSTER = re.compile(r"local:(\d+)")


def parse_dask(address: str) -> int | None:
    """N for "local:N" (a LocalCluster to start), None for a scheduler address; ConfigError for
    anything else.

    >>> parse_dask("local:2"), parse_dask("tcp://10.0.0.5:8786")
    (2, None)
    """
    m = LOCAL_CLUSTER.fullmatch(address)
    if m:
        n = int(m.group(1))
        if n < 1:
            raise ConfigError(f"--dask {address}: a local cluster needs at least 1 worker")
        return n
    if "://" not in address and ":" not in address:
        raise ConfigError(f"--dask {address!r}: give a scheduler address (tcp://host:8786) or local:N")
    return None


class DaskPool:
    """Batches run as tasks on a dask.distributed cluster; see the module docstring."""

    def __init__(self, dask: Any, extractor: str, model: str | None,
                 timeout: float = CONNECT_TIMEOUT):
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:
            raise ConfigError("Dask is not installed: pip install 'ai-industry-kg[dask]' "
                              "(dask[distributed])") from exc
        self.extractor, self.model = extractor, model
        self.cluster = None
        self.own_client = False
        if isinstance(dask, Client):
            self.client = dask
        else:
            address = str(dask)
            n = parse_dask(address)
            if n is not None:
                self.cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                            host="127.0.0.1", dashboard_address=None)
                address = self.cluster.scheduler_address
            try:
                self.client = Client(address, timeout=timeout, set_as_default=False)
            except (OSError, TimeoutError) as exc:
                self._close_cluster()
                raise ConfigError(f"cannot reach the Dask scheduler at {address} "
                                  f"within {timeout:g} s") from exc
            except Exception as exc:
                self._close_cluster()
                raise ConfigError(f"cannot connect to the Dask scheduler at {address}: "
                                  f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
                                  ) from exc
            self.own_client = True
        self.workers = max(1, sum(self.client.nthreads().values()))

    @staticmethod
    def fatal(exc: BaseException) -> KGError | None:
        return None

    def submit(self, articles: list[Article]):
        return self.client.submit(extract_batch, self.extractor, self.model, articles, pure=False)

    def close(self) -> None:
        if self.own_client:
            self.client.close()
        self._close_cluster()

    def _close_cluster(self) -> None:
        if self.cluster is not None:
            self.cluster.close()
            self.cluster = None


# -- the parent side -------------------------------------------------------------------------
@dataclass
class _Batch:
    """Articles sent to the workers together: (article, its graph existed) pairs."""

    items: list[tuple[Article, bool]] = field(default_factory=list)
    future: Any = None


def run(items: Iterable[Article | ReadError], pool, *, batch_size: int, in_flight: int,
        check: Callable[[Article], bool | None],
        write: Callable[[Article, bool, Extraction], None],
        fail: Callable[[str, str], None], unchanged: Callable[[Article], None]) -> None:
    """Drive a pool over a stream of articles and read errors.

    `check(article)` says whether the article needs extracting: None when its stored graph
    already says the same (then `unchanged(article)` is called), else whether a graph exists.
    Extractions are handed to `write`, failures to `fail`, all in input order. At most
    `in_flight` batches are with the workers at a time.
    """
    queue: deque[_Batch | ReadError | Article] = deque()  # in input order, awaiting their turn
    open_batch: _Batch | None = None
    sent = 0          # batches submitted and not yet written
    waiting: dict[str, int] = {}  # article id -> copies queued and not yet written

    def submit(batch: _Batch) -> None:
        nonlocal sent
        batch.future = pool.submit([a for a, _ in batch.items])
        sent += 1

    def settle(batch: _Batch) -> None:
        nonlocal sent
        try:
            results: list[Result] = batch.future.result()
        except KGError:
            raise
        except Exception as exc:  # the task as a whole failed (a worker died, ...)
            error = pool.fatal(exc)
            if error is not None:
                raise error from exc
            log.debug("batch failed", exc_info=True)
            reason = f"extraction failed: {type(exc).__name__}: {exc}".rstrip(": ")
            results = [(a.source or a.id, reason) for a, _ in batch.items]
        sent -= 1
        batch.future = None  # let the results go
        for (article, existed), result in zip(batch.items, results, strict=True):
            _done(article.id)
            if isinstance(result, tuple):
                fail(*result)
            else:
                write(article, existed, result)

    def _done(article_id: str) -> None:
        waiting[article_id] -= 1
        if not waiting[article_id]:
            del waiting[article_id]

    def pop() -> None:
        nonlocal open_batch
        head = queue.popleft()
        if isinstance(head, _Batch):
            if head.future is None:
                if head is open_batch:
                    open_batch = None
                submit(head)
            settle(head)
        elif isinstance(head, ReadError):
            fail(head.source, head.reason)
        else:
            unchanged(head)

    def drain_ready(limit: int) -> None:
        """Hand over everything at the head that needs no waiting. Wait for the oldest batch
        (submitting it if it is still open) while more than `limit` batches are in flight or
        the queue holds many articles, so memory stays bounded."""
        while queue:
            head = queue[0]
            if isinstance(head, _Batch):
                crowded = len(queue) > 4 * batch_size
                if head.future is None and not crowded:
                    break
                if (head.future is not None and sent <= limit and not crowded
                        and not head.future.done()):
                    break
            pop()

    for item in items:
        if isinstance(item, ReadError):
            queue.append(item)
        else:
            if item.id in waiting:  # the same article again: write the first one before comparing
                while item.id in waiting:
                    pop()
            existed = check(item)
            if existed is None:
                queue.append(item)
            else:
                if open_batch is None:
                    open_batch = _Batch()
                    queue.append(open_batch)
                open_batch.items.append((item, existed))
                waiting[item.id] = waiting.get(item.id, 0) + 1
                if len(open_batch.items) >= batch_size:
                    submit(open_batch)
                    open_batch = None
        drain_ready(in_flight)
    while queue:
        pop()
