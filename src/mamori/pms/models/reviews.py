"""Management review (マネジメントレビュー): inputs gathered for the period, minutes, decisions, top management's
approval."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")  # 作成中
    APPROVED = "approved", _("Approved")  # 承認済み


class ManagementReview(models.Model):
    """One management review. The inputs are a snapshot taken when gathered, so the minutes keep what was on the
    table that day even as the records change later."""

    period_from = models.DateField(_("period from"))
    period_to = models.DateField(_("period until"))
    held_on = models.DateField(_("held on"), null=True, blank=True)
    inputs = models.JSONField(_("inputs"), default=dict, blank=True, editable=False)
    inputs_gathered_at = models.DateTimeField(_("inputs gathered at"), null=True, blank=True, editable=False)
    minutes = models.TextField(_("minutes"), blank=True)
    decisions = models.TextField(_("decisions and instructions"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("management review")
        verbose_name_plural = _("management reviews")
        ordering = ["-period_to", "-pk"]

    def __str__(self) -> str:
        return f"{self.period_from:%Y-%m-%d} – {self.period_to:%Y-%m-%d}"
