"""Putting jobs in the queue (ジョブの登録と取消).

``enqueue`` is called by other services (a scan started by a manager, a reminder due), which have already
checked the actor's right to do the thing the job will do; the job itself is no extra permission. It
stores the job and its audit entry in the caller's transaction and wakes a worker once that commits.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mamori.accounts.policy import Action, Actor, check, is_system
from mamori.audit.services import record
from mamori.jobs import registry
from mamori.jobs.backends import get_backend
from mamori.jobs.models import FINISHED, Job, Status

RESOURCE = "job"


def enqueue(actor: Actor, name: str, /, **kwargs: Any) -> Job:
    """Queue task ``name`` with keyword arguments ``kwargs``; ``ValidationError`` stores nothing."""
    return submit(actor, name, kwargs)


def submit(
    actor: Actor,
    name: str,
    args: Mapping[str, Any],
    *,
    max_attempts: int | None = None,
    run_after: dt.datetime | None = None,
) -> Job:
    """Like :func:`enqueue`, with the job's options: attempts allowed, earliest start."""
    task = registry.get(name)
    plain = _json_arguments(name, args)
    task.check_arguments(plain)
    attempts = max_attempts or task.max_attempts or int(getattr(settings, "MAMORI_JOBS_MAX_ATTEMPTS", 3))
    if attempts < 1:
        raise ValidationError(_("A job needs at least one attempt."), code="bad_attempts")
    with transaction.atomic():
        job = Job.objects.create(
            name=name,
            args=plain,
            max_attempts=attempts,
            run_after=run_after or timezone.now(),
            created_by=None if is_system(actor) or not getattr(actor, "pk", None) else actor,
        )
        record(actor, "job_enqueued", job, changes={"name": [None, name]})
        job_id = str(job.pk)
        transaction.on_commit(lambda: get_backend().notify(job_id))
    return job


def _json_arguments(name: str, args: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments as they will come back from the database: plain JSON, else a message naming the bad one."""
    for key, value in args.items():
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise ValidationError(
                _("Argument %(arg)s of task %(name)s cannot be stored as JSON (%(problem)s)."),
                code="not_json",
                params={"arg": key, "name": name, "problem": str(exc)},
            ) from None
    # A round trip turns tuples into lists, as the task will see them on every later attempt too.
    plain: dict[str, Any] = json.loads(json.dumps(dict(args)))
    return plain


def cancel(actor: Actor, job: Job) -> Job:
    """Cancel a queued or running job. A running task learns it at its next progress report."""
    check(actor, Action.CHANGE, RESOURCE, job)
    with transaction.atomic():
        updated = (
            Job.objects.exclude(status__in=FINISHED)
            .filter(pk=job.pk)
            .update(
                status=Status.CANCELLED,
                lease_owner="",
                lease_expires_at=None,
                finished_at=timezone.now(),
                updated_at=timezone.now(),
            )
        )
        if not updated:
            raise ValidationError(_("This job has already finished."), code="finished")
        job.refresh_from_db()
        record(actor, "job_cancelled", job)
        reason = _("The job was cancelled by %(user)s.") % {"user": getattr(actor, "username", str(actor))}
        registry.job_ended(job.name, job.args, reason)
    return job
