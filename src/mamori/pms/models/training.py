"""Training (教育): courses in the yearly plan and each worker's attendance and test result."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Course(models.Model):
    """A course of the yearly training plan (教育計画) that every internal worker must pass by its due date."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("content"), blank=True)
    fiscal_year = models.PositiveIntegerField(_("fiscal year"))
    due_date = models.DateField(_("to be completed by"))
    pass_mark = models.PositiveSmallIntegerField(_("pass mark (%)"), default=80, validators=[MaxValueValidator(100)])
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    archive_reason = models.TextField(_("reason for archiving"), blank=True)

    class Meta:
        verbose_name = _("training course")
        verbose_name_plural = _("training courses")
        ordering = ["-fiscal_year", "due_date", "pk"]

    def __str__(self) -> str:
        return f"{self.fiscal_year} {self.title}"


class TrainingRecord(models.Model):
    """One worker's attendance of a course and test score (受講記録). Corrected, never deleted."""

    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="records")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("worker"), on_delete=models.PROTECT, related_name="training_records"
    )
    completed_on = models.DateField(_("attended on"))
    score = models.PositiveSmallIntegerField(_("test score (%)"), validators=[MaxValueValidator(100)])
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)

    class Meta:
        verbose_name = _("training record")
        verbose_name_plural = _("training records")
        ordering = ["course_id", "user__username"]
        constraints = [models.UniqueConstraint(fields=["course", "user"], name="pms_one_record_per_course_and_user")]

    def __str__(self) -> str:
        return f"{self.course} — {self.user}"

    @property
    def passed(self) -> bool:
        return self.score >= self.course.pass_mark
