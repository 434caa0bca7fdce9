"""Background jobs (バックグラウンド処理): the table that is the single source of truth.

Whichever backend wakes the workers (the database itself, or Redis), a job's state lives here. A worker
owns a running job through a lease (``lease_owner`` until ``lease_expires_at``); every write a worker makes
to a running job is conditional on still holding that lease, so a worker whose lease was taken over can
never mark the job done a second time.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


FINISHED = frozenset({Status.SUCCEEDED, Status.FAILED, Status.CANCELLED})


class Job(models.Model):
    """One run of a registered task with its arguments, retried until it succeeds or runs out of attempts."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("task"), max_length=100)
    args = models.JSONField(_("arguments"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    max_attempts = models.PositiveIntegerField(_("maximum attempts"), default=3)
    run_after = models.DateTimeField(_("run after"), default=timezone.now)
    lease_owner = models.CharField(_("worker"), max_length=200, blank=True)
    lease_expires_at = models.DateTimeField(_("lease expires at"), null=True, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    progress_message = models.CharField(_("progress message"), max_length=300, blank=True)
    result = models.JSONField(_("result"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "run_after"], name="jobs_due_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="jobs_progress_at_most_100"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.pk})"

    @property
    def label(self) -> str:
        """What the job does, translated (the task's label; its name if it has none)."""
        from mamori.jobs import registry

        return registry.label(self.name)

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED
