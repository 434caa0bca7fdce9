"""Backup and restore: the database and the uploaded files in one verifiable archive.

An archive is a tar file (optionally gzip-compressed) with three kinds of member:

``data/db.jsonl``
    every row of every model (all apps except sessions), one JSON object a line, models ordered so that
    referenced rows come first and rows ordered by primary key. Values use Django's field conversions with
    full microsecond datetimes, so the audit trail's hash chain survives and the file loads into SQLite or
    PostgreSQL alike.
``files/<path>``
    everything under ``MEDIA_ROOT``.
``audit/checkpoint.json``
    the audit chain head the rows hold, signed with the audit key (``mamori.audit.checkpoint``): restore
    refuses rows whose trail falls short of it, so audit entries cannot be cut out of a backup unnoticed.
``keys/<name>`` (only with ``include_keys``)
    the key files under ``MAMORI_DATA_DIR/keys/``. Left out by default: a backup alone then cannot
    decrypt stored secrets nor recompute fingerprints.
``manifest.json`` (last)
    format version, Mamori version, creation time, database vendor, the applied migrations per app,
    row counts per model, the audit chain head, and the SHA-256 and size of every other member.

Only ``MEDIA_ROOT`` is copied from the data directory, never the whole folder.

Restore reads and checks the whole archive into a staging folder before it touches anything, then
replaces the database in one transaction and swaps the files folder in just before that transaction
commits (and back again if the commit fails). See docs/operations.md for the guarantees.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import functools
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, models, reset_queries, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.encoding import is_protected_type
from tqdm import tqdm

import mamori
from mamori.accounts.policy import SYSTEM
from mamori.audit import checkpoint as audit_checkpoint
from mamori.audit import services as audit
from mamori.audit.chain import GENESIS
from mamori.audit.verify import Anchor, Head, VerifyResult, check_anchors
from mamori.core import keys

FORMAT = "mamori-backup"
# Version 2 adds the signed audit checkpoint (required) and optional key files.
FORMAT_VERSION = 2
SUPPORTED_FORMAT_VERSIONS = frozenset({1, 2})
MANIFEST = "manifest.json"
DATABASE_MEMBER = "data/db.jsonl"
FILES_PREFIX = "files/"
CHECKPOINT_MEMBER = "audit/checkpoint.json"
KEYS_PREFIX = "keys/"
# Sessions are left out on purpose: they are short-lived secrets, and after a restore every browser
# must sign in again (restore empties the table).
EXCLUDED_APPS = frozenset({"sessions"})
CHUNK = 1024 * 1024
MAX_MANIFEST_BYTES = 256 * 1024 * 1024
MAX_PROBLEMS_SHOWN = 10


class BackupError(Exception):
    """Writing a backup failed; the message says why. No partial archive is left behind."""


class BackupRefused(Exception):
    """A restore was refused (damaged, altered or mismatched archive). Nothing was changed."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    sha256: str
    size: int
    rows: int
    files: int
    counts: dict[str, int]
    keys: tuple[str, ...] = ()  # key files included (only when asked)


@dataclass
class VerifiedBackup:
    """What a verified archive holds; ``staging`` has ``db.jsonl`` and ``files/`` when extracted."""

    path: Path
    sha256: str
    manifest: dict[str, Any]
    staging: Path | None = None
    file_names: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(self.manifest["counts"].values())


@dataclass(frozen=True)
class RestoreResult:
    path: Path
    sha256: str
    created_at: str
    mamori_version: str
    rows: int
    files: int
    checkpoint_note: str = ""  # how the restored trail was checked against the backup's checkpoint
    keys: tuple[str, ...] = ()  # key files written back
    keys_set_aside: tuple[str, ...] = ()  # different key files that were there, renamed


# --------------------------------------------------------------------------------------------------
# Models and rows


def backup_models() -> list[type[models.Model]]:
    """Every model whose rows a backup holds, referenced models before the models that refer to them."""
    chosen = [
        model
        for model in apps.get_models(include_auto_created=True)
        if not model._meta.proxy
        and model._meta.managed
        and not model._meta.swapped
        and model._meta.app_label not in EXCLUDED_APPS
    ]
    return _dependency_order(sorted(chosen, key=lambda m: m._meta.label_lower))


def _dependency_order(chosen: list[type[models.Model]]) -> list[type[models.Model]]:
    remaining = {m: _references(m) & set(chosen) for m in chosen}
    ordered: list[type[models.Model]] = []
    while remaining:
        ready = [m for m, deps in remaining.items() if not deps - set(ordered)]
        # A cycle of foreign keys: take the first model; the database checks keys at commit anyway.
        for model in ready or [next(iter(remaining))]:
            ordered.append(model)
            del remaining[model]
    return ordered


def _references(model: type[models.Model]) -> set[type[models.Model]]:
    return {
        f.remote_field.model
        for f in model._meta.local_concrete_fields
        if f.remote_field is not None and f.remote_field.model is not model
    }


@functools.cache
def _stored_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [f for f in model._meta.local_concrete_fields if not getattr(f, "generated", False)]


def _dump_value(obj: models.Model, f: models.Field[Any, Any]) -> Any:
    # The same conversion as Django's serializers, so every field type round-trips through to_python.
    value = f.value_from_object(obj)
    return value if is_protected_type(value) else f.value_to_string(obj)


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()  # full microseconds: the audit hash covers them
    if isinstance(value, decimal.Decimal):
        return str(value)
    raise TypeError(f"cannot store {type(value).__name__} in a backup")


def _row_line(label: str, obj: models.Model, fields: list[models.Field[Any, Any]]) -> bytes:
    row = {"model": label, "fields": {f.attname: _dump_value(obj, f) for f in fields}}
    text = json.dumps(row, default=_json_default, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.encode() + b"\n"


def _load_value(f: models.Field[Any, Any], value: Any) -> Any:
    if value is None:
        return None
    if isinstance(f, models.ForeignKey):
        return f.target_field.to_python(value)
    return f.to_python(value)


# --------------------------------------------------------------------------------------------------
# Writing a backup


class _HashingWriter:
    def __init__(self, target: IO[bytes]) -> None:
        self.target = target
        self.hash = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self.hash.update(data)
        self.size += len(data)
        self.target.write(data)


class _HashingReader:
    """Hands a file to tarfile while hashing exactly the bytes that go into the archive."""

    def __init__(self, source: IO[bytes]) -> None:
        self.source = source
        self.hash = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        data = self.source.read(n)
        self.hash.update(data)
        self.size += len(data)
        return data


@contextlib.contextmanager
def read_snapshot(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """One read transaction that sees a single consistent state of the whole database."""
    connection = connections[using]
    if connection.in_atomic_block:
        # Inside a caller's transaction: its isolation decides what we see.
        yield
        return
    if connection.vendor == "sqlite":
        # Django's atomic() would BEGIN IMMEDIATE and block every writer; a deferred BEGIN takes a WAL
        # read snapshot at the first SELECT and lets the application keep writing.
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("ROLLBACK")
        return
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def applied_migrations(using: str = DEFAULT_DB_ALIAS) -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app_label, name in sorted(MigrationRecorder(connections[using]).applied_migrations()):
        applied.setdefault(app_label, []).append(name)
    return applied


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def list_media_files(root: Path) -> list[tuple[str, Path]]:
    """Regular files under ``root`` as (archive name, path), sorted; symbolic links are not followed."""
    found: list[tuple[str, Path]] = []
    if not root.is_dir():
        return found
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        for name in sorted(names):
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                found.append((FILES_PREFIX + path.relative_to(root).as_posix(), path))
    return found


def _tar_info(name: str, size: int, mtime: float | None = None) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(mtime if mtime is not None else timezone.now().timestamp())
    info.mode = 0o600
    info.uname = info.gname = ""
    return info


def default_backup_name(compress: bool = True) -> str:
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    return f"mamori-backup-{stamp}.tar" + (".gz" if compress else "")


def is_compressed_name(path: Path) -> bool:
    return path.name.endswith((".tar.gz", ".tgz"))


def create_backup(
    destination: Path,
    *,
    progress: bool = False,
    using: str = DEFAULT_DB_ALIAS,
    record: bool = True,
    include_keys: bool = False,
) -> BackupResult:
    """Write a consistent backup to ``destination`` (``.tar`` or ``.tar.gz``) and record it in the audit trail.

    The archive appears under its name only when complete (written to a temporary name, then renamed).
    The key files are in it only with ``include_keys``. Refused when the audit trail no longer contains
    its checkpoint: a backup must not launder a truncated trail into a newly signed one.
    """
    destination = destination.resolve()
    _refuse_destination(destination)
    handle, temp_name = tempfile.mkstemp(prefix=f".{destination.name}.", suffix=".partial", dir=destination.parent)
    temp_path = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as raw:
            with _open_for_writing(raw, compress=is_compressed_name(destination)) as tar:
                counts, file_count, key_names = _write_members(tar, destination.parent, progress, using, include_keys)
            raw.flush()
            os.fsync(raw.fileno())
        temp_path.replace(destination)
        _fsync_folder(destination.parent)
    except BaseException:
        temp_path.unlink(missing_ok=True)
        raise
    digest, size = file_sha256(destination)
    if record:
        audit.record(
            SYSTEM,
            "backup",
            object_type="backup",
            object_repr=destination.name,
            message=f"backup {destination.name} written: sha256 {digest}, {size} bytes, "
            f"{sum(counts.values())} rows, {file_count} files",
        )
    return BackupResult(destination, digest, size, sum(counts.values()), file_count, counts, key_names)


def _open_for_writing(raw: IO[bytes], *, compress: bool) -> tarfile.TarFile:
    if compress:
        # Level 6: nearly the size of level 9 at a fraction of the time (JSON lines compress well either way).
        return tarfile.open(fileobj=raw, mode="w:gz", format=tarfile.PAX_FORMAT, compresslevel=6)
    return tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT)


def _refuse_destination(destination: Path) -> None:
    media = _media_root().resolve()
    if destination == media or media in destination.parents:
        raise BackupError(f"{destination} is inside MEDIA_ROOT ({media}); write the backup somewhere else")
    if destination.exists():
        raise BackupError(f"{destination} already exists; choose another name")
    if not destination.parent.is_dir():
        raise BackupError(f"folder {destination.parent} does not exist")
    if not destination.name.endswith((".tar", ".tar.gz", ".tgz")):
        raise BackupError(f"{destination.name}: a backup file name must end in .tar or .tar.gz")


def _write_members(
    tar: tarfile.TarFile, scratch_dir: Path, progress: bool, using: str, include_keys: bool
) -> tuple[dict[str, int], int, tuple[str, ...]]:
    members: dict[str, dict[str, Any]] = {}
    # Read before the snapshot starts: every entry the checkpoint names was committed before it.
    live = _live_checkpoint()
    with tempfile.TemporaryFile(dir=scratch_dir) as rows_file, read_snapshot(using):
        migrations = applied_migrations(using)
        counts, head = _dump_rows(rows_file, members, progress, using)
        anchor = _anchor_snapshot(live, head, counts.get("audit.auditentry", 0), using)
        rows_file.seek(0)
        tar.addfile(_tar_info(DATABASE_MEMBER, members[DATABASE_MEMBER]["size"]), rows_file)
        # Listed and copied inside the snapshot window. Uploaded files are written before the row that
        # names them commits and never change afterwards, so every file the snapshot refers to is here.
        files = list_media_files(_media_root())
        _add_files(tar, files, members, progress)
    _add_bytes(tar, CHECKPOINT_MEMBER, anchor, members)
    key_names = _add_keys(tar, members) if include_keys else ()
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "mamori_version": mamori.__version__,
        "created_at": timezone.now().astimezone(dt.UTC).isoformat(),
        "database_vendor": connections[using].vendor,
        "migrations": migrations,
        "counts": counts,
        "audit_head": head,
        "keys_included": include_keys,
        "members": members,
    }
    data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
    tar.addfile(_tar_info(MANIFEST, len(data)), io.BytesIO(data))
    if head is not None:
        with contextlib.suppress(audit_checkpoint.CheckpointInvalid, OSError):
            audit_checkpoint.advance(head["seq"], head["hash"], counts.get("audit.auditentry", 0))
    return counts, len(files), key_names


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, members: dict[str, dict[str, Any]]) -> None:
    tar.addfile(_tar_info(name, len(data)), io.BytesIO(data))
    members[name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def _live_checkpoint() -> audit_checkpoint.Checkpoint | None:
    try:
        return audit_checkpoint.read()
    except audit_checkpoint.CheckpointInvalid as exc:
        raise BackupError(f"the audit checkpoint cannot be trusted: {exc}; run `mamori audit verify`") from None


def _anchor_snapshot(
    live: audit_checkpoint.Checkpoint | None, head: dict[str, Any] | None, count: int, using: str
) -> bytes:
    """The signed checkpoint for the snapshot's head, after checking the snapshot still holds the live one."""
    seq, hash_ = (head["seq"], head["hash"]) if head else (0, GENESIS)
    if live is not None:
        at = _audit_hash_at(live.seq, using)
        result = VerifyResult(count, seq, hash_, Head(seq, hash_), None)
        found = check_anchors(result, [Anchor(live.seq, live.hash, live.count, "the checkpoint")], at)
        if found is not None:
            raise BackupError(
                f"the audit trail no longer matches its checkpoint ({found.kind} at #{found.seq}: {found.detail}); "
                "run `mamori audit verify`"
            )
    try:
        return audit_checkpoint.sign_for_backup(seq, hash_, count)
    except audit_checkpoint.CheckpointInvalid as exc:
        raise BackupError(f"the audit checkpoint cannot be signed: {exc}") from None


def _audit_hash_at(seq: int, using: str) -> dict[int, str]:
    from mamori.audit.models import AuditEntry

    found = AuditEntry.objects.using(using).filter(seq=seq).values_list("hash", flat=True).first()
    return {seq: found} if found is not None else {}


def keys_folder() -> Path:
    return Path(settings.DATA_DIR) / "keys"


def _key_files() -> list[Path]:
    """Regular key files (retired ones included, hidden temporary files not); links are not followed."""
    folder = keys_folder()
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.is_symlink() and not p.name.startswith("."))


def _add_keys(tar: tarfile.TarFile, members: dict[str, dict[str, Any]]) -> tuple[str, ...]:
    names = []
    for path in _key_files():
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise BackupError(f"cannot read key file {path}: {exc.strerror or exc}") from None
        _add_bytes(tar, KEYS_PREFIX + path.name, data, members)
        names.append(path.name)
    return tuple(names)


def _dump_rows(
    target: IO[bytes], members: dict[str, dict[str, Any]], progress: bool, using: str
) -> tuple[dict[str, int], dict[str, Any] | None]:
    chosen = backup_models()
    expected = {m._meta.label_lower: m._base_manager.using(using).count() for m in chosen}
    writer = _HashingWriter(target)
    counts: Counter[str] = Counter()
    with tqdm(total=sum(expected.values()), unit=" rows", desc="database", disable=not progress) as bar:
        for model in chosen:
            label, fields = model._meta.label_lower, _stored_fields(model)
            for obj in model._base_manager.using(using).order_by("pk").iterator(chunk_size=2000):
                writer.write(_row_line(label, obj, fields))
                counts[label] += 1
                bar.update()
    members[DATABASE_MEMBER] = {"sha256": writer.hash.hexdigest(), "size": writer.size}
    return {label: counts[label] for label in expected}, _audit_head(using)


def _audit_head(using: str) -> dict[str, Any] | None:
    from mamori.audit.models import ChainHead

    head = ChainHead.objects.using(using).filter(pk=1).first()
    return {"seq": head.seq, "hash": head.hash} if head else None


def _add_files(
    tar: tarfile.TarFile, files: list[tuple[str, Path]], members: dict[str, dict[str, Any]], progress: bool
) -> None:
    total = sum(_size_or_zero(path) for _, path in files)
    with tqdm(total=total, unit="B", unit_scale=True, desc="files", disable=not progress) as bar:
        for name, path in files:
            try:
                with path.open("rb") as source:
                    stat = os.fstat(source.fileno())
                    reader = _HashingReader(source)
                    tar.addfile(_tar_info(name, stat.st_size, stat.st_mtime), reader)
            except OSError as exc:
                raise BackupError(f"cannot read uploaded file {path}: {exc.strerror or exc}") from None
            if reader.size != stat.st_size:
                raise BackupError(f"uploaded file {path} changed size while it was copied; run the backup again")
            members[name] = {"sha256": reader.hash.hexdigest(), "size": reader.size}
            bar.update(reader.size)


def _size_or_zero(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every file system lets a folder be opened for fsync
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def file_sha256(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


# --------------------------------------------------------------------------------------------------
# Verifying an archive


class _ArchiveReadError(Exception):
    """Reading a member's bytes failed part-way (a truncated or corrupt archive)."""


def _open_tar(path: Path, raw: IO[bytes]) -> tarfile.TarFile:
    try:
        return tarfile.open(fileobj=raw, mode="r:*")
    except tarfile.ReadError:
        raise BackupRefused(
            f"not a Mamori backup: {path.name} is not a tar or tar.gz archive (or is damaged beyond reading) "
            "— nothing was changed"
        ) from None


def _member_name_problem(name: str) -> str | None:
    if not name or name.startswith("/") or "\\" in name or (len(name) > 1 and name[1] == ":"):
        return f"member {name!r} has an absolute or unsafe path"
    parts = name.split("/")
    if any(part in {"", ".", ".."} for part in parts):
        return f"member {name!r} has an unsafe path ('..', '.' or empty parts)"
    return None


def _kind(member: tarfile.TarInfo) -> str:
    if member.isdir():
        return "a folder"
    if member.issym():
        return "a symbolic link"
    if member.islnk():
        return "a hard link"
    return "a special file"


def verify_backup(path: Path, *, staging: Path | None = None, progress: bool = False) -> VerifiedBackup:
    """Read the whole archive, check it against its manifest and (with ``staging``) extract it there.

    Raises BackupRefused naming every problem found. Nothing outside ``staging`` is written.
    """
    path = Path(path)
    if not path.is_file():
        raise BackupRefused(f"backup refused: {path} does not exist or is not a file — nothing was changed")
    digest, size = file_sha256(path)
    seen, manifest_bytes, problems = _read_members(path, size, staging, progress)
    if manifest_bytes is None:
        raise BackupRefused(
            f"not a Mamori backup: {MANIFEST} missing from {path.name} (the file may be truncated or is not a "
            "backup made by `mamori backup`) — nothing was changed"
        )
    manifest = _parse_manifest(manifest_bytes)
    problems += _compare_members(manifest, seen)
    if manifest["format_version"] >= 2 and CHECKPOINT_MEMBER not in manifest["members"]:
        problems.append(f"{MANIFEST} does not list the audit checkpoint {CHECKPOINT_MEMBER}")
    if problems:
        shown = problems[:MAX_PROBLEMS_SHOWN]
        more = f"; and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
        text = "; ".join(shown) + more
        ending = "; nothing was changed" if " — " in shown[-1] and not more else " — nothing was changed"
        raise BackupRefused(f"backup refused: {text}{ending}")
    files = sorted(name for name in seen if name.startswith(FILES_PREFIX))
    return VerifiedBackup(path, digest, manifest, staging, files)


def _read_members(
    path: Path, size: int, staging: Path | None, progress: bool
) -> tuple[dict[str, tuple[str, int]], bytes | None, list[str]]:
    seen: dict[str, tuple[str, int]] = {}
    problems: list[str] = []
    manifest_bytes: bytes | None = None
    try:
        with (
            path.open("rb") as raw,
            _open_tar(path, raw) as tar,
            tqdm(total=size, unit="B", unit_scale=True, desc="verify", disable=not progress) as bar,
        ):
            for member in tar:
                problem = _member_problem(member, seen)
                if problem:
                    problems.append(problem)
                    continue
                if member.name == MANIFEST:
                    manifest_bytes = _read_manifest_member(tar, member)
                    seen[MANIFEST] = ("", member.size)
                else:
                    seen[member.name] = _copy_member(tar, member, _staging_target(staging, member.name))
                bar.update(max(0, raw.tell() - bar.n))
    except (tarfile.TarError, EOFError, zlib.error, _ArchiveReadError) as exc:
        raise BackupRefused(
            f"backup refused: {path.name} is truncated or damaged ({exc}) — nothing was changed"
        ) from None
    return seen, manifest_bytes, problems


def _member_problem(member: tarfile.TarInfo, seen: dict[str, tuple[str, int]]) -> str | None:
    problem = _member_name_problem(member.name)
    if problem:
        return problem
    if not member.isreg():
        return f"member {member.name!r} is {_kind(member)}; a Mamori backup holds only regular files"
    if member.name in seen:
        return f"member {member.name!r} appears twice"
    allowed = (
        member.name in {MANIFEST, DATABASE_MEMBER, CHECKPOINT_MEMBER}
        or member.name.startswith(FILES_PREFIX)
        or (member.name.startswith(KEYS_PREFIX) and member.name.count("/") == 1)
    )
    if not allowed:
        return f"member {member.name!r} does not belong in a Mamori backup"
    return None


def _read_manifest_member(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    if member.size > MAX_MANIFEST_BYTES:
        raise BackupRefused(f"backup refused: {MANIFEST} is implausibly large — nothing was changed")
    stream = tar.extractfile(member)
    assert stream is not None  # regular file, checked above
    try:
        return stream.read()
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise _ArchiveReadError(str(exc)) from None


def _staging_target(staging: Path | None, name: str) -> Path | None:
    if staging is None:
        return None
    target = staging / ("db.jsonl" if name == DATABASE_MEMBER else name)
    # Names were checked already; this guards against anything the check missed.
    if staging.resolve() not in target.resolve().parents:
        raise BackupRefused(f"backup refused: member {name!r} points outside the archive — nothing was changed")
    return target


def _copy_member(tar: tarfile.TarFile, member: tarfile.TarInfo, target: Path | None) -> tuple[str, int]:
    stream = tar.extractfile(member)
    assert stream is not None
    digest, size = hashlib.sha256(), 0
    out: IO[bytes] | None = None
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        out = target.open("wb")
    try:
        while True:
            try:
                chunk = stream.read(CHUNK)
            except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
                raise _ArchiveReadError(str(exc) or type(exc).__name__) from None
            if not chunk:
                break
            digest.update(chunk)
            size += len(chunk)
            if out is not None:
                out.write(chunk)
    finally:
        if out is not None:
            out.close()
            if target is not None:
                os.utime(target, (member.mtime, member.mtime))
    return digest.hexdigest(), size


def _parse_manifest(data: bytes) -> dict[str, Any]:
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupRefused(f"backup refused: {MANIFEST} cannot be read ({exc}) — nothing was changed") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupRefused(f"not a Mamori backup: {MANIFEST} does not describe a Mamori backup — nothing was changed")
    version = manifest.get("format_version")
    if version not in SUPPORTED_FORMAT_VERSIONS:
        raise BackupRefused(
            f"backup refused: backup format version {version!r} is not known to Mamori {mamori.__version__} "
            f"(it reads {sorted(SUPPORTED_FORMAT_VERSIONS)}); restore it with the Mamori version that wrote it "
            f"({manifest.get('mamori_version', '?')}) — nothing was changed"
        )
    for key, kind in (("members", dict), ("counts", dict), ("migrations", dict)):
        if not isinstance(manifest.get(key), kind):
            raise BackupRefused(f"backup refused: {MANIFEST} has no valid {key!r} — nothing was changed")
    return manifest


def _compare_members(manifest: dict[str, Any], seen: dict[str, tuple[str, int]]) -> list[str]:
    problems: list[str] = []
    listed: dict[str, Any] = manifest["members"]
    if DATABASE_MEMBER not in listed:
        problems.append(f"{MANIFEST} does not list {DATABASE_MEMBER}")
    for name, expected in sorted(listed.items()):
        if not isinstance(expected, dict) or not {"sha256", "size"} <= set(expected):
            problems.append(f"{MANIFEST} entry for {name!r} has no sha256 and size")
        elif name not in seen:
            problems.append(f"member {name} listed in the manifest is missing from the archive")
        elif seen[name][1] != expected["size"]:
            problems.append(
                f"member {name} size mismatch (expected {expected['size']} bytes, got {seen[name][1]}) — "
                "the file is damaged or was altered"
            )
        elif seen[name][0] != expected["sha256"]:
            problems.append(
                f"member {name} sha256 mismatch (expected {expected['sha256']}, got {seen[name][0]}) — "
                "the file is damaged or was altered"
            )
    for name in sorted(set(seen) - set(listed) - {MANIFEST}):
        problems.append(f"member {name} is not listed in the manifest (extra member)")
    return problems


def migration_differences(manifest: dict[str, Any], using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Why this database cannot take the backup's rows, or an empty list when the schemas match."""
    from django.db.migrations.executor import MigrationExecutor

    connection = connections[using]
    executor = MigrationExecutor(connection)
    unapplied = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if unapplied:
        names = ", ".join(f"{m.app_label}.{m.name}" for m, _ in unapplied)
        return [f"this database has unapplied migrations ({names}); run `mamori migrate` first"]
    here = {(app, name) for app, names in applied_migrations(using).items() for name in names}
    there = {(app, str(name)) for app, names in manifest["migrations"].items() for name in names}
    problems = []
    if there - here:
        listed = ", ".join(f"{a}.{n}" for a, n in sorted(there - here))
        problems.append(f"the backup has migrations this installation has not: {listed}")
    if here - there:
        listed = ", ".join(f"{a}.{n}" for a, n in sorted(here - there))
        problems.append(f"this installation has migrations the backup has not: {listed}")
    if problems:
        problems.append(
            f"restore it with the Mamori version that wrote it ({manifest.get('mamori_version', '?')}), "
            "then upgrade and run `mamori migrate`"
        )
    return problems


# --------------------------------------------------------------------------------------------------
# Restoring


def restore_backup(
    path: Path, *, progress: bool = False, using: str = DEFAULT_DB_ALIAS, replace_keys: bool = False
) -> RestoreResult:
    """Replace the database and the uploaded files with the backup's, after verifying all of it.

    On any refusal or failure the current data and files are left as they were. The restored audit
    trail must reach the backup's signed checkpoint. Key files in the backup are written back after
    the data; one that differs from the key file already here is refused unless ``replace_keys``
    (the old one is then kept beside it, renamed).
    """
    media = _media_root().resolve()
    media.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{media.name}.restore-", dir=media.parent))
    try:
        (staging / "files").mkdir()
        verified = verify_backup(path, staging=staging, progress=progress)
        problems = migration_differences(verified.manifest, using)
        if problems:
            raise BackupRefused(
                "backup refused: it does not match this database's migrations: "
                + "; ".join(problems)
                + " — nothing was changed"
            )
        saved, note = _backup_checkpoint(staging)
        backup_keys = _backup_keys(staging)
        conflicts = [name for name, value in backup_keys.items() if _differs(name, value)]
        if conflicts and not replace_keys:
            raise BackupRefused(
                f"backup refused: it holds key files that differ from this installation's ({', '.join(conflicts)}); "
                "run again with --yes to replace them (the current ones are kept, renamed) — nothing was changed"
            )
        _replace_everything(verified, staging / "files", media, progress, using, saved)
        aside = _put_keys(backup_keys)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    ContentType.objects.clear_cache()
    _reanchor(using)
    return RestoreResult(
        verified.path,
        verified.sha256,
        str(verified.manifest.get("created_at", "")),
        str(verified.manifest.get("mamori_version", "")),
        verified.rows,
        len(verified.file_names),
        note,
        tuple(backup_keys),
        aside,
    )


def _backup_checkpoint(staging: Path) -> tuple[audit_checkpoint.Checkpoint | None, str]:
    """The backup's checkpoint, its signature checked with this installation's audit key or the backup's own.

    An installation without any audit key yet (a fresh one the backup is moved to) cannot check the
    signature: the trail is still checked against the checkpoint's values, and the note says what is missing.
    Where a key exists, a signature that matches neither it nor the backup's key is refused.
    """
    path = staging / CHECKPOINT_MEMBER
    if not path.is_file():  # format version 1 (verify_backup requires it from version 2 on)
        return None, "This backup has no audit checkpoint (written by an older Mamori): run `mamori audit verify`."
    candidates = []
    with contextlib.suppress(audit_checkpoint.CheckpointInvalid):
        candidates.append(audit_checkpoint.signing_key(create=False))
    included = staging / KEYS_PREFIX / audit_checkpoint.AUDIT_KEY.file_name
    if included.is_file():
        candidates.append(included.read_text(encoding="utf-8").strip().encode())
    try:
        saved = audit_checkpoint.parse(path.read_bytes(), candidates or None)
    except audit_checkpoint.CheckpointInvalid as exc:
        raise BackupRefused(
            f"backup refused: its audit checkpoint is not valid ({exc}); if the backup comes from another "
            f"installation, set {audit_checkpoint.AUDIT_KEY.env} to that installation's audit key or restore a "
            "backup made with --include-keys — nothing was changed"
        ) from None
    if not candidates:
        return saved, (
            "The audit trail reaches the backup's checkpoint, but its signature could not be checked: this "
            f"installation had no audit key ({audit_checkpoint.AUDIT_KEY.env}). A new key signs the checkpoint "
            "from now on."
        )
    return saved, "The audit trail reaches the backup's signed checkpoint; the checkpoint now follows it."


def _check_restored_trail(saved: audit_checkpoint.Checkpoint, using: str) -> None:
    """Inside the restore transaction: the loaded trail must reach the backup's checkpoint."""
    from mamori.audit.models import AuditEntry, ChainHead

    stored = ChainHead.objects.using(using).filter(pk=1).values_list("seq", "hash").first()
    seq, hash_ = stored if stored else (0, GENESIS)
    count = AuditEntry.objects.using(using).count()
    last = AuditEntry.objects.using(using).order_by("-seq").values_list("seq", flat=True).first() or 0
    result = VerifyResult(count, min(seq, last), hash_, Head(seq, hash_), None)
    found = check_anchors(
        result,
        [Anchor(saved.seq, saved.hash, saved.count, "the backup's checkpoint")],
        _audit_hash_at(saved.seq, using),
    )
    if found is not None:
        raise BackupRefused(
            f"backup refused: its audit trail was cut short or rewritten ({found.kind} at #{found.seq}: "
            f"{found.detail}) — nothing was changed"
        )


def _backup_keys(staging: Path) -> dict[str, str]:
    folder = staging / KEYS_PREFIX
    if not folder.is_dir():
        return {}
    return {p.name: p.read_text(encoding="utf-8").strip() for p in sorted(folder.iterdir()) if p.is_file()}


def _differs(name: str, value: str) -> bool:
    path = keys_folder() / name
    try:
        return path.read_text(encoding="utf-8").strip() != value
    except FileNotFoundError:
        return False
    except OSError:
        return True


def _put_keys(backup_keys: dict[str, str]) -> tuple[str, ...]:
    """Write the backup's key files (0600, folder 0700); a different existing one is renamed, never lost."""
    aside = []
    stamp = timezone.now().strftime("%Y%m%d%H%M%S")
    for name, value in backup_keys.items():
        path = keys_folder() / name
        if path.exists():
            if not _differs(name, value):
                continue
            kept = path.with_name(f"{name}.before-restore-{stamp}")
            path.rename(kept)
            aside.append(kept.name)
        keys.write_key_file(path, value)
    return tuple(aside)


def _reanchor(using: str) -> None:
    """The live checkpoint follows the restored trail, even backwards: a restore is recorded in the trail."""
    from mamori.audit.models import AuditEntry, ChainHead

    head = ChainHead.objects.using(using).filter(pk=1).first()
    if head is None:
        return
    with contextlib.suppress(audit_checkpoint.CheckpointInvalid, OSError):
        audit_checkpoint.replace(head.seq, head.hash, AuditEntry.objects.using(using).count())


def _replace_everything(
    verified: VerifiedBackup,
    new_files: Path,
    media: Path,
    progress: bool,
    using: str,
    saved: audit_checkpoint.Checkpoint | None,
) -> None:
    assert verified.staging is not None
    aside: Path | None = None
    swapped = False
    try:
        with transaction.atomic(using=using):
            _replace_rows(verified, progress, using)
            if saved is not None:
                _check_restored_trail(saved, using)
            _record_restore(verified)
            aside = _swap_in(new_files, media)
            swapped = True
    except BaseException:
        if swapped:
            _swap_back(new_files, media, aside)
        raise
    if aside is not None:
        shutil.rmtree(aside, ignore_errors=True)


def _record_restore(verified: VerifiedBackup) -> None:
    manifest = verified.manifest
    audit.record(
        SYSTEM,
        "restore",
        object_type="backup",
        object_repr=verified.path.name,
        message=f"restored backup {verified.path.name} (sha256 {verified.sha256}, created "
        f"{manifest.get('created_at', '?')} by Mamori {manifest.get('mamori_version', '?')}): "
        f"{verified.rows} rows and {len(verified.file_names)} files replaced the previous data",
    )


def _swap_in(new_files: Path, media: Path) -> Path | None:
    """Move the current files folder aside and the restored one into its place; returns the old folder."""
    aside = None
    if media.exists():
        aside = media.with_name(f".{media.name}.before-restore-{os.getpid()}-{timezone.now():%Y%m%d%H%M%S}")
        media.rename(aside)
    try:
        new_files.rename(media)
    except OSError:
        if aside is not None:
            aside.rename(media)
        raise
    return aside


def _swap_back(new_files: Path, media: Path, aside: Path | None) -> None:
    if media.exists():
        media.rename(new_files)
    if aside is not None:
        aside.rename(media)


def _replace_rows(verified: VerifiedBackup, progress: bool, using: str) -> None:
    assert verified.staging is not None
    connection = connections[using]
    chosen = backup_models()
    by_label = {m._meta.label_lower: m for m in chosen}
    _empty_tables(chosen, using)
    with connection.constraint_checks_disabled():
        loaded = _load_rows(verified.staging / "db.jsonl", by_label, verified.rows, progress, using)
    try:
        connection.check_constraints(table_names=[m._meta.db_table for m in chosen])
    except Exception as exc:  # IntegrityError on every backend, with the offending table named
        raise BackupRefused(
            f"backup refused: the rows break a database constraint ({exc}) — nothing was changed"
        ) from None
    _reset_sequences(chosen, using)
    _check_counts(verified.manifest["counts"], loaded, chosen, using)


def _empty_tables(chosen: list[type[models.Model]], using: str) -> None:
    connection = connections[using]
    tables = [m._meta.db_table for m in chosen]
    tables += [m._meta.db_table for m in apps.get_models() if m._meta.app_label in EXCLUDED_APPS and m._meta.managed]
    with connection.cursor() as cursor:
        for sql in connection.ops.sql_flush(no_style(), tables, reset_sequences=False, allow_cascade=False):
            cursor.execute(sql)


def _load_rows(
    rows_path: Path, by_label: dict[str, type[models.Model]], total: int, progress: bool, using: str
) -> Counter[str]:
    loaded: Counter[str] = Counter()
    batch: list[models.Model] = []
    batch_model: type[models.Model] | None = None
    limit = 0
    with rows_path.open("rb") as stream, tqdm(total=total, unit=" rows", desc="restore", disable=not progress) as bar:
        for number, line in enumerate(stream, start=1):
            model, obj = _parse_row(line, number, by_label)
            if model is not batch_model or len(batch) >= limit:
                _insert(batch_model, batch, using)
                batch, batch_model, limit = [], model, _batch_size(model, using)
            batch.append(obj)
            loaded[model._meta.label_lower] += 1
            bar.update()
        _insert(batch_model, batch, using)
    return loaded


def _parse_row(
    line: bytes, number: int, by_label: dict[str, type[models.Model]]
) -> tuple[type[models.Model], models.Model]:
    where = f"{DATABASE_MEMBER} line {number}"
    try:
        row = json.loads(line)
        model = by_label[row["model"]]
        values = {}
        for f in _stored_fields(model):
            values[f.attname] = _load_value(f, row["fields"][f.attname])
        return model, model(**values)
    except KeyError as exc:
        raise BackupRefused(
            f"backup refused: {where} names an unknown model or field {exc} — nothing was changed"
        ) from None
    except (ValueError, TypeError, ValidationError) as exc:
        raise BackupRefused(f"backup refused: {where} cannot be loaded ({exc}) — nothing was changed") from None


def _batch_size(model: type[models.Model], using: str) -> int:
    fields = _stored_fields(model)
    return max(1, min(500, connections[using].ops.bulk_batch_size(fields, [None] * 500)))


def _insert(model: type[models.Model] | None, batch: list[models.Model], using: str) -> None:
    if model is None or not batch:
        return
    try:
        # raw=True stores the values as they are: no auto_now stamps, no save() side effects, no signals.
        model._base_manager.using(using)._insert(batch, fields=_stored_fields(model), using=using, raw=True)  # type: ignore[attr-defined]
        reset_queries()  # with DEBUG on, Django would keep every multi-row INSERT in memory
    except DatabaseError as exc:
        raise BackupRefused(
            f"backup refused: rows of {model._meta.label_lower} cannot be stored ({exc}) — nothing was changed"
        ) from None


def _reset_sequences(chosen: list[type[models.Model]], using: str) -> None:
    connection = connections[using]
    statements = connection.ops.sequence_reset_sql(no_style(), chosen)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def _check_counts(expected: dict[str, Any], loaded: Counter[str], chosen: list[type[models.Model]], using: str) -> None:
    problems = []
    for model in chosen:
        label = model._meta.label_lower
        want = int(expected.get(label, 0))
        have = model._base_manager.using(using).count()
        if loaded[label] != want or have != want:
            problems.append(f"{label}: manifest {want}, archive {loaded[label]}, database {have}")
    unknown = sorted(set(expected) - {m._meta.label_lower for m in chosen})
    if unknown:
        problems.append("models unknown here: " + ", ".join(unknown))
    if problems:
        raise BackupRefused(
            "backup refused: row counts do not match: " + "; ".join(problems) + " — nothing was changed"
        )


def summary(manifest: dict[str, Any]) -> str:
    """One line about a verified backup, for the console."""
    files = sum(1 for name in manifest["members"] if name.startswith(FILES_PREFIX))
    return (
        f"created {manifest.get('created_at', '?')} by Mamori {manifest.get('mamori_version', '?')} on "
        f"{manifest.get('database_vendor', '?')}: {sum(manifest['counts'].values())} rows, {files} files"
    )
