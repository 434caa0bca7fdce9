"""Audit-trail verify benchmark: build a valid chain of N entries fast, then time ``verify_chain`` over it.

Run through ``bench/audit_verify/run``. Steps:
1. a fresh SQLite database in a temporary folder (or a fresh PostgreSQL database with --postgres), migrated;
2. N entries bulk-inserted with hashes computed by ``chain.values_hash`` (not through ``record``: that takes a
   row lock and a round trip per entry, which is the point of the live system but not of this benchmark);
3. the timed part: ``ChainReader`` streams the rows in seq order and ``verify_chain`` recomputes every hash
   and link, pinned to one CPU core. The peer is the target in the specification: 30 s for 1,000,000.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TARGET_SECONDS = 30.0
TARGET_ENTRIES = 1_000_000
BATCH = 20_000
ACTIONS = ("update", "create", "login", "view", "export", "download", "delete", "login_failed")
AGENT = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=TARGET_ENTRIES, help="chain length (default 1,000,000)")
    parser.add_argument(
        "--postgres",
        nargs="?",
        const="postgres://postgres@127.0.0.1:5432/postgres",
        metavar="URL",
        help="also run on PostgreSQL: a database 'bench_audit_verify' is created next to URL's and dropped after",
    )
    parser.add_argument("--cpu", type=int, default=None, help="CPU core to pin to (default: the first allowed)")
    parser.add_argument("--one", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)  # a child run
    args = parser.parse_args(argv)
    if args.one:
        return _child(args)
    results = [_in_child(args, "sqlite")]
    if args.postgres:
        results.append(_in_child(args, "postgres"))
    _print_table(results)
    return 0 if all(r["ok"] for r in results) else 1


def _in_child(args: argparse.Namespace, backend: str) -> dict[str, Any]:
    """Each database in its own process: Django's settings are fixed once it has started."""
    command = [sys.executable, __file__, "--one", backend, "--entries", str(args.entries)]
    if args.cpu is not None:
        command += ["--cpu", str(args.cpu)]
    if args.postgres:
        command += ["--postgres", args.postgres]
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=False)
    if done.returncode != 0:
        return {"label": backend, "entries": 0, "seconds": 0.0, "cpu": 0.0, "ok": False}
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _child(args: argparse.Namespace) -> int:
    _pin_to_one_core(args.cpu)
    if args.one == "sqlite":
        with tempfile.TemporaryDirectory(prefix="mamori-bench-audit-") as tmp:
            result = _run_sqlite(Path(tmp), args.entries)
    else:
        with tempfile.TemporaryDirectory(prefix="mamori-bench-audit-") as tmp:
            result = _run_postgres(args.postgres, Path(tmp), args.entries)
    print(json.dumps(result))
    return 0


def _pin_to_one_core(cpu: int | None) -> None:
    if hasattr(os, "sched_setaffinity"):
        allowed = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu if cpu is not None else allowed[0]})


def _setup_django(database_url: str | None, data_dir: Path) -> None:
    os.environ["MAMORI_DATA_DIR"] = str(data_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "mamori.settings"
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()


def _run_sqlite(tmp: Path, entries: int) -> dict[str, Any]:
    _setup_django(None, tmp)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    assert connection.vendor == "sqlite" and str(tmp) in str(connection.settings_dict["NAME"])
    return _build_and_verify("SQLite (same process)", entries)


def _run_postgres(url: str, tmp: Path, entries: int) -> dict[str, Any]:
    import psycopg

    admin_url = url.replace("postgres://", "postgresql://", 1)
    name = "bench_audit_verify"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    try:
        _setup_django(f"{url.rsplit('/', 1)[0]}/{name}", tmp)
        from django.core.management import call_command
        from django.db import connection

        assert connection.vendor == "postgresql"
        call_command("migrate", verbosity=0)
        return _build_and_verify("PostgreSQL (server on the same machine)", entries)
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name}")


def _build_and_verify(label: str, entries: int) -> dict[str, Any]:
    started = time.perf_counter()
    _, last_hash = _fill(entries)
    built = time.perf_counter() - started
    print(f"{label}: {entries:,} entries written in {built:.1f} s", file=sys.stderr)

    from mamori.audit.queries import ChainReader
    from mamori.audit.verify import verify_chain

    started, cpu_started = time.perf_counter(), time.process_time()
    reader = ChainReader()
    result = verify_chain(reader.rows(), reader.head)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    ok = result.ok and result.checked == entries and result.last_hash == last_hash
    if not ok:
        print(f"{label}: verification did not confirm the chain: {result}", file=sys.stderr)
    return {"label": label, "entries": result.checked, "seconds": seconds, "cpu": cpu, "ok": ok}


def _fill(entries: int) -> tuple[int, str]:
    """Insert ``entries`` valid entries in batches; return the last seq and hash (also written to the head)."""
    from django.db import connection, transaction

    from mamori.audit import chain
    from mamori.audit.models import AuditEntry, ChainHead

    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    columns = [*chain.HASHED_FIELDS, "hash"]
    changes_field = AuditEntry._meta.get_field("changes")
    placeholders = ", ".join(["%s"] * len(columns))
    insert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608 - constant names
    start = dt.datetime(2026, 1, 5, 0, 0, tzinfo=dt.UTC)
    previous = chain.GENESIS
    batch: list[tuple[Any, ...]] = []
    with transaction.atomic(), connection.cursor() as cursor:
        for seq in range(1, entries + 1):
            values = _entry_values(seq, start + dt.timedelta(seconds=seq * 7, microseconds=seq % 997), previous)
            previous = chain.values_hash(values)
            row = list(values)
            row[1] = connection.ops.adapt_datetimefield_value(values[1])
            row[12] = changes_field.get_db_prep_value(values[12], connection)
            batch.append((*row, previous))
            if len(batch) == BATCH:
                cursor.executemany(insert, batch)
                batch.clear()
        if batch:
            cursor.executemany(insert, batch)
        ChainHead.objects.update_or_create(pk=1, defaults={"seq": entries, "hash": previous})
    return entries, previous


def _entry_values(seq: int, when: dt.datetime, previous: str) -> list[Any]:
    """A realistic entry: an update of a ledger record by a named user from the office network."""
    action = ACTIONS[seq % len(ACTIONS)]
    changes = (
        {
            "purpose": ["顧客対応", "顧客対応・発送"],
            "retention_days": [365, 730],
            "updated_at": [None, when.isoformat()],
        }
        if action in {"update", "create", "delete"}
        else {}
    )
    return [
        seq,
        when,
        1 + seq % 40,
        f"user{seq % 40:02d}",
        "staff",
        "web",
        f"192.168.{seq % 7}.{seq % 250}",
        AGENT,
        action,
        "ledger.ledgerentry",
        str(seq % 5000),
        f"会員名簿 {seq % 5000}",
        changes,
        "" if changes else "台帳を参照",
        previous,
    ]


def _print_table(results: list[dict[str, Any]]) -> None:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    print(f"\nAudit verify benchmark — {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"pinned to one core; load average {load}; target: 1,000,000 entries in 30 s")
    print(
        "wall s: elapsed time; CPU s: this process's CPU time (SQLite runs inside it; PostgreSQL's server does not)\n"
    )
    cells = (f"{'database':<40}", f"{'entries':>9}", f"{'wall s':>7}", f"{'CPU s':>7}", f"{'entries/s':>9}")
    header = "| " + " | ".join((*cells, f"{'target s':>8}", f"{'target/actual':>13}")) + " |"
    print(header)
    print("|" + "|".join("-" * (len(cell)) for cell in header.split("|")[1:-1]) + "|")
    for r in results:
        seconds, cpu, entries = float(r["seconds"]), float(r["cpu"]), int(r["entries"])
        target = TARGET_SECONDS * entries / TARGET_ENTRIES  # the target scales with the chain length
        rate = entries / seconds if seconds else 0.0
        ratio = target / seconds if seconds else 0.0
        mark = "" if r["ok"] else " FAILED"
        numbers = f"{entries:>9,} | {seconds:>7.1f} | {cpu:>7.1f} | {rate:>9,.0f} | {target:>8.1f} | {ratio:>12.2f}x"
        print(f"| {r['label']:<40} | {numbers} |{mark}")


if __name__ == "__main__":
    raise SystemExit(main())
