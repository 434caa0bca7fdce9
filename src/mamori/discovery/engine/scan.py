"""Scan loop: files in, findings out, in parallel over files and in a deterministic order.

Each worker process reads one file at a time through the readers (which stream large files in
chunks) and returns only that file's findings, so memory stays bounded by the chunk size and the
number of findings, never by the size of a file.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import secrets
import sys
from collections import Counter, deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from mamori.discovery.engine.detectors import TYPES, Detector
from mamori.discovery.engine.masking import PanFingerprinter
from mamori.discovery.engine.types import FileProblem, Finding, ReadLimits, Severity


@dataclass
class ScanOptions:
    workers: int | None = None  # None: one process per CPU core
    hash_key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    limits: ReadLimits = field(default_factory=ReadLimits)
    types: frozenset[str] | None = None  # None: every detector
    min_confidence: float = 0.0
    pan_fingerprints: PanFingerprinter | None = None  # None: card numbers get no fingerprint


@dataclass
class FileResult:
    """Everything one input file produced (archive members included)."""

    path: str
    size: int
    findings: list[Finding]
    problems: list[FileProblem]


@dataclass
class ScanReport:
    """What a scan found. With ``keep_findings`` off only the counts are kept (the findings were written
    out as they came), so a scan with millions of findings runs in bounded memory."""

    findings: list[Finding] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)
    per_file: dict[str, Counter[str]] = field(default_factory=dict)
    per_type: Counter[str] = field(default_factory=Counter)
    files_scanned: int = 0
    bytes_scanned: int = 0
    keep_findings: bool = True

    def add(self, result: FileResult) -> None:
        self.files_scanned += 1
        self.bytes_scanned += result.size
        if self.keep_findings:
            self.findings.extend(result.findings)
        self.problems.extend(result.problems)
        per_file = self.per_file
        for finding in result.findings:
            counts = per_file.get(finding.path)
            if counts is None:
                counts = per_file[finding.path] = Counter()
            counts[finding.type] += 1
            self.per_type[finding.type] += 1

    @property
    def finding_count(self) -> int:
        return sum(self.per_type.values())

    @property
    def max_severity(self) -> Severity | None:
        """The most severe finding's severity (a finding's severity is its type's)."""
        return max((TYPES[kind].severity for kind in self.per_type), default=None)


def _sort_key(item: Finding | FileProblem) -> tuple[object, ...]:
    if isinstance(item, FileProblem):
        return (item.path, -1, "", "", "", "", item.message)
    return (
        item.path,
        item.line or 0,
        item.sheet or "",
        _cell_key(item.cell),
        item.column.zfill(12) if item.column and item.column.isdigit() else (item.column or ""),
        item.type,
        item.fingerprint,
    )


def _cell_key(cell: str | None) -> str:
    """Spreadsheet cells sort by row then column (B2 before A10)."""
    if not cell:
        return ""
    letters = cell.rstrip("0123456789")
    return f"{cell[len(letters) :].zfill(9)}{letters.rjust(3)}"


_detectors: dict[tuple[bytes, frozenset[str] | None, float, PanFingerprinter | None], Detector] = {}


def _detector(options: ScanOptions) -> Detector:
    key = (options.hash_key, options.types, options.min_confidence, options.pan_fingerprints)
    if key not in _detectors:
        _detectors.clear()
        _detectors[key] = Detector(
            options.hash_key, options.types, options.min_confidence, pan_fingerprints=options.pan_fingerprints
        )
    return _detectors[key]


@functools.cache
def _readers() -> ModuleType:
    """The readers, imported when the first file is read (an import statement per file cost a microsecond)."""
    from mamori.discovery.engine.readers import dispatch

    return dispatch


def scan_file(path: str, options: ScanOptions) -> FileResult:
    """Read and check one file; problems are collected, never raised."""
    readers = _readers()
    small = readers.read_small_text(path, options.limits)
    if small is not None:  # most files of a log directory: one ASCII chunk, as read_file would give it
        size, chunk = small
        try:
            found = _detector(options).scan_chunk(chunk)
        except Exception as error:  # as below
            return FileResult(path, size, [], [FileProblem(path, f"could not be scanned ({type(error).__name__})")])
        found.sort(key=_sort_key)
        return FileResult(path, size, found, [])
    try:
        size = os.stat(path).st_size
    except OSError as error:
        return FileResult(path, 0, [], [FileProblem(path, f"cannot read: {error.strerror or error}")])
    findings: list[Finding] = []
    problems: list[FileProblem] = []
    try:
        for item in _detector(options).scan_units(readers.read_file(Path(path), options.limits)):
            (problems if isinstance(item, FileProblem) else findings).append(item)  # type: ignore[arg-type]
    except Exception as error:  # a reader bug must not stop the whole scan
        problems.append(FileProblem(path, f"could not be scanned ({type(error).__name__})"))
    findings.sort(key=_sort_key)
    problems.sort(key=_sort_key)
    return FileResult(path, size, findings, problems)


class ListedFiles(list[str]):
    """The sorted paths of a listing, with the sizes the listing saw (``sizes``): batching needs no second
    ``stat`` of every file."""

    sizes: dict[str, int]


def _files(paths: Sequence[str | Path], limits: ReadLimits) -> tuple[list[str], list[FileProblem]]:
    from mamori.discovery.engine.readers.walk import iter_file_paths

    files: set[str] = set()
    problems: list[FileProblem] = []
    sizes: dict[str, int] = {}
    for item in iter_file_paths(list(paths), limits, sizes):
        if isinstance(item, FileProblem):
            problems.append(item)
        else:
            files.add(item)
    listed = ListedFiles(sorted(files))
    listed.sizes = sizes
    return listed, problems


def _pool_context() -> multiprocessing.context.BaseContext:
    # fork: workers need no re-import of the caller's main module, so plain scripts without a
    # `__main__` guard work too. Callers keep threads out of the way (the CLI turns off tqdm's).
    method = "fork" if sys.platform.startswith("linux") else "spawn"
    return multiprocessing.get_context(method)


def iter_file_results(
    paths: Sequence[str | Path], options: ScanOptions, files: list[str] | None = None
) -> Iterator[FileResult]:
    """One :class:`FileResult` per file, in path order whatever the number of workers.

    Problems met while listing files come first, as results with size 0 and no findings.
    """
    problems: list[FileProblem] = []
    if files is None:
        files, problems = _files(paths, options.limits)
    for problem in problems:
        yield FileResult(problem.path, 0, [], [problem])
    workers = options.workers or os.cpu_count() or 1
    groups = batches(files, _sizes(files), workers) if workers > 1 and len(files) > 1 else []
    workers = max(1, min(workers, len(groups)))
    if workers == 1:
        for path in files:
            yield scan_file(path, options)
        return
    yield from _pooled(groups, options, workers)


def _pooled(groups: list[Batch], options: ScanOptions, workers: int) -> Iterator[FileResult]:
    with ProcessPoolExecutor(max_workers=workers, mp_context=_pool_context()) as pool:
        # One task per batch of files: handing out one file per task cost more in the main process
        # (submitting, pickling, waking) than scanning a small file, so two workers were slower than one.
        # Results are taken in submission order, so output is identical to a single-process run. The
        # batches in flight are bounded by count and by size, so memory does not grow with the corpus.
        pending: deque[tuple[Future[list[FileResult]], int]] = deque()
        in_flight = 0
        for group in groups:
            pending.append((pool.submit(scan_batch, group.paths, options), group.size))
            in_flight += group.size
            while pending and (len(pending) >= workers * IN_FLIGHT_BATCHES or in_flight > workers * IN_FLIGHT_BYTES):
                future, done = pending.popleft()
                in_flight -= done
                yield from future.result()
        while pending:
            yield from pending.popleft()[0].result()


IN_FLIGHT_BATCHES = 4  # per worker
IN_FLIGHT_BYTES = 64 * 1024**2  # per worker
BATCH_BYTES = 8 * 1024**2  # a batch of files closes at this many bytes ...
BATCH_FILES = 256  # ... or this many files
BATCHES_PER_WORKER = 8  # small scans get smaller batches, so every worker gets work and the tail is short


@dataclass(frozen=True)
class Batch:
    """Consecutive files (in path order) scanned by one task."""

    paths: list[str]
    size: int


def batches(
    files: Sequence[str],
    sizes: Sequence[int],
    workers: int,
    max_bytes: int | None = None,
    max_files: int | None = None,
) -> list[Batch]:
    """Cut ``files`` (in order) into batches of about ``max_bytes`` or ``max_files``, whichever comes first.

    The byte limit shrinks for small scans so that there are at least ``BATCHES_PER_WORKER`` batches per
    worker; a file larger than the limit is a batch of its own. Concatenating the batches gives ``files``.
    """
    total = sum(sizes)
    wanted = max(1, workers * BATCHES_PER_WORKER)
    limit = max(1, min(BATCH_BYTES if max_bytes is None else max_bytes, total // wanted))
    count_limit = max(1, min(BATCH_FILES if max_files is None else max_files, -(-len(files) // wanted)))
    out: list[Batch] = []
    paths: list[str] = []
    size = 0
    for path, file_size in zip(files, sizes, strict=True):
        if paths and (size + file_size > limit or len(paths) >= count_limit):
            out.append(Batch(paths, size))
            paths, size = [], 0
        paths.append(path)
        size += file_size
    if paths:
        out.append(Batch(paths, size))
    return out


def scan_batch(paths: Sequence[str], options: ScanOptions) -> list[FileResult]:
    """Scan consecutive files in one task (a worker process or a Dask worker)."""
    return [scan_file(path, options) for path in paths]


def _sizes(files: Sequence[str]) -> list[int]:
    """Each file's size: as the listing saw it (``ListedFiles``), else from ``stat``."""
    listed = getattr(files, "sizes", {})
    return [size if (size := listed.get(path)) is not None else _size(path) for path in files]


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def list_files(paths: Sequence[str | Path], limits: ReadLimits) -> tuple[list[str], list[FileProblem]]:
    """The files a scan of ``paths`` would read (sorted) and the problems met listing them."""
    return _files(paths, limits)


def iter_scan(paths: Sequence[str | Path], options: ScanOptions) -> Iterator[Finding | FileProblem]:
    for result in iter_file_results(paths, options):
        yield from result.problems
        yield from result.findings


def scan_paths(paths: Sequence[str | Path], options: ScanOptions) -> ScanReport:
    report = ScanReport()
    for result in iter_file_results(paths, options):
        if result.size or result.findings or not result.problems:
            report.add(result)
        else:
            report.problems.extend(result.problems)
    return report
