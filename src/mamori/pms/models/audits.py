"""Internal audit (内部監査): a yearly plan, a checklist generated from the requirements catalogue, results per item."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mamori.pms.models.controls import Control


class AuditPlanStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")  # 計画
    IN_PROGRESS = "in_progress", _("Auditing")  # 監査中
    REPORTED = "reported", _("Reported")  # 報告済み


class AuditResult(models.TextChoices):
    NOT_CHECKED = "not_checked", _("Not checked yet")  # 未確認
    CONFORMS = "conforms", _("Conforms")  # 適合
    OBSERVATION = "observation", _("Observation")  # 観察事項
    NONCONFORMITY = "nonconformity", _("Nonconformity")  # 不適合


class AuditPlan(models.Model):
    """One internal audit of the year (内部監査計画) by the internal audit manager."""

    title = models.CharField(_("title"), max_length=200)
    fiscal_year = models.PositiveIntegerField(_("fiscal year"))
    scope = models.TextField(_("scope (departments, activities)"), blank=True)
    planned_from = models.DateField(_("planned from"))
    planned_to = models.DateField(_("planned until"))
    lead_auditor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("lead auditor"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=AuditPlanStatus.choices, default=AuditPlanStatus.PLANNED
    )
    report = models.TextField(_("audit report summary"), blank=True)
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("internal audit")
        verbose_name_plural = _("internal audits")
        ordering = ["-fiscal_year", "-planned_from", "-pk"]

    def __str__(self) -> str:
        return f"{self.fiscal_year} {self.title}"


class AuditItem(models.Model):
    """A checklist line: one requirement, its result and what the auditor saw (監査チェックリスト)."""

    plan = models.ForeignKey(
        AuditPlan, verbose_name=_("internal audit"), on_delete=models.PROTECT, related_name="items"
    )
    control = models.ForeignKey(Control, verbose_name=_("requirement"), on_delete=models.PROTECT, related_name="+")
    result = models.CharField(_("result"), max_length=16, choices=AuditResult.choices, default=AuditResult.NOT_CHECKED)
    observed = models.TextField(_("what was checked and seen"), blank=True)
    evidence_ref = models.CharField(_("evidence seen"), max_length=300, blank=True)
    nonconformity = models.ForeignKey(
        "risk.Nonconformity",
        verbose_name=_("nonconformity raised"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit checklist item")
        verbose_name_plural = _("audit checklist items")
        ordering = ["plan_id", "control__order"]
        constraints = [models.UniqueConstraint(fields=["plan", "control"], name="pms_one_item_per_requirement")]

    def __str__(self) -> str:
        return f"{self.plan} — {self.control}"
