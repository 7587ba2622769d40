"""The threads a large problem's batch is split over (the fast path and Winograd).

A large enough batch is split into as many parts as the process may use cores
(:func:`cores`: ``os.sched_getaffinity``, so a container's or ``taskset``'s
limit counts), which run side by side, each with a single-threaded BLAS
(threadpoolctl, if installed): the copies and transforms around the matrix
products then run in parallel too, and BLAS's own worker threads do not
compete with them. The BLAS limit is process-wide while a call runs.
"""
import os
from concurrent.futures import ThreadPoolExecutor

try:
    from threadpoolctl import ThreadpoolController
except ImportError:  # runs in one thread without it
    ThreadpoolController = None


def cores() -> int:
    """The cores this process may run on: its CPU affinity where the OS reports one, else os.cpu_count()."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


#: Threads the batch is split over (1 = no splitting): one per core, when threadpoolctl can
#: keep BLAS single-threaded inside them. Tests and benchmarks may set it.
WORKERS = cores() if ThreadpoolController is not None else 1
#: Smaller convolutions (multiply-adds of the forward) run in one thread, where BLAS
#: uses its own threads: below ~2**25 that was faster here (2-3x for a few MFLOP).
MIN_SPLIT_MACS = 2**25

_pool = None
_blas = None


def parallel(fn, parts):
    """Run ``fn(i)`` for each part, side by side with single-threaded BLAS when possible; their results."""
    global _pool, _blas
    if len(parts) == 1:
        return [fn(0)]
    if _pool is None or _pool._max_workers < len(parts):
        _pool, _blas = ThreadPoolExecutor(len(parts)), ThreadpoolController()
    with _blas.limit(limits=1, user_api="blas"):
        return list(_pool.map(fn, range(len(parts))))


def split_batch(n, macs):
    """The batch ranges that run side by side, one per thread (one range below MIN_SPLIT_MACS multiply-adds)."""
    parts = min(WORKERS, n) if macs >= MIN_SPLIT_MACS else 1
    bounds = [n * i // parts for i in range(parts + 1)]
    return [slice(n0, n1) for n0, n1 in zip(bounds[:-1], bounds[1:])]
