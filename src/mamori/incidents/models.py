"""Incident cases (インシデント事案). This first version holds the case and who may see it; timeline,
tasks, evidence under legal hold, APPI deadlines and scoping build on it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class IncidentCase(models.Model):
    """A suspected or confirmed personal-data incident, e.g. a card company's warning of a leak."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CONTAINED = "contained", _("Contained")
        CLOSED = "closed", _("Closed")

    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    discovered_at = models.DateTimeField(_("discovered at"))
    contractor = models.ForeignKey(
        "contractors.Contractor",
        verbose_name=_("contractor involved"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("incident case")
        verbose_name_plural = _("incident cases")
        ordering = ["-discovered_at"]

    def __str__(self) -> str:
        return self.title


class CaseAccess(models.Model):
    """An invitation of an outside investigator (外部調査員) to one case, until ``expires_at``."""

    case = models.ForeignKey(IncidentCase, on_delete=models.CASCADE, related_name="accesses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="case_accesses")
    expires_at = models.DateTimeField(_("access until"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("case access")
        verbose_name_plural = _("case accesses")
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="one_access_per_case_user")]

    def __str__(self) -> str:
        return f"{self.user} → {self.case}"
