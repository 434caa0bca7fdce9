"""Database-scanner benchmark. See bench/README.md.

1. Accuracy on EC-CUBE 2.x and 4.x-shaped shop databases (planted card data), Mamori beside
   presidio-structured: card columns found / missed / false, personal-data columns, time.
2. Throughput on a 5,000,000-row × 20-column PostgreSQL table: full mode and sample mode (rows/s).
3. Sample mode over a 200-table PostgreSQL database (seconds).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from mamori.discovery.engine.database.scan import DatabaseScanOptions, plan_shards, scan_database
from mamori.discovery.engine.database.tables import TableFilter, list_tables
from mamori.discovery.shopdb import PROHIBITED, build_shop_db

HERE = Path(__file__).resolve().parent
PEER_PYTHON = HERE.parent / ".venv-structured" / "bin" / "python"
# The PostgreSQL server and database names come from the environment (defaults: the development machine's).
PG = os.environ.get("MAMORI_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432").rstrip("/")
BIG_DB = os.environ.get("MAMORI_BENCH_PG_DB", "mamori_bench")
MANY_DB = os.environ.get("MAMORI_BENCH_PG_DB_MANY", "mamori_bench200")
ADMIN_DB = os.environ.get("MAMORI_BENCH_PG_ADMIN_DB", "postgres")
CARD_ENTITIES = {"CREDIT_CARD"}


def accuracy(sample_rows: int) -> list[dict[str, object]]:
    rows = []
    for flavour in ("eccube2", "eccube4"):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"{flavour}.db"
            truth = build_shop_db(f"sqlite:///{path}", flavour=flavour, customers=300, orders=600)
            card_truth = truth.card_columns()
            pii_truth = set(truth.columns)
            started = time.perf_counter()
            report = scan_database(
                f"sqlite:///{path}", DatabaseScanOptions(hash_key=b"bench", workers=1, sample_rows=sample_rows)
            )
            seconds = time.perf_counter() - started
            cards = {(r.table, r.column) for r in report.results if r.type in PROHIBITED}
            pii = {(r.table, r.column) for r in report.results if r.evidence != "name"}
            rows.append(_score("mamori", flavour, card_truth, pii_truth, truth.clean, cards, pii, seconds))
            peer = subprocess.run(
                [str(PEER_PYTHON), str(HERE / "presidio_structured_scan.py"), str(path), str(sample_rows)],
                capture_output=True,
                text=True,
                check=True,
            )
            result = json.loads(peer.stdout)
            cards = {(c["table"], c["column"]) for c in result["columns"] if c["entity"] in CARD_ENTITIES}
            pii = {(c["table"], c["column"]) for c in result["columns"]}
            rows.append(
                _score(
                    "presidio-structured", flavour, card_truth, pii_truth, truth.clean, cards, pii, result["seconds"]
                )
            )
    return rows


def _score(
    tool: str, flavour: str, card_truth: set, pii_truth: set, clean: set, cards: set, pii: set, seconds: float
) -> dict[str, object]:
    return {
        "tool": tool,
        "db": flavour,
        "card cols found": f"{len(cards & card_truth)}/{len(card_truth)}",
        "card missed": len(card_truth - cards),
        "false card cols": len(cards - card_truth),
        "PII cols found": f"{len(pii & pii_truth)}/{len(pii_truth)}",
        "false PII (clean cols)": len(pii & clean),
        "seconds": round(seconds, 2),
    }


def ensure_big_table(rows: int) -> None:
    admin = sa.create_engine(f"{PG}/{ADMIN_DB}", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :db"), {"db": BIG_DB}).scalar():
            conn.execute(sa.text(f'CREATE DATABASE "{BIG_DB}"'))
    admin.dispose()
    engine = sa.create_engine(f"{PG}/{BIG_DB}")
    with engine.connect() as conn:
        have = conn.execute(
            sa.text("SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass('bench_orders')")
        ).scalar()
    engine.dispose()
    if have is None or abs(int(have) - rows) > rows // 100:
        subprocess.run([sys.executable, str(HERE / "make_table.py"), f"{PG}/{BIG_DB}", str(rows)], check=True)


def throughput(rows: int, workers: int) -> list[dict[str, object]]:
    ensure_big_table(rows)
    url = f"{PG}/{BIG_DB}"
    only = TableFilter(include_tables=("bench_orders",))
    out = []
    for mode, options in (
        ("sample (1,000 rows)", DatabaseScanOptions(hash_key=b"b", workers=workers, filters=only)),
        ("full, 1 worker", DatabaseScanOptions(hash_key=b"b", workers=1, full=True, batch_size=20000, filters=only)),
        (
            f"full, {workers} workers",
            DatabaseScanOptions(hash_key=b"b", workers=workers, full=True, batch_size=20000, filters=only),
        ),
    ):
        started = time.perf_counter()
        report = scan_database(url, options)
        seconds = time.perf_counter() - started
        scanned = sum(report.rows_scanned.values())
        out.append(
            {
                "mode": mode,
                "shards": _shards(url, options),
                "rows read": scanned,
                "seconds": round(seconds, 1),
                "rows/s": round(scanned / seconds),
                "card columns": sorted({r.column for r in report.results if r.type in PROHIBITED}),
            }
        )
    return out


def _shards(url: str, options: DatabaseScanOptions) -> int:
    engine = sa.create_engine(url)
    try:
        return len(plan_shards(engine, list_tables(engine, options.filters), options))
    finally:
        engine.dispose()


def copy_seconds(table: str = "bench_orders") -> tuple[str, float]:
    """The floor for a full scan: PostgreSQL writing the whole table as text. Server-side `COPY … TO
    '/dev/null'` where the account may (superuser or pg_write_server_files); otherwise `COPY … TO STDOUT`
    read by this process and thrown away."""
    engine = sa.create_engine(f"{PG}/{BIG_DB}")
    try:
        with engine.connect() as conn:
            started = time.perf_counter()
            conn.exec_driver_sql(f"COPY {table} TO '/dev/null'")
            return "COPY TO '/dev/null' (server)", time.perf_counter() - started
    except sa.exc.SQLAlchemyError:
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            started = time.perf_counter()
            with cursor.copy(f"COPY {table} TO STDOUT") as copy:  # type: ignore[attr-defined]
                for _ in copy:
                    pass
            return "COPY TO STDOUT (client)", time.perf_counter() - started
        finally:
            raw.close()
    finally:
        engine.dispose()


def ratio_rounds(rows: int, workers: int, rounds: int, batch_size: int) -> list[dict[str, object]]:
    """Full scan against COPY on the same table, interleaved round by round (the machine may be shared and
    loaded: each round's ratio compares two runs made seconds apart; report the median ratio)."""
    ensure_big_table(rows)
    url = f"{PG}/{BIG_DB}"
    options = DatabaseScanOptions(
        hash_key=b"b",
        workers=workers,
        full=True,
        batch_size=batch_size,
        filters=TableFilter(include_tables=("bench_orders",)),
    )
    out: list[dict[str, object]] = []
    for i in range(rounds):
        copy_label, copy_s = copy_seconds()
        started = time.perf_counter()
        report = scan_database(url, options)
        scan_s = time.perf_counter() - started
        out.append(
            {
                "round": i + 1,
                "rows": sum(report.rows_scanned.values()),
                "COPY s": round(copy_s, 2),
                "scan s": round(scan_s, 2),
                "ratio": round(scan_s / copy_s, 2),
                "card columns": ",".join(sorted({r.column for r in report.results if r.type in PROHIBITED})),
                "COPY kind": copy_label,
            }
        )
    return out


def many_tables(count: int) -> dict[str, object]:
    admin = sa.create_engine(f"{PG}/{ADMIN_DB}", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{MANY_DB}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{MANY_DB}"'))
    admin.dispose()
    engine = sa.create_engine(f"{PG}/{MANY_DB}")
    with engine.begin() as conn:
        for i in range(count):
            conn.execute(
                sa.text(
                    f"CREATE TABLE t{i:03d} AS SELECT g AS id, 'user' || g || '@example.jp' AS email, "  # noqa: S608
                    "md5(g::text) AS token, g * 7 AS total, '大阪府大阪市北区梅田' || g AS addr, "
                    "'090-' || lpad((1000 + g % 8000)::text, 4, '0') || '-1234' AS tel, now() AS created "
                    "FROM generate_series(1, 5000) g"
                )
            )
            conn.execute(sa.text(f"ALTER TABLE t{i:03d} ADD PRIMARY KEY (id)"))
        conn.execute(sa.text("ANALYZE"))
    engine.dispose()
    started = time.perf_counter()
    report = scan_database(f"{PG}/{MANY_DB}", DatabaseScanOptions(hash_key=b"b"))
    seconds = time.perf_counter() - started
    return {
        "tables": len(report.tables),
        "seconds": round(seconds, 1),
        "target seconds": 30,
        "columns with findings": len({(r.table, r.column) for r in report.results}),
    }


def table(rows: list[dict[str, object]]) -> str:
    if not rows:
        return ""
    keys = list(rows[0])
    widths = [max(len(k), *(len(str(r[k])) for r in rows)) for k in keys]
    lines = ["  ".join(k.ljust(w) for k, w in zip(keys, widths, strict=True))]
    lines += ["  ".join(str(r[k]).ljust(w) for k, w in zip(keys, widths, strict=True)) for r in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench/scan_db/run")
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--tables", type=int, default=200)
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--ratio-only", action="store_true", help="only the full scan / COPY ratio, interleaved")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=20000)
    args = parser.parse_args()
    if args.ratio_only:
        print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}; {args.workers} workers")
        print(f"PostgreSQL {PG}/{BIG_DB}, {args.rows:,} rows x 20 columns; COPY and full scan interleaved")
        result = ratio_rounds(args.rows, args.workers, args.rounds, args.batch_size)
        print(table(result))
        ratios = [float(str(r["ratio"])) for r in result]
        print(f"median full scan / COPY: {statistics.median(ratios):.2f}x  (target <= 1.5x)")
        return
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}\n")
    print("EC-CUBE-shaped shop databases (SQLite, 300 customers, 600 orders; sample 1,000 rows per table)")
    acc = accuracy(1000)
    print(table(acc))
    mamori_s = sum(float(r["seconds"]) for r in acc if r["tool"] == "mamori")  # type: ignore[arg-type]
    peer_s = sum(float(r["seconds"]) for r in acc if r["tool"] != "mamori")  # type: ignore[arg-type]
    print(f"time ratio presidio-structured / mamori: {peer_s / mamori_s:.2f}\n")
    if not args.skip_throughput:
        print(f"PostgreSQL {PG}/{BIG_DB} (password hidden), {args.rows:,} rows x 20 columns")
        print(f"load average {os.getloadavg()[0]:.1f} before the runs")
        speed = throughput(args.rows, args.workers)
        copy_label, copy_s = copy_seconds()
        speed.append(
            {
                "mode": copy_label,
                "shards": "-",
                "rows read": args.rows,
                "seconds": round(copy_s, 1),
                "rows/s": round(args.rows / copy_s),
                "card columns": "-",
            }
        )
        print(table(speed))
        full = speed[-2]
        print(f"ratio to target (full >= 200,000 rows/s on 2 cores): {float(full['rows/s']) / 200_000:.2f}")  # type: ignore[arg-type]
        ratio = float(full["seconds"]) / copy_s  # type: ignore[arg-type]
        print(f"full scan / {copy_label}: {ratio:.2f}x  (target <= 1.5x)\n")
        print(f"Sample mode over {args.tables} PostgreSQL tables (target: under 30 s)")
        print(table([many_tables(args.tables)]))


if __name__ == "__main__":
    main()
