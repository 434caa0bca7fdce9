"""Producers of preserved copies (証拠保全コピーの作成): each yields the copy as bytes chunks.

Nothing here imports Django: every producer is a generator that reads its source read-only and yields the
copy in chunks of about ``CHUNK`` bytes, so the caller can hash and encrypt it on the way into the locker
without the copy ever being held in memory or written anywhere in clear (except the SQLite backup's own
temporary file, which is private and removed as soon as it has been read).

- SQLite: the online backup API from a read-only connection into a private temporary file (a consistent
  snapshot even while the shop keeps writing), checked with ``PRAGMA quick_check``, then streamed.
- PostgreSQL: ``pg_dump --format=custom`` (restore with ``pg_restore``); MySQL/MariaDB: ``mysqldump
  --single-transaction --quick`` compressed with gzip. Passwords go through the environment (``PGPASSWORD``)
  or a private option file, never the command line (where every user of the machine could read them).
- Without those tools: a **logical export** through the scanner's read-only connection, in one consistent
  read-only transaction (PostgreSQL REPEATABLE READ READ ONLY; MySQL START TRANSACTION WITH CONSISTENT
  SNAPSHOT, READ ONLY). Format: see :func:`logical_export`; read back with :func:`load_export`.
- Files and folders: an uncompressed tar (POSIX pax) written as it is read, with ``manifest.json`` (the
  SHA-256 of every file) as its last member. Symbolic links are stored as links, never followed.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import gzip
import hashlib
import io
import json
import math
import os
import shutil
import sqlite3
import stat
import subprocess
import tarfile
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

CHUNK = 1024 * 1024
EXPORT_FORMAT = "mamori-logical-export"
EXPORT_VERSION = 1
FILES_FORMAT = "mamori-file-preservation"
MANIFEST_NAME = "manifest.json"
# fraction done (0..1), and a short message for the job page
Progress = Callable[[float, str], None]


class DumpError(Exception):
    """The copy could not be made; the message says why and never holds a password."""


def _quiet(_fraction: float, _message: str) -> None:
    return None


@dataclass
class DumpInfo:
    """What a producer found out while it ran, for the evidence record: filled in as the chunks go by."""

    method: str = ""
    file_extension: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    manifest: dict[str, Any] | None = None


# --------------------------------------------------------------------------------------------------
# SQLite


def sqlite_backup(
    path: Path, info: DumpInfo, *, temp_dir: Path, progress: Progress = _quiet, pages_per_step: int = 2048
) -> Iterator[bytes]:
    """A consistent copy of the SQLite database at ``path`` through the online backup API.

    The source is opened read-only (``mode=ro``); the backup copies it page by page and starts again by
    itself when another process writes meanwhile, so the copy is one consistent state of the database.
    """
    info.method = "sqlite-backup"
    info.file_extension = "sqlite3"
    if not path.is_file():
        raise DumpError(f"SQLite database file not found: {path}")
    fd, name = tempfile.mkstemp(prefix="preserve-", suffix=".sqlite3", dir=temp_dir)  # 0600
    os.close(fd)
    copy = Path(name)
    try:
        _backup_into(path, copy, progress, pages_per_step)
        info.details.update(_sqlite_facts(copy))
        if info.details.get("quick_check") != "ok":
            raise DumpError(f"the copy failed SQLite's quick_check: {info.details.get('quick_check')}")
        yield from _file_chunks(copy)
    finally:
        copy.unlink(missing_ok=True)
        for extra in ("-journal", "-wal", "-shm"):
            Path(f"{copy}{extra}").unlink(missing_ok=True)


def _backup_into(path: Path, copy: Path, progress: Progress, pages_per_step: int) -> None:
    try:
        source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error as exc:
        raise DumpError(f"cannot open {path} read-only: {exc}") from None
    try:
        source.execute("PRAGMA query_only = ON")
        target = sqlite3.connect(copy)
        try:

            def step(_status: int, remaining: int, total: int) -> None:
                done = (total - remaining) / total if total else 1.0
                progress(done * 0.9, f"{total - remaining}/{total} pages")

            source.backup(target, pages=pages_per_step, progress=step, sleep=0)
        finally:
            target.close()
    except sqlite3.Error as exc:
        raise DumpError(f"the SQLite backup of {path} failed: {exc}") from None
    finally:
        source.close()


def _sqlite_facts(copy: Path) -> dict[str, Any]:
    conn = sqlite3.connect(f"{copy.resolve().as_uri()}?mode=ro", uri=True)
    try:
        check = conn.execute("PRAGMA quick_check").fetchone()
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        facts = {"quick_check": check[0] if check else "", "tables": len(names)}
        return {**facts, "sqlite_version": sqlite3.sqlite_version}
    finally:
        conn.close()


def _file_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            yield chunk


# --------------------------------------------------------------------------------------------------
# The databases' own dump tools


@dataclass(frozen=True)
class ServerTarget:
    """Where a PostgreSQL or MySQL database is, taken from its URL (the password only in memory)."""

    backend: str  # "postgresql" or "mysql"
    host: str
    port: int | None
    user: str
    password: str
    database: str
    options: dict[str, str] = field(default_factory=dict)  # the URL's query (sslmode, unix_socket…)

    @classmethod
    def from_url(cls, url: Any) -> ServerTarget:
        """From a SQLAlchemy URL."""
        backend = url.get_backend_name()
        kind = "postgresql" if backend == "postgresql" else "mysql"
        query = {k: v if isinstance(v, str) else v[-1] for k, v in dict(url.query).items()}
        return cls(kind, url.host or "", url.port, url.username or "", url.password or "", url.database or "", query)


def dump_tool(backend: str) -> str | None:
    """The path of the dump tool for ``backend`` on this machine, or None."""
    names = ("pg_dump",) if backend == "postgresql" else ("mysqldump", "mariadb-dump")
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return None


def pg_dump(
    target: ServerTarget,
    info: DumpInfo,
    *,
    tool: str,
    progress: Progress = _quiet,
    expected_bytes: int | None = None,
    lock_wait_s: float = 60,
    connect_timeout_s: float = 10,
) -> Iterator[bytes]:
    """``pg_dump --format=custom`` (compressed, one REPEATABLE READ snapshot, restore with pg_restore)."""
    info.method = "pg_dump"
    info.file_extension = "pgdump"
    info.details["tool_version"] = _version(tool)
    env = _clean_env("PG")
    env.update(
        {
            "PGHOST": target.host or "localhost",
            "PGUSER": target.user,
            "PGDATABASE": target.database,
            "PGAPPNAME": "mamori-preserve",
            "PGCONNECT_TIMEOUT": str(max(2, math.ceil(connect_timeout_s))),
            # belt and braces: pg_dump only reads, and this session could not write even if it tried
            "PGOPTIONS": "-c default_transaction_read_only=on",
        }
    )
    if target.port:
        env["PGPORT"] = str(target.port)
    if target.password:
        env["PGPASSWORD"] = target.password
    if "sslmode" in target.options:
        env["PGSSLMODE"] = target.options["sslmode"]
    lock_ms = max(1, int(lock_wait_s * 1000))
    command = [tool, "--format=custom", "--no-password", f"--lock-wait-timeout={lock_ms}"]
    yield from _run_tool(command, env, target, progress, expected_bytes)


def mysqldump(
    target: ServerTarget,
    info: DumpInfo,
    *,
    tool: str,
    temp_dir: Path,
    progress: Progress = _quiet,
    expected_bytes: int | None = None,
) -> Iterator[bytes]:
    """``mysqldump --single-transaction --quick`` (one consistent snapshot, rows streamed), gzip-compressed."""
    info.method = "mysqldump"
    info.file_extension = "sql.gz"
    info.details["tool_version"] = _version(tool)
    fd, name = tempfile.mkstemp(prefix="preserve-", suffix=".cnf", dir=temp_dir)  # 0600, read by the tool only
    options = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(_mysql_option_file(target))
        command = [
            tool,
            f"--defaults-extra-file={options}",  # must come first
            "--single-transaction",
            "--quick",
            "--hex-blob",
            "--no-tablespaces",
            "--default-character-set=utf8mb4",
            "--",
            target.database,
        ]
        env = _clean_env("MYSQL")
        yield from _gzip(_run_tool(command, env, target, progress, expected_bytes))
    finally:
        options.unlink(missing_ok=True)


def _mysql_option_file(target: ServerTarget) -> str:
    lines = ["[client]", f"user={_option_value(target.user)}"]
    if target.password:
        lines.append(f"password={_option_value(target.password)}")
    if "unix_socket" in target.options:
        lines.append(f"socket={_option_value(target.options['unix_socket'])}")
    else:
        lines.append(f"host={_option_value(target.host or '127.0.0.1')}")
        if target.port:
            lines.append(f"port={int(target.port)}")
    return "\n".join(lines) + "\n"


def _option_value(value: str) -> str:
    """A value for a MySQL option file: quoted, with the escapes the option-file reader understands."""
    if "\n" in value or "\r" in value:
        raise DumpError("a user name or password holding a line break cannot be passed to mysqldump")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _clean_env(prefix: str) -> dict[str, str]:
    """This process's environment without the tool's own variables (the tool gets only what we set)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefix)}
    env["LC_ALL"] = "C.UTF-8"  # messages in English, to be shown as they are
    return env


def _version(tool: str) -> str:
    try:
        done = subprocess.run([tool, "--version"], capture_output=True, text=True, timeout=10, check=False)  # noqa: S603
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout.strip().splitlines()[0] if done.stdout.strip() else ""


def _run_tool(
    command: Sequence[str], env: dict[str, str], target: ServerTarget, progress: Progress, expected: int | None
) -> Iterator[bytes]:
    """Run a dump tool and yield its standard output; on failure ``DumpError`` with its last error lines."""
    with tempfile.TemporaryFile() as errors:
        try:
            proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, env=env)  # noqa: S603
        except OSError as exc:
            raise DumpError(f"cannot start {command[0]}: {exc.strerror}") from None
        assert proc.stdout is not None
        written = 0
        finished = False
        try:
            while chunk := proc.stdout.read(CHUNK):
                written += len(chunk)
                fraction = min(0.95, written / expected) if expected else 0.5
                progress(fraction, f"{written // (1024 * 1024)} MiB")
                yield chunk
            finished = True
        finally:
            if not finished:
                proc.kill()  # the caller stopped (job cancelled, locker full): no dump left running
            status = proc.wait()
        if status != 0:
            errors.seek(0)
            text = errors.read()[-4000:].decode("utf-8", "replace")
            raise DumpError(_tool_message(command[0], status, text, target))


def _tool_message(tool: str, status: int, text: str, target: ServerTarget) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    detail = "; ".join(lines[-3:])[:500] or f"exit status {status}"
    if target.password:
        detail = detail.replace(target.password, "********")
    return f"{Path(tool).name} failed: {detail}"


def _gzip(chunks: Iterable[bytes]) -> Iterator[bytes]:
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)  # wbits 31: a gzip stream
    pending = bytearray()
    for chunk in chunks:
        pending += compressor.compress(chunk)
        if len(pending) >= CHUNK:
            yield bytes(pending)
            pending.clear()
    pending += compressor.flush()
    if pending:
        yield bytes(pending)


# --------------------------------------------------------------------------------------------------
# Logical export through the scanner's read-only connection
#
# One gzip stream of JSON Lines (UTF-8), one JSON object per line:
#   {"format": "mamori-logical-export", "version": 1, "backend": ..., "database": ..., "exported_at": ...,
#    "consistency": ...}                                                         first line
#   {"table": {"schema": ..., "name": ..., "columns": [...], "types": [...], "key": [...]}}   before its rows
#   {"row": [v1, v2, ...]}                                                       one per row, in key order
#   {"end_table": {"name": ..., "rows": n}}                                      after the table's rows
#   {"end": {"tables": k, "rows": total}}                                        last line (absent = cut short)
# Values: JSON null/bool/number/string as they are; other types as one-key objects:
#   {"$bytes": base64}, {"$decimal": "1.50"}, {"$datetime"|"$date"|"$time": ISO 8601},
#   {"$interval": seconds}, {"$float": "nan"|"inf"|"-inf"}, {"$json": value} (a JSON column's object),
#   {"$text": str(value)} for anything else (UUIDs, network addresses…). Arrays are JSON arrays.


def logical_export(
    engine: Any,
    info: DumpInfo,
    *,
    list_tables: Callable[[Any], list[Any]],
    batches: Callable[..., Iterator[tuple[list[Any], Any]]],
    estimated_rows: Callable[[Any, Any], int | None],
    progress: Progress = _quiet,
    batch_size: int = 5000,
) -> Iterator[bytes]:
    """Every table of ``engine`` (a read-only SQLAlchemy engine) in one consistent read-only transaction.

    The scanner's ``list_tables``, ``batches`` and ``estimated_rows`` are passed in, so this module imports
    neither SQLAlchemy nor the scanner when only the other producers are used.
    """
    info.method = "logical-export"
    info.file_extension = "jsonl.gz"
    backend = engine.url.get_backend_name()
    found = list_tables(engine)
    with _snapshot(engine, backend) as (conn, consistency):
        header = {
            "format": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "backend": backend,
            "database": engine.url.database,
            "exported_at": dt.datetime.now(dt.UTC).isoformat(),
            "consistency": consistency,
        }
        info.details["consistency"] = consistency
        estimates = [max(0, estimated_rows(conn, t) or 0) for t in found]
        total = max(1, sum(estimates))
        yield from _gzip(_export_lines(conn, found, header, batches, batch_size, total, progress, info))


class _snapshot:
    """One read-only transaction that sees one state of the whole database; closed (rolled back) on exit."""

    def __init__(self, engine: Any, backend: str) -> None:
        self.engine = engine
        self.backend = backend
        self.conn: Any = None

    def __enter__(self) -> tuple[Any, str]:
        if self.backend == "postgresql":
            self.conn = self.engine.connect().execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
            self.conn.exec_driver_sql("SELECT 1")  # the snapshot is taken at the first statement
            return self.conn, "REPEATABLE READ READ ONLY"
        if self.backend in ("mysql", "mariadb"):
            self.conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            self.conn.exec_driver_sql("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            self.conn.exec_driver_sql("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
            return self.conn, "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY"
        self.conn = self.engine.connect()
        self.conn.exec_driver_sql("BEGIN")  # SQLite: one read transaction holds one snapshot
        return self.conn, "BEGIN (read-only connection)"

    def __exit__(self, *exc: object) -> None:
        try:
            if self.backend in ("mysql", "mariadb", "sqlite"):
                self.conn.exec_driver_sql("ROLLBACK")
            else:
                self.conn.rollback()
        except Exception:  # noqa: S110 - closing below ends the transaction anyway
            pass
        finally:
            self.conn.close()


def _export_lines(
    conn: Any,
    found: list[Any],
    header: dict[str, Any],
    batches: Callable[..., Iterator[tuple[list[Any], Any]]],
    batch_size: int,
    total: int,
    progress: Progress,
    info: DumpInfo,
) -> Iterator[bytes]:
    yield _line(header)
    done = 0
    counts: dict[str, int] = {}
    last_report = 0.0
    for table in found:
        yield _line({"table": _table_header(table)})
        rows_here = 0
        for rows, _last in batches(conn, table, batch_size):
            out = bytearray()
            for row in rows:
                out += _line({"row": [_encode(v) for v in row]})
            rows_here += len(rows)
            done += len(rows)
            yield bytes(out)
            if time.monotonic() - last_report > 0.5:
                progress(min(0.95, done / total), f"{table.qualified}: {rows_here} rows")
                last_report = time.monotonic()
        counts[table.qualified] = rows_here
        yield _line({"end_table": {"name": table.qualified, "rows": rows_here}})
    yield _line({"end": {"tables": len(found), "rows": done}})
    info.details["tables"] = counts
    info.details["rows"] = done


def _table_header(table: Any) -> dict[str, Any]:
    return {
        "schema": table.schema,
        "name": table.name,
        "columns": list(table.columns),
        "types": list(table.column_types),
        "key": list(table.key),
    }


def _line(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8") + b"\n"


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"$float": str(value)}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, decimal.Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, dt.time):
        return {"$time": value.isoformat()}
    if isinstance(value, dt.timedelta):
        return {"$interval": value.total_seconds()}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {"$json": value}
    return {"$text": str(value)}


_DECODERS: dict[str, Callable[[Any], Any]] = {
    "$bytes": lambda v: base64.b64decode(v),
    "$decimal": decimal.Decimal,
    "$datetime": dt.datetime.fromisoformat,
    "$date": dt.date.fromisoformat,
    "$time": dt.time.fromisoformat,
    "$interval": lambda v: dt.timedelta(seconds=v),
    "$float": float,
    "$json": lambda v: v,
    "$text": str,
}


def decode_value(value: Any) -> Any:
    """A value of the export back as Python (bytes, Decimal, datetime…)."""
    if isinstance(value, list):
        return [decode_value(v) for v in value]
    if isinstance(value, dict) and len(value) == 1:
        ((tag, inner),) = value.items()
        if tag in _DECODERS:
            return _DECODERS[tag](inner)
    return value


@dataclass
class ExportedTable:
    schema: str | None
    name: str
    columns: list[str]
    types: list[str]
    key: list[str]
    rows: list[list[Any]] = field(default_factory=list)

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name


@dataclass
class ExportContents:
    header: dict[str, Any]
    tables: dict[str, ExportedTable]
    complete: bool  # the closing line was there: the export was not cut short


def load_export(handle: IO[bytes]) -> ExportContents:
    """Read a logical export (the gzip file) back into memory: for checks and small restores."""
    header: dict[str, Any] = {}
    tables: dict[str, ExportedTable] = {}
    current: ExportedTable | None = None
    complete = False
    with gzip.open(handle, "rt", encoding="utf-8") as lines:
        for number, text in enumerate(lines):
            record = json.loads(text)
            if number == 0:
                if record.get("format") != EXPORT_FORMAT:
                    raise DumpError("not a Mamori logical export")
                header = record
            elif "row" in record and current is not None:
                current.rows.append([decode_value(v) for v in record["row"]])
            elif "table" in record:
                t = record["table"]
                current = ExportedTable(t["schema"], t["name"], t["columns"], t["types"], t["key"])
                tables[current.qualified] = current
            elif "end" in record:
                complete = True
    return ExportContents(header, tables, complete)


# --------------------------------------------------------------------------------------------------
# Files and folders


@dataclass(frozen=True)
class _Entry:
    path: Path  # absolute, as found (never resolved through a link)
    arcname: str
    kind: str  # "file", "dir", "symlink", or "other" (not copied)
    size: int


def walk_entries(roots: Sequence[Path]) -> tuple[list[_Entry], list[str]]:
    """Every folder, file and link under ``roots`` (links not followed), with its name in the tar."""
    entries: list[_Entry] = []
    problems: list[str] = []
    seen: set[str] = set()
    for root in roots:
        for path in _walk(root):
            arcname = path.as_posix().lstrip("/")
            if arcname in seen:
                continue
            seen.add(arcname)
            try:
                st = path.lstat()
            except OSError as exc:
                problems.append(f"{path}: {exc.strerror}")
                continue
            kind = _kind(st.st_mode)
            if kind == "other":
                problems.append(f"{path}: not a regular file, folder or link; not copied")
                continue
            entries.append(_Entry(path, arcname, kind, st.st_size if kind == "file" else 0))
    return entries, problems


def _walk(root: Path) -> Iterator[Path]:
    yield root
    if root.is_symlink() or not root.is_dir():
        return
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs.sort()
        for name in [*dirs, *sorted(files)]:
            yield Path(folder) / name


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "symlink"
    if stat.S_ISDIR(mode):
        return "dir"
    if stat.S_ISREG(mode):
        return "file"
    return "other"


def files_tar(roots: Sequence[Path], info: DumpInfo, *, progress: Progress = _quiet) -> Iterator[bytes]:
    """A tar of ``roots`` with ``manifest.json`` (every file's SHA-256) last; ``info.manifest`` gets it too.

    The tar is written as the files are read: headers are made by hand so that no file is held in memory.
    A file that changes size while it is read is stored as it was read and named in the manifest's problems.
    """
    info.method = "files-tar"
    info.file_extension = "tar"
    entries, problems = walk_entries(roots)
    total = max(1, sum(e.size for e in entries))
    done = 0
    files: list[dict[str, Any]] = []
    last_report = 0.0
    for entry in entries:
        try:
            if entry.kind == "file":
                digest = hashlib.sha256()
                for piece in _tar_file(entry, digest, problems):
                    done += len(piece)
                    yield piece
                    if time.monotonic() - last_report > 0.5:
                        progress(min(0.99, done / total), entry.arcname[-120:])
                        last_report = time.monotonic()
                files.append(_manifest_row(entry, digest.hexdigest()))
            else:
                yield _header(entry)
        except OSError as exc:
            problems.append(f"{entry.path}: {exc.strerror or exc}")
    manifest = {
        "format": FILES_FORMAT,
        "version": 1,
        "created_at": dt.datetime.now(dt.UTC).isoformat(),
        "roots": [str(r) for r in roots],
        "files": files,
        "links": [{"path": e.arcname, "target": os.readlink(e.path)} for e in entries if e.kind == "symlink"],
        "problems": problems,
    }
    info.manifest = manifest
    info.details.update({"files": len(files), "bytes": sum(f["size"] for f in files), "problems": len(problems)})
    body = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
    member = tarfile.TarInfo(MANIFEST_NAME)
    member.size = len(body)
    member.mtime = int(time.time())
    member.mode = 0o600
    yield member.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape") + body + _padding(len(body))
    yield b"\0" * (tarfile.BLOCKSIZE * 2)  # end of archive
    progress(1.0, "")


def _manifest_row(entry: _Entry, sha256: str) -> dict[str, Any]:
    st = entry.path.lstat()
    return {
        "path": entry.arcname,
        "size": entry.size,
        "sha256": sha256,
        "mtime": dt.datetime.fromtimestamp(st.st_mtime, dt.UTC).isoformat(),
        "mode": oct(stat.S_IMODE(st.st_mode)),
    }


def _tarinfo(entry: _Entry) -> tarfile.TarInfo:
    st = entry.path.lstat()
    member = tarfile.TarInfo(entry.arcname)
    member.mtime = int(st.st_mtime)
    member.mode = stat.S_IMODE(st.st_mode)
    member.uid, member.gid = st.st_uid, st.st_gid
    if entry.kind == "dir":
        member.type = tarfile.DIRTYPE
    elif entry.kind == "symlink":
        member.type = tarfile.SYMTYPE
        member.linkname = os.readlink(entry.path)
    else:
        member.size = entry.size
    return member


def _header(entry: _Entry) -> bytes:
    return _tarinfo(entry).tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")


def _tar_file(entry: _Entry, digest: Any, problems: list[str]) -> Iterator[bytes]:
    """The member's header, then exactly ``entry.size`` bytes of it (zeros if it shrank), then padding."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)  # a file swapped for a link meanwhile is refused
    fd = os.open(entry.path, flags)
    with os.fdopen(fd, "rb") as handle:
        yield _header(entry)
        left = entry.size
        while left > 0:
            try:
                piece = handle.read(min(CHUNK, left))
            except OSError as exc:  # the header is out: the member must still get its full size
                problems.append(f"{entry.path}: {exc.strerror or exc} while reading")
                piece = b""
            if not piece:
                problems.append(f"{entry.path}: shorter than when the copy began; the missing bytes are zeros")
                filler = b"\0" * left
                digest.update(filler)
                yield filler
                break
            digest.update(piece)
            left -= len(piece)
            yield piece
        if handle.read(1):
            problems.append(f"{entry.path}: grew while it was read; stored up to its size when the copy began")
    yield _padding(entry.size)


def _padding(size: int) -> bytes:
    rest = size % tarfile.BLOCKSIZE
    return b"\0" * (tarfile.BLOCKSIZE - rest) if rest else b""


def read_manifest(handle: IO[bytes]) -> dict[str, Any]:
    """The manifest of a files preservation (a tar stream)."""
    with tarfile.open(fileobj=handle, mode="r|") as archive:
        for member in archive:
            if member.name == MANIFEST_NAME:
                extracted = archive.extractfile(member)
                if extracted is not None:
                    loaded: dict[str, Any] = json.loads(extracted.read().decode("utf-8"))
                    return loaded
    raise DumpError("the archive holds no manifest.json")


def collect(chunks: Iterable[bytes]) -> io.BytesIO:
    """All chunks in one buffer (for tests and small copies)."""
    buffer = io.BytesIO(b"".join(chunks))
    buffer.seek(0)
    return buffer
