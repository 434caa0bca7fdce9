"""Running scans on a Dask distributed cluster when one machine is not enough.

Work is cut into shards — batches of files sized by bytes here, tables and key ranges in ``database.scan`` —
sent to the cluster's workers, and the results are put back in the same order as a local run, so the output
is identical. The workers (and the scheduler, which unpickles every task) need Mamori installed and must
reach the same files (a shared mount) or databases.

Before anything is submitted, :func:`preflight` asks the scheduler and every worker to import Mamori and
report its version, so a missing or different install is one clear error instead of a traceback on the
scheduler or a scan that waits forever. While results are collected, :func:`gather_in_order` watches the
cluster: a task that failed or whose workers kept dying, or a cluster left without workers, ends the scan
with a :class:`ClusterError`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from mamori import __version__
from mamori.discovery.engine.scan import BATCH_BYTES, FileResult, ScanOptions, _sizes, batches, scan_batch

DASK_BATCH_BYTES = 4 * BATCH_BYTES  # a task on a cluster costs milliseconds, so its batches are larger
DASK_BATCH_FILES = 1024
CHECK_TIMEOUT_S = 20.0  # the scheduler and every worker must answer the import check within this
NO_WORKER_TIMEOUT_S = 60.0  # a cluster without workers for this long ends the scan
POLL_S = 1.0

# The check runs as ``eval`` of this text: ``eval`` is unpickled by reference to builtins, so it reaches a
# scheduler or worker that lacks Mamori, where a function of this module could not even be unpickled.
FILE_CHECK = "__import__('mamori.discovery.engine.scan').__version__"
DATABASE_CHECK = "__import__('mamori.discovery.engine.database.scan').__version__"


class ClusterError(Exception):
    """The Dask cluster cannot be used or failed during the scan; the message says why in one line."""


def client(address: str) -> Any:
    """A client for ``tcp://host:8786`` or for a scheduler file written by ``dask scheduler``."""
    try:
        from distributed import Client
    except ImportError:
        raise ClusterError("--dask needs the 'dask' extra: pip install 'mamori[dask]'") from None
    try:
        if Path(address).is_file():
            return Client(scheduler_file=address, timeout="10s")
        return Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {address}: {_one_line(exc)}") from None


def preflight(dask: Any, check: str = FILE_CHECK, timeout_s: float = CHECK_TIMEOUT_S) -> int:
    """Check that the scheduler and every worker import the same Mamori as this process.

    Returns the number of worker threads (for cutting work into enough pieces); raises :class:`ClusterError`
    naming the first process that failed and why."""
    try:
        answer = dask.run_on_scheduler(eval, check, callback_timeout=timeout_s)
    except TimeoutError:
        raise ClusterError(f"the Dask scheduler did not answer the Mamori check within {timeout_s:.0f} s") from None
    except Exception as exc:
        raise ClusterError(f"the Dask scheduler cannot import Mamori ({_one_line(exc)}); {_INSTALL}") from None
    _same_version("the Dask scheduler", answer)
    try:
        answers = dask.run(eval, check, on_error="return", callback_timeout=timeout_s)
    except TimeoutError:
        raise ClusterError(f"the Dask workers did not answer the Mamori check within {timeout_s:.0f} s") from None
    if not answers:
        raise ClusterError("the Dask cluster has no workers: start some with `dask worker tcp://SCHEDULER:8786`")
    for worker, answer in sorted(answers.items()):
        if isinstance(answer, BaseException):
            raise ClusterError(f"Dask worker {worker} cannot import Mamori ({_one_line(answer)}); {_INSTALL}")
        _same_version(f"Dask worker {worker}", answer)
    return sum(dask.nthreads().values()) or len(answers)


_INSTALL = f"install Mamori {__version__} (pip install 'mamori[dask]') on the scheduler and every worker"


def _same_version(who: str, answer: object) -> None:
    if answer != __version__:
        raise ClusterError(f"{who} runs Mamori {answer}, this is {__version__}; install the same version everywhere")


def gather_in_order(
    dask: Any,
    futures: Sequence[Any],
    describe: Callable[[int], str],
    no_worker_timeout_s: float | None = None,
) -> Iterator[Any]:
    """Each future's result, in the order given, watching the cluster while waiting.

    A task that raised, or that was lost because workers died under it too often (Dask's ``KilledWorker``),
    and a cluster with no worker for ``no_worker_timeout_s`` (all died, none restarted) raise
    :class:`ClusterError`; ``describe(i)`` names the work of future ``i`` in the message."""
    limit_s = NO_WORKER_TIMEOUT_S if no_worker_timeout_s is None else no_worker_timeout_s
    pending: list[Any] = list(futures)
    for index in range(len(pending)):
        future = pending[index]
        idle_since: float | None = None
        while True:
            try:
                result = future.result(timeout=POLL_S)
                break
            except TimeoutError:
                idle_since = _watch_workers(dask, idle_since, limit_s, describe(index))
            except Exception as exc:
                raise ClusterError(_failure(exc, describe(index))) from None
        pending[index] = None  # the cluster may forget it
        yield result


def _watch_workers(dask: Any, idle_since: float | None, limit_s: float, work: str) -> float | None:
    try:
        workers = dask.nthreads()
    except Exception as exc:
        raise ClusterError(f"lost the Dask scheduler while scanning {work}: {_one_line(exc)}") from None
    if workers:
        return None
    now = time.monotonic()
    if idle_since is None:
        return now
    if now - idle_since > limit_s:
        raise ClusterError(
            f"the Dask cluster has had no workers for {limit_s:.0f} s while scanning {work} "
            "(a worker died and none took over); see the workers' logs"
        )
    return idle_since


def _failure(exc: BaseException, work: str) -> str:
    name = type(exc).__name__
    if name == "KilledWorker":
        return f"Dask workers died while scanning {work} (out of memory, killed or crashed); see the workers' logs"
    if name in {"CancelledError", "FutureCancelledError"}:
        return f"the Dask scheduler cancelled the task for {work} (scheduler restarted or client disconnected)"
    if isinstance(exc, ModuleNotFoundError | ImportError):
        return f"a Dask worker cannot import Mamori while scanning {work} ({_one_line(exc)}); {_INSTALL}"
    return f"scanning {work} failed on a Dask worker: {_one_line(exc)}"


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def file_results(files: Sequence[str], options: ScanOptions, address: str) -> Iterator[FileResult]:
    """Scan ``files`` on the cluster in batches sized by bytes; results in the order of ``files``."""
    dask = client(address)
    try:
        threads = preflight(dask, FILE_CHECK)
        groups = batches(files, _sizes(files), threads, DASK_BATCH_BYTES, DASK_BATCH_FILES)
        futures = [dask.submit(scan_batch, group.paths, options, pure=False) for group in groups]

        def describe(i: int) -> str:
            return f"{groups[i].paths[0]} and {len(groups[i].paths) - 1} more files"

        for results in gather_in_order(dask, futures, describe):
            yield from results
    finally:
        dask.close()
