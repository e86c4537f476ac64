"""Where the per-batch functions run: in this process, on local cores, or on a Dask cluster.

Every engine offers the same ``map``: results come back in the order of the inputs (the
dumps are appended in that order, so the output is byte-identical whatever the engine or
the number of workers), and at most ``window`` tasks are in flight, so the main process
never holds more than a few batches and memory stays flat in the corpus size.
(``multiprocessing.Pool.imap`` would read the whole input ahead and buffer results.)

Dask is the distributed engine: an archive's cluster is typically a few machines or an
HPC allocation run by people who know Python, not a Hadoop/Spark installation; Dask is a
``pip install``, runs the same code on a laptop (LocalCluster), over SSH, on SLURM/PBS
(dask-jobqueue) and on Kubernetes, needs no JVM, and ships plain Python functions and
values as they are. See the README, "Performance".
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from mappings.errors import InputError

ENGINES = ("local", "dask")


class Engine:
    """Runs ``fn`` over items in this process (the reference for the other engines)."""

    workers = 1
    writes_parts = False  # whether batches write part files instead of returning bytes

    def map(self, fn: Callable[[Any], Any], items: Iterable[Any], window: int = 0) -> Iterator:
        """``fn`` over ``items``, results in input order, at most ``window`` in flight."""
        for item in items:
            yield fn(item)

    def close(self) -> None:
        """Stop workers; the engine cannot be used afterwards."""

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, kind: type | None, *exc: object) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()

    def abort(self) -> None:
        """Stop at once, dropping work in flight (a failed or interrupted build)."""
        self.close()


def _die_with_parent(parent: int) -> None:
    """Worker start: end with the build, so a killed build leaves no process running."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: workers end at their next result instead
        pass
    if os.getppid() != parent:  # the build died before prctl took effect
        os._exit(1)


class Processes(Engine):
    """A pool of forked worker processes on this machine.

    Fork, not spawn: the workers inherit the loaded tables, the compiled shapes and the
    imported libraries, so they start in milliseconds.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.pool = multiprocessing.get_context("fork").Pool(
            workers, initializer=_die_with_parent, initargs=(os.getpid(),)
        )

    def map(self, fn: Callable[[Any], Any], items: Iterable[Any], window: int = 0) -> Iterator:
        window = window or 2 * self.workers + 2
        pending: deque = deque()
        for item in items:
            pending.append(self.pool.apply_async(fn, (item,)))
            if len(pending) >= window:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()

    def close(self) -> None:
        self.pool.close()
        self.pool.join()

    def abort(self) -> None:
        self.pool.terminate()
        self.pool.join()


class Dask(Engine):
    """A Dask cluster: the scheduler at ``address``, or a LocalCluster of worker processes.

    Batches write their fragments as part files in the staging folder (a shared file
    system on a real cluster) and return only counts, reports and the shared lines; the
    main process merges the parts in order.
    """

    writes_parts = True

    def __init__(self, workers: int, address: str | None = None) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise InputError(
                "--engine dask needs Dask: pip install -e '.[dask]' (dask[distributed])"
            ) from None
        self.cluster = None
        if address:
            self.client = Client(address)
        else:
            self.cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=40,
            )
            self.client = Client(self.cluster)
        self.workers = max(1, len(self.client.scheduler_info().get("workers", {})) or workers)

    def map(self, fn: Callable[[Any], Any], items: Iterable[Any], window: int = 0) -> Iterator:
        window = window or 2 * self.workers + 2
        pending: deque = deque()
        for item in items:
            pending.append(self.client.submit(fn, item, pure=False))
            if len(pending) >= window:
                future = pending.popleft()
                yield future.result()
                future.release()
        while pending:
            future = pending.popleft()
            yield future.result()
            future.release()

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def make_engine(name: str, workers: int, address: str | None = None) -> Engine:
    """The engine for ``--engine`` and ``--workers`` (0: all cores)."""
    workers = workers or os.cpu_count() or 1
    if name == "dask":
        return Dask(workers, address)
    if name != "local":
        raise InputError(f"unknown engine {name!r}; expected one of: {', '.join(ENGINES)}")
    return Processes(workers) if workers > 1 else Engine()
