"""Fingerprinting many card numbers at once: the slow hash on every CPU core, the numbers in memory only.

Each fingerprint costs a fixed scrypt (0.2 s or more at production cost), so a list of 10,000 numbers is
minutes of CPU. Worker processes are started with ``spawn`` (a fresh interpreter, safe in a threaded server) and
get the numbers through their pipes; nothing is written to disk and the workers end with the batch.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from django.conf import settings

from mamori.discovery.engine.masking import ScryptCost, pan_fingerprint

PARALLEL_FROM = 64  # below this, starting processes costs more than it saves
CHUNK = 32


def workers() -> int:
    configured = int(getattr(settings, "MAMORI_CARDLIST_WORKERS", 0) or 0)
    if configured > 0:
        return configured
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _one(job: tuple[bytes, str, int, int, int]) -> str:
    key, digits, log2_n, r, p = job
    return pan_fingerprint(key, digits, ScryptCost(log2_n, r, p))


def fingerprint_all(
    key: bytes, numbers: Sequence[str], cost: ScryptCost, progress: Callable[[int], None] | None = None
) -> list[str]:
    """The fingerprint of each number, in order (duplicates hashed once)."""
    distinct = list(dict.fromkeys(numbers))
    done: dict[str, str] = {}
    count = workers()
    if count > 1 and len(distinct) >= PARALLEL_FROM:
        # A worker that cannot start (e.g. no importable __main__) leaves the rest to this process.
        with contextlib.suppress(BrokenProcessPool):
            _in_processes(key, distinct, cost, count, done, progress)
    for i, digits in enumerate(d for d in distinct if d not in done):
        done[digits] = pan_fingerprint(key, digits, cost)
        if progress and i % CHUNK == 0:
            progress(len(done))
    result = [done[d] for d in numbers]
    done.clear()
    return result


def _in_processes(
    key: bytes,
    distinct: list[str],
    cost: ScryptCost,
    count: int,
    done: dict[str, str],
    progress: Callable[[int], None] | None,
) -> None:
    jobs = [(key, d, cost.log2_n, cost.r, cost.p) for d in distinct]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=count, mp_context=context) as pool:
        for i, value in enumerate(pool.map(_one, jobs, chunksize=CHUNK)):
            done[distinct[i]] = value
            if progress and i % CHUNK == 0:
                progress(i)
    jobs.clear()
