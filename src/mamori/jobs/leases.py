"""The database operations behind a job's lease. Each is one conditional UPDATE, so it is atomic on
SQLite and PostgreSQL alike without table locks.

A worker claims a job by setting itself as ``lease_owner`` in an UPDATE whose WHERE clause still demands
that the job be claimable; of several workers racing for one job exactly one UPDATE matches. Every later
write (heartbeat, progress, completion, retry, release) also demands ``lease_owner = me`` and
``status = running``: a worker whose lease expired and was taken over finds that its writes match nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from mamori.jobs import registry
from mamori.jobs.models import Job, Status

ERROR_MAX_CHARS = 2000


def _due(now: dt.datetime) -> Q:
    """Queued and due, or running under a lease that has expired (its worker died) with attempts left."""
    return Q(status=Status.QUEUED, run_after__lte=now) | Q(
        status=Status.RUNNING, lease_expires_at__lt=now, attempts__lt=F("max_attempts")
    )


def _held(job_id: uuid.UUID | str, owner: str) -> Any:
    return Job.objects.filter(pk=job_id, status=Status.RUNNING, lease_owner=owner)


def _as_uuid(value: object) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        return None


def claim(owner: str, lease_seconds: float, prefer: object = None) -> Job | None:
    """Take the lease on one due job (``prefer``, a job id from a notification, first); None if none is due."""
    now = timezone.now()
    fail_abandoned(now)
    candidates: list[uuid.UUID] = []
    preferred = _as_uuid(prefer) if prefer else None
    if preferred is not None:
        candidates.append(preferred)
    due = Job.objects.filter(_due(now)).order_by("run_after", "created_at")
    candidates.extend(due.values_list("pk", flat=True)[:20])
    for job_id in candidates:
        taken = (
            Job.objects.filter(_due(now), pk=job_id).update(
                status=Status.RUNNING,
                lease_owner=owner,
                lease_expires_at=now + dt.timedelta(seconds=lease_seconds),
                attempts=F("attempts") + 1,
                started_at=now,
                updated_at=now,
            )
            == 1
        )
        if taken:
            return Job.objects.get(pk=job_id)
    return None


def fail_abandoned(now: dt.datetime | None = None) -> int:
    """Mark failed the jobs whose worker died during their last allowed attempt (their lease expired)."""
    now = now or timezone.now()
    expired = Q(status=Status.RUNNING, lease_expires_at__lt=now, attempts__gte=F("max_attempts"))
    reason = _("The worker stopped while running the last attempt (the lease expired).")
    return fail_jobs(Job.objects.filter(expired), reason, now)


def fail_jobs(jobs: Any, reason: str, now: dt.datetime | None = None) -> int:
    """Mark failed the running jobs of ``jobs`` (a queryset) with ``reason``; each task's failure hook is told."""
    now = now or timezone.now()
    failed = 0
    for job in list(jobs.filter(status=Status.RUNNING).only("pk", "name", "args", "lease_owner")):
        # Conditional on the same owner, so a job that a live worker just finished or took over is left alone.
        written = Job.objects.filter(pk=job.pk, status=Status.RUNNING, lease_owner=job.lease_owner).update(
            status=Status.FAILED,
            error=reason[:ERROR_MAX_CHARS],
            lease_owner="",
            lease_expires_at=None,
            finished_at=now,
            updated_at=now,
        )
        if written:
            failed += 1
            registry.job_ended(job.name, job.args, reason)
    return failed


def requeue_jobs(jobs: Any, reason: str, now: dt.datetime | None = None) -> int:
    """Queue again at once the running jobs of ``jobs`` (a queryset) that have attempts left, noting ``reason``."""
    now = now or timezone.now()
    return jobs.filter(status=Status.RUNNING, attempts__lt=F("max_attempts")).update(
        status=Status.QUEUED,
        run_after=now,
        error=reason,
        lease_owner="",
        lease_expires_at=None,
        updated_at=now,
    )


def heartbeat(job_id: uuid.UUID | str, owner: str, lease_seconds: float) -> bool:
    """Extend the lease; False when this worker no longer holds it."""
    now = timezone.now()
    return _held(job_id, owner).update(lease_expires_at=now + dt.timedelta(seconds=lease_seconds), updated_at=now) == 1


def report_progress(job_id: uuid.UUID | str, owner: str, percent: int, message: str, lease_seconds: float) -> bool:
    now = timezone.now()
    return (
        _held(job_id, owner).update(
            progress=percent,
            progress_message=message[:300],
            lease_expires_at=now + dt.timedelta(seconds=lease_seconds),
            updated_at=now,
        )
        == 1
    )


def complete(job_id: uuid.UUID | str, owner: str, result: Any) -> bool:
    """Record success; refused (False) unless ``owner`` still holds the lease."""
    now = timezone.now()
    return (
        _held(job_id, owner).update(
            status=Status.SUCCEEDED,
            result=result,
            error="",
            progress=100,
            lease_owner="",
            lease_expires_at=None,
            finished_at=now,
            updated_at=now,
        )
        == 1
    )


def retry_or_fail(job: Job, owner: str, error: str, retry_delay: float, *, permanent: bool = False) -> Status | None:
    """After a failed attempt: queue again after ``retry_delay`` or, with no attempts left, mark failed.

    Returns the new status, or None when this worker no longer held the lease (nothing written).
    """
    now = timezone.now()
    error = error[:ERROR_MAX_CHARS]
    if not permanent and job.attempts < job.max_attempts:
        changes: dict[str, Any] = {"status": Status.QUEUED, "run_after": now + dt.timedelta(seconds=retry_delay)}
    else:
        changes = {"status": Status.FAILED, "finished_at": now}
    written = _held(job.pk, owner).update(**changes, error=error, lease_owner="", lease_expires_at=None, updated_at=now)
    return changes["status"] if written == 1 else None


def release(job_id: uuid.UUID | str, owner: str) -> bool:
    """Hand an interrupted job back to the queue, not counting the attempt (the worker is shutting down)."""
    now = timezone.now()
    return (
        _held(job_id, owner).update(
            status=Status.QUEUED,
            attempts=F("attempts") - 1,
            run_after=now,
            lease_owner="",
            lease_expires_at=None,
            updated_at=now,
        )
        == 1
    )
