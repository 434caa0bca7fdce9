"""The database scan: plan shards (tables, key ranges), read rows read-only, feed values to the detectors
in batches, and classify every column. Runs locally in a process pool or on a Dask cluster; the results
are identical because shard evidence merges the same in any order."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from mamori.discovery.engine.database import connect, tables
from mamori.discovery.engine.database.classify import ColumnEvidence, ColumnResult, TypeEvidence, classify
from mamori.discovery.engine.database.connect import Credentials, SourceError
from mamori.discovery.engine.database.tables import ColumnBatch, TableFilter, TableInfo
from mamori.discovery.engine.database.values import batch_of_rows, detect_batch
from mamori.discovery.engine.masking import PanFingerprinter
from mamori.discovery.engine.types import DataClass, Severity


@dataclass(frozen=True)
class DatabaseScanOptions:
    sample_rows: int = 1000
    full: bool = False
    batch_size: int = 20000
    statement_timeout_s: float = 60.0
    filters: TableFilter = field(default_factory=TableFilter)
    workers: int | None = None  # None: all cores
    hash_key: bytes = b""
    pan_fingerprints: PanFingerprinter | None = None  # None: card numbers get no fingerprint
    checkpoint: Path | None = None
    resume: bool = False
    dask: str | None = None  # scheduler address (tcp://host:8786) or scheduler file path
    credentials: Credentials = field(default_factory=Credentials)
    split_min_rows: int = 100_000  # full mode: tables with an integer key and at least this many rows are split


@dataclass(frozen=True)
class Shard:
    """A unit of work: one table, or one key range of it in full mode."""

    table: TableInfo
    low: Any = None  # inclusive lower key bound (single integer keys only)
    high: Any = None  # exclusive upper key bound

    @property
    def name(self) -> str:
        if self.low is None and self.high is None:
            return self.table.qualified
        return f"{self.table.qualified}[{self.low}:{self.high}]"


@dataclass
class ShardResult:
    shard: str
    table: str
    columns: dict[str, ColumnEvidence]
    rows: int
    last_key: list[Any] | None = None
    done: bool = True
    problem: str | None = None
    low: int | None = None  # the key range's lower bound: results merge in key order


@dataclass
class DatabaseReport:
    source: str
    tables: list[str]
    results: list[ColumnResult]
    rows_scanned: dict[str, int]
    problems: list[str]


Progress = Callable[[str, int], None]


def scan_database(url_text: str, options: DatabaseScanOptions, progress: Progress | None = None) -> DatabaseReport:
    url = connect.parse_url(url_text, options.credentials)
    source = connect.display(url)
    cluster = _dask_cluster(options, source) if options.dask else None
    engine = connect.open_readonly(url, options.statement_timeout_s)
    try:
        found = tables.list_tables(engine, options.filters)
        shards = plan_shards(engine, found, options, cluster.threads if cluster else None)
    except sa.exc.SQLAlchemyError as exc:
        if cluster:
            cluster.client.close()
        raise SourceError(f"cannot list the tables of {source}: {connect.reason(exc)}") from None
    finally:
        engine.dispose()
    url_full = url.render_as_string(hide_password=False)
    state = _Checkpoint.load(options, source) if options.resume else _Checkpoint(options.checkpoint, source)
    todo = [s for s in shards if not state.done(s.name)]
    results = list(state.results())
    if cluster:
        run = _run_dask(cluster, _url_for_workers(url, options), todo, options, state)
    else:
        run = _run(url_full, todo, options, state)
    for result in run:
        state.record(result)
        results.append(result)
        if progress:
            progress(result.shard, result.rows)
    return _report(source, found, results)


def _url_for_workers(url: sa.URL, options: DatabaseScanOptions) -> str:
    """The URL a Dask task carries. With --password-env/--password-file the password stays out of it: each
    worker reads it from its own environment or file (scan_shard); a password written in the URL travels."""
    if options.credentials.password_env or options.credentials.password_file:
        return connect.display(url)
    return url.render_as_string(hide_password=False)


def plan_shards(
    engine: sa.Engine, found: Sequence[TableInfo], options: DatabaseScanOptions, workers: int | None = None
) -> list[Shard]:
    """One shard per table; in full mode, big tables with an integer key are split into key ranges, at least
    one per worker (``workers``, default ``options.workers`` or all cores).

    A table whose size cannot be read (no right to it, say) stays one shard: reading it then reports the
    problem for that table alone."""
    if not options.full:
        return [Shard(table) for table in found]
    count = workers or options.workers or os.cpu_count() or 1
    shards: list[Shard] = []
    with engine.connect() as conn:  # one connection for every table: each new one starts a server process
        for table in found:
            try:
                shards.extend(_split(conn, table, options, count))
            except sa.exc.SQLAlchemyError:
                conn.rollback()  # a failed statement ends the transaction on PostgreSQL
                shards.append(Shard(table))
    return shards


RANGE_ROWS = 500_000  # at most about this many rows per key range in full mode
CONTEXT_ROWS = 200  # rows per shard whose cells get the per-field check (besides structured cells)


def _split(conn: sa.Connection, table: TableInfo, options: DatabaseScanOptions, workers: int) -> list[Shard]:
    """Key ranges of equal width between the key's actual minimum and maximum: as many as workers, more when
    a range would hold over ``RANGE_ROWS`` rows. The first range is open below and the last open above, so
    rows added while the scan runs are read too."""
    key = tables.integer_key(table)
    if key is None:
        return [Shard(table)]
    estimate = tables.estimated_rows(conn, table) or tables.count_rows(conn, table)
    if estimate < options.split_min_rows:
        return [Shard(table)]
    tbl = table.table()
    lo, hi = conn.execute(sa.select(sa.func.min(tbl.c[key]), sa.func.max(tbl.c[key]))).one()
    if lo is None:
        return [Shard(table)]
    span = int(hi) - int(lo) + 1
    # Never so many that the first range could not hold the rows that classify the columns (CONTEXT_ROWS).
    parts = min(span, estimate // CONTEXT_ROWS, max(workers, math.ceil(estimate / RANGE_ROWS)))
    if parts <= 1:
        return [Shard(table)]
    step = math.ceil(span / parts)
    bounds = [int(lo) + i * step for i in range(parts) if int(lo) + i * step <= int(hi)]
    return [
        Shard(table, b if i else None, bounds[i + 1] if i + 1 < len(bounds) else None) for i, b in enumerate(bounds)
    ]


def _run(url: str, shards: list[Shard], options: DatabaseScanOptions, state: _Checkpoint) -> Iterator[ShardResult]:
    workers = options.workers or os.cpu_count() or 1
    if workers <= 1 or len(shards) <= 1:
        for shard in shards:
            yield scan_shard(url, shard, options, state.resume_point(shard.name), state)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(scan_shard, url, s, options, state.resume_point(s.name)) for s in shards]
        for future in futures:
            yield future.result()


@dataclass
class _Cluster:
    client: Any
    threads: int


def _dask_cluster(options: DatabaseScanOptions, source: str) -> _Cluster:
    """Connect and check the cluster (Mamori importable on the scheduler and every worker) before any work."""
    from mamori.discovery.engine import distributed

    try:
        client = distributed.client(options.dask or "")
    except distributed.ClusterError as error:
        raise SourceError(str(error)) from None
    try:
        threads = distributed.preflight(client, distributed.DATABASE_CHECK)
    except distributed.ClusterError as error:
        client.close()
        raise SourceError(str(error)) from None
    return _Cluster(client, threads)


def _run_dask(
    cluster: _Cluster, url: str, shards: list[Shard], options: DatabaseScanOptions, state: _Checkpoint
) -> Iterator[ShardResult]:
    from mamori.discovery.engine import distributed

    client = cluster.client
    try:
        futures = [client.submit(scan_shard, url, s, options, state.resume_point(s.name), pure=False) for s in shards]
        yield from distributed.gather_in_order(client, futures, lambda i: shards[i].name)
    except distributed.ClusterError as error:
        raise SourceError(_without_password(str(error), url)) from None
    finally:
        client.close()


def _without_password(text: str, url: str) -> str:
    password = sa.engine.make_url(url).password
    return text.replace(str(password), "***") if password else text


def scan_shard(
    url: str,
    shard: Shard,
    options: DatabaseScanOptions,
    resume: tuple[list[Any] | None, dict[str, Any]] | None = None,
    state: _Checkpoint | None = None,
) -> ShardResult:
    """Read one shard and gather per-column evidence. Safe to run in another process or on a Dask worker."""
    table = shard.table
    columns = {c: ColumnEvidence() for c in table.columns}
    last_key: list[Any] | None = None
    rows_done = 0
    if resume is not None:
        last_key, saved = resume
        columns = {c: _evidence_from_json(saved.get(c)) for c in table.columns}
        rows_done = max((e.rows_scanned for e in columns.values()), default=0)
    target = sa.engine.make_url(url)
    if target.password is None and (options.credentials.password_env or options.credentials.password_file):
        # On a Dask worker: the password comes from the worker's own environment or file, never the task.
        target = target.set(password=options.credentials.password())
    engine = connect.open_readonly(target, options.statement_timeout_s)
    try:
        with engine.connect() as conn:
            for batch, key in _batches(conn, shard, options, last_key, rows_done):
                # Context columns are checked field by field in the table's first rows only (the first key
                # range's): enough to classify them, and the answer does not depend on how the table was split
                # or on the number of workers. Card data is searched for in every row read.
                budget = min(options.sample_rows, CONTEXT_ROWS) - rows_done if shard.low is None else 0
                detect_batch(table, batch, columns, options.hash_key, rows_done, budget, options.pan_fingerprints)
                rows_done += batch.rows
                last_key = key
                if state is not None and options.full:
                    state.partial(shard.name, last_key, columns)
    except sa.exc.SQLAlchemyError as exc:
        return ShardResult(
            shard.name,
            table.qualified,
            columns,
            rows_done,
            last_key,
            False,
            f"{table.qualified}: {connect.reason(exc)}",
            shard.low,
        )
    finally:
        engine.dispose()
    return ShardResult(shard.name, table.qualified, columns, rows_done, last_key, low=shard.low)


def _batches(
    conn: sa.Connection, shard: Shard, options: DatabaseScanOptions, after: list[Any] | None, skip: int
) -> Iterator[tuple[ColumnBatch, list[Any] | None]]:
    table = shard.table
    if not options.full:
        yield batch_of_rows(table, tables.sample(conn, table, options.sample_rows), 0), None
        return
    key = tables.integer_key(table)
    start = after
    if start is None and shard.low is not None and key is not None:
        start = [shard.low - 1]
    if key is not None and conn.engine.url.get_backend_name() == "postgresql":
        # Full scans of PostgreSQL tables with an integer key get each batch as one text per column.
        first = int(start[0]) if start else None
        yield from tables.column_batches(conn, table, options.batch_size, first, shard.high)
        return
    offset = skip
    for rows, last in tables.batches(conn, table, options.batch_size, start, skip if not table.key else 0):
        if shard.high is not None and key is not None:
            idx = table.columns.index(key)
            rows = [r for r in rows if int(r[idx]) < shard.high]
            if not rows:
                return
            yield batch_of_rows(table, rows, offset), last
            if int(last[0]) >= shard.high - 1:  # type: ignore[index]
                return
        else:
            yield batch_of_rows(table, rows, offset), last
        offset += len(rows)


def _report(source: str, found: Sequence[TableInfo], results: Iterable[ShardResult]) -> DatabaseReport:
    merged: dict[str, dict[str, ColumnEvidence]] = {
        t.qualified: {c: ColumnEvidence() for c in t.columns} for t in found
    }
    rows: dict[str, int] = {t.qualified: 0 for t in found}
    problems: list[str] = []
    for result in sorted(results, key=lambda r: (r.table, r.low is not None, r.low or 0, r.shard)):
        rows[result.table] = rows.get(result.table, 0) + result.rows
        for column, evidence in result.columns.items():
            merged.setdefault(result.table, {}).setdefault(column, ColumnEvidence()).merge(evidence)
        if result.problem:
            problems.append(result.problem)
    out: list[ColumnResult] = []
    for table in found:
        for column in table.columns:
            out.extend(classify(source, table.qualified, column, merged[table.qualified][column]))
    return DatabaseReport(source, [t.qualified for t in found], out, rows, problems)


# --- checkpoints (full mode): which shards are done, and the last key and evidence of a partial one ---


def _evidence_to_json(ev: ColumnEvidence) -> dict[str, Any]:
    return {
        "rows_scanned": ev.rows_scanned,
        "rows_nonempty": ev.rows_nonempty,
        "rows_checked": ev.rows_checked,
        "types": {
            k: {
                "matched": t.matched + len(t.rows),
                "examples": t.examples,
                "confidence": t.confidence,
                "severity": int(t.severity),
                "data_class": str(t.data_class),
                "detector": t.detector,
            }
            for k, t in ev.types.items()
        },
    }


def _evidence_from_json(data: dict[str, Any] | None) -> ColumnEvidence:
    if not data:
        return ColumnEvidence()
    ev = ColumnEvidence(data["rows_scanned"], data["rows_nonempty"], data["rows_checked"])
    for kind, t in data["types"].items():
        ev.types[kind] = TypeEvidence(
            set(),
            t["matched"],
            [tuple(x) for x in t["examples"]],
            t["confidence"],
            Severity(t["severity"]),
            DataClass(t["data_class"]),
            t["detector"],
        )
    return ev


class _Checkpoint:
    """A JSON file written atomically after each batch, so an interrupted full scan resumes (--resume)."""

    def __init__(self, path: Path | None, source: str, data: dict[str, Any] | None = None) -> None:
        self.path = path
        self.data: dict[str, Any] = data or {"version": 1, "source": source, "shards": {}}

    @classmethod
    def load(cls, options: DatabaseScanOptions, source: str) -> _Checkpoint:
        path = options.checkpoint
        if path is None:
            raise SourceError("--resume needs --checkpoint FILE")
        if not path.exists():
            return cls(path, source)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise SourceError(f"checkpoint {path} cannot be read: {exc}") from None
        if data.get("source") != source:
            raise SourceError(f"checkpoint {path} belongs to another source ({data.get('source')})")
        return cls(path, source, data)

    def done(self, shard: str) -> bool:
        return bool(self.data["shards"].get(shard, {}).get("done"))

    def resume_point(self, shard: str) -> tuple[list[Any] | None, dict[str, Any]] | None:
        entry = self.data["shards"].get(shard)
        if not entry or entry.get("done"):
            return None
        return entry.get("last_key"), entry.get("columns", {})

    def results(self) -> Iterator[ShardResult]:
        for name, entry in self.data["shards"].items():
            if entry.get("done"):
                cols = {c: _evidence_from_json(v) for c, v in entry["columns"].items()}
                yield ShardResult(
                    name, entry["table"], cols, entry["rows"], entry.get("last_key"), low=entry.get("low")
                )

    def partial(self, shard: str, last_key: list[Any] | None, columns: dict[str, ColumnEvidence]) -> None:
        self._put(
            shard,
            {
                "done": False,
                "last_key": _jsonable(last_key),
                "columns": {c: _evidence_to_json(e) for c, e in columns.items()},
            },
        )

    def record(self, result: ShardResult) -> None:
        self._put(
            result.shard,
            {
                "done": result.problem is None,
                "table": result.table,
                "rows": result.rows,
                "low": result.low,
                "last_key": _jsonable(result.last_key),
                "columns": {c: _evidence_to_json(e) for c, e in result.columns.items()},
            },
        )

    def _put(self, shard: str, entry: dict[str, Any]) -> None:
        if self.path is None:
            return
        self.data["shards"][shard] = entry
        tmp = self.path.with_suffix(self.path.suffix + ".tmp")
        tmp.write_text(json.dumps(self.data, ensure_ascii=False, default=str), encoding="utf-8")
        tmp.replace(self.path)


def _jsonable(key: list[Any] | None) -> list[Any] | None:
    if key is None:
        return None
    return [k if isinstance(k, int | float | str) or k is None else str(k) for k in key]


__all__ = [
    "DatabaseReport",
    "DatabaseScanOptions",
    "Shard",
    "ShardResult",
    "plan_shards",
    "scan_database",
    "scan_shard",
]
