"""One executor for independent runs: local processes, or a Dask distributed cluster.

``map_runs(fn, items)`` returns ``[fn(x) for x in items]`` in the order of ``items``,
computed

- in this process when ``workers == 1`` (no pool, no pickling), with the thread counts the
  caller set (wrap the call in :func:`one_core` for one core);
- in ``workers`` local processes otherwise (default: the machine's core count), each on
  one core (:func:`one_core`), so processes do not fight over the cores;
- on a running ``dask.distributed`` scheduler when ``scheduler="tcp://HOST:PORT"`` is given
  (the cluster decides how many workers; ``workers`` is ignored).

``fn`` must be a module-level function and the items picklable, as usual for processes.
A tqdm progress bar over runs goes to stderr when it is a terminal (``progress=False``
turns it off). An exception in a run is raised again here, after the other runs are
cancelled. The results do not depend on the executor: every run is seeded by its item.
"""
from __future__ import annotations

import os
import sys
from contextlib import ExitStack, contextmanager
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Callable, Iterable, TypeVar

from .validate import InputError, positive_int

__all__ = ["default_workers", "map_runs", "check_scheduler", "one_core", "progress_bar"]

#: How long to wait for a Dask scheduler to answer.
CONNECT_TIMEOUT = "10s"

T = TypeVar("T")
R = TypeVar("R")


#: Thread counts of the native libraries, read when each library loads: OpenMP, the BLAS builds that
#: numpy and scipy bundle (each its own OpenBLAS), MKL, numba's thread pool.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")

_one_core = False  # True inside one_core(): this process is one worker


def default_workers() -> int:
    """The number of cores this process may use (at least 1); 1 inside :func:`one_core`."""
    if _one_core:
        return 1
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def check_scheduler(address) -> str | None:
    """Validate a Dask scheduler address ``tcp://HOST:PORT`` (None: no scheduler)."""
    if address is None:
        return None
    a = str(address).strip()
    host, sep, port = a.removeprefix("tcp://").rpartition(":")
    if not a.startswith("tcp://") or not sep or not host or not port.isdigit():
        raise InputError(f"scheduler={address!r}: expected an address tcp://HOST:PORT of a running "
                         "dask.distributed scheduler; pass e.g. --scheduler tcp://127.0.0.1:8786")
    return a


@contextmanager
def one_core():
    """Run the body as one worker on one core: one thread in every native library, no nested pool.

    The libraries already loaded are limited through threadpoolctl; those that load inside the
    body (scipy's own OpenBLAS, numba) read :data:`THREAD_VARIABLES`, set to 1 here, and keep one
    thread for the life of the process. :func:`default_workers` returns 1, so a run that would
    start processes of its own runs in turn instead. Results do not depend on the thread count.
    XLA (JAX) sizes its thread pool from the cores the process may use; none of its flags changes
    that in jax 0.10.
    """
    global _one_core
    from threadpoolctl import threadpool_limits

    saved = {v: os.environ.get(v) for v in THREAD_VARIABLES}, _one_core
    os.environ.update(dict.fromkeys(THREAD_VARIABLES, "1"))
    _one_core = True
    try:
        with threadpool_limits(limits=1):
            yield
    finally:
        for v, old in saved[0].items():
            if old is None:
                os.environ.pop(v, None)
            else:
                os.environ[v] = old
        _one_core = saved[1]


_worker = ExitStack()


def _worker_init():
    """A pool process stays :func:`one_core` for its whole life."""
    _worker.enter_context(one_core())


def progress_bar(total: int, progress: bool, desc: str):
    """A tqdm bar on stderr, off when ``progress`` is False or stderr is not a terminal."""
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, file=sys.stderr, leave=False,
                disable=not progress or not sys.stderr.isatty())


def map_runs(fn: Callable[[T], R], items: Iterable[T], *, workers: int | None = None, scheduler: str | None = None,
             progress: bool = True, desc: str = "runs") -> list[R]:
    """``[fn(x) for x in items]``, computed by the executor the arguments choose (module docstring)."""
    items = list(items)
    scheduler = check_scheduler(scheduler)
    workers = default_workers() if workers is None else positive_int("workers", workers)
    out: list = [None] * len(items)
    bar = progress_bar(len(items), progress, desc)
    try:
        if scheduler is not None:
            _dask_map(fn, items, scheduler, out, bar)
        elif workers == 1 or len(items) <= 1:
            for i, x in enumerate(items):
                out[i] = fn(x)
                bar.update()
        else:
            with ProcessPoolExecutor(max_workers=min(workers, len(items)), initializer=_worker_init) as pool:
                futs = {pool.submit(fn, x): i for i, x in enumerate(items)}
                try:
                    for fut in as_completed(futs):
                        out[futs[fut]] = fut.result()
                        bar.update()
                except BaseException:
                    for f in futs:
                        f.cancel()
                    raise
    finally:
        bar.close()
    return out


def _dask_map(fn, items, address, out, bar):
    from distributed import Client, as_completed as dask_completed

    try:
        client = Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as e:
        raise InputError(f"scheduler={address!r}: no dask.distributed scheduler answers there ({e}); "
                         "start one with `dask scheduler` or drop --scheduler") from None
    try:
        futs = client.map(fn, items, pure=False)
        index = {f.key: i for i, f in enumerate(futs)}
        try:
            for fut in dask_completed(futs):
                out[index[fut.key]] = fut.result()
                bar.update()
        except BaseException:
            client.cancel(futs)
            raise
    finally:
        client.close()
