"""Preserve now (今すぐ保全): a read-only, consistent copy of a case's data source or of files, into the locker.

``start_preservation`` checks the actor and the target and queues the job ``evidence.preserve``; the job
(:func:`run_preservation`) makes the copy with a producer of ``dumps.py``, streams it through
``storage.write_stream(..., encrypt=True)`` (hashed on the way in, always encrypted: the copy may hold card
data) and records it with ``services.add_preserved_copy`` under the case's hold. The case's timeline says
when it started, what was preserved with its SHA-256, or why it failed.

A preserved copy is never scanned into findings: its clear values must not leave the locker.

Settings: ``MAMORI_PRESERVE_DUMP_TOOLS`` (default on: use ``pg_dump``/``mysqldump`` when installed; off:
always the logical export), ``MAMORI_PRESERVE_STATEMENT_TIMEOUT`` (seconds one statement of the logical
export may take, default 3600), ``MAMORI_PRESERVE_MANIFEST_ROWS`` (files listed in the evidence row's
manifest, default 10,000; the manifest inside the tar always lists all).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from mamori.accounts import policy
from mamori.accounts.policy import Action, Actor
from mamori.audit import services as audit
from mamori.discovery.models import DataSource, SourceKind
from mamori.env import make_private_dir
from mamori.evidence import dumps
from mamori.incidents.models import IncidentCase, TimelineEvent, TimelineKind
from mamori.jobs.models import Job, Status

log = logging.getLogger("mamori.evidence")

TASK = "evidence.preserve"
CASE = "incident_case"
EVIDENCE = "evidence"
MAX_PATHS = 50
ACTIVE = (Status.QUEUED, Status.RUNNING)
Progress = Callable[[int, str], None]


class PreservationFailed(Exception):
    """The copy could not be made or stored; the message says why (no password, no card data)."""


# --------------------------------------------------------------------------------------------------
# Who may preserve


def check_may_preserve(actor: Actor, case: IncidentCase) -> None:
    """404 for a case the actor may not see; 403 unless it may add evidence and open preserved copies.

    The result is a preserved copy that may hold card data, so only those who may read such copies may make
    one (the manager in practice): staff and contractor users may add evidence but not this.
    """
    policy.check(actor, Action.VIEW, CASE, case)
    policy.check(actor, Action.ADD, EVIDENCE)
    if Action.READ_PRESERVED not in policy.allowed(actor, EVIDENCE):
        raise PermissionDenied("Your role may not make preserved copies.")


def may_preserve(actor: Actor, case: IncidentCase) -> bool:
    try:
        check_may_preserve(actor, case)
    except (PermissionDenied, policy.NotVisible):
        return False
    return True


# --------------------------------------------------------------------------------------------------
# Starting


def start_preservation(
    actor: Actor, case: IncidentCase, source: DataSource | None = None, paths: Sequence[str] | None = None
) -> Job:
    """Queue a preservation of ``source`` (linked to the case) or of ``paths`` (files and folders).

    While the same preservation is queued or running, that job is returned instead of a second one.
    """
    check_may_preserve(actor, case)
    if (source is None) == (not paths):
        raise ValidationError({"source": _("Choose a linked data source or enter file paths, not both.")})
    if case.archived_at is not None:
        raise ValidationError({"case": _("This case is archived; nothing more is preserved for it.")})
    args: dict[str, Any] = {"case_id": case.pk, "actor_id": _actor_id(actor)}
    if source is not None:
        _check_source(case, source)
        args["source_id"] = source.pk
        what = source.name
    else:
        args["paths"] = _check_paths(paths or [])
        what = ", ".join(args["paths"])
    from mamori.jobs.services import submit

    with transaction.atomic():
        IncidentCase.objects.select_for_update().filter(pk=case.pk).first()  # one request at a time per case
        running = _same_job(args)
        if running is not None:
            return running
        job = submit(actor, TASK, args, max_attempts=1)
        audit.record(actor, "preservation_started", case, message=f"{what} (job {job.pk})")
        _timeline(actor, case, _("Preservation started: %(what)s") % {"what": what}, f"job:{job.pk}")
    return job


def _actor_id(actor: Actor) -> int | None:
    return None if policy.is_system(actor) else getattr(actor, "pk", None)


def _check_source(case: IncidentCase, source: DataSource) -> None:
    from mamori.discovery import services as discovery

    if not case.data_sources.filter(pk=source.pk).exists():
        raise ValidationError({"source": _("This data source is not linked to the case; link it first.")})
    try:
        discovery.check_target(source)
    except ValidationError as exc:
        raise ValidationError({"source": exc.messages}) from None


def _check_paths(paths: Sequence[str]) -> list[str]:
    from mamori.discovery import targets

    cleaned = list(dict.fromkeys(p.strip() for p in paths if p and p.strip()))
    if not cleaned:
        raise ValidationError({"paths": _("Enter at least one absolute path of a file or folder.")})
    if len(cleaned) > MAX_PATHS:
        raise ValidationError({"paths": _("At most %(count)d paths at a time.") % {"count": MAX_PATHS}})
    for path in cleaned:
        if "\x00" in path:
            raise ValidationError({"paths": _("A path may not hold a NUL character.")})
        try:
            resolved = targets.check_path(path)
        except ValidationError as exc:
            raise ValidationError({"paths": exc.messages}) from None
        if not resolved.exists():
            raise ValidationError({"paths": _("%(path)s does not exist.") % {"path": path}})
    return cleaned


def _same_job(args: Mapping[str, Any]) -> Job | None:
    jobs = preservation_jobs_of(int(args["case_id"])).filter(status__in=ACTIVE)
    for job in jobs:
        if job.args.get("source_id") == args.get("source_id") and job.args.get("paths") == args.get("paths"):
            return job
    return None


def preservation_jobs_of(case_id: int) -> QuerySet[Job]:
    return Job.objects.filter(name=TASK, args__case_id=case_id).order_by("-created_at")


def preservation_jobs(actor: Actor, case: IncidentCase) -> QuerySet[Job]:
    """The case's preservations, newest first (for those who may preserve)."""
    check_may_preserve(actor, case)
    return preservation_jobs_of(case.pk)


def preservation_job(actor: Actor, case: IncidentCase, job_id: object) -> Job:
    check_may_preserve(actor, case)
    try:
        wanted = uuid.UUID(str(job_id))
    except ValueError:
        raise policy.NotVisible("No preservation matches the given query.") from None
    job = preservation_jobs_of(case.pk).filter(pk=wanted).first()
    if job is None:
        raise policy.NotVisible("No preservation matches the given query.")
    return job


def _timeline(actor: Actor, case: IncidentCase, title: str, reference: str, description: str = "") -> None:
    """A line Mamori writes on the case's timeline, with its audit entry (the caller's transaction)."""
    event = TimelineEvent.objects.create(
        case=case,
        kind=TimelineKind.SYSTEM,
        occurred_at=timezone.now(),
        title=title[:300],
        description=description,
        source=_("Preserve now"),
        reference=reference[:100],
        recorded_by=actor if _actor_id(actor) else None,
    )
    audit.record_create(actor, event)


# --------------------------------------------------------------------------------------------------
# Running (the job)


def run_preservation(
    *,
    case_id: int,
    actor_id: int | None,
    source_id: int | None = None,
    paths: Sequence[str] | None = None,
    progress: Progress | None = None,
    job_id: str = "",
) -> dict[str, Any]:
    """Make the copy, store it encrypted and record it; ``PreservationFailed`` with the reason otherwise."""
    from mamori.evidence import services as evidence_services
    from mamori.evidence import storage

    report = _throttled(progress or (lambda percent, message: None))
    case, actor, source = _load(case_id, actor_id, source_id)
    try:
        check_may_preserve(actor, case)  # the actor may have lost the right since the job was queued
    except (PermissionDenied, policy.NotVisible):
        raise PreservationFailed(_("The person who started it may no longer make preserved copies.")) from None
    info = dumps.DumpInfo()
    temp = _temp_dir(job_id)
    try:
        if source is not None:
            chunks, label, where = _source_chunks(source, info, temp, report)
        else:
            chunks, label, where = _paths_chunks(list(paths or []), info, report)
        try:
            blob = storage.write_stream(chunks, encrypt=True)
        except (dumps.DumpError, storage.StorageError, OSError) as exc:
            raise PreservationFailed(_scrub(str(exc), source)) from None
    finally:
        _remove_tree(temp)
    report(99, _("recording"))
    name = f"{label}-{timezone.localtime():%Y%m%d-%H%M%S}.{info.file_extension}"
    with transaction.atomic():
        evidence = evidence_services.add_preserved_copy(
            actor,
            case,
            name=name,
            blob=blob,
            description=_description(info, where),
            source=source,
            manifest=_manifest(info, where),
        )
        title = _("Preserved: %(name)s, SHA-256 %(sha256)s") % {"name": name, "sha256": blob.sha256}
        _timeline(actor, case, title, f"evidence:{evidence.pk}", _description(info, where))
    report(100, _("done"))
    return {"evidence": evidence.pk, "name": name, "sha256": blob.sha256, "size": blob.size, "method": info.method}


def _load(case_id: int, actor_id: int | None, source_id: int | None) -> tuple[IncidentCase, Actor, DataSource | None]:
    from mamori.accounts.models import User

    case = IncidentCase.objects.filter(pk=case_id).first()
    if case is None:
        raise PreservationFailed(_("The case no longer exists."))
    actor: Actor = policy.SYSTEM
    if actor_id is not None:
        actor = User.objects.filter(pk=actor_id).first()
        if actor is None:
            raise PreservationFailed(_("The person who started it no longer exists."))
    source = None
    if source_id is not None:
        source = DataSource.objects.filter(pk=source_id).first()
        if source is None:
            raise PreservationFailed(_("The data source no longer exists."))
        try:
            _check_source(case, source)  # still linked, still on the allow-list
        except ValidationError as exc:
            raise PreservationFailed(" ".join(exc.messages)) from None
    return case, actor, source


def _throttled(progress: Progress) -> Callable[[float, str], None]:
    """A producer's (fraction, message) as the job's percent, at most once a second (each is a database write)."""
    last = [0.0]

    def report(fraction: float, message: str) -> None:
        now = time.monotonic()
        if now - last[0] < 1.0 and fraction < 1.0:
            return
        last[0] = now
        progress(int(max(0.0, min(1.0, fraction)) * 100), message[:300])

    return report


def _source_chunks(
    source: DataSource, info: dumps.DumpInfo, temp: Path, report: Callable[[float, str], None]
) -> tuple[Iterator[bytes], str, str]:
    label = slugify(source.name, allow_unicode=True)[:60] or f"source-{source.pk}"
    if source.kind == SourceKind.FILES:
        return dumps.files_tar([Path(source.location)], info, progress=report), label, source.location
    from mamori.discovery import secrets
    from mamori.discovery import services as discovery
    from mamori.discovery.engine.database import connect

    try:
        url = connect.parse_url(discovery.database_url(source))
    except (connect.SourceError, secrets.SecretUnavailable) as exc:
        raise PreservationFailed(_scrub(str(exc), source)) from None
    where = connect.display(url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        return dumps.sqlite_backup(Path(url.database or ""), info, temp_dir=temp, progress=report), label, where
    tool = dumps.dump_tool(backend) if getattr(settings, "MAMORI_PRESERVE_DUMP_TOOLS", True) else None
    if tool is None:
        return _logical_export(url, info, report), label, where
    target = dumps.ServerTarget.from_url(url)
    expected = _database_size(url)
    if target.backend == "postgresql":
        chunks = dumps.pg_dump(target, info, tool=tool, progress=report, expected_bytes=expected)
    else:
        chunks = dumps.mysqldump(target, info, tool=tool, temp_dir=temp, progress=report, expected_bytes=expected)
    return chunks, label, where


def _logical_export(url: Any, info: dumps.DumpInfo, report: Callable[[float, str], None]) -> Iterator[bytes]:
    from mamori.discovery.engine.database import connect, tables

    timeout = float(getattr(settings, "MAMORI_PRESERVE_STATEMENT_TIMEOUT", 3600))
    try:
        engine = connect.open_readonly(url, statement_timeout_s=timeout, connect_timeout_s=_connect_timeout())
    except connect.SourceError as exc:
        raise dumps.DumpError(str(exc)) from None
    try:
        yield from dumps.logical_export(
            engine,
            info,
            list_tables=lambda e: tables.list_tables(e, tables.TableFilter()),
            batches=tables.batches,
            estimated_rows=tables.estimated_rows,
            progress=report,
        )
    except Exception as exc:
        if isinstance(exc, dumps.DumpError):
            raise
        raise dumps.DumpError(f"{type(exc).__name__}: {exc}".splitlines()[0][:300]) from None
    finally:
        engine.dispose()


def _database_size(url: Any) -> int | None:
    """The database's size on the server, to show a rough percentage while the dump tool runs."""
    import sqlalchemy as sa

    from mamori.discovery.engine.database import connect

    queries = {
        "postgresql": "SELECT pg_database_size(current_database())",
        "mysql": "SELECT SUM(data_length) FROM information_schema.TABLES WHERE table_schema = DATABASE()",
    }
    query = queries.get("postgresql" if url.get_backend_name() == "postgresql" else "mysql")
    try:
        engine = connect.open_readonly(url, statement_timeout_s=10, connect_timeout_s=_connect_timeout())
    except connect.SourceError as exc:
        raise PreservationFailed(str(exc)) from None
    try:
        with engine.connect() as conn:
            value = conn.execute(sa.text(query or "SELECT NULL")).scalar()
        return int(value) if value else None
    except sa.exc.SQLAlchemyError:
        return None
    finally:
        engine.dispose()


def _connect_timeout() -> float:
    return float(getattr(settings, "MAMORI_SCAN_CONNECT_TIMEOUT", 10))


def _paths_chunks(
    paths: list[str], info: dumps.DumpInfo, report: Callable[[float, str], None]
) -> tuple[Iterator[bytes], str, str]:
    try:
        roots = [Path(p) for p in _check_paths(paths)]  # the allow-list may have been narrowed meanwhile
    except ValidationError as exc:
        raise PreservationFailed(" ".join(exc.messages)) from None
    label = slugify(roots[0].name, allow_unicode=True)[:60] or "files"
    return dumps.files_tar(roots, info, progress=report), f"files-{label}", ", ".join(str(r) for r in roots)


def _description(info: dumps.DumpInfo, where: str) -> str:
    lines = [
        _("Preserved copy of %(where)s, made by Mamori (%(method)s).") % {"where": where, "method": info.method},
        _("Encrypted at rest; only the protection manager and invited investigators may open it."),
    ]
    details = info.details
    if "consistency" in details:
        lines.append(_("Consistency: %(how)s.") % {"how": details["consistency"]})
    if details.get("tool_version"):
        lines.append(_("Tool: %(tool)s.") % {"tool": details["tool_version"]})
    if "rows" in details:
        counts = {"tables": len(details["tables"]), "rows": details["rows"]}
        lines.append(_("%(tables)d tables, %(rows)d rows.") % counts)
    if "files" in details:
        lines.append(
            _("%(files)d files, %(bytes)d bytes; SHA-256 of each file in manifest.json.")
            % {"files": details["files"], "bytes": details["bytes"]}
        )
        if details.get("problems"):
            lines.append(_("%(count)d problems are listed in the manifest.") % {"count": details["problems"]})
    return "\n".join(lines)


def _manifest(info: dumps.DumpInfo, where: str) -> dict[str, Any]:
    manifest: dict[str, Any] = {"method": info.method, "source": where, "details": info.details}
    if info.manifest is not None:
        limit = int(getattr(settings, "MAMORI_PRESERVE_MANIFEST_ROWS", 10_000))
        files = info.manifest.get("files", [])
        manifest.update({k: v for k, v in info.manifest.items() if k != "files"})
        manifest["files"] = files[:limit]
        manifest["files_truncated"] = len(files) > limit
    return manifest


def _scrub(message: str, source: DataSource | None) -> str:
    """A driver or tool could echo the password back: it never reaches the job page or the timeline."""
    from mamori.discovery import services as discovery

    return (message if source is None else discovery._scrub(message, source))[:1000]
    from mamori.discovery import secrets

    try:
        password = secrets.decrypt(source.encrypted_secret)
    except secrets.SecretUnavailable:
        return message[:1000]
    return (message.replace(password, "********") if password else message)[:1000]


# --------------------------------------------------------------------------------------------------
# Temporary files (they may hold clear data: private, and removed however the job ends)


def temp_root() -> Path:
    return Path(settings.DATA_DIR) / "preserve-tmp"


def _temp_dir(job_id: str) -> Path:
    folder = temp_root() / (job_id or uuid.uuid4().hex)
    make_private_dir(folder)
    return folder


def _remove_tree(folder: Path) -> None:
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_dir() and not path.is_symlink():
            path.rmdir()
        else:
            path.unlink(missing_ok=True)
    folder.rmdir()


def remove_stale_temp_files() -> int:
    """Remove the temporary folders of preservations that are no longer running (a worker died mid-copy)."""
    root = temp_root()
    if not root.is_dir():
        return 0
    running = {str(pk) for pk in Job.objects.filter(name=TASK, status__in=ACTIVE).values_list("pk", flat=True)}
    removed = 0
    for folder in root.iterdir():
        if folder.is_dir() and folder.name not in running:
            _remove_tree(folder)
            removed += 1
    return removed


# --------------------------------------------------------------------------------------------------
# When it fails


def preservation_failed(args: Mapping[str, Any], reason: str) -> None:
    """Write the reason on the case's timeline (called whenever the job ends without success)."""
    case = IncidentCase.objects.filter(pk=_int(args.get("case_id"))).first()
    if case is None:
        return
    from mamori.accounts.models import User

    actor: Actor = User.objects.filter(pk=_int(args.get("actor_id"))).first() or policy.SYSTEM
    source_id = _int(args.get("source_id"))
    what = _source_name(source_id) if source_id else ", ".join(args.get("paths") or [])
    with transaction.atomic():
        audit.record(actor, "preservation_failed", case, message=f"{what}: {reason}"[:2000])
        _timeline(actor, case, _("Preservation failed: %(what)s") % {"what": what}, "", reason)


def _int(value: object) -> int:
    return value if isinstance(value, int) else 0


def _source_name(source_id: int) -> str:
    source = DataSource.objects.filter(pk=source_id).first()
    return source.name if source is not None else f"#{source_id}"
