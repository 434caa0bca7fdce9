"""`mamori scan`: find card data and personal information in files and directories.

Exit status: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage or input error.
``main`` takes the arguments after ``mamori scan`` (a leading ``scan`` word is accepted too).
"""

from __future__ import annotations

import argparse
import functools
import glob
import os
import re
import secrets
import sys
from collections.abc import Sequence
from typing import NoReturn, TextIO

from mamori.discovery.engine.database import looks_like_dsn
from mamori.discovery.engine.detectors import TYPES
from mamori.discovery.engine.distributed import ClusterError
from mamori.discovery.engine.output import (
    FORMATS,
    STREAMING,
    WRITERS,
    FindingStream,
    redact,
    summary_lines,
    write_table,
)
from mamori.discovery.engine.scan import ScanOptions, ScanReport, iter_file_results, list_files
from mamori.discovery.engine.types import ReadLimits, Severity

_SIZE = re.compile(r"(?i)\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*")
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


class UsageError(Exception):
    """A bad command line; reported as one line and exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def parse_size(text: str) -> int:
    """`500M`, `2G`, `10k`, `1.5GB` or a plain number of bytes."""
    match = _SIZE.fullmatch(text)
    if not match:
        raise argparse.ArgumentTypeError(f"invalid size {text!r} (examples: 500M, 2G, 1048576)")
    return int(float(match[1]) * _UNITS[match[2].lower()])


def _severity(text: str) -> Severity:
    try:
        return Severity.parse(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _workers(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"invalid worker count {text!r} (a whole number of 1 or more)")
    return int(text)


def _types(text: str) -> frozenset[str]:
    names = frozenset(t.strip() for t in text.split(",") if t.strip())
    unknown = sorted(names - TYPES.keys())
    if unknown or not names:
        known = ", ".join(sorted(TYPES))
        raise argparse.ArgumentTypeError(f"unknown type(s) {', '.join(unknown) or '(none)'} (known: {known})")
    return names


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="mamori scan",
        description="Find payment card data and personal information (個人情報) in files.",
        epilog="Exit status: 0 clean, 1 findings at or above --fail-on, 2 usage or input error.",
    )
    parser.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="files, directories or glob patterns — or database URLs (sqlite:///shop.db, postgresql://user@host/db, "
        "mysql://user@host/db)",
    )
    parser.add_argument("--format", choices=FORMATS, default="table", help="output format (default table)")
    parser.add_argument("--output", "-o", metavar="FILE", help="write the report here instead of stdout")
    parser.add_argument(
        "--workers",
        type=_workers,
        help="local worker processes (default: all cores); not with --dask, where the cluster's workers scan",
    )
    parser.add_argument(
        "--fail-on",
        type=_severity,
        default=Severity.LOW,
        metavar="SEVERITY",
        help="exit 1 when a finding is at least this severe: info, low, medium, high, critical (default low)",
    )
    parser.add_argument("--include", action="append", default=[], metavar="GLOB", help="only scan matching files")
    parser.add_argument("--exclude", action="append", default=[], metavar="GLOB", help="skip matching files")
    parser.add_argument("--max-file-size", type=parse_size, metavar="SIZE", help="skip larger files (e.g. 500M)")
    parser.add_argument("--follow-symlinks", action="store_true", help="follow symbolic links while walking")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar and no summary on stderr")
    parser.add_argument(
        "--all",
        action="store_true",
        dest="show_all",
        help="table: also list low-confidence findings (hidden behind a count by default)",
    )
    parser.add_argument("--types", type=_types, metavar="T1,T2", help="only these detectors")
    db = parser.add_argument_group("databases")
    db.add_argument(
        "--sample-rows",
        type=_positive,
        default=1000,
        metavar="N",
        help="rows read per table, spread over the table (default 1000)",
    )
    db.add_argument("--full", action="store_true", help="read every row, in primary-key order")
    db.add_argument("--batch-size", type=_positive, default=20000, metavar="N", help="rows per batch in --full")
    db.add_argument("--checkpoint", metavar="FILE", help="record progress of a --full scan here")
    db.add_argument("--resume", action="store_true", help="continue the --full scan recorded in --checkpoint")
    db.add_argument(
        "--dask",
        metavar="ADDRESS",
        help="run on a Dask cluster: tcp://host:8786 or a scheduler file (docs/scanner.md, 'Large scans on Dask')",
    )
    db.add_argument("--password-env", metavar="VAR", help="take the database password from this variable")
    db.add_argument("--password-file", metavar="FILE", help="take the database password from this file")
    db.add_argument(
        "--statement-timeout",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="cancel any query running longer (default 60)",
    )
    for name in ("include-schema", "exclude-schema", "include-table", "exclude-table"):
        db.add_argument(
            f"--{name}",
            action="append",
            default=[],
            metavar="PATTERN",
            help=f"{name.replace('-', ' ')} (glob pattern; repeatable)",
        )
    return parser


def _check_dask(args: argparse.Namespace) -> None:
    """--workers counts local processes; on a cluster the number of workers is the cluster's own."""
    if args.dask and args.workers is not None:
        raise UsageError(
            "--workers does not apply with --dask: the cluster's workers do the scan "
            "(start more with `dask worker tcp://SCHEDULER:8786 --nworkers N`)"
        )


def _dask_password_warning(args: argparse.Namespace) -> None:
    """A password written in the URL is sent to every Dask worker inside each task; say so once."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    for url in args.paths:
        try:
            has_password = make_url(url).password is not None
        except ArgumentError:  # a bad URL is reported by the scan itself
            has_password = False
        if has_password and not args.quiet:
            sys.stderr.write(
                "mamori scan: warning: the database password in the URL is sent to the Dask workers with every "
                "task; set it on the workers instead with --password-env VAR or --password-file FILE\n"
            )
            return


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


def _check_paths(paths: Sequence[str]) -> None:
    for path in paths:
        if glob.has_magic(path):
            if not glob.glob(path, recursive=True):
                raise UsageError(f"no file matches {path!r}")
        elif not os.path.lexists(path):
            raise UsageError(f"no such file or directory: {path!r}")


def _expand(paths: Sequence[str]) -> list[str]:
    out: list[str] = []
    for path in paths:
        out.extend(sorted(glob.glob(path, recursive=True)) if glob.has_magic(path) else [path])
    return out


def _options(args: argparse.Namespace) -> ScanOptions:
    limits = ReadLimits(follow_symlinks=args.follow_symlinks, include=tuple(args.include), exclude=tuple(args.exclude))
    if args.max_file_size is not None:
        limits.max_file_size = args.max_file_size
    env_key = os.environ.get("MAMORI_SCAN_HASH_KEY")
    hash_key = env_key.encode("utf-8") if env_key else secrets.token_bytes(32)
    return ScanOptions(workers=args.workers, hash_key=hash_key, limits=limits, types=args.types)


def _run(args: argparse.Namespace, stream: FindingStream | None = None) -> ScanReport:
    """Scan; with a ``stream``, findings are written as each file is done and not kept in the report."""
    paths = _expand(args.paths)
    options = _options(args)
    files, listing_problems = list_files(paths, options.limits)
    report = ScanReport(problems=list(listing_problems), keep_findings=stream is None)
    show_progress = not args.quiet and sys.stderr.isatty()
    progress = None
    if show_progress:
        from tqdm import tqdm

        tqdm.monitor_interval = 0  # no monitor thread in a process that forks workers
        progress = tqdm(total=len(files), unit="file", file=sys.stderr, leave=False)
    try:
        if args.dask:
            from mamori.discovery.engine.distributed import file_results

            results = file_results(files, options, args.dask)
        else:
            results = iter_file_results(paths, options, files=files)
        for result in results:
            report.add(result)
            if stream is not None:
                stream.write(result.findings)
            if progress is not None:
                progress.update(1)
    finally:
        if progress is not None:
            progress.close()
    return report


def _run_streaming(args: argparse.Namespace) -> ScanReport:
    """JSON Lines and CSV are written while the scan runs; an output file appears whole at the end (it is
    written beside its final name and renamed), never half-written."""
    if args.output is None:
        report = _run(args, FindingStream(args.format, sys.stdout))
        sys.stdout.flush()
        return report
    partial = f"{args.output}.partial"
    try:
        with open(partial, "w", encoding="utf-8", newline="") as handle:
            report = _run(args, FindingStream(args.format, handle))
        os.replace(partial, args.output)
    except OSError as error:
        raise UsageError(f"cannot write {args.output!r}: {error.strerror or error}") from None
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    return report


def _write(report: ScanReport, fmt: str, output: str | None, show_all: bool = False) -> None:
    writer = functools.partial(write_table, show_all=show_all) if fmt == "table" else WRITERS[fmt]
    if output is None:
        writer(report, sys.stdout)
        sys.stdout.flush()
        return
    try:
        with open(output, "w", encoding="utf-8", newline="") as handle:
            writer(report, handle)
    except OSError as error:
        raise UsageError(f"cannot write {output!r}: {error.strerror or error}") from None


def _print_summary(report: ScanReport, stream: TextIO) -> None:
    stream.write("\n".join(summary_lines(report)) + "\n")


def main(argv: list[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if len(args_list) > 1 and args_list[0] == "scan":
        args_list = args_list[1:]
    parser = build_parser()
    try:
        args = parser.parse_args(args_list)
        _check_dask(args)
        if any(looks_like_dsn(p) for p in args.paths):
            return _scan_databases(args)
        _check_paths(args.paths)
        if args.format in STREAMING:
            report = _run_streaming(args)
        else:
            report = _run(args)
            _write(report, args.format, args.output, args.show_all)
    except UsageError as error:
        sys.stderr.write(f"{parser.format_usage()}mamori scan: error: {redact(str(error))}\n")
        return 2
    except ClusterError as error:
        sys.stderr.write(f"mamori scan: error: {error}\n")
        return 2
    except SystemExit as exit_:  # --help and --version
        return exit_.code if isinstance(exit_.code, int) else 0
    except BrokenPipeError:  # the reader of our output went away (`| head`)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("mamori scan: interrupted\n")
        return 130
    if not args.quiet and (args.format != "table" or args.output):
        _print_summary(report, sys.stderr)
    failing = report.max_severity is not None and report.max_severity >= args.fail_on
    return 1 if failing else 0


def _scan_databases(args: argparse.Namespace) -> int:
    """Scan database URLs; the same formats and exit codes as for files, one record per column and type."""
    from pathlib import Path

    from mamori.discovery.engine.database import output as db_output
    from mamori.discovery.engine.database.connect import Credentials, SourceError
    from mamori.discovery.engine.database.scan import DatabaseReport, DatabaseScanOptions, scan_database
    from mamori.discovery.engine.database.tables import TableFilter

    if not all(looks_like_dsn(p) for p in args.paths):
        raise UsageError("scan files and databases in separate runs")
    if args.dask:
        _dask_password_warning(args)
    options = DatabaseScanOptions(
        sample_rows=args.sample_rows,
        full=args.full,
        batch_size=args.batch_size,
        statement_timeout_s=args.statement_timeout,
        workers=args.workers,
        hash_key=_options(args).hash_key,
        resume=args.resume,
        dask=args.dask,
        checkpoint=Path(args.checkpoint) if args.checkpoint else None,
        credentials=Credentials(args.password_env, Path(args.password_file) if args.password_file else None),
        filters=TableFilter(
            tuple(args.include_schema), tuple(args.exclude_schema), tuple(args.include_table), tuple(args.exclude_table)
        ),
    )
    reports: list[DatabaseReport] = []
    try:
        for url in args.paths:
            reports.append(scan_database(url, options, _db_progress(args)))
    except SourceError as error:
        sys.stderr.write(f"mamori scan: error: {error}\n")
        return 2
    report = DatabaseReport(
        ", ".join(r.source for r in reports),
        [t for r in reports for t in r.tables],
        [c for r in reports for c in r.results],
        {f"{r.source} {t}": n for r in reports for t, n in r.rows_scanned.items()},
        [p for r in reports for p in r.problems],
    )
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8", newline="") as handle:
                db_output.WRITERS[args.format](report, handle)
        except OSError as error:
            raise UsageError(f"cannot write {args.output!r}: {error.strerror or error}") from None
    else:
        db_output.WRITERS[args.format](report, sys.stdout)
    if not args.quiet and (args.format != "table" or args.output):
        for r in reports:
            sys.stderr.write("\n".join(db_output.summary_lines(r)) + "\n")
    return 1 if any(c.severity >= args.fail_on for c in report.results) else 0


def _db_progress(args: argparse.Namespace):
    if args.quiet or not sys.stderr.isatty():
        return None

    def show(shard: str, rows: int) -> None:
        sys.stderr.write(f"\r  {shard}: {rows:,} rows\033[K")

    return show


if __name__ == "__main__":
    raise SystemExit(main())
