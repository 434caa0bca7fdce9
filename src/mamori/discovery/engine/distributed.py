"""Running scans on a Dask distributed cluster when one machine is not enough.

Work is cut into shards — groups of files here, tables and key ranges in ``database.scan`` — sent to the
cluster's workers, and the results are put back in the same order as a local run, so the output is
identical. The workers need Mamori installed and must reach the same files (a shared mount) or
databases.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from mamori.discovery.engine.scan import FileResult, ScanOptions, scan_file

FILES_PER_TASK = 16


class ClusterError(Exception):
    """The Dask cluster cannot be used; the message says why."""


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
        raise ClusterError(f"cannot reach the Dask scheduler at {address}: {exc}") from None


def _scan_group(paths: Sequence[str], options: ScanOptions) -> list[FileResult]:
    return [scan_file(path, options) for path in paths]


def file_results(files: Sequence[str], options: ScanOptions, address: str) -> Iterator[FileResult]:
    """Scan ``files`` on the cluster in groups; results in the order of ``files``."""
    groups = [list(files[i : i + FILES_PER_TASK]) for i in range(0, len(files), FILES_PER_TASK)]
    dask = client(address)
    try:
        futures = [dask.submit(_scan_group, group, options, pure=False) for group in groups]
        for future in futures:
            yield from future.result()
    finally:
        dask.close()
