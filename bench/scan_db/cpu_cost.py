"""CPU seconds of a full PostgreSQL scan: the scanning processes and the scan's own server processes.

On a shared machine the wall-clock ratio to `COPY` swings with other people's load; CPU seconds swing much
less, so they show whether a change to the reader makes the work smaller. The server side is read from
/proc after each batch query of each worker (PostgreSQL must run on this machine); the client side is
this process and its worker processes (getrusage). Compare two trees by running this script with each
on PYTHONPATH, interleaved.

usage: .venv/bin/python bench/scan_db/cpu_cost.py [--workers 2] [--batch-size 20000] [--rounds 3]
PostgreSQL from MAMORI_BENCH_PG_URL and MAMORI_BENCH_PG_DB (the table bench_orders, see make_table.py).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

import mamori
from mamori.discovery.engine.database import tables
from mamori.discovery.engine.database.scan import DatabaseScanOptions, scan_database
from mamori.discovery.engine.database.tables import TableFilter

PG = os.environ.get("MAMORI_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432").rstrip("/")
DB = os.environ.get("MAMORI_BENCH_PG_DB", "mamori_bench")
TICKS = os.sysconf("SC_CLK_TCK")
NOTES = Path(tempfile.mkdtemp(prefix="mamori-cpu-"))


def process_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def _noting(read: Any) -> Any:
    """A batch query of the reader, then a note of its server process's CPU so far (workers are forked, so
    they inherit the replacement)."""

    def noting(conn: sa.Connection, *args: Any, **kwargs: Any) -> Any:
        result = read(conn, *args, **kwargs)
        pid = conn.connection.dbapi_connection.info.backend_pid  # type: ignore[union-attr]
        (NOTES / str(pid)).write_text(str(process_cpu(pid)))
        return result

    return noting


READERS = ("_column_batch", "_page_batch")  # key ranges, page ranges (where the tree has them)


def own_cpu() -> float:
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench/scan_db/cpu_cost.py")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--batch-size", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    for name in READERS:
        if hasattr(tables, name):
            setattr(tables, name, _noting(getattr(tables, name)))
    options = DatabaseScanOptions(
        hash_key=b"b",
        workers=args.workers,
        full=True,
        batch_size=args.batch_size,
        filters=TableFilter(include_tables=("bench_orders",)),
    )
    print(f"mamori from {Path(mamori.__file__).parent}; {args.workers} workers, batches of {args.batch_size:,}")
    try:
        rounds(options, args.rounds)
    finally:
        shutil.rmtree(NOTES, ignore_errors=True)


def rounds(options: DatabaseScanOptions, count: int) -> None:
    for _ in range(count):
        for note in NOTES.iterdir():
            note.unlink()
        client, started = own_cpu(), time.perf_counter()
        report = scan_database(f"{PG}/{DB}", options)
        wall = time.perf_counter() - started
        client = own_cpu() - client
        server = sum(float(note.read_text()) for note in NOTES.iterdir())
        print(
            f"load {os.getloadavg()[0]:.1f}  rows {sum(report.rows_scanned.values()):,}  wall {wall:.2f} s  "
            f"CPU: scanning processes {client:.2f} s, server processes {server:.2f} s, total {client + server:.2f} s",
            flush=True,
        )


if __name__ == "__main__":
    main()
